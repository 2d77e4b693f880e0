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
        text.contains(r"rules[0] (when call #2..#3): this is call #4\n    rules[1] (when call #1): this is call #4"),
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
