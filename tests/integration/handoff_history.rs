//! Handoffs that rewrite the conversation, as the OpenAI Agents SDK 0.24 does: nested handoff
//! history (`profile.nest_handoff_history`, an edge's `nest_handoff_history`) and the
//! `remove_all_tools` input filter (an edge's `input_filter`, `profile.handoff_input_filter`).
//! The exact messages are checked against the real SDK in `conformance/` (five traces); here:
//! which setting wins, what the run shows, the refusals, and a real SDK app under `handoff serve`
//! over both of its APIs.

use std::path::PathBuf;

use serde_json::Value;

use crate::framework_options::{refused, stdout};
use crate::support::{arg, handoff, root, temp_file};

/// Triage says a sentence and hands off to Refund, which answers; the human has nothing to
/// say. `profile` and `edge` are the scenario's profile value and Triage's edge to Refund.
fn scenario(profile: &str, edge: &str) -> String {
    format!(
        r#"{{"task": "My order 7 came broken.", "profile": {profile},
        "agents": [
          {{"name": "Triage", "instructions": "Route.",
            "tools": [{{"name": "lookup", "description": "Look up.", "parameters": {{"order": null}}, "result": "Order {{order}}: shipped."}}]}},
          {{"name": "Refund", "instructions": "Refund."}}],
        "handoffs": {{"Triage": {{"Refund": {edge}}}}},
        "model": {{"scripted": {{
          "Triage": {{"responses": [
            {{"call": {{"tool": "lookup", "args": {{"order": "7"}}}}}},
            {{"say": "Refunds can help.", "handoff": "Refund"}}]}},
          "Refund": {{"responses": [{{"say": "Refunded."}}]}}}}}}}}"#
    )
}

/// `text` in a file of a fresh directory (kept while the directory lives).
fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "history.json", text.as_bytes());
    (dir, path)
}

/// The events of `handoff run --format json` on `text` (which must pass).
fn events(text: &str) -> Vec<Value> {
    let (_dir, file) = file(text);
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    json["events"].as_array().unwrap().clone()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

#[test]
fn a_nested_handoff_gives_the_next_agent_summaries_around_the_handoffs_own_text() {
    let events = events(&scenario(
        r#"{"name": "openai-agents", "nest_handoff_history": true}"#,
        "null",
    ));
    let summaries: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "summary")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    let preamble = "For context, here is the conversation so far between the user and the previous agent:\n<CONVERSATION HISTORY>\n";
    assert_eq!(
        summaries,
        [
            format!(
                "{preamble}1. user: My order 7 came broken.\n2. {{\"arguments\": \"{{\\\"order\\\":\\\"7\\\"}}\", \"call_id\": \"call_0001\", \"name\": \"lookup\", \"type\": \"function_call\", \"id\": \"fc_0001\", \"status\": \"completed\"}}\n3. {{\"call_id\": \"call_0001\", \"output\": \"Order 7: shipped.\", \"type\": \"function_call_output\"}}\n</CONVERSATION HISTORY>"
            ),
            format!(
                "{preamble}1. {{\"arguments\": \"{{}}\", \"call_id\": \"call_0002\", \"name\": \"transfer_to_refund\", \"type\": \"function_call\", \"id\": \"fc_0002\", \"status\": \"completed\"}}\n2. {{\"call_id\": \"call_0002\", \"output\": \"{{\\\"assistant\\\": \\\"Refund\\\"}}\", \"type\": \"function_call_output\"}}\n</CONVERSATION HISTORY>"
            ),
        ]
    );
    // Refund reads: the first summary, Triage's sentence carried on as it is, the second.
    let carried: Vec<&Value> = events.iter().filter(|e| e["kind"] == "carried").collect();
    assert_eq!(carried.len(), 1, "{events:#?}");
    assert_eq!(carried[0]["part"], "text");
    assert_eq!(
        events[carried[0]["of"].as_u64().unwrap() as usize]["text"],
        "Refunds can help."
    );
    let order = kinds(&events);
    let at = |kind: &str| order.iter().position(|k| *k == kind).unwrap();
    assert!(
        at("handoff") < at("summary") && at("summary") < at("carried"),
        "{order:?}"
    );
}

#[test]
fn an_edge_says_for_itself_and_a_filter_replaces_nesting() {
    // The edge's own `false` wins over the run's `true`: nothing is rewritten.
    let plain = events(&scenario(
        r#"{"name": "openai-agents", "nest_handoff_history": true}"#,
        r#"{"description": null, "nest_handoff_history": false}"#,
    ));
    assert!(!kinds(&plain).iter().any(|k| *k == "summary" || *k == "carried"));
    // The edge's nesting without the run's.
    let nested = events(&scenario(
        r#""openai-agents""#,
        r#"{"description": null, "nest_handoff_history": true}"#,
    ));
    assert_eq!(kinds(&nested).iter().filter(|k| **k == "summary").count(), 2);
    // A filter, the edge's or the run's, replaces nesting: Refund reads the task and the
    // sentence, without the lookup and the transfer.
    for (profile, edge) in [
        (
            r#"{"name": "openai-agents", "nest_handoff_history": true}"#,
            r#"{"description": null, "input_filter": "remove_all_tools"}"#,
        ),
        (
            r#"{"name": "openai-agents", "nest_handoff_history": true, "handoff_input_filter": "remove_all_tools"}"#,
            "null",
        ),
    ] {
        let events = events(&scenario(profile, edge));
        assert!(!kinds(&events).contains(&"summary"), "{events:#?}");
        let note = events.iter().find(|e| e["kind"] == "note").unwrap();
        assert_eq!(
            note["text"],
            "the handoff's input filter remove_all_tools: Refund reads 2 items, without function calls and their outputs"
        );
        let carried: Vec<(&Value, &Value)> = events
            .iter()
            .filter(|e| e["kind"] == "carried")
            .map(|e| (&events[e["of"].as_u64().unwrap() as usize]["kind"], &e["part"]))
            .collect();
        assert_eq!(
            carried,
            [
                (&Value::from("task"), &Value::from("whole")),
                (&Value::from("reply"), &Value::from("text"))
            ]
        );
    }
}

#[test]
fn the_wrappers_of_a_summary_are_the_apps_to_set() {
    let events = events(&scenario(
        r#"{"name": "openai-agents", "nest_handoff_history": true, "conversation_history_wrappers": {"start": "<<HISTORY>>"}}"#,
        "null",
    ));
    let summary = events.iter().find(|e| e["kind"] == "summary").unwrap()["text"]
        .as_str()
        .unwrap();
    assert!(summary.contains("agent:\n<<HISTORY>>\n1. user: "), "{summary}");
    assert!(summary.ends_with("\n</CONVERSATION HISTORY>"), "{summary}");
}

#[test]
fn the_text_output_shows_each_summary() {
    let (_dir, file) = file(&scenario(
        r#"{"name": "openai-agents", "nest_handoff_history": true}"#,
        "null",
    ));
    let text = stdout(&handoff(&["run", arg(&file)]));
    assert!(
        text.contains("[handoff] Triage -> Refund\n[history] Triage hands off a summary of 3 earlier items\n[history] Triage hands off a summary of 2 earlier items\nRefund: Refunded.\n"),
        "{text}"
    );
}

#[test]
fn history_options_belong_to_openai_agents_and_its_built_in_filter() {
    for (profile, edge, words) in [
        (
            r#"{"name": "semantic-kernel", "nest_handoff_history": true}"#,
            "null",
            "`nest_handoff_history` only changes what `openai-agents` does",
        ),
        (
            r#"{"name": "agent-framework", "handoff_input_filter": "remove_all_tools"}"#,
            "null",
            "`handoff_input_filter` only changes what `openai-agents` does",
        ),
        (
            r#""agent-framework""#,
            r#"{"description": null, "input_filter": "remove_all_tools"}"#,
            "handoffs.Triage.Refund.input_filter: `input_filter` only changes what `openai-agents` does",
        ),
        (
            r#""openai-agents""#,
            r#"{"description": null, "input_filter": "remove_everything"}"#,
            "unknown input filter `remove_everything`: one of remove_all_tools, identity, nest_handoff_history, remove_new_items, or a list of them applied in order (a filter of other code is the app's own: `handoff serve` runs it)",
        ),
        (
            r#"{"name": "openai-agents", "conversation_history_wrappers": {"begin": "x"}}"#,
            "null",
            "unknown field `begin`",
        ),
    ] {
        let (_dir, file) = file(&scenario(profile, edge));
        refused(&file, words);
    }
}

/// A real Agents SDK app (`tests/apps/oai_nested_history.py`, the conformance probes' agents
/// in the SDK's chat loop) under strict `handoff serve`, answered from a conformance scenario
/// written from the real SDK's trace: each request is the one the run predicts, over the
/// Responses API (the SDK's default) and over Chat Completions, whose converter quotes items
/// differently in the summaries.
#[test]
fn a_real_agents_sdk_app_that_nests_or_filters_is_what_the_run_predicts_over_both_apis() {
    for (scenario, flags, requests) in [
        ("nested_history", &[][..], 7),
        ("nested_history", &["--chat"][..], 7),
        ("nested_history_twice_in_one_run", &["--chat"][..], 5),
        ("remove_all_tools_run_wide", &["--filter"][..], 7),
    ] {
        let file = format!("conformance/scenarios/oai/{scenario}.json");
        crate::sdk_app::passes("oai_nested_history.py", &file, flags, requests);
    }
}

/// Two of the SDK's own tests of nested history (`test_agent_runner.py`), written as scenarios
/// whose `expect.inputs` say what the test asserts of the next agent's input; without nesting
/// the same checks fail.
#[test]
fn the_sdks_nested_history_tests_hold_as_scenarios() {
    for (name, items) in [
        ("sdk_nested_history_accumulates", 3),
        ("sdk_nested_history_and_filters", 3),
        ("sdk_explicit_default_mapper", 1),
    ] {
        let path = root().join(format!("tests/data/handoff_history/{name}.json"));
        let out = handoff(&["run", arg(&path)]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{name}:\n{text}");
        assert!(text.contains(&format!(" {items} item")), "{name}:\n{text}");
        let plain = std::fs::read_to_string(&path)
            .unwrap()
            .replace(r#", "handoff_history_mapper": "default""#, "")
            .replace(
                r#"{ "name": "openai-agents", "nest_handoff_history": true }"#,
                r#""openai-agents""#,
            );
        let (_dir, file) = file(&plain);
        let out = handoff(&["run", arg(&file)]);
        assert_eq!(out.status.code(), Some(1), "{name} without nesting:\n{}", stdout(&out));
        assert!(stdout(&out).contains("FAILED inputs:"), "{}", stdout(&out));
    }
}

/// Two agents bounce under nesting with state that never repeats (so no loop proof stops
/// them) and no limits but the ceiling: every summary quotes the whole conversation again, and
/// the quoted items count towards the ceiling, so the run ends there.
#[test]
fn summaries_of_summaries_stop_at_the_ceiling() {
    let bounce = r#"{"task": "Ping", "profile": {"name": "openai-agents", "nest_handoff_history": true, "max_turns": null},
        "agents": [{"name": "A"}, {"name": "B"}],
        "handoffs": {"A": {"B": null}, "B": {"A": null}},
        "limits": {"handoffs_per_turn": null, "model_calls": null, "human_turns": null, "tool_rounds": null, "max_events": 2000},
        "model": {"scripted": {
          "A": {"rules": [{"when": {"call": {"max": 1000000}}, "say": "To B.", "handoff": "B"}]},
          "B": {"rules": [{"when": {"call": {"max": 1000000}}, "say": "To A.", "handoff": "A"}]}}},
        "expect": {"outcome": "ceiling-reached"}}"#;
    let events = {
        let (_dir, file) = file(bounce);
        let out = handoff(&["run", arg(&file), "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["outcome"]["kind"], "ceiling-reached", "{}", json["outcome"]);
        json["events"].as_array().unwrap().clone()
    };
    let quoted: usize = events
        .iter()
        .filter(|e| e["kind"] == "summary")
        .map(|e| e["text"].as_str().unwrap().lines().count() - 3)
        .sum();
    assert!(
        events.len() + quoted <= 2000,
        "{} events, {quoted} quoted",
        events.len()
    );
    assert!(events.iter().filter(|e| e["kind"] == "handoff").count() > 5);
}
