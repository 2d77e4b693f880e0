//! `handoff record`: runs a scenario against a live OpenAI-compatible endpoint and writes
//! every model call, human reply and tool result to a recording.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::output::{Color, Format, Status, bad_input, json_text, painted, print, run_json, use_color, verdict_report};
use super::profile::ProfileArg;
use handoff_harness::Design;
use handoff_harness::engine::Outcome;
use handoff_harness::engine::block_on;
use handoff_harness::engine::{Event, EventLog, Observer, TextLines};
use handoff_harness::files::{check_writable, same_file, write_or_fallback};
use handoff_harness::scenario::{Capture, Scenario, ScenarioError};
use handoff_harness::wire::Recorder;
use handoff_harness::wire::Transcript;
use handoff_harness::wire::{Auth, Endpoint, LiveModel, Redactor};

/// What to do with a recording that already exists (vcrpy's record modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mode {
    /// Record only if the file does not exist yet; never overwrite.
    Once,
    /// Answer the calls already recorded from the file; call the endpoint for the others.
    New,
    /// Call the endpoint for every call and overwrite the file.
    All,
}

/// Arguments of `handoff record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The scenario file (JSON): design, task and the human's replies.
    file: PathBuf,
    /// The API base: `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama), ...
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: String,
    /// The model name sent with each request.
    #[arg(long, value_name = "NAME")]
    model: String,
    /// Where to write the recording (default: `<FILE stem>.recording.json` beside FILE).
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// `once`: refuse to overwrite; `new`: call the endpoint only for calls not yet recorded;
    /// `all`: record everything again.
    #[arg(long, value_enum, default_value_t = Mode::Once)]
    mode: Mode,
    /// The environment variable holding the API key (none set: no credentials are sent).
    #[arg(long, value_name = "NAME", default_value = "OPENAI_API_KEY")]
    api_key_env: String,
    /// How the key is sent: `bearer` (Authorization header) or `api-key` (Azure).
    #[arg(long, value_enum, default_value_t = Auth::Bearer)]
    auth: Auth,
    /// Seconds one attempt may take.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = positive_seconds)]
    timeout: Duration,
    /// Attempts after the first on 429, 5xx and timeouts, with exponential backoff (at most 100).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=100))]
    retries: u32,
    /// The longest wait a Retry-After may ask for, in seconds (at most a day).
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = positive_seconds)]
    max_wait: Duration,
    /// A regular expression whose matches in responses are written `[REDACTED]` (repeatable;
    /// the key always is).
    #[arg(long, value_name = "REGEX")]
    redact: Vec<String>,
    /// Output format: `text`, the recorded conversation, or `json`: outcome, expectations
    /// and every event.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    profile: ProfileArg,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

pub(crate) fn http_url(text: &str) -> Result<String, String> {
    match text.split_once("://") {
        Some(("http" | "https", rest)) if !rest.is_empty() => Ok(text.to_string()),
        _ => Err(format!("`{text}` is not an http:// or https:// URL")),
    }
}

/// A number of seconds from a millisecond to a day, as a `Duration`.
pub(crate) fn positive_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s < 0.001 => Err(format!(
            "`{text}` seconds is less than a millisecond, the least allowed"
        )),
        Ok(s) if (0.001..=86_400.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        Ok(s) if s > 86_400.0 => Err(format!("`{text}` seconds is more than a day (86400), the most allowed")),
        _ => Err(format!("`{text}` is not a positive number of seconds")),
    }
}

/// Where a recording goes: `out`, else `<stem>.recording.json` beside the input file; an
/// input on standard input has no folder to put it in, so `--out` is needed.
pub(crate) fn out_path(out: Option<&Path>, file: &Path) -> Result<PathBuf, String> {
    match out {
        Some(out) => Ok(out.to_path_buf()),
        None if file.as_os_str() == handoff_harness::files::STDIN => {
            Err("-: an input on standard input has no folder for its recording; pass --out PATH".into())
        }
        None => Ok(file.with_file_name(format!("{}.recording.json", handoff_harness::files::stem(file)))),
    }
}

/// Where a recording in progress is kept: `<out>.partial`.
pub(crate) fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// Writes a recording (`json`) to `target` atomically; if that fails, to the temporary folder
/// (saying so on standard error), and if that fails too, prints it on standard output rather
/// than lose what was paid for. Where it went, or (printed) why neither place could be written.
pub(crate) fn keep_recording(target: &Path, json: &str) -> Result<PathBuf, String> {
    match write_or_fallback(target, json.as_bytes()) {
        Ok((path, moved)) => {
            if let Some(error) = moved {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "warning: {}: cannot write: {error}; the recording was written to {} instead",
                    target.display(),
                    path.display()
                );
            }
            Ok(path)
        }
        Err(error) => {
            print(json);
            Err(format!(
                "{}: cannot write: {error}, nor in the temporary folder; the recording was printed above",
                target.display()
            ))
        }
    }
}

pub(super) fn record(args: &RecordArgs) -> Status {
    let mut scenario = match Scenario::load_under(&args.file, args.profile.profile) {
        Ok(scenario) => scenario,
        Err(error) => return bad_input(error),
    };
    // Recording runs the live model, whatever model the file names.
    scenario.recording = None;
    let out = match out_path(args.out.as_deref(), &args.file) {
        Ok(out) => out,
        Err(message) => return bad_input(message),
    };
    let partial = partial_path(&out);
    for path in [&out, &partial] {
        if same_file(path, &args.file) {
            return bad_input(format!(
                "{}: is the scenario being recorded; --out must name another file",
                path.display()
            ));
        }
    }
    for (path, read) in [&out, &partial]
        .iter()
        .flat_map(|p| scenario.files_read().into_iter().map(move |r| (p, r)))
    {
        if same_file(path, read) {
            return bad_input(format!(
                "{}: the scenario is read from it; --out must name another file",
                path.display()
            ));
        }
    }
    // `new` goes on from a recording that stopped half-way, else from the last complete one.
    let earlier = match args.mode {
        Mode::Once if out.exists() => {
            return bad_input(format!(
                "{}: exists; --mode new records only the calls it lacks, --mode all records everything again",
                out.display()
            ));
        }
        Mode::New => match [&partial, &out].into_iter().find(|p| p.exists()) {
            Some(path) => match Transcript::load(path) {
                Ok(transcript) => Some(transcript),
                Err(error) => return bad_input(error),
            },
            None => None,
        },
        _ => None,
    };
    // Nothing is paid for until the recording is known to have a place to go.
    for path in [&out, &partial] {
        if let Err(error) = check_writable(path) {
            return bad_input(format!(
                "{}: cannot write the recording there ({error}); no model was called",
                path.display()
            ));
        }
    }
    let key = std::env::var(&args.api_key_env).ok().filter(|k| !k.is_empty());
    let redactor = match Redactor::new(key.as_deref(), &args.redact) {
        Ok(redactor) => redactor,
        Err(error) => return bad_input(error),
    };
    if let Some(warning) = redactor.warning() {
        let _ = writeln!(std::io::stderr().lock(), "warning: {warning}");
    }
    let endpoint = Endpoint {
        api_key: key,
        auth: args.auth,
        timeout: args.timeout,
        retries: args.retries,
        max_wait: args.max_wait,
        ..Endpoint::new(&args.base_url, &args.model)
    };
    let mut recorder = Recorder::new(LiveModel::new(endpoint, redactor), scenario.name.clone())
        .model_name(&args.model)
        .saving_to(&partial);
    if let Some(earlier) = &earlier {
        recorder = recorder.reusing(earlier);
    }
    // The conversation is printed as it goes (to standard error under --format json), so a
    // run that is stopped shows how far it got.
    let color = use_color(args.color) && args.format == Format::Text;
    let mut live = Live {
        lines: TextLines::new(scenario.profile()),
        to_stderr: args.format == Format::Json,
        color,
    };
    let mut inputs = scenario.inputs_to_capture();
    let run = block_on(scenario.run_observed(&mut Capture::new(&mut recorder, inputs.as_mut()), &mut live));
    let run = match run {
        Ok(Ok(run)) => run,
        Ok(Err(error)) => return bad_input(error),
        Err(error) => return bad_input(ScenarioError::Runtime(error)),
    };
    // A partial file that could not be written is worth a warning, not the recording itself.
    if let Some(error) = recorder.save_error() {
        let _ = writeln!(std::io::stderr().lock(), "warning: {error}");
    }
    let reused = recorder.reused();
    let retries = recorder.inner().waits().len();
    let without_usage = recorder.inner().streams_without_usage();
    if without_usage > 0 && scenario.settings.usage_chunk {
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: the endpoint ended {without_usage} stream(s) without the usage chunk the request asked for (stream_options.include_usage); Semantic Kernel then drops the thread of an agent whose first turn passes on no text: say `\"profile\": {{\"name\": \"{}\", \"usage_chunk\": false}}` in the scenario to run as it does there",
            scenario.profile().name
        );
    }
    let failed = matches!(run.outcome(), Outcome::ModelFailed { .. });
    let transcript = recorder.finish(&run);
    // The endpoint failed: keep what was paid for beside the recording, and leave any
    // earlier recording as it was.
    let target = if failed { &partial } else { &out };
    let written = if failed && transcript.calls.is_empty() {
        // Nothing was paid for: no file, and an earlier partial recording stays as it was.
        None
    } else {
        match keep_recording(target, &transcript.to_json()) {
            Ok(path) => {
                if path == *target && !failed {
                    let _ = std::fs::remove_file(&partial);
                }
                Some(path)
            }
            Err(message) => return bad_input(message),
        }
    };
    let verdict = scenario.verdict_with(&run, inputs.as_ref());
    let calls = transcript.calls.len();
    let text = match args.format {
        Format::Json => {
            let mut value = run_json(&scenario, &run, &verdict);
            value["recording"] = json!({
                "file": written.as_ref().map(|p| p.display().to_string()),
                "complete": !failed,
                "calls": calls,
                "reused_calls": reused,
                "retries": retries,
            });
            json_text(&value)
        }
        Format::Text => {
            let mut text = live.lines.finish(run.design());
            text.push_str(&run.outcome_line());
            text.push('\n');
            let mut text = painted(&text, color);
            text.push_str(&verdict_report(&verdict, color));
            text.push_str(&match &written {
                None => "\nrecording stopped: the endpoint failed before any call was recorded\n".to_string(),
                Some(path) if failed => format!(
                    "\nrecording stopped: the endpoint failed; the {calls} call{} recorded so far are in {}\n",
                    if calls == 1 { "" } else { "s" },
                    path.display()
                ),
                Some(path) => format!(
                    "\nrecorded {calls} call{} ({reused} reused, {} from the endpoint, {retries} retr{}) to {}\n",
                    if calls == 1 { "" } else { "s" },
                    calls - reused,
                    if retries == 1 { "y" } else { "ies" },
                    path.display()
                ),
            });
            text
        }
    };
    print(&text);
    if failed || !verdict.passed {
        Status::Failed
    } else {
        Status::Passed
    }
}

/// Prints the conversation of a run as it happens.
struct Live {
    lines: TextLines,
    to_stderr: bool,
    color: bool,
}

impl Observer for Live {
    fn on_event(&mut self, event: &Event, log: &EventLog, design: &Design) {
        let text = painted(&self.lines.event(design, log, event), self.color);
        if self.to_stderr {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        } else {
            print(&text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn no_seconds_argument_panics(text in "\\PC{0,24}", number in proptest::num::f64::ANY) {
            for text in [text, number.to_string(), format!("{number:e}")] {
                if let Ok(duration) = positive_seconds(&text) {
                    proptest::prop_assert!(duration > Duration::ZERO && duration <= Duration::from_secs(86_400));
                }
            }
        }
    }

    #[test]
    fn seconds_arguments_are_positive_and_at_most_a_day() {
        assert_eq!(positive_seconds("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["0", "-1", "nan", "inf", "1e30", "86401", "x", "1e-38"] {
            assert!(positive_seconds(bad).is_err(), "{bad}");
        }
    }
}
