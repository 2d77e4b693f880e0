//! Every scenario's history is snapshotted with insta in `snapshots/`, the same files
//! `handoff test` checks: update them with `cargo insta review` or `handoff test --review`.
//! Then `handoff test` itself: diffs, accepting, expectations, JUnit, filters, CI.

use std::path::Path;

use handoff_harness::suite::snapshot;
use handoff_harness::{Scenario, Suite};

use crate::support::{arg, handoff, root};

#[test]
fn every_scenario_matches_its_snapshot() {
    let suite = Suite::new(root().join("scenarios"));
    let files = suite.files().unwrap();
    assert!(files.len() >= 5);
    for file in files {
        let scenario = Scenario::load(&file).unwrap();
        if scenario.is_design_only() {
            continue;
        }
        let run = scenario.run_blocking().unwrap();
        let name = suite
            .snapshot_path(&file)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root().join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(&file);
        settings.bind(|| insta::assert_snapshot!(name, snapshot::contents(&run)));
    }
}

/// A copy of the shipped scenarios and snapshots in a temporary directory.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["scenarios", "snapshots"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(root().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() && path.extension().is_some_and(|e| e == "json" || e == "snap") {
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Makes the refund scenario expect one human turn more than it has.
fn expect_four_human_turns_in_refund(scenarios: &Path) {
    edit(
        &scenarios.join("refund.json"),
        "\"human_turns\": 3",
        "\"human_turns\": 4",
    );
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn handoff_test_passes_on_the_shipped_scenarios_and_ends_with_the_count() {
    let ws = workspace();
    let out = handoff(&["test", arg(&ws.path().join("scenarios"))]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text(&out).contains("scenario customer_support ... ok\n"));
    assert_eq!(text(&out).lines().last(), Some("6 passed, 0 failed"));
}

#[test]
fn a_changed_rule_fails_with_a_readable_diff_and_accepting_makes_the_next_run_pass() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    let file = scenarios.join("customer_support.json");
    edit(
        &file,
        "Could you please provide me with your order ID?",
        "What is your order number?",
    );
    let out = handoff(&["test", arg(&scenarios)]);
    assert_eq!(out.status.code(), Some(1));
    let out_text = text(&out);
    assert!(out_text.contains("scenario customer_support ... FAILED"), "{out_text}");
    assert!(out_text.contains("snapshot changed:"), "{out_text}");
    assert!(
        out_text.contains(
            "-OrderStatusAgent: Sure, I can help you with that. Could you please provide me with your order ID?\n\
             +OrderStatusAgent: Sure, I can help you with that. What is your order number?\n"
        ),
        "{out_text}"
    );
    assert_eq!(out_text.lines().last(), Some("5 passed, 1 failed"));
    let snap = ws.path().join("snapshots/customer_support.snap");
    let pending = snapshot::pending_path(&snap);
    assert!(pending.exists(), "the new version is written beside the accepted one");
    let before = std::fs::read_to_string(&snap).unwrap();

    // With CI set, nothing is accepted on its own, and --review refuses to ask.
    let review_in_ci = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["test", arg(&scenarios), "--review"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(review_in_ci.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), before);

    let accepted = handoff(&["test", arg(&scenarios), "--accept"]);
    assert_eq!(accepted.status.code(), Some(0), "{}", text(&accepted));
    assert!(!pending.exists());
    assert!(
        std::fs::read_to_string(&snap)
            .unwrap()
            .contains("What is your order number?")
    );
    let again = handoff(&["test", arg(&scenarios)]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

#[test]
fn review_accepts_or_rejects_what_the_person_answers() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    edit(
        &scenarios.join("refund.json"),
        "Why would you like a refund",
        "Why do you want a refund",
    );
    edit(&scenarios.join("no_human.json"), "Monday to Friday", "every day");
    let review = |answers: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(["test", arg(&scenarios), "--review"])
            .env_remove("CI")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    // Scenarios run in name order: no_human is asked first, then refund.
    let out = review("r\na\n");
    assert_eq!(out.status.code(), Some(1), "no_human was rejected, so it still fails");
    assert!(String::from_utf8_lossy(&out.stderr).contains("accept it? [a]ccept, [r]eject, [s]kip"));
    let snaps = ws.path().join("snapshots");
    assert!(
        std::fs::read_to_string(snaps.join("refund.snap"))
            .unwrap()
            .contains("Why do you want a refund")
    );
    assert!(
        !std::fs::read_to_string(snaps.join("no_human.snap"))
            .unwrap()
            .contains("every day")
    );
    assert!(
        !snaps.join("no_human.snap.new").exists(),
        "a rejected snapshot is deleted"
    );
}

#[test]
fn a_failed_expectation_says_what_was_expected_and_what_happened() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    expect_four_human_turns_in_refund(&scenarios);
    let out = handoff(&["test", arg(&scenarios), "--filter", "refund"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("expect.human_turns: expected 4, got 3"),
        "{}",
        text(&out)
    );
    assert_eq!(
        text(&out).lines().last(),
        Some("0 passed, 1 failed"),
        "--filter ran only refund"
    );
}

#[test]
fn junit_report_parses_and_counts_every_scenario() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    expect_four_human_turns_in_refund(&scenarios);
    std::fs::write(scenarios.join("broken.json"), "{\"agents\": [").unwrap();
    let report = ws.path().join("out/junit.xml");
    let out = handoff(&["test", arg(&scenarios), "--junit", arg(&report)]);
    assert_eq!(out.status.code(), Some(2), "a file that does not load is bad input");
    let xml = std::fs::read_to_string(&report).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites = doc.root_element();
    assert_eq!(suites.attribute("tests"), Some("7"));
    assert_eq!(suites.attribute("failures"), Some("1"));
    assert_eq!(suites.attribute("errors"), Some("1"));
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 7);
    let refund = cases.iter().find(|c| c.attribute("name") == Some("refund")).unwrap();
    let failure = refund.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .contains("expect.human_turns: expected 4, got 3")
    );
    let broken = cases.iter().find(|c| c.attribute("name") == Some("broken")).unwrap();
    assert!(broken.children().any(|n| n.has_tag_name("error")));
}

#[test]
fn json_format_and_new_snapshots() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    std::fs::copy(scenarios.join("refund.json"), scenarios.join("refund_copy.json")).unwrap();
    let out = handoff(&["test", arg(&scenarios), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((value["passed"].as_u64(), value["failed"].as_u64()), (Some(6), Some(1)));
    let copy = value["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "refund_copy")
        .unwrap();
    assert_eq!(copy["failures"][0]["kind"], "new-snapshot");
    assert!(ws.path().join("snapshots/refund_copy.snap.new").exists());
}

#[test]
fn an_empty_or_missing_directory_is_bad_input() {
    let ws = tempfile::tempdir().unwrap();
    let out = handoff(&["test", arg(ws.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no scenarios (*.json)"));
    let out = handoff(&["test", arg(&ws.path().join("missing"))]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn two_runs_that_differ_are_reported_at_the_first_differing_event() {
    let scenario = Scenario::load(root().join("scenarios/refund.json")).unwrap();
    let a = scenario.run_blocking().unwrap();
    assert_eq!(a.first_difference(&scenario.run_blocking().unwrap()), None);
    let mut other = scenario.clone();
    other.user.as_mut().unwrap()[1] = "It arrived broken".into();
    let b = other.run_blocking().unwrap();
    let (index, first, second) = a.first_difference(&b).unwrap();
    // task, reply, broadcast, human, reply + tool result + handoff, RefundAgent's reply and
    // broadcast, then the human's second answer.
    assert_eq!(index, 9);
    assert!(
        first.contains("It arrived damaged") && second.contains("It arrived broken"),
        "{first} / {second}"
    );
}
