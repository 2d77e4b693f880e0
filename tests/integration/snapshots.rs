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
    assert_eq!(text(&out).lines().last(), Some("9 passed, 0 failed"));
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
    assert_eq!(out_text.lines().last(), Some("8 passed, 1 failed"));
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
    // It says what it accepted, under the scenario's line.
    assert!(
        text(&accepted).contains(&format!(
            "scenario customer_support ... ok\n    accepted {}\n",
            snap.display()
        )),
        "{}",
        text(&accepted)
    );
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
    let asked = String::from_utf8_lossy(&out.stderr);
    assert!(asked.contains("accept it? [a]ccept, [r]eject, [s]kip"));
    // The person sees the conversation's diff, not the run's JSON (only how long it is).
    assert!(
        asked.contains("+RefundAgent: I'm sorry to hear that. Why do you want a refund for order 555?"),
        "{asked}"
    );
    assert!(!asked.contains("\"events\""), "{asked}");
    assert!(asked.contains("(then the run as JSON, "), "{asked}");
    assert!(asked.lines().count() < 60, "{asked}");
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
    assert_eq!(suites.attribute("tests"), Some("10"));
    assert_eq!(suites.attribute("failures"), Some("2"));
    assert_eq!(
        suites.attribute("errors"),
        Some("0"),
        "the Jenkins schema has no <error>"
    );
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 10);
    for case in &cases {
        let time: f64 = case.attribute("time").unwrap().parse().unwrap();
        assert!((0.0..60.0).contains(&time), "{time}");
    }
    let refund = cases.iter().find(|c| c.attribute("name") == Some("refund")).unwrap();
    let failure = refund.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("expectation"));
    assert_eq!(
        failure.attribute("message"),
        Some("expect.human_turns: expected 4, got 3")
    );
    assert_eq!(
        failure.text(),
        Some("expect.human_turns: expected 4, got 3"),
        "the body holds the failure, not the text report's framing"
    );
    let broken = cases.iter().find(|c| c.attribute("name") == Some("broken")).unwrap();
    let failure = broken.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("bad-input"));
    assert!(
        failure.attribute("message").unwrap().contains("broken.json:1:"),
        "{xml}"
    );
}

/// The python of the validators' virtual environment (`tests/validators/setup.sh`).
pub fn validators() -> std::path::PathBuf {
    static READY: std::sync::OnceLock<Result<std::path::PathBuf, String>> = std::sync::OnceLock::new();
    crate::support::setup_once(&READY, "tests/validators/setup.sh")
}

/// Runs `tests/validators/validate.py KIND SCHEMA FILES...`: the exit code and what it printed.
pub fn validate(kind: &str, schema: &Path, files: &[&Path]) -> (i32, String) {
    let out = std::process::Command::new(validators())
        .arg(root().join("tests/validators/validate.py"))
        .arg(kind)
        .arg(schema)
        .args(files)
        .output()
        .unwrap();
    let text = format!("{}{}", text(&out), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn junit_report_is_valid_against_the_jenkins_schema_with_every_kind_of_case() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    expect_four_human_turns_in_refund(&scenarios);
    edit(
        &scenarios.join("customer_support.json"),
        "Could you please provide me with your order ID?",
        "What is <your> \\\"order\\\" & number?",
    );
    std::fs::write(scenarios.join("broken.json"), "{\"agents\": [").unwrap();
    std::fs::create_dir(scenarios.join("designs")).unwrap();
    std::fs::copy(
        root().join("scenarios/designs/customer_support_v2.json"),
        scenarios.join("designs/v2.json"),
    )
    .unwrap();
    let report = ws.path().join("junit.xml");
    let out = handoff(&["test", arg(&scenarios), "--junit", arg(&report)]);
    assert_eq!(out.status.code(), Some(2));
    let xml = std::fs::read_to_string(&report).unwrap();
    for element in [
        "<skipped",
        "type=\"bad-input\"",
        "type=\"expectation\"",
        "type=\"snapshot\"",
    ] {
        assert!(xml.contains(element), "{element} in {xml}");
    }
    let schema = root().join("tests/validators/junit-10.xsd");
    let (code, errors) = validate("xsd", &schema, &[&report]);
    assert_eq!(code, 0, "{errors}\n{xml}");
    // The validator does reject what the schema does not allow (the old report's attribute).
    let invalid = ws.path().join("invalid.xml");
    std::fs::write(&invalid, xml.replacen("<testcase ", "<testcase file=\"x\" ", 1)).unwrap();
    let (code, errors) = validate("xsd", &schema, &[&invalid]);
    assert_eq!(code, 1);
    assert!(
        errors.contains("attribute 'file': The attribute 'file' is not allowed"),
        "{errors}"
    );
}

#[test]
fn insta_rewrites_every_snapshot_to_the_same_bytes() {
    // What `cargo insta accept` does to a file: read it, save it. The shipped snapshots (written
    // by this crate's insta test) and a new one written by `handoff test` both survive unchanged.
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    std::fs::copy(scenarios.join("refund.json"), scenarios.join("refund copy: #2.json")).unwrap();
    let out = handoff(&["test", arg(&scenarios)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let pending = ws.path().join("snapshots/refund copy: #2.snap.new");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(ws.path().join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.contains(&pending), "{files:?}");
    assert_eq!(files.len(), 10);
    for file in &files {
        let written = std::fs::read_to_string(file).unwrap();
        let resaved = ws.path().join("resaved.snap");
        insta::Snapshot::from_file(file).unwrap().save(&resaved).unwrap();
        assert_eq!(
            std::fs::read_to_string(&resaved).unwrap(),
            written,
            "insta rewrites {}",
            file.display()
        );
    }
    let header = std::fs::read_to_string(&pending).unwrap();
    assert!(
        header.starts_with(&format!(
            "---\nsource: handoff test\ninput_file: \"{}\"\n---\n",
            scenarios.join("refund copy: #2.json").display()
        )),
        "{header}"
    );
}

#[test]
fn accepting_keeps_the_header_insta_wrote_so_either_tool_leaves_the_file_unchanged() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    let snap = ws.path().join("snapshots/customer_support.snap");
    let before = std::fs::read_to_string(&snap).unwrap();
    assert!(
        before.starts_with("---\nsource: tests/integration/snapshots.rs\n"),
        "{before}"
    );
    let file = scenarios.join("customer_support.json");
    edit(
        &file,
        "Could you please provide me with your order ID?",
        "Your order number?",
    );
    assert_eq!(handoff(&["test", arg(&scenarios), "--accept"]).status.code(), Some(0));
    let accepted = std::fs::read_to_string(&snap).unwrap();
    assert_ne!(accepted, before);
    let header = |text: &str| text.split("\n---\n").next().unwrap().to_string();
    assert_eq!(header(&accepted), header(&before), "only the contents changed");
    // Back: the old text accepted again gives the original file, byte for byte.
    edit(
        &file,
        "Your order number?",
        "Could you please provide me with your order ID?",
    );
    assert_eq!(handoff(&["test", arg(&scenarios), "--accept"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), before);
}

#[test]
fn unreferenced_snapshots_are_listed_rejected_or_deleted() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    let snapshots = ws.path().join("snapshots");
    std::fs::remove_file(scenarios.join("no_human.json")).unwrap();
    std::fs::copy(
        snapshots.join("refund.snap"),
        snapshots.join("refund@agent-framework.snap"),
    )
    .unwrap();
    let out = handoff(&["test", arg(&scenarios)]);
    assert_eq!(out.status.code(), Some(0), "warn is the default: {}", text(&out));
    let orphan = snapshots.join("no_human.snap");
    assert!(
        text(&out).contains(&format!(
            "unreferenced snapshot: {} (no scenario writes it)\n",
            orphan.display()
        )),
        "{}",
        text(&out)
    );
    assert!(
        !text(&out).contains("refund@agent-framework"),
        "a profile's snapshot is referenced"
    );
    let out = handoff(&["test", arg(&scenarios), "--filter", "refund"]);
    assert!(!text(&out).contains("unreferenced"), "a filtered run cannot tell");
    let out = handoff(&["test", arg(&scenarios), "--unreferenced", "reject", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["unreferenced"][0]["snapshot"], orphan.display().to_string());
    assert_eq!(value["unreferenced"][0]["deleted"], false);
    let out = handoff(&["test", arg(&scenarios), "--unreferenced", "delete"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).contains("deleted unreferenced snapshot:"), "{}", text(&out));
    assert!(!orphan.exists());
    assert!(snapshots.join("refund.snap").exists());
}

#[test]
fn handoff_test_takes_files_named_and_snapshotted_as_in_their_suite() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    let refund = scenarios.join("refund.json");
    let out = handoff(&["test", arg(&refund), arg(&scenarios.join("no_human.json"))]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("running 2 scenarios from"), "{}", text(&out));
    assert!(text(&out).contains("scenario refund ... ok\n"), "{}", text(&out));
    assert!(
        !text(&out).contains("unreferenced"),
        "files given: the rest of the suite is not judged"
    );
    // A changed file fails against the snapshot its suite keeps.
    expect_four_human_turns_in_refund(&scenarios);
    let out = handoff(&["test", arg(&refund)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out).lines().last(), Some("0 passed, 1 failed"));
    let out = handoff(&["test", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`-` (standard input) has no snapshot"));
}

#[test]
fn json_format_and_new_snapshots() {
    let ws = workspace();
    let scenarios = ws.path().join("scenarios");
    std::fs::copy(scenarios.join("refund.json"), scenarios.join("refund_copy.json")).unwrap();
    let out = handoff(&["test", arg(&scenarios), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((value["passed"].as_u64(), value["failed"].as_u64()), (Some(9), Some(1)));
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
    let missing = ws.path().join("missing");
    let out = handoff(&["test", arg(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {}: cannot read: No such file or directory (os error 2)\n",
            missing.display()
        ),
        "the folder named once"
    );
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
