//! A turn the app's host gives to another agent than the framework's loop would: the OpenAI
//! Agents SDK's `Runner.run(other_agent, history + [message])` (its message_filter sample runs
//! a second agent for its third turn), said in the scenario as `{"say": ..., "agent": ...}`.

use crate::support::{handoff, temp_file};

/// Two assistants; the host runs the second for the human's second reply.
pub(crate) const HOSTED: &str = r#"{
  "name": "hosted",
  "profile": "openai-agents",
  "task": "Hi, my name is Sora.",
  "agents": [
    {"name": "Assistant", "instructions": "Be extremely concise."},
    {"name": "Second Assistant", "instructions": "Be a helpful assistant."}
  ],
  "handoffs": {"Assistant": {}},
  "user": ["Can you help me?", {"say": "I live in New York City.", "agent": "Second Assistant"}],
  "model": {"scripted": {
    "Assistant": {"rules": [{"say": "Hello Sora."}]},
    "Second Assistant": {"rules": [{"say": "New York is large."}]}
  }},
  "expect": {"outcome": "completed", "final_agent": "Second Assistant",
             "path": ["Assistant", "Second Assistant"], "human_turns": 2, "model_calls": 3}
}"#;

#[test]
fn the_host_runs_another_agent_for_a_reply_and_the_run_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "hosted.json", HOSTED.as_bytes());
    let output = handoff(&["run", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let conversation: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        conversation,
        [
            "Profile: openai-agents (OpenAI Agents SDK 0.24)",
            "Task: Hi, my name is Sora.",
            "Assistant: Hello Sora.",
            "User: Can you help me?",
            "Assistant: Hello Sora.",
            "User: I live in New York City.",
            "[host] the app runs Second Assistant for this reply",
            "Second Assistant: New York is large.",
            "Task is completed with summary: New York is large.",
        ],
        "{text}"
    );
    let json = handoff(&["run", file.to_str().unwrap(), "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let host: Vec<&serde_json::Value> = value["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "host")
        .collect();
    assert_eq!(host.len(), 1, "{value}");
    assert_eq!(host[0]["to"], "Second Assistant");
}

#[test]
fn a_reply_for_an_agent_the_design_lacks_is_bad_input_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let text = HOSTED.replace(r#""agent": "Second Assistant"}"#, r#""agent": "Second Asistant"}"#);
    let file = temp_file(&dir, "hosted.json", text.as_bytes());
    let output = handoff(&["run", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "user[1].agent: `Second Asistant` is not an agent of the design (did you mean `Second Assistant`?)"
        ),
        "{stderr}"
    );
    let text = HOSTED.replace(
        r#"{"say": "I live in New York City.", "agent": "Second Assistant"}"#,
        r#"{"agent": "Second Assistant"}"#,
    );
    let file = temp_file(&dir, "no_say.json", text.as_bytes());
    let stderr = String::from_utf8_lossy(&handoff(&["run", file.to_str().unwrap()]).stderr).into_owned();
    assert!(stderr.contains("user[1]: missing field `say`"), "{stderr}");
}

#[test]
fn a_recording_keeps_the_host_s_turns_and_replays_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "hosted.json", HOSTED.as_bytes());
    let scenario = handoff_harness::Scenario::load(&file).unwrap();
    let (orchestration, model) = scenario.orchestration().unwrap();
    let mut recorder = handoff_harness::wire::Recorder::new(model, scenario.name.clone());
    let mut human =
        handoff_harness::ScriptedHuman::new(scenario.user.clone().unwrap()).with_hosts(scenario.hosts.iter().cloned());
    let run = crate::support::run(&orchestration, &mut recorder, &mut human);
    let transcript = recorder.finish(&run);
    assert_eq!(
        transcript.host_turns().collect::<Vec<_>>(),
        [(1, "Second Assistant".to_string())]
    );
    let recording = dir.path().join("hosted.recording.json");
    transcript.save(&recording).unwrap();
    let output = handoff(&[
        "replay",
        file.to_str().unwrap(),
        "--transcript",
        recording.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("[host] the app runs Second Assistant for this reply\n"),
        "{text}"
    );
    assert!(
        text.contains("replay: 3 of 3 recorded calls replayed, every one as recorded"),
        "{text}"
    );
}
