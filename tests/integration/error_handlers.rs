//! The OpenAI Agents SDK's `Runner.run(..., error_handlers={"max_turns": ...})` in a scenario's
//! profile (`error_handlers.max_turns`), written from `tests/test_max_turns.py` of
//! openai-agents 0.24.0; what the next run reads is checked against the real SDK in
//! `conformance/traces/oai/max_turns_handler*.json`.

use serde_json::Value;

use crate::framework_options::{refused, stderr};
use crate::support::{arg, handoff, temp_file};

/// `test_1` with no tools and one scripted text reply, under `max_turns` and `handlers` (the
/// profile's `error_handlers`); `user`: the human's replies.
fn scenario(max_turns: u32, handlers: &str, user: &str) -> String {
    format!(
        r#"{{"task": "user_message", "user": {user},
            "profile": {{"name": "openai-agents", "max_turns": {max_turns}, "error_handlers": {handlers}}},
            "agents": [{{"name": "test_1"}}],
            "model": {{"scripted": {{"test_1": {{"responses": [{{"say": "done"}}]}}}}}}}}"#
    )
}

/// The run of `text` as JSON.
fn run(text: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "handlers.json", text.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)))
}

/// The text of the run's first `[note]`.
fn first_note(run: &Value) -> &str {
    let note = run["events"].as_array().unwrap().iter().find(|e| e["kind"] == "note");
    note.and_then(|e| e["text"].as_str())
        .unwrap_or_else(|| panic!("no note: {run:#}"))
}

/// `test_non_streamed_max_turns_handler_raw_output` (and `_returns_output`, its
/// `RunErrorHandlerResult` form): `max_turns=0`, the handler returns "summary": no model call,
/// the run's final output is the handler's.
#[test]
fn a_max_turns_handler_gives_the_runs_final_output_instead_of_the_error() {
    for handlers in [
        r#"{"max_turns": "summary"}"#,
        r#"{"max_turns": {"final_output": "summary"}}"#,
        r#"{"max_turns": {"final_output": "summary", "include_in_history": false}}"#,
    ] {
        let run = run(&scenario(0, handlers, "[]"));
        assert_eq!(run["outcome"]["kind"], "completed", "{handlers}: {run:#}");
        assert_eq!(run["outcome"]["summary"], "summary", "{handlers}");
        assert_eq!(run["model_calls"], 0, "{handlers}: {run:#}");
        let note = first_note(&run);
        assert!(
            note.starts_with("MaxTurnsExceeded: Max turns (0) exceeded: the run's max_turns error handler ends it"),
            "{note}"
        );
    }
}

/// The host goes on after the handler's output: the human's next message is a new
/// `Runner.run`, whose count of turns starts again (here at 0: the handler answers again).
#[test]
fn after_the_handlers_output_the_human_goes_on() {
    let run = run(&scenario(0, r#"{"max_turns": "Sorry."}"#, r#"["again"]"#));
    assert_eq!(run["outcome"]["kind"], "completed", "{run:#}");
    assert_eq!(run["outcome"]["summary"], "Sorry.", "{run:#}");
    let events = run["events"].as_array().unwrap();
    let handled = events
        .iter()
        .filter(|e| e["kind"] == "note" && e["text"].as_str().unwrap().contains("error handler"))
        .count();
    assert_eq!(handled, 2, "{run:#}");
    assert!(events.iter().any(|e| e["kind"] == "human" && e["text"] == "again"));
}

#[test]
fn error_handlers_are_the_agents_sdks_in_the_forms_a_scenario_can_say() {
    let dir = tempfile::tempdir().unwrap();
    for (text, words) in [
        (
            // A dict with `final_output` is a RunErrorHandlerResult: other keys are the SDK's
            // `UserError("Invalid run error handler result.")`.
            scenario(3, r#"{"max_turns": {"final_output": "x", "extra": 1}}"#, "[]"),
            r#"`error_handlers.max_turns` is a final output: {"max_turns": final output}"#,
        ),
        (
            scenario(3, r#"{"guardrail": "no"}"#, "[]"),
            "`error_handlers.guardrail`: the SDK's handlers are `max_turns`, `model_refusal` and `invalid_final_output`",
        ),
        (
            scenario(
                3,
                r#"{"max_turns": {"final_output": "x", "include_in_history": "no"}}"#,
                "[]",
            ),
            "`error_handlers.max_turns` is a final output",
        ),
        (
            r#"{"task": "t", "profile": {"name": "agent-framework", "error_handlers": {"max_turns": "x"}},
                "agents": [{"name": "a"}, {"name": "b"}]}"#
                .to_string(),
            "`error_handlers` only changes what `openai-agents` does",
        ),
    ] {
        let file = temp_file(&dir, "bad.json", text.as_bytes());
        refused(&file, words);
    }
}

/// Without a human the Agents SDK's `Runner.run` ends with the reply as its `final_output`:
/// `summary_contains` reads it (and fails on a text it does not hold).
#[test]
fn summary_contains_reads_the_final_output_of_a_run_without_a_human() {
    let text = |needle: &str| {
        format!(
            r#"{{"task": "user_message", "profile": "openai-agents", "agents": [{{"name": "test_1"}}],
            "model": {{"scripted": {{"test_1": {{"responses": [{{"say": "done here"}}]}}}}}},
            "expect": {{"outcome": "ended-without-human", "summary_contains": "{needle}"}}}}"#
        )
    };
    let held = run(&text("done"));
    assert_eq!(held["passed"], true, "{held:#}");
    let missed = run(&text("elsewhere"));
    assert_eq!(missed["passed"], false, "{missed:#}");
}

/// `test_non_streamed_refusal_handler_can_skip_history` and `test_streamed_refusal_handler_returns_output`:
/// the model refuses; the `model_refusal` handler's output is the run's final output instead
/// of `ModelRefusalError` (without the handler, the run ends with that error).
#[test]
fn a_model_refusal_handler_gives_the_final_output_instead_of_the_error() {
    let text = |handlers: &str| {
        format!(
            r#"{{"task": "user_message", "profile": {{"name": "openai-agents", "error_handlers": {handlers}}},
            "agents": [{{"name": "test_1"}}],
            "model": {{"scripted": {{"test_1": {{"responses": [{{"refusal": "I cannot help with that request."}}]}}}}}}}}"#
        )
    };
    for handlers in [
        r#"{"model_refusal": "safe fallback"}"#,
        r#"{"model_refusal": {"final_output": "safe fallback", "include_in_history": false}}"#,
    ] {
        let run = run(&text(handlers));
        assert_eq!(run["outcome"]["kind"], "ended-without-human", "{handlers}: {run:#}");
        assert_eq!(run["outcome"]["text"], "safe fallback", "{run:#}");
        assert_eq!(run["model_calls"], 1);
        let note = first_note(&run);
        assert!(
            note.starts_with(
                "ModelRefusalError: Model refused to produce output: I cannot help with that request.: the run's model_refusal error handler ends it"
            ),
            "{note}"
        );
    }
    let raised = run(&text("{}"));
    assert_eq!(raised["outcome"]["kind"], "framework-error", "{raised:#}");
}
