//! `handoff compare`: one scenario under several profiles, and the report of where they part.

use handoff_harness::Profile;
use handoff_harness::compare::Comparison;
use serde_json::Value;

use crate::support::handoff;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = handoff(&all);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (out.status.code().unwrap(), value)
}

/// Triage greets, the human asks, triage hands off to B, whose first turn is a handoff to C;
/// C hands back to B, which answers in text. Under Semantic Kernel, B's first invocation
/// yielded no text while it had no thread, so its second call sees no task.
const FIRST_TURN_HANDOFF: &str = r#"{
  "task": "The customer needs help.",
  "profile": { "name": "semantic-kernel", "usage_chunk": false },
  "agents": [
    { "name": "Triage", "instructions": "Triage." },
    { "name": "B", "instructions": "B.", "description": "B" },
    { "name": "C", "instructions": "C.", "description": "C" }
  ],
  "handoffs": { "Triage": { "B": null }, "B": { "C": null }, "C": { "B": null } },
  "user": ["help me", "thanks"],
  "model": { "scripted": {
    "Triage": { "responses": [ { "say": "Hello!" }, { "handoff": "B" } ] },
    "B": { "responses": [ { "handoff": "C" }, { "say": "Here is your answer." }, { "complete": "Answered." } ] },
    "C": { "responses": [ { "handoff": "B" } ] }
  } }
}"#;

#[test]
fn semantic_kernel_against_agent_framework_on_the_tutorial_is_a_readable_migration_report() {
    let out = handoff(&[
        "compare",
        "scenarios/customer_support.json",
        "--profiles",
        "semantic-kernel,agent-framework",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    for expected in [
        "semantic-kernel  Semantic Kernel 1.45 (Python)  (baseline)",
        "transfer         semantic-kernel  Handoff-transfer_to_RefundAgent",
        "transfer         agent-framework  handoff_to_RefundAgent",
        "completion       agent-framework  (none: a reply in text ends the turn)",
        "transfer result  agent-framework  {\"handoff_to\": \"OrderStatusAgent\"}",
        "semantic-kernel  OrderReturnAgent calls complete the task",
        "agent-framework  OrderReturnAgent: Handled order return",
        "compare: the profiles differ",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
}

#[test]
fn the_json_report_names_each_call_and_what_each_profile_saw() {
    let (code, value) = json(&[
        "compare",
        "scenarios/customer_support.json",
        "--profiles",
        "semantic-kernel,openai-agents",
    ]);
    assert_eq!(code, 1);
    assert_eq!(value["identical"], false);
    assert_eq!(value["baseline"], "semantic-kernel");
    assert_eq!(
        value["profiles"][1]["surface"]["transfer_tool"],
        "transfer_to_refundagent"
    );
    let calls = value["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 12);
    // The OpenAI Agents SDK gives every agent the whole history, other agents' tool calls too.
    let status = calls
        .iter()
        .find(|c| c["agent"] == "OrderStatusAgent" && c["call"] == 1)
        .unwrap();
    assert_eq!(status["identical"], false);
    assert_eq!(
        status["differences"][0]["added"],
        serde_json::json!([
            "TriageAgent calls transfer to OrderStatusAgent",
            "TriageAgent <- transfer to OrderStatusAgent: done"
        ])
    );
    assert_eq!(status["differences"][0]["missing"], serde_json::json!([]));
    // Triage's first two calls come before any tool call: both frameworks show the same.
    assert!(calls[..2].iter().all(|c| c["identical"] == true), "{calls:#?}");
    assert_eq!(value["first_difference"]["line"], 26);
}

#[test]
fn a_dropped_thread_shows_as_the_task_missing_under_semantic_kernel() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("first_turn_handoff.json");
    std::fs::write(&file, FIRST_TURN_HANDOFF).unwrap();
    let profiles = [&Profile::SEMANTIC_KERNEL, &Profile::SEMANTIC_KERNEL_FIXED];
    let comparison = Comparison::load(&file, &profiles).unwrap();
    assert!(!comparison.identical());
    let second = comparison
        .calls
        .iter()
        .find(|c| c.agent == "B" && c.call == 2)
        .expect("B is called twice under both profiles");
    let difference = &second.differences[0];
    assert_eq!(difference.profile, "semantic-kernel-fixed");
    // What Semantic Kernel threw away, the fixed profile keeps: the task, the greeting, the
    // human's request and B's own handoff call.
    assert_eq!(
        difference.added,
        [
            "user: The customer needs help.",
            "Triage: Hello!",
            "user: help me",
            "B calls transfer to C",
            "B <- transfer to C: done"
        ]
    );
    assert!(difference.missing.is_empty(), "{difference:?}");
    let text = stdout(&handoff(&[
        "compare",
        file.to_str().unwrap(),
        "--profiles",
        "semantic-kernel,semantic-kernel-fixed",
    ]));
    assert!(text.contains("  B call 2: semantic-kernel #"), "{text}");
    assert!(text.contains("+ user: The customer needs help."), "{text}");
}

#[test]
fn three_profiles_are_each_compared_with_the_first() {
    let (code, value) = json(&[
        "compare",
        "scenarios/customer_support.json",
        "--profiles",
        "semantic-kernel,agent-framework,openai-agents",
    ]);
    assert_eq!(code, 1);
    let status = value["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["agent"] == "OrderStatusAgent" && c["call"] == 1)
        .unwrap()
        .clone();
    // Agent Framework saw what Semantic Kernel saw; only the OpenAI Agents SDK differs.
    let profiles: Vec<&str> = status["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["profile"].as_str().unwrap())
        .collect();
    assert_eq!(profiles, ["openai-agents"]);
    assert_eq!(status["model_calls"]["agent-framework"], 3);
}

#[test]
fn bad_profile_lists_are_usage_errors() {
    for (profiles, says) in [
        ("semantic-kernel", "at least two profiles"),
        (
            "semantic-kernel,semantic-kernel",
            "given twice (at positions 1 and 2 of the list)",
        ),
        ("semantic-kernel,langgraph", "unknown profile `langgraph`"),
    ] {
        let out = handoff(&["compare", "scenarios/customer_support.json", "--profiles", profiles]);
        assert_eq!(out.status.code(), Some(2), "{profiles}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{profiles}: {}", stderr(&out));
    }
}

#[test]
fn a_rule_a_profile_cannot_express_is_bad_input_naming_the_rule_and_the_profile() {
    let out = handoff(&[
        "compare",
        "scenarios/parallel_handoffs.json",
        "--profiles",
        "semantic-kernel,openai-agents",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("model.scripted.TriageAgent.rules[1].calls[0].tool")
            && err.contains("under the `openai-agents` profile"),
        "{err}"
    );
}

#[test]
fn a_scenario_that_replays_a_recording_cannot_be_compared() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("replayed.json");
    let recording = crate::support::root().join("scenarios/customer_support.recording.json");
    std::fs::copy(&recording, dir.path().join("r.recording.json")).unwrap();
    std::fs::write(&scenario, crate::support::tutorial_replaying("r.recording.json")).unwrap();
    let out = handoff(&[
        "compare",
        scenario.to_str().unwrap(),
        "--profiles",
        "semantic-kernel,agent-framework",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("model: names a recording"), "{}", stderr(&out));
}

#[test]
fn a_scenario_whose_model_is_a_recording_is_refused_with_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let recording = crate::support::root().join("scenarios/customer_support.recording.json");
    let mut scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::support::root().join("scenarios/customer_support.json")).unwrap(),
    )
    .unwrap();
    scenario["model"] = serde_json::json!({ "recording": recording });
    let file = crate::support::temp_file(&dir, "by_recording.json", scenario.to_string().as_bytes());
    let output = handoff(&[
        "compare",
        crate::support::arg(&file),
        "--profiles",
        "semantic-kernel,agent-framework",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let error = stderr(&output);
    assert!(
        error.contains(&format!(
            "{}: model: names a recording, made under one profile; compare runs a scenario's scripted model under each",
            file.display()
        )),
        "{error}"
    );
}
