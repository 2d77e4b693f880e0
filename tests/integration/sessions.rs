//! The OpenAI Agents SDK's sessions in a scenario (`profile.session`, `expect.session`),
//! written from `tests/test_max_turns.py`, `tests/test_handoff_history_duplication.py` and
//! `tests/test_agent_runner.py` of openai-agents 0.24.0; what each run reads and what the
//! session holds are checked against the real SDK in `conformance/traces/oai/session_*.json`.

use serde_json::Value;

use crate::framework_options::{refused, stderr};
use crate::support::{arg, handoff, temp_file};

/// `triage` calls `some_function`, then says `a_message` and hands off to `delegate`, which
/// answers; the human replies once and `delegate` answers again. `profile`: its options.
fn scenario(profile: &str, expect: &str) -> String {
    format!(
        r#"{{"task": "user_message", "user": ["thanks"],
            "profile": {{"name": "openai-agents", {profile}}},
            "agents": [{{"name": "triage", "tools": [{{"name": "some_function", "parameters": {{"a": null}}, "result": "result"}}]}},
                       {{"name": "delegate"}}],
            "handoffs": {{"triage": {{"delegate": null}}}},
            "model": {{"scripted": {{
                "triage": {{"responses": [{{"call": {{"tool": "some_function", "args": {{"a": "b"}}}}}},
                                          {{"say": "a_message", "handoff": "delegate"}}]}},
                "delegate": {{"responses": [{{"say": "done"}}, {{"say": "welcome"}}]}}}}}},
            "expect": {expect}}}"#
    )
}

/// `handoff run --format json` of `text`: the exit code and the run.
fn run_json(text: &str) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "session.json", text.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    (out.status.code().unwrap(), run)
}

/// The check named `name` of a run.
fn check<'a>(run: &'a Value, name: &str) -> &'a Value {
    let checks = run["expectations"].as_array().unwrap_or_else(|| panic!("{run:#}"));
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name}: {run:#}"))
}

/// `test_nested_handoff_filters_model_input_but_preserves_session_items`: under
/// `nest_handoff_history` `delegate`'s first call reads summaries without function calls,
/// yet the session keeps every item, the tool's output included, and the next run (the
/// human's reply) reads them all again, un-nested.
#[test]
fn a_nested_handoff_changes_what_the_model_reads_not_what_the_session_keeps() {
    let expect = r#"{"inputs": [
            {"agent": "delegate", "call": 1, "none": [{"type": "function_call"}, {"type": "function_call_output"}]},
            {"agent": "delegate", "call": 2, "count": 8, "items": [{"at": 0, "role": "user", "text": "user_message"},
                {"at": 2, "type": "function_call_output", "text": "result"}, {"at": -1, "role": "user", "text": "thanks"}]}],
        "session": {"count": 9, "any": [{"type": "function_call_output", "text": "result"}],
            "items": [{"at": 3, "role": "assistant", "text": "a_message"}, {"at": -1, "role": "assistant", "text": "welcome"}],
            "none": [{"contains": ["<CONVERSATION HISTORY>"]}]}}"#;
    let (code, run) = run_json(&scenario(r#""nest_handoff_history": true, "session": true"#, expect));
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(check(&run, "session")["passed"], true);

    // Without a session the next run goes on from `result.to_input_list()`: the summaries.
    let (code, run) = run_json(&scenario(
        r#""nest_handoff_history": true"#,
        r#"{"inputs": [{"agent": "delegate", "call": 2, "items": [{"at": 0, "role": "assistant", "contains": ["<CONVERSATION HISTORY>"]}]}]}"#,
    ));
    assert_eq!(code, 0, "{run:#}");
}

/// A session check that does not hold fails the run (exit 1) and says what the session holds.
#[test]
fn a_session_check_that_fails_shows_the_items() {
    let (code, run) = run_json(&scenario(
        r#""session": true"#,
        r#"{"session": {"count": 3, "items": [{"at": 1, "type": "message"}]}}"#,
    ));
    assert_eq!(code, 1, "{run:#}");
    let session = check(&run, "session");
    assert_eq!(session["passed"], false);
    let actual = session["actual"].as_str().unwrap();
    assert!(
        actual.starts_with("it holds 9 items: 9 items, not 3; [1] is a function_call, not a message"),
        "{actual}"
    );
}

/// `remove_all_tools` on the handoff: the turn that hands off is saved as the filter left it
/// (its text, without the transfer call and its output); the earlier turns' items stay.
#[test]
fn a_filtered_handoff_saves_its_turn_as_the_filter_left_it() {
    let expect = r#"{"session": {"count": 7, "items": [{"at": 1, "type": "function_call", "calls": ["some_function"]},
        {"at": 3, "role": "assistant", "text": "a_message"}, {"at": 4, "role": "assistant", "text": "done"}],
        "none": [{"calls": ["transfer_to_delegate"]}]}}"#;
    let (code, run) = run_json(&scenario(
        r#""handoff_input_filter": "remove_all_tools", "session": true"#,
        expect,
    ));
    assert_eq!(code, 0, "{run:#}");
}

/// The session's items and the check are refused where they mean nothing: `session` under
/// another profile, `expect.session` without one, a check that cannot be one.
#[test]
fn sessions_are_refused_where_they_mean_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let other = scenario(r#""session": true"#, "{}").replace("openai-agents", "agent-framework");
    refused(
        &temp_file(&dir, "other.json", other.as_bytes()),
        "`session` only changes what `openai-agents` does",
    );
    let unkept = scenario(r#""max_turns": 10"#, r#"{"session": {"count": 1}}"#);
    let file = temp_file(&dir, "unkept.json", unkept.as_bytes());
    refused(&file, "expect.session");
    refused(&file, "say `\"session\": true` in the profile");
    let bad = scenario(r#""session": true"#, r#"{"session": {"items": [{"role": "user"}]}}"#);
    refused(
        &temp_file(&dir, "bad.json", bad.as_bytes()),
        "expect.session.items[0].at",
    );
    let form = scenario(r#""session": "sqlite""#, "{}");
    refused(&temp_file(&dir, "form.json", form.as_bytes()), "`session` is true");
}

/// `test_server_managed_handoff_history_auto_disables_with_warning`: the model's API keeps the
/// conversation; under `nest_handoff_history` the SDK warns (a `[note]`) and `delegate`'s
/// first call receives only the transfer's output, no summary.
#[test]
fn a_server_managed_conversation_sends_new_items_and_does_not_nest() {
    let expect = r#"{"inputs": [
            {"n": 2, "agent": "triage", "count": 1, "items": [{"at": 0, "type": "function_call_output", "text": "result"}]},
            {"agent": "delegate", "call": 1, "count": 1, "items": [{"at": 0, "type": "function_call_output", "contains": ["delegate"]}]},
            {"agent": "delegate", "call": 2, "count": 1, "items": [{"at": 0, "role": "user", "text": "thanks"}]}]}"#;
    let (code, run) = run_json(&scenario(
        r#""nest_handoff_history": true, "server_managed": true"#,
        expect,
    ));
    assert_eq!(code, 0, "{run:#}");
    let notes: Vec<&str> = run["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "note")
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert_eq!(
        notes,
        [
            "OpenAI Agents SDK 0.24 warns: Server-managed conversations do not support nest_handoff_history for handoff triage -> delegate. Disabling nested handoff history and continuing with delta-only input."
        ]
    );
    assert!(!run.to_string().contains("<CONVERSATION HISTORY>"), "{run:#}");
}

/// `test_server_managed_handoff_input_filters_still_raise`: a handoff with an input filter
/// raises the SDK's `UserError` before the target's model is called.
#[test]
fn a_server_managed_conversation_refuses_an_input_filter_at_the_handoff() {
    let (code, run) = run_json(&scenario(
        r#""handoff_input_filter": "remove_all_tools", "server_managed": true"#,
        r#"{"outcome": "framework-error", "model_calls": 2}"#,
    ));
    assert_eq!(code, 0, "{run:#}");
    let line = run["outcome"].to_string();
    assert!(
        line.contains("UserError: Server-managed conversations do not support handoff input filters."),
        "{line}"
    );
    let dir = tempfile::tempdir().unwrap();
    let both = scenario(r#""session": true, "server_managed": true"#, "{}");
    refused(
        &temp_file(&dir, "both.json", both.as_bytes()),
        "Session persistence cannot be combined",
    );
    let other = scenario(r#""server_managed": true"#, "{}").replace("openai-agents", "semantic-kernel-fixed");
    refused(
        &temp_file(&dir, "other.json", other.as_bytes()),
        "`server_managed` only changes what `openai-agents` does",
    );
}
