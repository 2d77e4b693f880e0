//! Shared designs (`"design": "designs/x.json"`): every command runs the named file, one edit
//! reaches every scenario that names it, the design file is never written, and its errors
//! name both files.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use crate::support::{arg, handoff, root};

/// A suite folder `scenarios/` (with `snapshots/` beside it) holding the customer-support
/// design as `designs/support.json`, a replay of the recorded SK run and the scripted
/// tutorial conversation, both naming the design. Returns the scenarios folder.
fn suite(dir: &Path) -> PathBuf {
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(scenarios.join("designs")).unwrap();
    std::fs::create_dir_all(dir.join("snapshots")).unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/customer_support.json")).unwrap();
    // Raw values: the order of the handoffs, which orders the functions offered, is kept.
    let mut scenario: BTreeMap<String, Box<RawValue>> = serde_json::from_str(&text).unwrap();
    let mut design = BTreeMap::from([("name".to_string(), raw(r#""support""#))]);
    for key in ["agents", "start", "handoffs"] {
        if let Some(value) = scenario.remove(key) {
            design.insert(key.to_string(), value);
        }
    }
    scenario.insert("design".into(), raw(r#""designs/support.json""#));
    let write = |path: PathBuf, v: &BTreeMap<String, Box<RawValue>>| {
        std::fs::write(path, serde_json::to_string(v).unwrap()).unwrap()
    };
    write(scenarios.join("designs/support.json"), &design);
    write(scenarios.join("scripted.json"), &scenario);
    scenario.insert(
        "model".into(),
        raw(r#"{ "recording": "customer_support.recording.json" }"#),
    );
    write(scenarios.join("replayed.json"), &scenario);
    std::fs::copy(
        root().join("scenarios/customer_support.recording.json"),
        scenarios.join("customer_support.recording.json"),
    )
    .unwrap();
    scenarios
}

fn raw(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_string()).unwrap()
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_command_runs_the_named_design_and_an_edited_edge_fails_the_replay() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = suite(dir.path());
    let design = scenarios.join("designs/support.json");
    let before = std::fs::read(&design).unwrap();
    let (scripted, replayed) = (scenarios.join("scripted.json"), scenarios.join("replayed.json"));

    let out = handoff(&["test", arg(&scenarios), "--accept"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = handoff(&["test", arg(&scenarios)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("scenario designs/support ... ignored"),
        "{}",
        text(&out)
    );
    for args in [
        vec!["run", arg(&scripted)],
        vec!["replay", arg(&replayed)],
        vec!["fuzz", arg(&scripted), "--cases", "300", "--jobs", "1"],
    ] {
        let out = handoff(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    }
    let out = handoff(&["analyze", "--coverage", arg(&scenarios)]);
    let coverage = text(&out);
    assert!(
        coverage.contains("in 1 design"),
        "the two scenarios share one design: {coverage}"
    );
    let out = handoff(&["analyze", arg(&scripted)]);
    assert!(
        text(&out).contains("TriageAgent"),
        "analyze reads the named design: {}",
        text(&out)
    );

    // One edit of the shared design reaches the replay: the request it makes differs from
    // the recorded one.
    let edited = String::from_utf8(before.clone())
        .unwrap()
        .replace("if the issue is refund related", "if the customer wants money back");
    assert_ne!(edited.as_bytes(), before.as_slice());
    std::fs::write(&design, &edited).unwrap();
    let out = handoff(&["test", arg(&scenarios)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = text(&out);
    assert!(report.contains("scenario replayed ... FAILED"), "{report}");
    assert!(
        report.contains("snapshot changed"),
        "the conversation changed, so does its snapshot: {report}"
    );
    assert_eq!(std::fs::read(&design).unwrap(), edited.as_bytes(), "never written");
}

/// Writes `files` (name, text) into a fresh folder and loads the first with `handoff run`:
/// its exit code and stderr.
fn load(files: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let out = handoff(&["run", arg(&dir.path().join(files[0].0))]);
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&*dir.path().to_string_lossy(), "DIR");
    (out.status.code(), stderr)
}

const DESIGN: &str = r#"{"agents": [{"name": "A"}, {"name": "B"}], "handoffs": {"A": {"B": "go"}}}"#;

fn scenario(extra: &str) -> String {
    format!(
        r#"{{"design": "designs/d.json", "task": "t", {extra} "model": {{"scripted": {{"A": {{"rules": [{{"say": "hi"}}]}}}}}}}}"#
    )
}

#[test]
fn the_errors_of_a_shared_design_name_the_scenario_and_the_design_file() {
    let ok = scenario("");
    assert_eq!(load(&[("s.json", &ok), ("designs/d.json", DESIGN)]).0, Some(0));
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![("s.json", ok.clone())],
            "DIR/s.json: design: DIR/designs/d.json: cannot read the design file",
        ),
        (
            vec![("s.json", ok.clone()), ("designs/d.json", r#"{"agents": [,]}"#.into())],
            "DIR/designs/d.json:1:",
        ),
        (
            vec![
                ("s.json", ok.clone()),
                ("designs/d.json", r#"{"design": "other.json", "agents": []}"#.into()),
            ],
            "DIR/designs/d.json: design: a design file named by `design` (in DIR/s.json) cannot name another file",
        ),
        (
            vec![
                ("s.json", ok.clone()),
                (
                    "designs/d.json",
                    DESIGN.replace(r#""handoffs""#, r#""task": "x", "handoffs""#),
                ),
            ],
            "DIR/designs/d.json: task: a design file named by `design` (in DIR/s.json) holds only agents, start, handoffs and profile",
        ),
        (
            vec![
                ("s.json", scenario(r#""agents": [{"name": "A"}],"#)),
                ("designs/d.json", DESIGN.into()),
            ],
            "DIR/s.json: agents: `design` names the design file designs/d.json",
        ),
        (
            vec![
                ("s.json", ok.clone()),
                ("designs/d.json", DESIGN.replace(r#"{"B": "go"}"#, r#"{"Ghost": "go"}"#)),
            ],
            "DIR/designs/d.json: handoffs.A.Ghost:",
        ),
        (
            vec![("s.json", r#"{"task": "t", "model": {"scripted": {}}}"#.into())],
            "DIR/s.json: agents: missing: give the design's `agents` here, or name a design file",
        ),
    ];
    for (files, expected) in cases {
        let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let (code, stderr) = load(&files);
        assert_eq!(code, Some(2), "{files:?}: {stderr}");
        assert!(stderr.contains(expected), "{files:?}:\n{stderr}\nwanted: {expected}");
    }
}

#[test]
fn a_scenario_may_name_its_own_profile_over_the_designs() {
    let design = DESIGN.replace(
        r#"{"agents""#,
        r#"{"profile": "agent-framework", "start": "A", "agents""#,
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("designs")).unwrap();
    std::fs::write(dir.path().join("designs/d.json"), &design).unwrap();
    for (extra, profile) in [
        ("", "agent-framework"),
        (r#""profile": "openai-agents","#, "openai-agents"),
    ] {
        let path = dir.path().join("s.json");
        std::fs::write(&path, scenario(extra)).unwrap();
        let loaded = handoff_harness::Scenario::load(&path).unwrap();
        assert_eq!(loaded.profile().name, profile);
        assert!(loaded.design_file.as_deref().unwrap().ends_with("designs/d.json"));
    }
}

#[test]
fn the_errors_of_a_regression_name_it_and_the_scenario_it_names() {
    let base = scenario("");
    let cases = [
        (
            r#"{"scenario": "gone.json", "user": ["hi"]}"#,
            "DIR/r.json: scenario: DIR/gone.json: cannot read the scenario",
        ),
        (
            r#"{"scenario": "s.json", "task": "x", "user": ["hi"]}"#,
            "DIR/r.json: task: `scenario` names s.json, whose design, task, model, limits, policy and invariants this file runs",
        ),
        (
            r#"{"scenario": "r2.json", "user": ["hi"]}"#,
            "DIR/r2.json: scenario: a scenario named by `scenario` (in DIR/r.json) cannot name another one",
        ),
        (
            r#"{"scenario": "s.json", "user": [{"say": "hi", "agent": "Ghost"}]}"#,
            "DIR/r.json: user[0].agent: `Ghost` is not an agent of the design",
        ),
    ];
    for (regression, expected) in cases {
        let files = [
            ("r.json", regression),
            ("r2.json", r#"{"scenario": "s.json"}"#),
            ("s.json", base.as_str()),
            ("designs/d.json", DESIGN),
        ];
        let (code, stderr) = load(&files);
        assert_eq!(code, Some(2), "{regression}: {stderr}");
        assert!(stderr.contains(expected), "{regression}:\n{stderr}\nwanted: {expected}");
    }
}

/// The help desk of `tests/data/helpdesk` in a suite folder of its own: `scenarios/` (the
/// scenario and its shared design) with `snapshots/` beside it.
fn helpdesk(dir: &Path) -> PathBuf {
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(scenarios.join("designs")).unwrap();
    std::fs::create_dir_all(dir.join("snapshots")).unwrap();
    for file in ["helpdesk.json", "designs/helpdesk.json"] {
        std::fs::copy(root().join("tests/data/helpdesk").join(file), scenarios.join(file)).unwrap();
    }
    scenarios
}

/// The Wi-Fi rule of the help desk's NetworkAgent: the bug (back to triage), and the fix.
const BOUNCES: &str = r#"{ "when": { "user": "(?i)wifi" }, "handoff": "TriageAgent" }"#;
const FIXED: &str = r#"{ "when": { "user": "(?i)wifi" }, "say": "The Wi-Fi is run by facilities." }"#;

#[test]
fn a_regression_follows_its_scenario_passes_once_fixed_and_fails_again_if_the_bounce_returns() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = helpdesk(dir.path());
    let file = scenarios.join("helpdesk.json");
    let fuzz = ["fuzz", arg(&file), "--seed", "8", "--cases", "1000", "--jobs", "1"];
    let out = handoff(&fuzz);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("shrunk to replies [\"wifi\"]"), "{}", text(&out));
    let regressions = scenarios.join("regressions");
    let written: Vec<PathBuf> = std::fs::read_dir(&regressions)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1);
    let regression: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&written[0]).unwrap()).unwrap();
    assert_eq!(regression["scenario"], "../helpdesk.json", "{regression:#}");
    assert_eq!(regression["seed"], 8);
    assert_eq!(regression["user"], serde_json::json!(["wifi"]));
    assert_eq!(regression["expect"], serde_json::json!({ "no_bounce": true }));
    assert!(
        regression.get("agents").is_none() && regression.get("model").is_none(),
        "no frozen copy"
    );

    let test = ["test", arg(&regressions)];
    let out = handoff(&test);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("expect.no_bounce: expected no loop, limit or ambiguous handoff, got Run stopped: endless loop: TriageAgent -> NetworkAgent -> TriageAgent"),
        "{}",
        text(&out)
    );

    assert!(
        text(&out).contains(
            "(the bounce `handoff fuzz` found; fix ../helpdesk.json or the design it names, and this passes)"
        ),
        "{}",
        text(&out)
    );
    let out = handoff(&["analyze", arg(&written[0])]);
    assert!(
        text(&out).contains(&format!("{}", written[0].display())) && text(&out).contains("NetworkAgent"),
        "analyze reads the design of the scenario a regression names: {}",
        text(&out)
    );
    let buggy = std::fs::read_to_string(&file).unwrap();
    assert!(buggy.contains(BOUNCES));
    std::fs::write(&file, buggy.replace(BOUNCES, FIXED)).unwrap();
    let out = handoff(&test);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("... ok (the bounce `handoff fuzz` found with seed 8 no longer happens: ../helpdesk.json is fixed; this fails again if it comes back)"),
        "{}",
        text(&out)
    );
    let snapshots: Vec<_> = std::fs::read_dir(dir.path().join("snapshots")).unwrap().collect();
    assert!(
        snapshots.is_empty(),
        "a regression proves its `expect`, not a conversation"
    );
    let out = handoff(&["run", arg(&written[0])]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = handoff(&fuzz);
    assert!(
        text(&out).contains(&format!(
            "regression {}: passes, the bounce no longer happens",
            written[0].display()
        )),
        "{}",
        text(&out)
    );

    std::fs::write(&file, &buggy).unwrap();
    let out = handoff(&test);
    assert_eq!(out.status.code(), Some(1), "the bounce is back: {}", text(&out));
}

#[test]
fn a_bounce_one_reply_triggers_shrinks_to_that_reply_and_the_summary_does_not_judge_the_campaign() {
    // Before shrinking went to a local minimum, seed 8 gave 6 replies, 9 seeds of 25 gave 6
    // and the 25 gave 82 replies in all; each now gives one reply.
    let dir = tempfile::tempdir().unwrap();
    let scenarios = helpdesk(dir.path());
    let file = scenarios.join("helpdesk.json");
    for seed in ["2", "4", "8", "11", "13", "21"] {
        let regressions = dir.path().join(format!("regressions-{seed}"));
        let args = [
            "fuzz",
            arg(&file),
            "--seed",
            seed,
            "--cases",
            "1000",
            "--jobs",
            "1",
            "--format",
            "json",
            "--regressions",
            arg(&regressions),
        ];
        let out = handoff(&args);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let replies = report["failure"]["replies"].as_array().unwrap();
        assert_eq!(replies.len(), 1, "seed {seed}: {replies:?}");
        let words = replies[0].as_str().unwrap().split_whitespace().count();
        assert!(words <= 2, "seed {seed}: {replies:?}");
    }
    let regressions = dir.path().join("regressions-0");
    let args = [
        "fuzz",
        arg(&file),
        "--seed",
        "0",
        "--cases",
        "1000",
        "--jobs",
        "1",
        "--regressions",
        arg(&regressions),
    ];
    let report = text(&handoff(&args));
    assert!(
        report.contains("1 case passed before the failure: too few to tell what the cases reach"),
        "{report}"
    );
    assert!(
        !report.contains("handoff edges") && !report.contains("% model-failed"),
        "{report}"
    );
}

#[test]
fn old_regressions_that_copy_the_whole_scenario_still_load_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join("scenarios/mixed_requests.json")).unwrap();
    let case = |reply: &str| handoff_harness::fuzz::Case {
        replies: vec![reply.to_string()],
        overrides: Vec::new(),
    };
    let write = |reply: &str, name: &str| {
        let (_, body) =
            handoff_harness::fuzz::frozen_regression(&original, "mixed_requests", &case(reply), "bounce", None)
                .unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        path
    };
    let bounces = write("ship refund", "mixed_requests-00000001.json");
    let out = handoff(&["run", arg(&bounces)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("FAILED no_bounce"), "{}", text(&out));
    // One whose bounce the scenario no longer has: `fuzz` says the copy is what still fails.
    std::fs::remove_file(&bounces).unwrap();
    write("hello", "mixed_requests-00000002.json");
    let out = handoff(&[
        "fuzz",
        "scenarios/mixed_requests.json",
        "--regressions",
        arg(dir.path()),
        "--cases",
        "10",
        "--jobs",
        "1",
    ]);
    assert!(
        text(&out).contains("holds its own old copy of the design, so `handoff test` still runs that copy"),
        "{}",
        text(&out)
    );
}

#[test]
fn no_command_writes_into_the_design_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("designs")).unwrap();
    let design = dir.path().join("designs/d.json");
    std::fs::write(&design, DESIGN).unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(&file, scenario("")).unwrap();
    let upstream = ["--upstream", "http://127.0.0.1:9/v1", "--upstream-model", "m"];
    let record = [
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
        "--out",
        arg(&design),
    ];
    for (args, refusal) in [
        (
            [
                &["serve", arg(&file)][..],
                &upstream,
                &["--write-design", arg(&design), "--", "true"],
            ]
            .concat(),
            "--write-design names an input of this command",
        ),
        (
            [&["record", arg(&file)][..], &record].concat(),
            "the scenario is read from it; --out must name another file",
        ),
    ] {
        let out = handoff(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(refusal), "{}", text(&out));
        assert_eq!(std::fs::read_to_string(&design).unwrap(), DESIGN, "{args:?}");
    }
}
