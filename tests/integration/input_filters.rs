//! The OpenAI Agents SDK's handoff input filters a scenario names beyond `remove_all_tools`
//! (`identity`, `nest_handoff_history` given as a filter, `remove_new_items`) and how the app's
//! host goes on after a run (`profile.host_continuation`: `result.to_input_list(mode=...)`).
//! The exact messages are checked against the real SDK in `conformance/` (the traces
//! `identity_*`, `nest_filter`, `remove_new_items*`, `*_normalized`); here: what each form
//! changes in the conversation (each check fails without it), the refusals, and a real SDK app
//! with the filters in its code under `handoff serve`.

use std::path::PathBuf;

use crate::framework_options::{refused, stdout};
use crate::support::{arg, handoff, temp_file};

/// Triage looks an order up, says a sentence and hands off to Refund, which answers; the
/// human says "Thanks" and Refund answers again. `profile` is the scenario's profile value,
/// `edge` Triage's edge to Refund, `expect` its `expect` object.
fn scenario(profile: &str, edge: &str, expect: &str) -> String {
    format!(
        r#"{{"task": "My order 7 came broken.", "user": ["Thanks"], "profile": {profile},
        "agents": [
          {{"name": "Triage", "instructions": "Route.",
            "tools": [{{"name": "lookup", "description": "Look up.", "parameters": {{"order": null}}, "result": "Order {{order}}: shipped."}}]}},
          {{"name": "Refund", "instructions": "Refund."}}],
        "handoffs": {{"Triage": {{"Refund": {edge}}}}},
        "model": {{"scripted": {{
          "Triage": {{"responses": [
            {{"call": {{"tool": "lookup", "args": {{"order": "7"}}}}}},
            {{"say": "Refunds can help.", "handoff": "Refund"}}]}},
          "Refund": {{"responses": [{{"say": "Refunded."}}, {{"say": "Bye."}}]}}}}}},
        "expect": {expect}}}"#
    )
}

/// `text` in a file of a fresh directory (kept while the directory lives).
fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "filters.json", text.as_bytes());
    (dir, path)
}

/// `handoff run` of the scenario: its exit code and output.
fn run(profile: &str, edge: &str, expect: &str) -> (Option<i32>, String) {
    let (_dir, path) = file(&scenario(profile, edge, expect));
    let out = handoff(&["run", arg(&path)]);
    (out.status.code(), stdout(&out))
}

/// Each form with what the SDK's run then shows (a check of the next agent's input), and the
/// same scenario without the form, whose check fails.
#[test]
fn each_filter_and_continuation_changes_what_the_next_model_reads() {
    let nested = r#"{"name": "openai-agents", "nest_handoff_history": true}"#;
    for (what, profile, edge, without, expect) in [
        // The edge's identity filter wins over the run's nesting and its filter: Refund reads
        // the history item by item, the lookup and its result included.
        (
            "identity",
            r#"{"name": "openai-agents", "nest_handoff_history": true, "handoff_input_filter": "remove_all_tools"}"#,
            r#"{"description": null, "input_filter": "identity"}"#,
            "null",
            r#"{"inputs": [{"agent": "Refund", "call": 1, "count": 6, "items": [{"at": 0, "role": "user", "text": "My order 7 came broken."}], "any": [{"type": "function_call_output"}]}]}"#,
        ),
        // The public nest_handoff_history as the filter: three items, the text between summaries.
        (
            "nest_handoff_history",
            r#""openai-agents""#,
            r#"{"description": null, "input_filter": "nest_handoff_history"}"#,
            "null",
            r#"{"inputs": [{"agent": "Refund", "call": 1, "count": 3, "items": [{"at": 1, "text": "Refunds can help."}]}]}"#,
        ),
        // remove_new_items: Refund reads the run's input alone; the next run, the task, the
        // lookup (an item before the handoff) and Refund's answer, without the handoff's items.
        (
            "remove_new_items",
            r#""openai-agents""#,
            r#"{"description": null, "input_filter": "remove_new_items"}"#,
            "null",
            r#"{"inputs": [{"agent": "Refund", "call": 1, "count": 1}, {"agent": "Refund", "call": 2, "count": 5, "none": [{"text": "Refunds can help."}]}]}"#,
        ),
        // A list applies the filters in order: the tools leave, then the rest is nested (the
        // summary quotes the task alone, the handoff's text follows it; no second summary).
        (
            "a list",
            r#""openai-agents""#,
            r#"{"description": null, "input_filter": ["remove_all_tools", "nest_handoff_history"]}"#,
            r#"{"description": null, "input_filter": "nest_handoff_history"}"#,
            r#"{"inputs": [{"agent": "Refund", "call": 1, "count": 2, "items": [{"at": 0, "contains": ["1. user: My order 7 came broken.\n</CONVERSATION HISTORY>"]}, {"at": 1, "text": "Refunds can help."}]}]}"#,
        ),
        // The host goes on from to_input_list(mode="normalized"): what Refund read (the
        // summaries and the forwarded text), its answer, the human's reply; no calls.
        (
            "host_continuation",
            r#"{"name": "openai-agents", "nest_handoff_history": true, "host_continuation": "normalized"}"#,
            "null",
            "null",
            r#"{"inputs": [{"agent": "Refund", "call": 2, "count": 5, "none": [{"type": "function_call"}]}]}"#,
        ),
    ] {
        let (code, text) = run(profile, edge, expect);
        assert_eq!(code, Some(0), "{what}:\n{text}");
        let plain = match what {
            "host_continuation" => nested,
            _ => profile,
        };
        let (code, text) = run(plain, without, expect);
        assert_eq!(code, Some(1), "{what} left out:\n{text}");
        assert!(text.contains("FAILED inputs:"), "{what} left out:\n{text}");
    }
}

#[test]
fn a_filter_says_at_the_handoff_what_the_next_agent_reads() {
    let (code, text) = run(
        r#""openai-agents""#,
        r#"{"description": null, "input_filter": "remove_new_items"}"#,
        "{}",
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("the handoff's input filter remove_new_items: Refund reads 1 item, the run's input alone"),
        "{text}"
    );
}

#[test]
fn the_forms_belong_to_openai_agents() {
    for (profile, edge, words) in [
        (
            r#"{"name": "agent-framework", "host_continuation": "normalized"}"#,
            "null",
            "`host_continuation` only changes what `openai-agents` does",
        ),
        (
            r#""semantic-kernel""#,
            r#"{"description": null, "input_filter": "identity"}"#,
            "handoffs.Triage.Refund.input_filter: `input_filter` only changes what `openai-agents` does",
        ),
        (
            r#"{"name": "openai-agents", "host_continuation": "compact"}"#,
            "null",
            "unknown variant `compact`, expected `preserve_all` or `normalized`",
        ),
        (
            r#"{"name": "openai-agents", "handoff_input_filter": "keep_messages"}"#,
            "null",
            "unknown input filter `keep_messages`",
        ),
        (
            r#""openai-agents""#,
            r#"{"description": null, "input_filter": []}"#,
            "handoffs.Triage.Refund: an input filter is one of remove_all_tools, identity, nest_handoff_history, remove_new_items, or a non-empty list of them applied in order",
        ),
    ] {
        let (_dir, path) = file(&scenario(profile, edge, "{}"));
        refused(&path, words);
    }
}

/// A real Agents SDK app whose filters are its own code (`tests/apps/oai_nested_history.py`
/// with `--edge`, and `--normalized` for its host) under strict `handoff serve`, answered from
/// the conformance scenarios written from the real SDK's traces: each request is the one the
/// run predicts.
#[test]
fn a_real_agents_sdk_app_with_these_filters_is_what_the_run_predicts() {
    for (scenario, flags, requests) in [
        (
            "identity_after_nesting",
            &["--edge", "RefundAgent,TriageAgent,identity"][..],
            6,
        ),
        (
            "identity_over_run_filter",
            &["--filter", "--edge", "TriageAgent,RefundAgent,identity"][..],
            7,
        ),
        (
            "nest_filter",
            &["--plain", "--edge", "TriageAgent,RefundAgent,nest_handoff_history"][..],
            7,
        ),
        (
            "remove_new_items",
            &["--plain", "--edge", "TriageAgent,RefundAgent,remove_new_items"][..],
            7,
        ),
        ("nested_history_normalized", &["--normalized", "--chat"][..], 7),
        (
            "nest_then_remove_all_tools",
            &[
                "--plain",
                "--edge",
                "TriageAgent,RefundAgent,nest_handoff_history+remove_all_tools",
            ][..],
            7,
        ),
        (
            "identity_after_nesting_normalized",
            &["--normalized", "--edge", "RefundAgent,TriageAgent,identity"][..],
            6,
        ),
    ] {
        let file = format!("conformance/scenarios/oai/{scenario}.json");
        crate::sdk_app::passes("oai_nested_history.py", &file, flags, requests);
    }
}
