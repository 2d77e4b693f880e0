//! Reasoning items (a scripted response's `reasoning`, openai-agents): the SDK keeps a
//! response's `reasoning` output item before its text and calls; without nesting every later
//! input holds it, nesting quotes it in the summary and never forwards it, the built-in
//! `remove_all_tools` drops it. Checked against the real SDK's traces
//! `conformance/traces/oai/reasoning_*.json`, which the same scenarios without the reasoning
//! contradict.

use serde_json::Value;

use crate::framework_options::{refused, stderr};
use crate::support::{arg, handoff, root, temp_file};

/// The probes of the real SDK with reasoning items.
const PROBES: [&str; 5] = [
    "reasoning_flat",
    "reasoning_nested",
    "reasoning_nested_pre_handoff",
    "reasoning_remove_all_tools",
    "reasoning_identity_filter",
];

/// The committed scenario of `probe`.
fn scenario(probe: &str) -> String {
    std::fs::read_to_string(root().join(format!("conformance/scenarios/oai/{probe}.json"))).unwrap()
}

/// `text` with every scripted step's `reasoning` taken out (as text: the keys keep their
/// order, which orders the handoffs).
fn without_reasoning(text: &str) -> String {
    let (key, mut out, mut rest) = ("\"reasoning\": \"", String::new(), text);
    while let Some(start) = rest.find(key) {
        out.push_str(&rest[..start]);
        let after = &rest[start + key.len()..];
        let end = after.find("\",").expect("a reasoning is followed by the answer");
        rest = after[end + 2..].trim_start();
    }
    out.push_str(rest);
    assert_ne!(out, text, "the scenario gives no reasoning");
    assert!(!out.contains("\"reasoning\""), "{out}");
    out
}

/// Each trace's scenario matches the real SDK call for call; the same scenario without its
/// reasoning does not, and the difference names the reasoning item.
#[test]
fn the_sdks_traces_need_the_reasoning_items() {
    for probe in PROBES {
        let text = scenario(probe);
        let same = crate::conformance::openai_agents_differences(probe, &text);
        assert!(same.is_empty(), "{probe}: {}", same.join("\n"));
        let differences = crate::conformance::openai_agents_differences(probe, &without_reasoning(&text));
        assert!(!differences.is_empty(), "{probe}: the reasoning changes nothing");
        // The trace's lines of a reasoning item (`reasoning "..."`) the harness lacks.
        let report = differences.join("\n");
        assert!(
            report.lines().any(|l| l.starts_with("-") && l.contains("reasoning")),
            "{probe}: {report}"
        );
    }
}

/// `test_nested_handoff_filters_reasoning_items_from_model_input` and
/// `test_reasoning_items_are_filtered_from_input_items`: under nesting, the summary Refund reads
/// quotes Triage's reasoning item as the SDK writes it, and the run shows the reasoning on the
/// reply.
#[test]
fn nesting_quotes_the_reasoning_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "nested.json", scenario("reasoning_nested").as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    let events = run["events"].as_array().unwrap();
    let reply = events.iter().find(|e| e["kind"] == "reply").unwrap();
    assert_eq!(reply["reasoning"], "Thinking about a handoff.");
    let summary = events.iter().find(|e| e["kind"] == "summary").unwrap();
    assert!(
        summary["text"].as_str().unwrap().contains(
            "2. {\"id\": \"rs_0001\", \"summary\": [{\"text\": \"Thinking about a handoff.\", \"type\": \"summary_text\"}], \"type\": \"reasoning\"}\n"
        ),
        "{summary:#}"
    );
    // Refund's first input: the summary, no reasoning item beside it (the run's next
    // `Runner.run`, for the human's reply, carries the run's items on, the reasoning too).
    let handed = events.iter().position(|e| e["kind"] == "summary").unwrap();
    let human = handed + events[handed..].iter().position(|e| e["kind"] == "reply").unwrap();
    let forwarded: Vec<&Value> = events[handed..human]
        .iter()
        .filter(|e| e["kind"] == "carried" && e["part"] == "reasoning")
        .collect();
    assert!(forwarded.is_empty(), "{forwarded:?}");
    let carried = events[human..]
        .iter()
        .filter(|e| e["kind"] == "carried" && e["part"] == "reasoning")
        .count();
    assert_eq!(carried, 2, "the next run carries both reasoning items on");
}

/// A reasoning item is what the Agents SDK keeps of a Responses output: other profiles refuse
/// it, naming the place; it is no part of an error's answer.
#[test]
fn reasoning_is_an_agents_sdk_option_of_an_answer() {
    let dir = tempfile::tempdir().unwrap();
    let text = |profile: &str, step: &str| {
        format!(
            r#"{{"task": "t", "profile": "{profile}", "start": "A", "agents": [{{"name": "A"}}, {{"name": "B"}}],
                "handoffs": {{"A": {{"B": "b"}}}},
                "model": {{"scripted": {{"A": {{"responses": [{{"say": "ok"}}, {step}]}}}}}}}}"#
        )
    };
    for profile in ["semantic-kernel", "agent-framework"] {
        let file = temp_file(
            &dir,
            "p.json",
            text(profile, r#"{"say": "hi", "reasoning": "r"}"#).as_bytes(),
        );
        refused(&file, "model.scripted.A.responses[1].reasoning");
        refused(&file, "a reasoning item is what `openai-agents` keeps");
    }
    let file = temp_file(
        &dir,
        "e.json",
        text("openai-agents", r#"{"error": "timeout", "reasoning": "r"}"#).as_bytes(),
    );
    refused(&file, "`error` cannot go with `reasoning`");
    let file = temp_file(
        &dir,
        "ok.json",
        text("openai-agents", r#"{"say": "hi", "reasoning": "r"}"#).as_bytes(),
    );
    let out = handoff(&["run", arg(&file)]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// `handoff serve` does not send a reasoning item yet: a real Agents SDK app's request answered
/// by a step with `reasoning` is refused, saying so (rather than served without it).
#[test]
fn under_serve_a_reasoning_is_refused_as_not_served_yet() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, _, code) = crate::model_errors::serve_app(
        &dir,
        r#"[{"reasoning": "The customer wants a refund.", "say": "Refunded."}]"#,
        r#"{"outcome": "framework-error"}"#,
    );
    assert!(
        stdout.contains("RefundAgent's script answers call 1 with a reasoning, which handoff serve does not serve yet"),
        "{stdout}"
    );
    assert_eq!(code, Some(1));
}

/// `test_nested_handoff_filters_reasoning_items_from_model_input` as a scenario: `expect.inputs`
/// sees a reasoning item as `{"type": "reasoning"}` (its `text` the summary's); under nesting
/// delegate's input holds none, without nesting it holds triage's.
#[test]
fn expect_inputs_sees_reasoning_items() {
    let dir = tempfile::tempdir().unwrap();
    let text = |nest: bool| {
        format!(
            r#"{{"profile": {{"name": "openai-agents", "nest_handoff_history": {nest}}}, "start": "triage",
                "task": "user_message", "agents": [{{"name": "triage"}}, {{"name": "delegate"}}],
                "handoffs": {{"triage": {{"delegate": null}}}},
                "model": {{"scripted": {{
                    "triage": {{"responses": [{{"reasoning": "Thinking about a handoff.", "handoff": "delegate"}}]}},
                    "delegate": {{"responses": [{{"say": "done"}}]}}}}}},
                "expect": {{"final_output": "done", "inputs": [{{"n": 2, "none": [{{"type": "reasoning"}}]}}]}}}}"#
        )
    };
    let file = temp_file(&dir, "nested.json", text(true).as_bytes());
    let out = handoff(&["run", arg(&file)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let file = temp_file(&dir, "flat.json", text(false).as_bytes());
    let out = handoff(&["run", arg(&file)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("item [1] is one with type reasoning"), "{stdout}");
}
