//! A scripted model *error* (an HTTP status with OpenAI's error body, a timeout, a
//! context-length error) and a refusal, and what each framework then does: the OpenAI
//! client's retries (a try that errs and one that answers is one call), the exception each
//! framework ends the run with, the refusal each reads its own way, and the load errors of
//! the new answers. The real frameworks' traces of the same are in `conformance/traces/`
//! (`rate_limit_*`, `context_length_exceeded`, `refusal`), matched by the conformance test.

use serde_json::Value;

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::support::{arg, handoff, handoff_within, root, setup_once, temp_file};

const PROFILES: [&str; 5] = [
    "semantic-kernel",
    "semantic-kernel-fixed",
    "semantic-kernel-dotnet",
    "agent-framework",
    "openai-agents",
];

/// A scenario of two agents, `Triage` and `Refund`, with these scripts and human replies.
fn scenario(dir: &tempfile::TempDir, scripts: &str, user: &str) -> std::path::PathBuf {
    let text = format!(
        r#"{{
  "task": "A customer is on the line.",
  "agents": [ {{ "name": "Triage", "instructions": "Triage." }}, {{ "name": "Refund", "instructions": "Refunds." }} ],
  "handoffs": {{ "Triage": {{ "Refund": "refunds" }}, "Refund": {{ "Triage": "other" }} }},
  "user": {user},
  "model": {{ "scripted": {scripts} }}
}}"#
    );
    temp_file(dir, "errors.json", text.as_bytes())
}

/// `handoff run FILE --profile PROFILE --format json`: the report and the exit code.
fn run(file: &std::path::Path, profile: &str) -> (Value, Option<i32>) {
    let output = handoff(&["run", arg(file), "--profile", profile, "--format", "json"]);
    let text = String::from_utf8(output.stdout).unwrap();
    let report = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (report, output.status.code())
}

/// The texts of the run's notes.
fn notes(report: &Value) -> Vec<String> {
    report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "note")
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

/// How many tries the framework's client makes of one call: the first and its retries.
fn tries(profile: &str) -> u64 {
    if profile == "semantic-kernel-dotnet" { 4 } else { 3 }
}

#[test]
fn a_status_the_client_retries_then_an_answer_is_one_call_under_every_profile() {
    let dir = tempfile::tempdir().unwrap();
    for (error, said) in [
        (r#"{ "status": 429 }"#, "HTTP 429 (rate_limit_exceeded)"),
        (r#"{ "status": 503 }"#, "HTTP 503"),
        (r#""timeout""#, "a timeout"),
    ] {
        let scripts = format!(
            r#"{{ "Triage": {{ "responses": [ {{ "error": {error} }}, {{ "handoff": "Refund" }} ] }},
                  "Refund": {{ "responses": [ {{ "complete": "Refunded." }} ] }} }}"#
        );
        let file = scenario(&dir, &scripts, "[]");
        for profile in PROFILES {
            let (report, code) = run(&file, profile);
            assert_eq!(report["outcome"]["kind"], "completed", "{profile} {error}: {report}");
            assert_eq!(code, Some(0), "{profile}");
            // The retried try is the same call: two calls, Triage's and Refund's.
            assert_eq!(report["model_calls"], 2, "{profile} {error}");
            assert_eq!(report["path"], serde_json::json!(["Triage", "Refund"]));
            let notes = notes(&report);
            let retry = format!(
                "the model's API answered {said}: the framework's OpenAI client tries the call again (retry 1 of {})",
                tries(profile) - 1
            );
            assert!(notes.contains(&retry), "{profile}: {notes:?}");
        }
    }
}

#[test]
fn a_status_on_every_try_fails_the_run_with_the_frameworks_exception() {
    let dir = tempfile::tempdir().unwrap();
    // One error more than any client tries: the last is never read.
    let scripts = r#"{ "Triage": { "responses": [
        { "error": { "status": 429 } }, { "error": { "status": 429 } }, { "error": { "status": 429 } },
        { "error": { "status": 429 } }, { "say": "never read by Python's clients" } ] } }"#;
    let file = scenario(&dir, scripts, "[]");
    let rate = "Error code: 429 - Rate limit reached for requests. Please try again in 1ms.";
    for profile in PROFILES {
        let (report, code) = run(&file, profile);
        let outcome = &report["outcome"];
        assert_eq!(outcome["kind"], "model-failed", "{profile}: {report}");
        assert_eq!(code, Some(1));
        assert_eq!(outcome["detail"]["tries"], tries(profile), "{profile}");
        assert_eq!(outcome["detail"]["status"], 429);
        assert_eq!(outcome["detail"]["client_exception"], "RateLimitError");
        // The failed call is a call the framework made.
        assert_eq!(report["model_calls"], 1, "{profile}");
        let error = outcome["error"].as_str().unwrap();
        let wanted = match profile {
            "agent-framework" => format!(
                "ChatClientException: <class 'agent_framework_openai._chat_completion_client.OpenAIChatCompletionClient'> service failed to complete the prompt: {rate}"
            ),
            "openai-agents" => format!("RateLimitError: {rate}"),
            "semantic-kernel-dotnet" => "HttpOperationException: Service request failed.\nStatus: 429".into(),
            _ => format!(
                "ServiceResponseException: (\"<class 'semantic_kernel.connectors.ai.open_ai.services.open_ai_chat_completion.OpenAIChatCompletion'> service failed to complete the prompt\", RateLimitError('{rate}'))"
            ),
        };
        assert!(error.starts_with(&wanted), "{profile}: {error}");
    }
}

#[test]
fn a_context_length_error_is_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = r#"{ "Triage": { "responses": [ { "handoff": "Refund" } ] },
                       "Refund": { "responses": [ { "error": "context_length_exceeded" }, { "say": "never read" } ] } }"#;
    let file = scenario(&dir, scripts, "[]");
    for profile in PROFILES {
        let (report, _) = run(&file, profile);
        let outcome = &report["outcome"];
        assert_eq!(outcome["kind"], "model-failed", "{profile}: {report}");
        assert_eq!(outcome["agent"], "Refund");
        assert_eq!(outcome["detail"]["tries"], 1);
        assert_eq!(outcome["detail"]["code"], "context_length_exceeded");
        assert_eq!(outcome["detail"]["status"], 400);
        let error = outcome["error"].as_str().unwrap();
        assert!(
            error.contains("maximum context length is 128000 tokens"),
            "{profile}: {error}"
        );
        if profile == "openai-agents" {
            assert!(
                error.starts_with("BadRequestError: Error code: 400 - This model's"),
                "{error}"
            );
        }
        // Python's repr quotes a message with an apostrophe in double quotes.
        if profile == "semantic-kernel" {
            assert!(error.ends_with("BadRequestError(\"Error code: 400 - This model's maximum context length is 128000 tokens. However, your messages resulted in 128001 tokens. Please reduce the length of the messages.\"))"), "{error}");
        }
        assert!(
            notes(&report).contains(
                &"the model's API answered HTTP 400 (context_length_exceeded), which the client does not try again"
                    .to_string()
            ),
            "{profile}"
        );
    }
}

#[test]
fn a_timeout_on_every_try_raises_the_clients_timeout_error() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = r#"{ "Triage": { "rules": [ { "error": "timeout" } ] } }"#;
    let file = scenario(&dir, scripts, "[]");
    let (report, _) = run(&file, "openai-agents");
    assert_eq!(report["outcome"]["error"], "APITimeoutError: Request timed out.");
    assert_eq!(report["outcome"]["detail"]["tries"], 3);
}

#[test]
fn a_rules_call_number_counts_the_tries() {
    let dir = tempfile::tempdir().unwrap();
    // The first try errs (call #1); the retry is call #2 and answers.
    let scripts = r#"{ "Triage": { "rules": [
        { "when": { "call": 1 }, "error": { "status": 500, "message": "boom" } },
        { "when": { "call": 2 }, "say": "Hello after a retry." } ] } }"#;
    let file = scenario(&dir, scripts, "[]");
    let (report, _) = run(&file, "openai-agents");
    assert_eq!(report["outcome"]["kind"], "completed", "{report}");
    assert_eq!(report["model_calls"], 1);
    let text = String::from_utf8(handoff(&["run", arg(&file), "--profile", "openai-agents"]).stdout).unwrap();
    assert!(text.contains("Triage: Hello after a retry."), "{text}");
    // Under Semantic Kernel the same 500 with its message, on every try, names it.
    let scripts =
        r#"{ "Triage": { "rules": [ { "error": { "status": 500, "message": "boom", "type": "server_error" } } ] } }"#;
    let file = scenario(&dir, scripts, "[]");
    let (report, _) = run(&file, "semantic-kernel");
    assert!(
        report["outcome"]["error"]
            .as_str()
            .unwrap()
            .ends_with("InternalServerError('Error code: 500 - boom'))"),
        "{report}"
    );
}

#[test]
fn a_refusal_is_nothing_text_or_an_error_as_each_framework_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = r#"{ "Triage": { "responses": [ { "refusal": "I can't help with that." } ] } }"#;
    let file = scenario(&dir, scripts, "[]");
    // Semantic Kernel Python's stream parser reads no content in a refusal: an empty reply
    // the human is asked about (the usage chunk passes it on), and has nothing to say to.
    let (report, _) = run(&file, "semantic-kernel");
    assert_eq!(report["outcome"]["kind"], "human-exhausted", "{report}");
    assert!(
        notes(&report)
            .iter()
            .any(|n| n.contains("reads no content in a streamed refusal"))
    );
    // Agent Framework's client reads it as text; the human is asked.
    let (report, _) = run(&file, "agent-framework");
    assert_eq!(report["outcome"]["kind"], "ended-without-human", "{report}");
    let text = String::from_utf8(handoff(&["run", arg(&file), "--profile", "agent-framework"]).stdout).unwrap();
    assert!(text.contains("Triage: I can't help with that."), "{text}");
    // The Agents SDK raises ModelRefusalError.
    let (report, code) = run(&file, "openai-agents");
    assert_eq!(report["outcome"]["kind"], "framework-error", "{report}");
    assert_eq!(
        report["outcome"]["error"],
        "ModelRefusalError: Model refused to produce output: I can't help with that."
    );
    assert_eq!(report["model_calls"], 1);
    assert_eq!(code, Some(1));
}

#[test]
fn a_bad_error_or_refusal_is_a_load_error_naming_its_place() {
    let dir = tempfile::tempdir().unwrap();
    for (step, place, message) in [
        (
            r#"{ "error": { "status": 200 } }"#,
            "model.scripted.Triage.responses[0].error.status",
            "200 is not an HTTP error status (400 to 599)",
        ),
        (
            r#"{ "error": "timeot" }"#,
            "model.scripted.Triage.responses[0].error",
            "unknown error `timeot`",
        ),
        (
            r#"{ "error": { "status": 429, "retry": true } }"#,
            "model.scripted.Triage.responses[0].error",
            "unknown field `retry`",
        ),
        (
            r#"{ "error": "timeout", "say": "hi" }"#,
            "model.scripted.Triage.responses[0].say",
            "`error` cannot go with `say`: an error of the model's API is the whole answer",
        ),
        (
            r#"{ "refusal": "no", "handoff": "Refund" }"#,
            "model.scripted.Triage.responses[0].handoff",
            "`refusal` cannot go with `handoff`: a refusal is the whole answer",
        ),
        (
            r#"{ "refusal": "no", "error": "timeout" }"#,
            "model.scripted.Triage.responses[0].refusal",
            "`error` cannot go with `refusal`",
        ),
    ] {
        let scripts = format!(r#"{{ "Triage": {{ "responses": [ {step} ] }} }}"#);
        let file = scenario(&dir, &scripts, "[]");
        let output = handoff(&["run", arg(&file)]);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{step}: {stderr}");
        assert!(stderr.contains(place), "{step}: {stderr}");
        assert!(stderr.contains(message), "{step}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn lint_reads_a_script_with_errors_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = r#"{ "Triage": { "rules": [
        { "when": { "call": 1 }, "error": { "status": 429 } },
        { "when": { "user": "(?i)refund" }, "handoff": "Refund" } ] },
      "Refund": { "responses": [ { "refusal": "I can't help with that." } ] } }"#;
    let file = scenario(&dir, scripts, r#"["I want a refund"]"#);
    let output = handoff(&["lint", arg(&file)]);
    let text = String::from_utf8(output.stdout).unwrap() + &String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{text}");
    let scripts = r#"{ "Triage": { "rules": [ { "error": { "status": 429 } }, { "say": "never" } ] } }"#;
    let file = scenario(&dir, scripts, "[]");
    let output = handoff(&["lint", arg(&file)]);
    let text = String::from_utf8(output.stdout).unwrap();
    // A catch-all error rule shadows the rules after it, like any other catch-all.
    assert!(text.contains("rules[1]"), "{text}");
}

/// The Agents SDK app of `tests/apps/oai_rate_limited.py` (Triage hands off to Refund, whose
/// reply is the final output) under `handoff serve`, Refund's model answering with `refund`.
pub(crate) fn serve_app(dir: &tempfile::TempDir, refund: &str, expect: &str) -> (String, String, Option<i32>) {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    setup_once(&READY, "examples/openai-agents/setup.sh");
    let text = format!(
        r#"{{
  "task": "I want a refund for order 7.",
  "profile": "openai-agents",
  "agents": [
    {{"name": "TriageAgent", "instructions": "Handle customer requests."}},
    {{"name": "RefundAgent", "description": "Handles refunds.", "instructions": "Handle refund requests."}}
  ],
  "handoffs": {{"TriageAgent": {{"RefundAgent": null}}}},
  "model": {{"scripted": {{
    "TriageAgent": {{"responses": [{{"error": {{"status": 429}}}}, {{"handoff": "RefundAgent"}}]}},
    "RefundAgent": {{"responses": {refund}}}
  }}}},
  "expect": {expect}
}}"#
    );
    let file = temp_file(dir, "served.json", text.as_bytes());
    let python = root().join("examples/openai-agents/python.sh");
    let app = root().join("tests/apps/oai_rate_limited.py");
    let output = handoff_within(&["serve", arg(&file), "--", arg(&python), arg(&app)], 120);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    (stdout, stderr, output.status.code())
}

#[test]
fn under_serve_the_apps_own_client_retries_a_429_and_a_503_and_the_conversation_completes() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, stderr, code) = serve_app(
        &dir,
        r#"[{"error": {"status": 503}}, {"error": {"status": 503}}, {"say": "Refund for order 7 is on its way."}]"#,
        r#"{"outcome": "ended-without-human", "path": ["TriageAgent", "RefundAgent"], "model_calls": 2}"#,
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    // Five requests: Triage's twice (a 429, then the retry), Refund's three times.
    assert!(
        stdout.contains("  ok     traffic: 5 requests, each the expected one"),
        "{stdout}"
    );
    assert!(stdout.contains("(retry 2 of 2)"), "{stdout}");
    assert!(
        stdout.contains("RefundAgent: Refund for order 7 is on its way."),
        "{stdout}"
    );
    assert!(
        stderr.contains("app | final output: Refund for order 7 is on its way."),
        "{stderr}"
    );
}

#[test]
fn under_serve_a_context_length_error_raises_in_the_app_what_the_run_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, stderr, code) = serve_app(
        &dir,
        r#"[{"error": "context_length_exceeded"}]"#,
        r#"{"outcome": "model-failed"}"#,
    );
    let reported = "Run stopped: the model of RefundAgent failed: BadRequestError: Error code: 400 - This model's maximum context length is 128000 tokens.";
    assert!(stdout.contains(reported), "{stdout}");
    assert!(stdout.contains("  ok     outcome: model-failed"), "{stdout}");
    // The app's own client raised the same, and the app exited with it.
    assert!(
        stderr.contains(
            "app ! openai.BadRequestError: Error code: 400 - This model's maximum context length is 128000 tokens."
        ),
        "{stderr}"
    );
    assert!(stdout.contains("FAIL: the app exited with status 1"), "{stdout}");
    assert_eq!(code, Some(1));
}

#[test]
fn under_serve_a_refusal_is_refused_as_not_served_yet() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, _, code) = serve_app(
        &dir,
        r#"[{"refusal": "I can't help with that."}]"#,
        r#"{"outcome": "framework-error"}"#,
    );
    assert!(
        stdout.contains("RefundAgent's script answers call 1 with a refusal, which handoff serve does not serve yet"),
        "{stdout}"
    );
    assert_eq!(code, Some(1));
}
