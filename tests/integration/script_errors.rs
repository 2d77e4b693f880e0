//! A script that cannot answer, as a person and a machine read it: `handoff run` shows the
//! rules tried one per line, with hints naming the rule that would have answered (another
//! agent's, or a regex one word off); `--format json` gives the same as fields; `handoff
//! test` shows the reason under the scenario and writes no snapshot of the broken run.

use serde_json::Value;

use crate::support::{arg, handoff, temp_file};

/// Triage hands laptops over to Hardware (its regex `handoff`), which asks for the serial
/// number and checks it (its regex `serial`); anything else goes back to Triage.
fn scenario(dir: &tempfile::TempDir, handoff: &str, serial: &str, expect: &str) -> std::path::PathBuf {
    let text = format!(
        r#"{{
  "name": "typo",
  "task": "A customer is on the line.",
  "agents": [
    {{ "name": "TriageAgent", "instructions": "Triage." }},
    {{ "name": "HardwareAgent", "instructions": "Hardware.",
      "tools": [ {{ "plugin": "P", "name": "check_warranty", "description": "d", "parameters": {{ "serial": null }}, "result": "Serial {{serial}} is under warranty." }} ] }}
  ],
  "handoffs": {{ "TriageAgent": {{ "HardwareAgent": "hardware" }}, "HardwareAgent": {{ "TriageAgent": "other" }} }},
  "user": ["My laptop screen is broken", "Serial 42"],
  "model": {{ "scripted": {{
    "TriageAgent": {{ "rules": [
      {{ "when": {{ "call": 1 }}, "say": "Hello, how can I help?" }},
      {{ "when": {{ "user": "{handoff}" }}, "handoff": "HardwareAgent" }}
    ] }},
    "HardwareAgent": {{ "rules": [
      {{ "when": {{ "tool_result": "under warranty" }}, "complete": "Warranty checked." }},
      {{ "when": {{ "user": "{serial}" }}, "call": {{ "tool": "check_warranty", "args": {{ "serial": "{{serial}}" }} }} }},
      {{ "when": {{ "user": "(?i)laptop" }}, "say": "What is the serial number?" }},
      {{ "handoff": "TriageAgent" }}
    ] }}
  }} }},
  "expect": {{ "outcome": "{expect}" }}
}}"#
    );
    std::fs::create_dir_all(dir.path().join("suite")).unwrap();
    temp_file(dir, "suite/typo.json", text.as_bytes())
}

const SERIAL: &str = r"(?i)serial (?P<serial>\\d+)";
const SERIEL: &str = r"(?i)seriel (?P<serial>\\d+)";

fn stdout(args: &[&str]) -> (String, Option<i32>) {
    let output = handoff(args);
    (String::from_utf8(output.stdout).unwrap(), output.status.code())
}

#[test]
fn the_scenario_without_a_typo_completes() {
    let dir = tempfile::tempdir().unwrap();
    let (text, code) = stdout(&["run", arg(&scenario(&dir, "(?i)laptop", SERIAL, "completed"))]);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn no_rule_answering_is_reported_one_rule_per_line_with_the_typo_of_another_agent() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(&dir, "(?i)laptop", SERIEL, "completed");
    let (text, code) = stdout(&["run", arg(&file)]);
    assert_eq!(code, Some(1), "{text}");
    assert!(!text.contains(r"\n"), "no escaped line breaks: {text}");
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Run stopped: the model of TriageAgent failed: no rule of `TriageAgent` matches its model call #3 (latest user message: \"Serial 42\""))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        lines[at + 1..at + 5],
        [
            "  rules tried, in order:",
            "    rules[0] (when call #1): this is call #3",
            "    rules[1] (when user ~ /(?i)laptop/): the user message does not match",
            r"  hint: model.scripted.HardwareAgent.rules[1].when.user /(?i)seriel (?P<serial>\d+)/ would match this text if `seriel` were `Serial`: did you mean /(?i)Serial (?P<serial>\d+)/?",
        ],
        "{text}"
    );
}

#[test]
fn the_json_report_has_the_rules_tried_and_the_hints_as_fields() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(&dir, "(?i)laptop", SERIEL, "completed");
    let (text, code) = stdout(&["run", arg(&file), "--format", "json"]);
    assert_eq!(code, Some(1), "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    let detail = &json["outcome"]["detail"];
    assert_eq!(detail["kind"], "no-rule", "{detail:#}");
    assert_eq!(detail["agent"], "TriageAgent");
    assert_eq!(detail["call"], 3);
    assert_eq!(detail["user"], "Serial 42");
    assert_eq!(detail["tool_result"], Value::Null);
    let rules = detail["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["path"], "model.scripted.TriageAgent.rules[0]");
    assert_eq!(rules[0]["condition"], "call");
    assert_eq!(
        (rules[0]["call"].as_u64(), rules[0]["min"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(rules[1]["path"], "model.scripted.TriageAgent.rules[1]");
    assert_eq!(rules[1]["condition"], "user");
    assert_eq!(rules[1]["regex"], "(?i)laptop");
    assert_eq!(rules[1]["text"], "Serial 42");
    let hint = &detail["hints"][0];
    assert_eq!(hint["kind"], "typo");
    assert_eq!(hint["path"], "model.scripted.HardwareAgent.rules[1].when.user");
    assert_eq!(
        (hint["word"].as_str(), hint["text_word"].as_str()),
        (Some("seriel"), Some("Serial"))
    );
    // The message's lines are real lines in the JSON string too.
    let message = json["outcome"]["message"].as_str().unwrap();
    assert!(
        message.contains("\n    rules[1] (when user ~ /(?i)laptop/)"),
        "{message}"
    );
}

#[test]
fn a_rule_of_another_agent_that_would_have_answered_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // Triage never hands off (its regex is far off), so it meets the laptop itself.
    let file = scenario(&dir, "(?i)hardware", SERIAL, "completed");
    let (text, code) = stdout(&["run", arg(&file), "--format", "json"]);
    assert_eq!(code, Some(1), "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    let detail = &json["outcome"]["detail"];
    assert_eq!(
        (detail["agent"].as_str(), detail["call"].as_u64()),
        (Some("TriageAgent"), Some(2))
    );
    let hints = detail["hints"].as_array().unwrap();
    let other = hints
        .iter()
        .find(|h| h["kind"] == "other-agent")
        .unwrap_or_else(|| panic!("{detail:#}"));
    assert_eq!(other["agent"], "HardwareAgent");
    assert_eq!(other["path"], "model.scripted.HardwareAgent.rules[2]");
    let (text, _) = stdout(&["run", arg(&file)]);
    assert!(
        text.lines().any(|l| l
            == "  hint: HardwareAgent's rules[2] (when user ~ /(?i)laptop/) would have matched this text: did you mean `TriageAgent` to hand off to `HardwareAgent` before this call (is a handoff rule missing or mistyped)?"),
        "{text}"
    );
}

#[test]
fn handoff_test_shows_the_reason_and_writes_no_snapshot_of_a_broken_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(&dir, "(?i)laptop", SERIEL, "completed");
    let suite = dir.path().join("suite");
    let (text, code) = stdout(&["test", arg(&suite)]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the run is broken: the scripted model could not answer, so the snapshot was not compared"),
        "{text}"
    );
    assert!(
        text.contains("\n      rules[1] (when user ~ /(?i)laptop/): the user message does not match\n"),
        "{text}"
    );
    assert!(text.contains("if `seriel` were `Serial`"), "{text}");
    assert!(!text.contains("--review") && !text.contains("new snapshot"), "{text}");
    let snapshots = dir.path().join("snapshots");
    assert!(!snapshots.join("typo.snap.new").exists() && !snapshots.join("typo.snap").exists());
    let (text, _) = stdout(&["test", arg(&suite), "--format", "json"]);
    let json: Value = serde_json::from_str(&text).unwrap();
    let failures = json["scenarios"][0]["failures"].as_array().unwrap();
    let kinds: Vec<&str> = failures.iter().filter_map(|f| f["kind"].as_str()).collect();
    assert_eq!(kinds, ["broken-run", "expectation"], "{text}");
    assert_eq!(failures[0]["detail"]["rules"][1]["regex"], "(?i)laptop");
    // Accepting has nothing to accept.
    let (_, code) = stdout(&["test", arg(&suite), "--accept"]);
    assert_eq!(code, Some(1));
    assert!(!snapshots.join("typo.snap").exists());
    drop(file);
}

#[test]
fn a_scenario_that_expects_the_model_to_fail_keeps_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    scenario(&dir, "(?i)laptop", SERIEL, "model-failed");
    let (text, code) = stdout(&["test", arg(&dir.path().join("suite"))]);
    assert_eq!(code, Some(1), "{text}");
    assert!(!text.contains("the run is broken"), "{text}");
    assert!(dir.path().join("snapshots/typo.snap.new").exists(), "{text}");
}

#[test]
fn a_long_input_is_cut_in_the_report_not_echoed_per_rule() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(&dir, "(?i)laptop", SERIEL, "completed");
    let long = format!("Serial {}", "x".repeat(100_000));
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"Serial 42\"", &format!("{long:?}"));
    std::fs::write(&file, text).unwrap();
    let (out, code) = stdout(&["run", arg(&file), "--format", "json"]);
    assert_eq!(code, Some(1));
    let json: Value = serde_json::from_str(&out).unwrap();
    let detail = &json["outcome"]["detail"];
    let cut = "… (cut: 100007 bytes in all)";
    assert!(detail["user"].as_str().unwrap().ends_with(cut), "{detail:#}");
    assert!(detail["rules"][1]["text"].as_str().unwrap().len() < 5_000);
    assert!(json["outcome"]["error"].as_str().unwrap().len() < 10_000);
}
