//! `--profile NAME` on `run`, `test`, `fuzz`, `replay` and `record`: the framework semantics a
//! command runs a scenario under, instead of the scenario's own.

use crate::support::{handoff, root};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn arg(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn run_under_a_profile_names_it_and_uses_its_tool_names() {
    let out = handoff(&["run", "scenarios/customer_support.json", "--profile", "openai-agents"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Profile: openai-agents (OpenAI Agents SDK 0.24)\n"),
        "{text}"
    );
    assert!(text.contains("transfer_to_orderstatusagent({})"), "{text}");
    let default = stdout(&handoff(&["run", "scenarios/customer_support.json"]));
    assert!(
        !default.contains("Profile:"),
        "the default profile adds no line:\n{default}"
    );
    assert!(!default.contains("transfer_to_orderstatusagent"), "{default}");

    let json = handoff(&[
        "run",
        "scenarios/customer_support.json",
        "--profile",
        "agent-framework",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["profile"], "agent-framework");
}

#[test]
fn an_unknown_profile_is_a_usage_error_listing_the_profiles() {
    for command in ["run", "test", "fuzz", "replay"] {
        let out = handoff(&[command, "scenarios/customer_support.json", "--profile", "autogen"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(
            stderr(&out).contains("unknown profile `autogen`; one of: `semantic-kernel`, `semantic-kernel-fixed`"),
            "{command}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn test_under_a_profile_keeps_its_snapshots_apart() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    std::fs::copy(
        root().join("scenarios/customer_support.json"),
        scenarios.join("customer_support.json"),
    )
    .unwrap();
    let snapshots = dir.path().join("snapshots");
    for profile in ["agent-framework", "openai-agents"] {
        let out = handoff(&["test", arg(&scenarios), "--profile", profile, "--accept"]);
        assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    }
    let out = handoff(&["test", arg(&scenarios), "--accept"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let mut names: Vec<String> = std::fs::read_dir(&snapshots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "customer_support.snap",
            "customer_support@agent-framework.snap",
            "customer_support@openai-agents.snap"
        ]
    );
    let read = |name: &str| std::fs::read_to_string(snapshots.join(name)).unwrap();
    assert!(read("customer_support@agent-framework.snap").contains("\"handoff_to_OrderStatusAgent\""));
    assert!(read("customer_support.snap").contains("\"transfer_to_OrderStatusAgent\""));
    // Each profile's snapshot now passes under that profile, and only under it.
    let again = handoff(&["test", arg(&scenarios), "--profile", "openai-agents"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

#[test]
fn fuzz_under_a_profile_writes_a_regression_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let regressions = dir.path().join("regressions");
    let args = [
        "fuzz",
        "scenarios/mixed_requests.json",
        "--cases",
        "1000",
        "--seed",
        "1",
        "--profile",
        "semantic-kernel-fixed",
        "--regressions",
        arg(&regressions),
    ];
    let out = handoff(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "or: handoff fuzz scenarios/mixed_requests.json --cases 1000 --seed 1 --profile semantic-kernel-fixed\n"
        ),
        "{text}"
    );
    let written: Vec<_> = std::fs::read_dir(&regressions)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1);
    let regression: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&written[0]).unwrap()).unwrap();
    assert_eq!(regression["profile"], "semantic-kernel-fixed");
    let run = handoff(&["run", arg(&written[0]), "--format", "json"]);
    assert_eq!(run.status.code(), Some(1), "the regression bounces under its profile");
    let value: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(value["profile"], "semantic-kernel-fixed");
}

#[test]
fn replay_refuses_a_recording_made_under_another_profile_unless_told() {
    let recording = "scenarios/customer_support.recording.json";
    let refused = handoff(&[
        "replay",
        "scenarios/customer_support.json",
        "--transcript",
        recording,
        "--profile",
        "agent-framework",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let err = stderr(&refused);
    assert!(
        err.contains("the scenario runs under `agent-framework`, but the recording scenarios/customer_support.recording.json was made under `semantic-kernel`")
            && err.contains("--allow-profile-mismatch"),
        "{err}"
    );

    // Without --transcript, the scenario's own recording is checked at load.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(recording), dir.path().join("r.recording.json")).unwrap();
    let scenario = dir.path().join("replayed.json");
    std::fs::write(&scenario, crate::support::tutorial_replaying("r.recording.json")).unwrap();
    let refused = handoff(&["replay", arg(&scenario), "--profile", "openai-agents"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("profile: the scenario runs under `openai-agents`"),
        "{}",
        stderr(&refused)
    );
    let same = handoff(&["replay", arg(&scenario), "--profile", "semantic-kernel"]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));

    // Told, it replays and diverges where the frameworks differ, saying why up front.
    let allowed = handoff(&[
        "replay",
        arg(&scenario),
        "--profile",
        "agent-framework",
        "--allow-profile-mismatch",
        "--format",
        "json",
    ]);
    assert_eq!(allowed.status.code(), Some(1), "{}", stderr(&allowed));
    assert!(
        stderr(&allowed).contains("(recorded under `semantic-kernel`) under `agent-framework`"),
        "{}",
        stderr(&allowed)
    );
    let value: serde_json::Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert_eq!(value["replay"]["recorded_under"], "semantic-kernel");
    assert_eq!(value["profile"], "agent-framework");
    assert_eq!(
        value["replay"]["divergence"]["call"], 1,
        "the tools offered differ at once"
    );
}

#[test]
fn where_a_framework_has_no_completion_function_the_user_stopping_completes_the_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chat.json");
    std::fs::write(
        &file,
        r#"{"task": "hi", "agents": [{"name": "A"}, {"name": "B", "description": "B"}], "handoffs": {"A": {"B": null}},
            "user": ["thanks"], "model": {"scripted": {"A": {"responses": [{"say": "Hello."}, {"say": "Bye."}]}}}}"#,
    )
    .unwrap();
    let outcome = |profile: &str| {
        let out = handoff(&["run", arg(&file), "--profile", profile, "--format", "json"]);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["outcome"].clone()
    };
    let ended = outcome("openai-agents");
    assert_eq!(ended["kind"], "completed", "{ended}");
    assert_eq!(ended["summary"], "Bye.");
    // Agent Framework leaves the agent's request pending (`profile.human_done`,
    // tests/integration/framework_options.rs).
    assert_eq!(outcome("agent-framework")["kind"], "ended-without-human");
    for profile in ["semantic-kernel", "semantic-kernel-dotnet"] {
        assert_eq!(
            outcome(profile)["kind"],
            "human-exhausted",
            "{profile}: complete_task was never called"
        );
    }
}

/// Agent Framework's `test_build_fails_without_start_agent`: `HandoffBuilder` has no default
/// start agent, so a scenario written for it without `start` is refused with the framework's
/// error; the same design run under it with `--profile` starts with its first agent, as the
/// other frameworks do (Semantic Kernel sends the task to its first member).
#[test]
fn agent_framework_has_no_default_start_agent() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"task": "t", "profile": "agent-framework", "agents": [{"name": "A"}, {"name": "B"}],
        "handoffs": {"A": {"B": null}}, "model": {"scripted": {"A": {"responses": [{"say": "hi"}]}}}}"#;
    let file = crate::support::temp_file(&dir, "af.json", text.as_bytes());
    let out = crate::support::handoff(&["run", crate::support::arg(&file)]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("start: missing: Agent Framework's HandoffBuilder has no default start agent (`build()` raises `ValueError: Must call with_start_agent(...) before building the workflow.`)"),
        "{said}"
    );
    let named = text.replace(r#""task": "t","#, r#""task": "t", "start": "A","#);
    let file = crate::support::temp_file(&dir, "named.json", named.as_bytes());
    assert_eq!(
        crate::support::handoff(&["run", crate::support::arg(&file)])
            .status
            .code(),
        Some(0)
    );
    let sk = text.replace(r#""profile": "agent-framework","#, "");
    let file = crate::support::temp_file(&dir, "sk.json", sk.as_bytes());
    let out = crate::support::handoff(&["run", crate::support::arg(&file), "--profile", "agent-framework"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
