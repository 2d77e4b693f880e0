//! `handoff lint`: each kind of finding on a planted mistake, with its JSON path and its
//! line:column in the file; the exit codes; the shipped scenarios have no error.

use serde_json::Value;

use crate::support::{arg, handoff, root, temp_file};

/// Two agents: `A` (rules `rules`) and `B` (a tool `lookup`, rules `b`), the replies `user`.
fn scenario(rules: &str, b: &str, user: &str, extra: &str) -> String {
    format!(
        r#"{{
  "name": "lint",
  "task": "Hello there.",
  "agents": [
    {{"name": "A", "instructions": "Talk."}},
    {{"name": "B", "instructions": "Look up.",
      "tools": [{{"name": "lookup", "description": "d", "parameters": {{"id": null}}, "result": "Item {{id}} found."}}]}}
  ],
  "handoffs": {{"A": {{"B": "to B"}}, "B": {{"A": "to A"}}}},
  "user": {user},
  {extra}
  "model": {{"scripted": {{
    "A": {{"rules": {rules}}},
    "B": {{"rules": {b}}}
  }}}}
}}"#
    )
}

const B: &str = r#"[
      {"when": {"tool_result": "found"}, "complete": "done"},
      {"call": {"tool": "lookup", "args": {"id": "7"}}}
    ]"#;

/// Line and column (from 1) of the first `needle` in `text`.
fn at(text: &str, needle: &str) -> (u64, u64) {
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle} not in {text}"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
    (line as u64, column as u64)
}

/// `handoff lint` of `text` as JSON, and its exit code.
fn lint(text: &str) -> (Value, Option<i32>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "lint.json", text.as_bytes());
    let output = handoff(&["lint", arg(&file), "--format", "json"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (json, output.status.code(), dir)
}

/// The findings of `report` with `code`: (path, line, column, severity).
fn found(report: &Value, code: &str) -> Vec<(String, u64, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_rule_after_a_catch_all_is_an_error_with_its_path_and_position() {
    for catch_all in [
        r#"{"say": "any"}"#,
        r#"{"when": {"user": "(?i)"}, "say": "any"}"#,
        r#"{"when": {"call": {"min": 1}}, "say": "any"}"#,
    ] {
        let rules = format!(
            r#"[
      {{"when": {{"user": "(?i)hello"}}, "handoff": "B"}},
      {catch_all},
      {{"when": {{"user": "never"}}, "say": "never reached"}}
    ]"#
        );
        let text = scenario(&rules, B, r#"["hello"]"#, "");
        let (report, code, _dir) = lint(&text);
        assert_eq!(code, Some(1), "{report:#}");
        let (line, column) = at(&text, r#"{"when": {"user": "never"}"#);
        assert_eq!(
            found(&report, "unreachable-rule"),
            [(
                "model.scripted.A.rules[2]".to_string(),
                line,
                column,
                "error".to_string()
            )],
            "{catch_all}: {report:#}"
        );
        assert_eq!(report["errors"], 1);
    }
    // A catch-all last, or a rule whose regex asserts something, is no mistake.
    let fine = r#"[{"when": {"user": "^$"}, "say": "empty"}, {"when": {"user": "(?i)hello"}, "handoff": "B"}, {"say": "else"}]"#;
    let (report, code, _dir) = lint(&scenario(fine, B, r#"["hello", ""]"#, ""));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
}

#[test]
fn the_text_report_names_file_line_column_and_path() {
    let rules = r#"[{"say": "any"}, {"when": {"call": 2}, "say": "late"}]"#;
    let text = scenario(rules, B, "[]", "");
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "lint.json", text.as_bytes());
    let output = handoff(&["lint", arg(&file)]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let (line, column) = at(&text, r#"{"when": {"call": 2}"#);
    let expected = format!(
        "{}:{line}:{column}: error[unreachable-rule]: model.scripted.A.rules[1]: this rule can never match: rules[0] before it answers every call (it has no `when`), and the first matching rule answers",
        file.display()
    );
    assert!(stdout.lines().any(|l| l == expected), "{stdout}");
    assert!(stdout.ends_with("lint: 1 file, 1 error, 0 warnings\n"), "{stdout}");
}

#[test]
fn a_call_past_the_limit_and_a_regex_that_matches_nothing_are_errors() {
    let rules = r#"[
      {"when": {"call": 6}, "say": "six"},
      {"when": {"user": "[^\\s\\S]"}, "say": "nothing"},
      {"say": "else"}
    ]"#;
    let text = scenario(rules, B, "[]", r#""limits": {"model_calls": 5},"#);
    let (report, code, _dir) = lint(&text);
    assert_eq!(code, Some(1), "{report:#}");
    let (line, column) = at(&text, "6}, \"say\"");
    assert_eq!(
        found(&report, "call-past-limit"),
        [(
            "model.scripted.A.rules[0].when.call".to_string(),
            line,
            column,
            "error".to_string()
        )]
    );
    let (line, column) = at(&text, r#""[^\\s"#);
    assert_eq!(
        found(&report, "regex-never-matches"),
        [(
            "model.scripted.A.rules[1].when.user".to_string(),
            line,
            column,
            "error".to_string()
        )]
    );
}

#[test]
fn a_call_of_another_agents_tool_is_a_warning_unless_marked_unchecked() {
    let rules = r#"[
      {"when": {"call": 1}, "call": {"tool": "lookup", "args": {"id": "1"}}},
      {"when": {"call": 2}, "calls": [{"tool": "lookup", "args": {"id": "2"}, "unchecked": true}]},
      {"say": "else"}
    ]"#;
    let text = scenario(rules, B, "[]", "");
    let (report, code, _dir) = lint(&text);
    assert_eq!(code, Some(0), "warnings only: {report:#}");
    let (line, column) = at(&text, r#""lookup", "args": {"id": "1"}"#);
    assert_eq!(
        found(&report, "foreign-tool"),
        [(
            "model.scripted.A.rules[0].call.tool".to_string(),
            line,
            column,
            "warning".to_string()
        )]
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("`A` has no function `lookup` (B has it)"), "{message}");
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(0), Some(1))
    );
}

#[test]
fn replies_and_regexes_that_miss_each_other_are_warnings_with_the_typo() {
    let rules = r#"[
      {"when": {"user": "(?i)refnud"}, "handoff": "B"},
      {"when": {"tool_result": "missing"}, "say": "odd"},
      {"say": "else"}
    ]"#;
    let text = scenario(rules, B, r#"["I want a refund", "thanks"]"#, "");
    let (report, code, _dir) = lint(&text);
    assert_eq!(code, Some(0), "{report:#}");
    let misses = found(&report, "regex-matches-no-input");
    let (line, column) = at(&text, r#""(?i)refnud""#);
    assert_eq!(
        misses[0],
        (
            "model.scripted.A.rules[0].when.user".to_string(),
            line,
            column,
            "warning".to_string()
        )
    );
    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "model.scripted.A.rules[0].when.user")
        .unwrap()["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("if `refnud` were `refund`, /(?i)refund/ would match \"I want a refund\""),
        "{message}"
    );
    // A's tool_result regex: A has no tool whose result it could match.
    assert_eq!(misses[1].0, "model.scripted.A.rules[1].when.tool_result");
    let replies = found(&report, "unanswered-reply");
    let (line, column) = at(&text, r#""thanks""#);
    let first = at(&text, r#""I want a refund""#);
    assert_eq!(
        replies,
        [
            ("user[0]".to_string(), first.0, first.1, "warning".to_string()),
            ("user[1]".to_string(), line, column, "warning".to_string())
        ]
    );
}

#[test]
fn an_expectation_naming_an_unknown_agent_is_an_error_not_bad_input() {
    let text = scenario(
        r#"[{"say": "hi"}]"#,
        B,
        "[]",
        r#""expect": {"final_agent": "Bee", "path": ["A", "Ghost"]},"#,
    );
    let (report, code, _dir) = lint(&text);
    assert_eq!(code, Some(1), "{report:#}");
    let unknown = found(&report, "unknown-agent");
    let bee = at(&text, r#""Bee""#);
    let ghost = at(&text, r#""Ghost""#);
    assert_eq!(
        unknown,
        [
            ("expect.final_agent".to_string(), bee.0, bee.1, "error".to_string()),
            ("expect.path[1]".to_string(), ghost.0, ghost.1, "error".to_string())
        ]
    );
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `B`?")
    );
}

#[test]
fn a_file_that_does_not_load_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let broken = temp_file(&dir, "broken.json", b"{\"agents\": [");
    let output = handoff(&["lint", arg(&broken)]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.json:1:"), "{stderr}");
    // A script that does not fit its design is refused as `handoff run` refuses it.
    let typo = temp_file(
        &dir,
        "typo.json",
        scenario(r#"[{"handoff": "Ghost"}]"#, B, "[]", "").as_bytes(),
    );
    let output = handoff(&["lint", arg(&typo)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("model.scripted.A.rules[0].handoff"));
}

#[test]
fn the_shipped_scenarios_have_no_error() {
    let mut files: Vec<String> = Vec::new();
    for dir in ["scenarios", "scenarios/designs"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path.display().to_string());
            }
        }
    }
    files.sort();
    let mut args = vec!["lint", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let output = handoff(&args);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["errors"], 0, "{report:#}");
    assert_eq!(
        report["skipped"].as_array().unwrap().len(),
        1,
        "the recording: {report:#}"
    );
    // What is left are rules for conversations other than the scripted one.
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.iter().all(|c| *c == "regex-matches-no-input"), "{report:#}");
}
