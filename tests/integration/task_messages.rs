//! A task given as several messages (`task` as a list): what Semantic Kernel's
//! `invoke(task=[...])`, Agent Framework's `workflow.run([...])` and the OpenAI Agents SDK's
//! `Runner.run(agent, [items])` send the model, checked against the real frameworks in
//! `conformance/traces/{sk,af,oai}/task_messages*.json` (the conformance test compares them
//! call by call); here: what a scenario says with it, and what it refuses.

use serde_json::Value;

use crate::framework_options::{refused, stderr};
use crate::support::{arg, handoff, temp_file};

/// A design of `Triage` handing off to `Refund` under `profile`, given `task`; Triage's
/// rule reads the task's latest user message.
fn scenario(profile: &str, task: &str) -> String {
    format!(
        r#"{{"profile": {profile}, "start": "Triage", "task": {task},
            "agents": [{{"name": "Triage"}}, {{"name": "Refund"}}],
            "handoffs": {{"Triage": {{"Refund": null}}, "Refund": {{"Triage": null}}}},
            "model": {{"scripted": {{
                "Triage": {{"rules": [{{"when": {{"user": "(?i)refund"}}, "handoff": "Refund"}}, {{"say": "What else?"}}]}},
                "Refund": {{"rules": [{{"say": "Refunded."}}]}}}}}}}}"#
    )
}

/// The JSON run of `text`, with the input of every model call (`--format json` of a scenario
/// with an `inputs` check keeps them).
fn run(text: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "task.json", text.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)))
}

const MESSAGES: &str = r#"[{"role": "system", "content": "Called before."},
    {"role": "user", "name": "bob", "content": "I want a refund"},
    {"role": "assistant", "content": ""},
    {"role": "user", "content": "for order 7"}]"#;

/// Every profile starts the run with the messages, in order, and a rule's `user` reads the
/// last user message of the task (here not the one that says "refund": Triage asks).
#[test]
fn every_profile_starts_with_the_messages_and_rules_read_the_last_user_message() {
    for profile in [
        "\"semantic-kernel\"",
        "\"agent-framework\"",
        "\"openai-agents\"",
        "\"semantic-kernel-dotnet\"",
    ] {
        let run = run(&scenario(profile, MESSAGES));
        let events = run["events"].as_array().unwrap();
        let task: Vec<(&str, &str)> = events
            .iter()
            .filter(|e| e["kind"] == "task")
            .map(|e| (e["role"].as_str().unwrap(), e["text"].as_str().unwrap()))
            .collect();
        assert_eq!(
            task,
            [
                ("system", "Called before."),
                ("user", "I want a refund"),
                ("assistant", ""),
                ("user", "for order 7")
            ],
            "{profile}"
        );
        assert_eq!(run["path"], serde_json::json!(["Triage"]), "{profile}: {run:#}");
    }
}

/// What the model reads: the messages with their roles (and, in Chat Completions, the
/// speaker's name), before anything the run adds.
#[test]
fn the_model_reads_each_message_with_its_role_and_name() {
    let checks = r#""expect": {"outcome": "ended-without-human", "inputs": [{"agent": "Triage", "call": 1, "count": 4,
        "items": [{"at": 0, "role": "system", "text": "Called before."}, {"at": 1, "role": "user", "text": "I want a refund"},
                  {"at": 2, "role": "assistant", "text": ""}, {"at": 3, "role": "user", "text": "for order 7"}]}]}"#;
    for profile in ["\"semantic-kernel\"", "\"openai-agents\""] {
        let text = scenario(profile, MESSAGES).replacen("\"profile\"", &format!("{checks}, \"profile\""), 1);
        let run = run(&text);
        assert_eq!(run["passed"], true, "{profile}: {run:#}");
        let inputs = run["expectations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "inputs");
        assert_eq!(
            inputs.map(|c| &c["passed"]),
            Some(&Value::Bool(true)),
            "{profile}: {run:#}"
        );
    }
}

/// `content: null` is an input item of the SDK only; a role no framework has, an empty list
/// or a message without `content` is bad input, named by its place.
#[test]
fn what_a_task_of_several_messages_cannot_be() {
    let dir = tempfile::tempdir().unwrap();
    for (profile, task, words) in [
        (
            "\"semantic-kernel\"",
            r#"[{"role": "user", "content": null}]"#,
            "task[0].content: null: under `semantic-kernel`",
        ),
        (
            "\"openai-agents\"",
            r#"[{"role": "tool", "content": "x"}]"#,
            "task[0].role",
        ),
        ("\"openai-agents\"", "[]", "give at least one message"),
        ("\"openai-agents\"", r#"[{"role": "user"}]"#, "missing `content`"),
    ] {
        let file = temp_file(&dir, "bad.json", scenario(profile, task).as_bytes());
        refused(&file, words);
    }
    // The SDK takes a message without content as it is.
    let run = run(&scenario("\"openai-agents\"", r#"[{"role": "user", "content": null}]"#));
    assert_eq!(run["outcome"]["kind"], "ended-without-human", "{run:#}");
    assert_eq!(run["events"][0]["text"], Value::Null, "{run:#}");
}

/// Under nested handoff history a summary given in the input (an older SDK's, with a bare
/// role and a line of prose) is taken apart: the next agent's summary has the empty turn
/// with its separator and not the prose, and the task's last user message after it.
#[test]
fn a_summary_in_the_input_is_taken_apart_at_a_nested_handoff() {
    let summary = "For context, here is the conversation so far between the user and the previous agent:\n<CONVERSATION HISTORY>\n1. user: first question\n2. assistant\n3. some prose\n4. user (bob): second\n</CONVERSATION HISTORY>";
    let task =
        serde_json::json!([{"role": "assistant", "content": summary}, {"role": "user", "content": "refund please"}]);
    let profile = r#"{"name": "openai-agents", "nest_handoff_history": true}"#;
    let run = run(&scenario(profile, &task.to_string()));
    let summary = run["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "summary")
        .and_then(|e| e["text"].as_str())
        .unwrap_or_else(|| panic!("no summary: {run:#}"));
    assert!(
        summary.contains("<CONVERSATION HISTORY>\n1. user: first question\n2. assistant: \n3. user (bob): second\n4. user: refund please\n5. {"),
        "{summary}"
    );
    assert!(!summary.contains("prose"), "{summary}");
}

/// Agent Framework's termination condition counts the task's user messages.
#[test]
fn a_termination_condition_counts_the_tasks_user_messages() {
    let profile = r#"{"name": "agent-framework", "termination_condition": {"user_messages": 2}}"#;
    let run = run(&scenario(profile, MESSAGES));
    assert_eq!(run["outcome"]["kind"], "completed", "{run:#}");
    assert_eq!(
        run["model_calls"], 0,
        "two user messages hold before Triage runs: {run:#}"
    );
}
