//! Scripted rules and limits as a user sees them: call-number ranges (what they answer, what
//! is refused, how a rule is described when none matches), and a limit's outcome in text and
//! JSON.

use crate::support::{arg, handoff, temp_file};

/// Two agents; `A`'s rules are `rules`, `B` hands back to `A` from its first call on.
fn scenario(dir: &tempfile::TempDir, rules: &str, extra: &str) -> std::path::PathBuf {
    let text = format!(
        r#"{{
  "name": "scripted",
  "task": "Hi.",
  "agents": [{{"name": "A", "instructions": "Talk."}}, {{"name": "B", "instructions": "Other."}}],
  "handoffs": {{"A": {{"B": "to B"}}, "B": {{"A": "to A"}}}},
  "user": ["one", "two", "three", "four"],
  {extra}
  "model": {{"scripted": {{
    "A": {{"rules": {rules}}},
    "B": {{"rules": [{{"when": {{"call": {{"min": 1}}}}, "handoff": "A"}}]}}
  }}}}
}}"#
    );
    temp_file(dir, "scripted.json", text.as_bytes())
}

fn run(file: &std::path::Path, format: &str) -> (String, Option<i32>) {
    let output = handoff(&["run", arg(file), "--format", format]);
    (String::from_utf8(output.stdout).unwrap(), output.status.code())
}

#[test]
fn a_call_range_answers_the_calls_it_names_and_is_described_by_them() {
    let dir = tempfile::tempdir().unwrap();
    let rules = r#"[{"when": {"call": {"min": 2, "max": 3}}, "say": "middle"}, {"when": {"call": 1}, "say": "first"}]"#;
    let (text, code) = run(&scenario(&dir, rules, ""), "text");
    assert_eq!(code, Some(1), "{text}");
    let said: Vec<&str> = text.lines().filter(|l| l.starts_with("A: ")).collect();
    assert_eq!(said, ["A: first", "A: middle", "A: middle"], "{text}");
    // Call 4 is past the range: no rule answers, and each says why.
    assert!(
        text.contains("rules[0] (when call #2..#3): this is call #4\n    rules[1] (when call #1): this is call #4"),
        "{text}"
    );
    let open =
        r#"[{"when": {"call": 1}, "say": "first"}, {"when": {"call": {"min": 3}}, "say": "late"}, {"say": "else"}]"#;
    let (text, _) = run(&scenario(&dir, open, ""), "text");
    let said: Vec<&str> = text.lines().filter(|l| l.starts_with("A: ")).collect();
    assert_eq!(said, ["A: first", "A: else", "A: late", "A: late", "A: late"], "{text}");
}

#[test]
fn a_call_range_that_ends_before_it_starts_or_starts_at_0_is_refused_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    for range in [r#"{"min": 3, "max": 2}"#, r#"{"min": 0, "max": 2}"#] {
        let rules = format!(r#"[{{"say": "x"}}, {{"when": {{"call": {range}}}, "say": "y"}}]"#);
        let file = scenario(&dir, &rules, "");
        let output = handoff(&["run", arg(&file)]);
        assert_eq!(output.status.code(), Some(2), "{range}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(
            error.contains(&format!(
                "{}: model.scripted.A.rules[1].when.call: call numbers start at 1 and `max` must not be below `min`",
                file.display()
            )),
            "{range}: {error}"
        );
    }
}

#[test]
fn a_limit_reached_names_the_limit_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    // Call ranges keep the model's state moving, so no loop is proven: the limit stops it.
    let rules = r#"[{"when": {"call": {"min": 1, "max": 100}}, "handoff": "B"}]"#;
    let file = scenario(
        &dir,
        rules,
        r#""limits": {"handoffs_per_turn": 3}, "expect": {"outcome": "limit-reached"},"#,
    );
    let (text, code) = run(&file, "text");
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(text.matches("[handoff] ").count(), 3, "{text}");
    assert!(
        text.contains(
            "Run stopped: limit reached: 3 handoffs per human turn (limits.handoffs_per_turn), B in control\n"
        ),
        "{text}"
    );
    let (json, _) = run(&file, "json");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let outcome = &value["outcome"];
    assert_eq!(outcome["kind"], "limit-reached");
    assert_eq!(outcome["limit"], "handoffs_per_turn");
    assert_eq!(outcome["value"], 3);
    assert_eq!(outcome["agent"], "B");
}

/// An agent that polls a tool, each round with the arguments `next` makes of the last result.
fn polling(dir: &tempfile::TempDir, next: &str) -> std::path::PathBuf {
    let text = format!(
        r#"{{
  "name": "polling",
  "task": "Check it.",
  "profile": {{"name": "semantic-kernel", "usage_chunk": false}},
  "agents": [
    {{"name": "A", "instructions": "Poll.",
      "tools": [{{"name": "poll", "description": "Poll.", "parameters": {{"n": null}}, "result": "status {{n}}"}}]}},
    {{"name": "B", "instructions": "Other."}}
  ],
  "handoffs": {{"A": {{"B": "to B"}}}},
  "model": {{"scripted": {{"A": {{"rules": [
    {{"when": {{"call": 1}}, "call": {{"tool": "poll", "args": {{"n": "1"}}}}}},
    {{"when": {{"tool_result": "status (?P<n>.*)"}}, "call": {{"tool": "poll", "args": {{"n": "{next}"}}}}}}
  ]}}}}}}
}}"#
    );
    temp_file(dir, "polling.json", text.as_bytes())
}

#[test]
fn tool_rounds_that_repeat_are_a_proven_loop_and_rounds_that_change_are_not() {
    let dir = tempfile::tempdir().unwrap();
    // The same call, the same result, the model's state unchanged: proven at the repeat.
    let (json, _) = run(&polling(&dir, "{n}"), "json");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["outcome"]["kind"], "tool-loop", "{json}");
    let (text, _) = run(&polling(&dir, "{n}"), "text");
    assert!(
        text.contains("Run stopped: endless tool loop: A would call poll forever"),
        "{text}"
    );
    assert_eq!(text.matches("[tool] A: poll(").count(), 4, "{text}");
    // Each round's argument grows, so each result differs: no loop to prove, and the
    // framework's own guard (5 rounds in Semantic Kernel) ends the turn.
    let (json, _) = run(&polling(&dir, "{n}x"), "json");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["outcome"]["kind"], "framework-error", "{json}");
    let (text, _) = run(&polling(&dir, "{n}x"), "text");
    assert!(
        text.contains(r#"[tool] A: poll({"n":"1xxxx"}) -> status 1xxxx"#),
        "{text}"
    );
}

/// The typed-tools scenario: an integer captured by a regex, an array of enum labels and a
/// nested object reach the run's calls as JSON of their types, and the result templates
/// render them (an optional parameter left out as its default).
#[test]
fn typed_arguments_reach_the_calls_as_their_json_types_and_render_in_results() {
    let file = crate::support::root().join("scenarios/github_issue.json");
    let (json, code) = run(&file, "json");
    assert_eq!(code, Some(0), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let calls: Vec<&serde_json::Value> = value["events"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["calls"].as_array().into_iter().flatten())
        .collect();
    let arguments = |name: &str| &calls.iter().find(|c| c["name"] == name).unwrap()["arguments"];
    assert_eq!(
        arguments("add_labels")["labels"],
        serde_json::json!(["python", "vectorstore", "bug"])
    );
    assert_eq!(
        arguments("estimate")["hours"],
        serde_json::json!(3),
        "`{{hours}}` read as JSON"
    );
    assert_eq!(arguments("create_plan")["plan"]["tasks"][2], "Add a regression test");
    let (text, _) = run(&file, "text");
    for line in [
        r#"-> Labels ["python","vectorstore","bug"] added to issue 12345."#,
        "-> Issue 12345: 3 hours (confidence 0.8).",
        r#"created: {"tasks":["Reproduce the crash","Handle empty input","Add a regression test"]}"#,
    ] {
        assert!(text.contains(line), "{line}\n---\n{text}");
    }
}

/// At load, a scripted call of an own tool gives every required parameter (an optional one
/// may be left out), and each value is of its parameter's type, checked inside arrays and
/// objects; a mistake names the place.
#[test]
fn typed_arguments_are_checked_at_load_with_the_place_of_the_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(crate::support::root().join("scenarios/github_issue.json")).unwrap();
    for (from, to, error) in [
        (
            r#", "hours": "{hours}""#,
            "",
            "model.scripted.PythonAgent.rules[2].call.args: missing argument `hours` of `estimate`",
        ),
        (
            r#""tasks": ["Reproduce the crash","#,
            r#""tasks": [1,"#,
            "model.scripted.PythonAgent.rules[1].call.args.plan.tasks[0]: expected a string, got 1",
        ),
        (
            r#""issue_id": "12345", "hours""#,
            r#""issue_id": "12345", "confidence": "high", "hours""#,
            "model.scripted.PythonAgent.rules[2].call.args.confidence: expected a number, got \"high\"",
        ),
    ] {
        assert!(original.contains(from), "{from}");
        let file = temp_file(&dir, "typed.json", original.replace(from, to).as_bytes());
        let output = handoff(&["run", arg(&file)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(error), "{error}\n---\n{stderr}");
    }
}
