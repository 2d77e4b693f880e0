//! A live model: an OpenAI-compatible Chat Completions endpoint (OpenAI, Azure OpenAI's v1
//! API, Ollama, vLLM, llama.cpp), called over HTTP as `POST {base_url}/chat/completions`.
//!
//! The key is read from an environment variable and sent as a bearer token (or an `api-key`
//! header); it is never stored, printed or recorded: it is scrubbed from every response and
//! error text, with any extra [`Redactor`] patterns. Calls time out; 429 and 5xx answers and
//! timeouts are retried with exponential backoff, honouring `Retry-After` and
//! `retry-after-ms`; any other failure is a clear [`ModelError`].
//!
//! The client is blocking: a call holds the runtime's thread until the endpoint answers,
//! which is what a run that waits for each answer in turn needs.

use std::time::{Duration, SystemTime};

use crate::engine::{Model, ModelError, ModelRequest, Response};
use crate::scripted::pattern::Pattern;
use crate::wire::chat::{parse_response, request_body};
use crate::wire::stream::parse_stream;

/// How the key is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Auth {
    /// `Authorization: Bearer <key>` (OpenAI, Azure OpenAI v1, most local servers).
    #[default]
    Bearer,
    /// `api-key: <key>` (Azure OpenAI deployments).
    ApiKey,
}

/// Where and how to call the endpoint.
#[derive(Clone)]
pub struct Endpoint {
    /// The API base, such as `https://api.openai.com/v1`; `/chat/completions` is appended
    /// (before any query string).
    pub base_url: String,
    /// The model name sent with each request.
    pub model: String,
    /// The key; `None` sends no credentials (local servers).
    pub api_key: Option<String>,
    /// How the key is sent.
    pub auth: Auth,
    /// How long one attempt may take, connection to last byte.
    pub timeout: Duration,
    /// Attempts after the first, on 429, 5xx and timeouts.
    pub retries: u32,
    /// The first backoff when the server names no wait; doubled on each retry, up to 8 s.
    pub backoff: Duration,
    /// The longest wait a `Retry-After` may ask for; a longer one fails the call.
    pub max_wait: Duration,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<hidden>"))
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint with no key, a 60 s timeout, 3 retries from a 500 ms backoff, and waits of
    /// up to 60 s.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Endpoint {
        Endpoint {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            auth: Auth::Bearer,
            timeout: Duration::from_secs(60),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
        }
    }

    /// The URL of the chat completions call.
    pub fn url(&self) -> String {
        let (base, query) = match self.base_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (self.base_url.as_str(), String::new()),
        };
        format!("{}/chat/completions{query}", base.trim_end_matches('/'))
    }
}

/// Patterns scrubbed from everything a live model returns: the key, wherever it stands as a
/// whole token, and any regular expressions configured. Each match becomes `[REDACTED]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    key: Option<String>,
    /// The length of a key too short to redact safely, which is left alone.
    short_key: Option<usize>,
    patterns: Vec<Pattern>,
}

/// The shortest key redacted: a shorter one (local servers accept any, such as `a`) would
/// shred ordinary words.
pub const MIN_KEY_LEN: usize = 8;

impl Redactor {
    /// A redactor of `key` and `patterns`; `Err` names a pattern that does not compile or
    /// that matches the empty string (it would redact between every two characters).
    pub fn new(key: Option<&str>, patterns: &[String]) -> Result<Redactor, String> {
        let patterns = patterns
            .iter()
            .map(|p| {
                let pattern = Pattern::new(p).map_err(|e| format!("--redact: {e}"))?;
                if pattern.is_match("") {
                    return Err(format!(
                        "--redact `{p}`: the pattern matches the empty string, so it would redact between every two characters; give one that matches only the secret"
                    ));
                }
                Ok(pattern)
            })
            .collect::<Result<_, _>>()?;
        let key = key.filter(|k| !k.is_empty());
        let short = key.filter(|k| k.chars().count() < MIN_KEY_LEN);
        Ok(Redactor {
            key: key.filter(|_| short.is_none()).map(String::from),
            short_key: short.map(|k| k.chars().count()),
            patterns,
        })
    }

    /// Why the key is not redacted, if it is too short to be: for a warning.
    pub fn warning(&self) -> Option<String> {
        self.short_key.map(|n| {
            format!(
                "the API key is {n} character{} long, too short to redact without shredding ordinary words (at least {MIN_KEY_LEN}); answers are recorded as they are (the key itself is never written: headers are not recorded)",
                if n == 1 { "" } else { "s" }
            )
        })
    }

    /// `text` with every secret replaced.
    pub fn apply(&self, text: &str) -> String {
        let mut text = match &self.key {
            Some(key) => replace_token(text, key),
            None => text.to_string(),
        };
        for pattern in &self.patterns {
            text = pattern.replace_all(&text, "[REDACTED]");
        }
        text
    }

    fn apply_value(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => *s = self.apply(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.apply_value(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.apply_value(v)),
            _ => {}
        }
    }

    /// `response` with every secret replaced in its text and arguments.
    pub fn apply_response(&self, mut response: Response) -> Response {
        if self.key.is_none() && self.patterns.is_empty() {
            return response;
        }
        response.text = response.text.map(|t| self.apply(&t));
        for call in &mut response.calls {
            call.arguments.values_mut().for_each(|v| self.apply_value(v));
        }
        response
    }
}

/// `text` with each occurrence of `key` that stands as a whole token (no letter, digit, `-`
/// or `_` right before or after it) written `[REDACTED]`.
fn replace_token(text: &str, key: &str) -> String {
    let is_token = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find(key) {
        let start = from + found;
        let end = start + key.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if before.is_none_or(|c| !is_token(c)) && after.is_none_or(|c| !is_token(c)) {
            out.push_str(&text[rest..start]);
            out.push_str("[REDACTED]");
            rest = end;
            from = end;
        } else {
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.push_str(&text[rest..]);
    out
}

/// A model behind an OpenAI-compatible endpoint.
#[derive(Debug, Clone)]
pub struct LiveModel {
    endpoint: Endpoint,
    agent: ureq::Agent,
    redactor: Redactor,
    waits: Vec<Duration>,
    /// Streamed answers that ended without the usage chunk the request asked for.
    without_usage: usize,
}

/// One failed attempt: whether to try again, after how long, and what went wrong.
struct Failure {
    retry: bool,
    wait: Option<Duration>,
    message: String,
}

impl LiveModel {
    /// A client of `endpoint` that scrubs `redactor`'s patterns (and the key) from what it
    /// returns.
    pub fn new(endpoint: Endpoint, redactor: Redactor) -> LiveModel {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(endpoint.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("handoff-harness/", env!("CARGO_PKG_VERSION")))
            .build();
        LiveModel {
            agent: config.into(),
            endpoint,
            redactor,
            waits: Vec::new(),
            without_usage: 0,
        }
    }

    /// How many streamed answers ended without the usage chunk the request asked for: where
    /// the framework is Semantic Kernel Python, such an endpoint costs agents their threads
    /// (`profile.usage_chunk: false`).
    pub fn streams_without_usage(&self) -> usize {
        self.without_usage
    }

    /// Where it calls.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The waits before each retry so far.
    pub fn waits(&self) -> &[Duration] {
        &self.waits
    }

    /// Calls the endpoint for `request`, retrying as configured.
    pub fn call(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        let body = self.body(request);
        self.send(&body)
    }

    /// The body [`LiveModel::call`] posts for `request`: asked as the framework asks
    /// (streamed, with the usage chunk, where its profile does: Semantic Kernel).
    pub fn body(&self, request: &ModelRequest<'_>) -> String {
        let mut body = request_body(&self.endpoint.model, request);
        if request.profile().wire.stream_usage {
            body.pop();
            body.push_str(r#","stream":true,"stream_options":{"include_usage":true}}"#);
        }
        body
    }

    /// Posts `body` (made by [`LiveModel::body`]), retrying as configured: the blocking part
    /// of a call, which needs no request and so may run on a thread of its own.
    pub fn send(&mut self, body: &str) -> Result<Response, ModelError> {
        let url = self.endpoint.url();
        let mut attempt = 0;
        loop {
            let failure = match self.attempt(&url, body) {
                Ok((response, usage)) => {
                    self.without_usage += usize::from(usage == Some(false));
                    return Ok(self.redactor.apply_response(response));
                }
                Err(failure) => failure,
            };
            let backoff = self.endpoint.backoff.checked_mul(2u32.saturating_pow(attempt));
            let wait = failure
                .wait
                .unwrap_or_else(|| backoff.unwrap_or(Duration::MAX).min(Duration::from_secs(8)));
            let message = self.redactor.apply(&failure.message);
            if !failure.retry || attempt >= self.endpoint.retries {
                let tries = if attempt == 0 {
                    String::new()
                } else {
                    format!(" (after {} attempts)", attempt + 1)
                };
                return Err(ModelError::new(format!("POST {url}: {message}{tries}")));
            }
            if wait > self.endpoint.max_wait {
                return Err(ModelError::new(format!(
                    "POST {url}: {message}; the server asks to wait {:.1} s, more than the {:.1} s allowed (--max-wait)",
                    wait.as_secs_f64(),
                    self.endpoint.max_wait.as_secs_f64()
                )));
            }
            self.waits.push(wait);
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// One call: the answer, and for a streamed one whether it ended with a usage chunk.
    fn attempt(&self, url: &str, body: &str) -> Result<(Response, Option<bool>), Failure> {
        let mut call = self.agent.post(url).header("content-type", "application/json");
        if let Some(key) = &self.endpoint.api_key {
            call = match self.endpoint.auth {
                Auth::Bearer => call.header("authorization", format!("Bearer {key}")),
                Auth::ApiKey => call.header("api-key", key),
            };
        }
        let mut answer = call.send(body).map_err(|e| match e {
            ureq::Error::Timeout(_) => Failure {
                retry: true,
                wait: None,
                message: format!(
                    "no answer within {:.1} s (--timeout)",
                    self.endpoint.timeout.as_secs_f64()
                ),
            },
            other => Failure {
                retry: false,
                wait: None,
                message: format!("{other}; is the server running, and is --base-url right?"),
            },
        })?;
        let status = answer.status().as_u16();
        let wait = retry_after(answer.headers());
        let streamed = answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let text = answer.body_mut().read_to_string().map_err(|e| Failure {
            retry: matches!(e, ureq::Error::Timeout(_)),
            wait: None,
            message: format!("reading the answer: {e}"),
        })?;
        if status == 200 {
            let read = match streamed {
                true => parse_stream(&text).map(|(response, usage)| (response, Some(usage))),
                false => parse_response(&text).map(|response| (response, None)),
            };
            return read.map_err(|e| Failure {
                retry: false,
                wait: None,
                message: format!(
                    "the answer is not a Chat Completions response: {e}; it begins: {}",
                    excerpt(&self.redactor.apply(&text))
                ),
            });
        }
        Err(Failure {
            retry: status == 429 || status >= 500,
            wait,
            message: format!("HTTP {status}: {}", server_message(&text, &self.redactor)),
        })
    }
}

impl Model for LiveModel {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        std::future::ready(self.call(request))
    }
}

/// The `error.message` of an OpenAI error body, else the start of the body; redacted before
/// it is cut, so that a key across the cut leaves none of its characters.
fn server_message(body: &str, redactor: &Redactor) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(|m| redactor.apply(m)))
        .unwrap_or_else(|| excerpt(&redactor.apply(body)))
}

fn excerpt(text: &str) -> String {
    let cut: String = text.chars().take(200).collect();
    let cut = cut.replace('\n', " ");
    if text.chars().count() > 200 {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The wait a 429 or 503 asks for: `retry-after-ms` (milliseconds), else `Retry-After` in
/// seconds or as an HTTP date.
fn retry_after(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(seconds(ms / 1000.0));
    }
    retry_after_value(header("retry-after")?, SystemTime::now())
}

/// A `Retry-After` value, seconds or an HTTP date, seen at `now`.
fn retry_after_value(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(s) = value.parse::<f64>() {
        return Some(seconds(s));
    }
    let at = http_date(value)?;
    Some(at.duration_since(now).unwrap_or_default())
}

/// `s` seconds as a wait: negative or not a number is none; too long to hold is
/// [`Duration::MAX`], which no `--max-wait` allows.
fn seconds(s: f64) -> Duration {
    if s.is_nan() || s <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(text: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else { return None };
    // A real date: anything else is no date, never an overflow.
    if !(1..=31).contains(&day)
        || !(1970..=9999).contains(&year)
        || !(0..24).contains(h)
        || !(0..60).contains(m)
        || !(0..=60).contains(s)
    {
        return None;
    }
    // Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = u64::try_from(days * 86_400 + h * 3600 + m * 60 + s).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_keeps_a_query_string_after_the_path() {
        let mut endpoint = Endpoint::new("http://localhost:11434/v1/", "m");
        assert_eq!(endpoint.url(), "http://localhost:11434/v1/chat/completions");
        endpoint.base_url = "https://x.openai.azure.com/openai/deployments/d?api-version=2024-10-21".into();
        assert_eq!(
            endpoint.url(),
            "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21"
        );
    }

    #[test]
    fn http_dates_are_read_as_the_standard_gives_them() {
        let at = http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
        assert_eq!(http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
    }

    #[test]
    fn the_key_is_redacted_only_as_a_whole_token() {
        let redactor = Redactor::new(Some("sk-abcdefgh"), &[]).unwrap();
        assert_eq!(
            redactor.apply("sk-abcdefgh, xsk-abcdefgh, sk-abcdefghi, (sk-abcdefgh)"),
            "[REDACTED], xsk-abcdefgh, sk-abcdefghi, ([REDACTED])"
        );
        assert_eq!(redactor.warning(), None);
    }

    #[test]
    fn an_error_body_is_redacted_before_it_is_cut() {
        let redactor = Redactor::new(Some("sk-0123456789abcdef"), &[]).unwrap();
        // The key straddles the 200th character: cut first, its start would be left.
        let body = format!("<html>{} sk-0123456789abcdef </html>", "x".repeat(185));
        let message = server_message(&body, &redactor);
        assert!(!message.contains("sk-0123"), "{message}");
        assert!(message.contains("[REDACTE"), "{message}");
    }

    #[test]
    fn a_short_key_is_left_alone_with_a_warning() {
        let redactor = Redactor::new(Some("a"), &[]).unwrap();
        assert_eq!(redactor.apply("a banana"), "a banana");
        let warning = redactor.warning().unwrap();
        assert!(
            warning.contains("1 character long") && warning.contains("at least 8"),
            "{warning}"
        );
    }

    #[test]
    fn a_pattern_that_matches_nothing_at_all_is_refused() {
        for pattern in ["", ".*", "a*", "(x)?"] {
            let error = Redactor::new(None, &[pattern.into()]).unwrap_err();
            assert!(error.contains("matches the empty string"), "{pattern}: {error}");
        }
        assert!(Redactor::new(None, &["sk-[a-z]+".into()]).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn no_retry_after_value_panics(value in "\\PC{0,40}", number in proptest::num::f64::ANY) {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            let _ = retry_after_value(&value, now);
            let _ = retry_after_value(&number.to_string(), now);
            let _ = seconds(number);
            let _ = seconds(number / 1000.0);
        }

        #[test]
        fn no_key_or_text_makes_redaction_panic(key in "\\PC{0,12}", text in "\\PC{0,60}") {
            let redactor = Redactor::new(Some(&key), &[]).unwrap();
            let redacted = redactor.apply(&text);
            if key.chars().count() < MIN_KEY_LEN {
                proptest::prop_assert_eq!(redacted, text);
            }
        }
    }

    #[test]
    fn huge_waits_are_refused_not_panicked_on() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for value in ["1e20", "1e309", "inf", "-5", "NaN"] {
            let wait = retry_after_value(value, now).unwrap();
            assert!(wait == Duration::MAX || wait == Duration::ZERO, "{value}: {wait:?}");
        }
        assert_eq!(seconds(1e300 / 1000.0), Duration::MAX);
        assert_eq!(retry_after_value("Sun, 06 Nov 99999999 08:49:37 GMT", now), None);
        assert_eq!(retry_after_value("Sun, 06 Nov 1994 99:49:37 GMT", now), None);
        assert_eq!(
            retry_after_value("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO),
            "past"
        );
    }

    #[test]
    fn the_key_and_configured_patterns_are_redacted() {
        let redactor = Redactor::new(Some("sk-secret"), &["\\d{4}-\\d{4}".into()]).unwrap();
        assert_eq!(
            redactor.apply("key sk-secret, card 1234-5678."),
            "key [REDACTED], card [REDACTED]."
        );
        let error = Redactor::new(None, &["(".into()]).unwrap_err();
        assert!(
            error.starts_with("--redact: regex parse error:") && error.contains("unclosed group"),
            "{error}"
        );
    }
}
