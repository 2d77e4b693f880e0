//! Replaying what `handoff record` wrote: byte for byte, where a changed design diverges and
//! how the diff shows it, what a run leaves unused, and a scenario whose model is a recording.

use super::*;

#[test]
fn a_replay_of_the_recording_is_the_recorded_run_byte_for_byte_100_times() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _endpoint) = recorded(&dir);
    let scenario = customer_support();
    let scripted = scenario.run_blocking().unwrap().to_json().to_string();
    let replay = Replay::new(Transcript::load(&out).unwrap(), arg(&out), Matching::Strict);
    let orchestration = scenario.orchestration_only().unwrap();
    for i in 0..100 {
        let mut model = replay.model(&scenario.design);
        let mut human = ScriptedHuman::new(replay.transcript.human.clone());
        let run = run(&orchestration, &mut model, &mut human);
        assert!(model.divergence().is_none(), "replay {i}: {:?}", model.divergence());
        assert_eq!(run.to_json().to_string(), scripted, "replay {i}");
        assert!(Unused::of(&replay.transcript, &run).is_empty());
    }

    let output = replay_cli(&out);
    exits(&output, 0);
    let shown = text(&output.stdout);
    assert!(shown.contains("Task is completed with summary"), "{shown}");
    assert!(
        shown.ends_with("replay: 12 of 12 recorded calls replayed, every one as recorded\n"),
        "{shown}"
    );
}

pub(super) fn replay_cli(out: &Path) -> Output {
    replay(&root().join("scenarios/customer_support.json"), out, &[])
}

/// The customer-support scenario with `edit` applied to its text, in `dir` (as text, so that
/// the order of handoffs stays as written).
fn edited(dir: &tempfile::TempDir, edit: impl FnOnce(String) -> String) -> PathBuf {
    let original = std::fs::read_to_string(root().join("scenarios/customer_support.json")).unwrap();
    let changed = edit(original.clone());
    assert_ne!(changed, original, "the edit changes the file");
    let path = dir.path().join("edited.json");
    std::fs::write(&path, changed).unwrap();
    path
}

#[test]
fn a_changed_design_diverges_at_the_first_call_that_reads_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _endpoint) = recorded(&dir);
    let changed = edited(&dir, |text| {
        text.replace(
            ",\n      \"OrderReturnAgent\": \"Transfer to this agent if the issue is order return related\"",
            "",
        )
    });
    let output = replay(&changed, &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    let shown = text(&output.stdout);
    assert!(
        shown.contains(
            "the run diverges from the recording at TriageAgent call 1 (model call 1 of the run): the request differs from the recorded one"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "-tool Handoff-transfer_to_OrderReturnAgent: Transfer to this agent if the issue is order return related"
        ),
        "{shown}"
    );
    assert!(shown.contains("FAILED replay"), "{shown}");
    assert!(
        shown.contains(
            "replay: diverged at TriageAgent call 1 (model call 1 of 12 recorded): the request differs from the recorded one\n--- recorded\n+++ this run\n@@"
        ),
        "{shown}"
    );

    // A changed instruction of a later agent: the run goes as recorded up to its first call.
    let changed = edited(&dir, |text| {
        text.replace(
            "Handle order status requests.",
            "Handle order status requests politely.",
        )
    });
    let output = replay(&changed, &out, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let divergence = &report["replay"]["divergence"];
    assert_eq!(divergence["agent"], "OrderStatusAgent");
    assert_eq!(divergence["call"], 1);
    assert_eq!(divergence["run_call"], 3);
    let diff = divergence["diff"].as_str().unwrap();
    assert!(
        diff.contains("-system: Handle order status requests.\n+system: Handle order status requests politely."),
        "{diff}"
    );
    // A changed tool result: the first request that reads it differs in its new messages.
    let tool = edited(&dir, |text| {
        text.replace("is shipped and will arrive in 2-3 days", "is delayed")
    });
    let output = replay(&tool, &out, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let divergence = &report["replay"]["divergence"];
    assert_eq!(
        (divergence["agent"].as_str(), divergence["call"].as_u64()),
        (Some("OrderStatusAgent"), Some(3))
    );
    let diff = divergence["diff"].as_str().unwrap();
    assert!(
        diff.contains("-message 7: tool [call_0002]: Order 123 is shipped and will arrive in 2-3 days.\n+message 7: tool [call_0002]: Order 123 is delayed."),
        "{diff}"
    );
    // A changed function with as many functions as before: the order-status tool's parameter
    // gains a description. The agent's first call differs in its tool line.
    let schema = edited(&dir, |text| {
        text.replacen(
            "\"parameters\": { \"order_id\": null }",
            "\"parameters\": { \"order_id\": \"The order number\" }",
            1,
        )
    });
    let output = replay(&schema, &out, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let divergence = &report["replay"]["divergence"];
    assert_eq!(
        (divergence["agent"].as_str(), divergence["call"].as_u64()),
        (Some("OrderStatusAgent"), Some(1)),
        "{report:#}"
    );
    let diff = divergence["diff"].as_str().unwrap();
    assert!(
        diff.contains("-tool OrderStatusPlugin-check_order_status {\"order_id\":{\"type\":\"string\"}}: Check the status of an order.\n+tool OrderStatusPlugin-check_order_status {\"order_id\":{\"description\":\"The order number\",\"type\":\"string\"}}: Check the status of an order."),
        "{diff}"
    );
    // Sequence matching ignores content: the same responses, in the same order, still fit.
    let output = replay(&changed, &out, &["--match", "sequence"]);
    exits(&output, 0);
}

#[test]
fn recorded_calls_and_replies_a_run_leaves_unused_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _endpoint) = recorded(&dir);
    // The conversation ends earlier: the customer says no more after the first request.
    let shorter = edited(&dir, |text| {
        let expect = text.find(",\n  \"expect\"").unwrap();
        format!(
            "{},\n  \"expect\": {{ \"outcome\": \"human-exhausted\" }}\n}}\n",
            &text[..expect]
        )
    });
    let mut transcript = Transcript::load(&out).unwrap();
    transcript.human.truncate(2);
    let short = dir.path().join("short.recording.json");
    transcript.save(&short).unwrap();
    let output = replay(&shorter, &short, &[]);
    exits(&output, 1);
    let shown = text(&output.stdout);
    assert!(
        shown.contains(
            "replay: 5 of 12 recorded calls replayed; 7 recorded calls never used (OrderStatusAgent call 4, TriageAgent call 3, OrderReturnAgent call 1"
        ),
        "{shown}"
    );
    let output = replay(&shorter, &short, &["--allow-unused"]);
    exits(&output, 0);

    // The whole conversation, with one more recorded human reply than the run asks for.
    let mut transcript = Transcript::load(&out).unwrap();
    transcript.human.push("One more thing".into());
    let longer = dir.path().join("longer.recording.json");
    transcript.save(&longer).unwrap();
    let support = root().join("scenarios/customer_support.json");
    let output = replay(&support, &longer, &[]);
    exits(&output, 1);
    let shown = text(&output.stdout);
    assert!(
        shown.contains("replay: 12 of 12 recorded calls replayed; 1 recorded human reply never asked for\n"),
        "{shown}"
    );
    exits(&replay(&support, &longer, &["--allow-unused"]), 0);
}

#[test]
fn a_diverged_replay_fails_even_when_unused_calls_are_allowed_and_says_so_in_run_and_test() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _endpoint) = recorded(&dir);
    let changed = edited(&dir, |text| {
        text.replace(
            "Handle order status requests.",
            "Handle order status requests politely.",
        )
    });
    let output = replay(&changed, &out, &["--allow-unused"]);
    exits(&output, 1);
    assert!(text(&output.stdout).contains("replay: diverged at OrderStatusAgent call 1"));

    // The same divergence where the scenario's model names the recording: `handoff run`.
    let name = out.file_name().unwrap().to_str().unwrap();
    let file = dir.path().join("by_recording.json");
    let by_recording = std::fs::read_to_string(&changed).unwrap();
    let model = by_recording.find("\"model\": {").unwrap();
    let expect = by_recording.find("\"expect\"").unwrap();
    std::fs::write(
        &file,
        format!(
            "{}\"model\": {{ \"recording\": \"{name}\" }},\n  {}",
            &by_recording[..model],
            &by_recording[expect..]
        ),
    )
    .unwrap();
    let output = crate::support::handoff(&["run", arg(&file)]);
    exits(&output, 1);
    let shown = text(&output.stdout);
    assert!(
        shown.contains(&format!(
            "  FAILED replay: expected the run follows {}, got the run diverges from the recording at OrderStatusAgent call 1 (model call 3 of the run): the request differs from the recorded one",
            out.display()
        )),
        "{shown}"
    );
}

#[test]
fn after_a_divergence_the_replay_answers_nothing_more_and_keeps_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _endpoint) = recorded(&dir);
    let transcript = std::sync::Arc::new(Transcript::load(&out).unwrap());
    let changed = Scenario::load(edited(&dir, |text| {
        text.replace("Handle customer requests.", "Handle customer requests politely.")
    }))
    .unwrap();
    let names = changed.design.agents().iter().map(|a| a.name.as_str());
    let mut model = handoff_harness::wire::ReplayModel::new(transcript, Matching::Strict, names);
    let core = changed.orchestration_only().unwrap().core(true, None);
    let request = core.request();
    let first = model.reply(&request).unwrap_err();
    assert!(first.message.contains("at TriageAgent call 1"), "{}", first.message);
    let again = model.reply(&request).unwrap_err();
    assert_eq!(again.message, "the replay has already diverged");
    let divergence = model.divergence().unwrap();
    assert_eq!(
        (divergence.agent.as_str(), divergence.call, divergence.run_call),
        ("TriageAgent", 1, 1)
    );
    assert!(
        divergence.diff.contains("+system: Handle customer requests politely."),
        "{}",
        divergence.diff
    );
}

#[test]
fn a_scenario_whose_model_names_a_recording_replays_it_in_run_and_test() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _endpoint) = recorded(&dir);
    let name = out.file_name().unwrap().to_str().unwrap();
    let file = edited(&dir, |text| {
        let model = text.find("\"model\": {").unwrap();
        let expect = text.find("\"expect\"").unwrap();
        format!(
            "{}\"model\": {{ \"recording\": \"{name}\" }},\n  {}",
            &text[..model],
            &text[expect..]
        )
    });
    let output = crate::support::handoff(&["run", arg(&file)]);
    exits(&output, 0);
    assert!(text(&output.stdout).contains("ok     replay: every recorded call and reply was used"));
    let output = crate::support::handoff(&["replay", arg(&file)]);
    exits(&output, 0);
    // Fuzzing needs rules, not a recording.
    let output = crate::support::handoff(&["fuzz", arg(&file), "--cases", "10"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("model: its `model` is a recording, and this needs scripted rules"));
}

/// The recording shipped beside the tutorial scenario is that scenario's conversation, recorded
/// from its scripted model (set `HANDOFF_UPDATE_RECORDINGS=1` to write it again).
#[test]
fn the_shipped_recording_is_the_tutorial_conversation_and_replays_as_recorded() {
    let scenario = customer_support();
    let (orchestration, model) = scenario.orchestration().unwrap();
    let mut recorder = Recorder::new(model, scenario.name.clone()).model_name("scripted");
    let mut human = ScriptedHuman::new(scenario.user.clone().unwrap());
    let run = run(&orchestration, &mut recorder, &mut human);
    let expected = recorder.finish(&run).to_json();
    let shipped = root().join("scenarios/customer_support.recording.json");
    if std::env::var_os("HANDOFF_UPDATE_RECORDINGS").is_some() {
        std::fs::write(&shipped, &expected).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&shipped).unwrap(), expected);
    let output = replay_cli(&shipped);
    exits(&output, 0);

    // The careless edit of the design breaks yesterday's conversation at its first call.
    let output = crate::support::handoff(&[
        "replay",
        "scenarios/designs/customer_support_v2.json",
        "--transcript",
        "scenarios/customer_support.recording.json",
    ]);
    exits(&output, 1);
}

/// A run with typed arguments, recorded and replayed strictly: the requests carry the typed
/// schemas in Semantic Kernel's dialect, the answers the typed arguments, and the replay is
/// the scripted run.
#[test]
fn typed_arguments_and_schemas_are_recorded_and_replay_as_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/github_issue.json");
    let scenario = Scenario::load(&file).unwrap();
    let scripted = scenario.run_blocking().unwrap();
    let endpoint = Endpoint::start(answers_of(&scripted));
    let out = dir.path().join("github_issue.recording.json");
    exits(&record(&file, &endpoint, &out, &[]), 0);
    let transcript = Transcript::load(&out).unwrap();
    let triage = transcript.agents.iter().find(|a| a.name == "TriageAgent").unwrap();
    assert_eq!(
        triage.tools[0]["function"]["parameters"]["properties"]["labels"]["items"]["enum"][1],
        ".NET"
    );
    let python = transcript.agents.iter().find(|a| a.name == "PythonAgent").unwrap();
    assert_eq!(
        python.tools[0]["function"]["parameters"]["properties"]["confidence"],
        serde_json::json!({"type": "number"}),
        "Semantic Kernel sends no default"
    );
    let recorded = Replay::new(transcript, arg(&out), Matching::Strict);
    let mut model = recorded.model(&scenario.design);
    let mut human = ScriptedHuman::new(recorded.transcript.human.clone());
    let run = run(&scenario.orchestration_only().unwrap(), &mut model, &mut human);
    assert!(model.divergence().is_none(), "{:?}", model.divergence());
    assert_eq!(run.to_json(), scripted.to_json());
    exits(&replay(&file, &out, &[]), 0);
}
