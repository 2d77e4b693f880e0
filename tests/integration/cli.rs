//! The `handoff` binary: exit codes, output formats, and the error for every kind of bad file.

use crate::support::{arg, handoff, temp_file};

const GOOD: &str = r#"{
  "task": "hi",
  "agents": [
    { "name": "A", "description": "first", "instructions": "route" },
    { "name": "B", "description": "second",
      "tools": [ { "name": "look", "parameters": { "id": "what to look up" }, "result": "found {id}" } ] }
  ],
  "handoffs": { "A": { "B": null }, "B": { "A": "back" } },
  "model": { "scripted": {
    "A": { "rules": [ { "when": { "user": "(?i)look" }, "handoff": "B" }, { "say": "What shall I look up?" } ] },
    "B": { "rules": [
      { "when": { "tool_result": "found" }, "complete": "looked it up" },
      { "call": { "tool": "look", "args": { "id": "7" } } } ] }
  } },
  "user": [ "look up 7" ],
  "expect": { "outcome": "completed", "final_agent": "B" }
}"#;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_prints_the_conversation_and_exits_0_when_expectations_hold() {
    let out = handoff(&["run", "scenarios/customer_support.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Task is completed with summary: Handled order return"));
    assert!(stdout(&out).contains("expect: 7 passed, 0 failed"));
    assert!(
        !stdout(&out).contains('\x1b'),
        "no colour when NO_COLOR is set and stdout is a pipe"
    );
}

#[test]
fn run_format_json_is_one_document_with_outcome_and_expectations() {
    let out = handoff(&["run", "scenarios/bouncing_specialists.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["outcome"]["kind"], "loop-detected");
    assert_eq!(
        value["outcome"]["cycle"],
        serde_json::json!(["BillingAgent", "RefundAgent", "BillingAgent"])
    );
    assert_eq!(value["passed"], true);
    assert_eq!(value["scenario"], "bouncing-specialists");
    assert_eq!(value["expectations"].as_array().unwrap().len(), 2);
}

#[test]
fn run_exits_1_when_an_expectation_fails_and_says_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(
        &dir,
        "s.json",
        GOOD.replace(r#""final_agent": "B""#, r#""final_agent": "A""#)
            .as_bytes(),
    );
    let out = handoff(&["run", arg(&file)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("FAILED final_agent: expected A, got B"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn run_exits_1_when_the_run_fails_without_an_expected_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let text = GOOD
        .replace(
            r#""expect": { "outcome": "completed", "final_agent": "B" }"#,
            r#""expect": {}"#,
        )
        .replace(r#""look up 7""#, r#""hello""#);
    let file = temp_file(&dir, "s.json", text.as_bytes());
    let out = handoff(&["run", arg(&file)]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("Run stopped: A waits for the human, whose script has no more replies"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("FAILED outcome: expected completed or ended-without-human, got Run stopped: A waits"),
        "{}",
        stdout(&out)
    );
    let good = temp_file(&dir, "good.json", GOOD.as_bytes());
    assert_eq!(handoff(&["run", arg(&good)]).status.code(), Some(0));
}

#[test]
fn colour_can_be_forced() {
    let out = handoff(&["run", "scenarios/no_human.json", "--color", "always"]);
    assert!(
        stdout(&out).contains("\x1b[1m\x1b[35m[handoff] TriageAgent -> FaqAgent\x1b[0m"),
        "{}",
        stdout(&out)
    );
}

/// Each bad file: exit 2, one line on stderr naming the file and the place, no panic.
#[test]
fn bad_scenario_files_name_the_file_and_the_place_and_exit_2() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "malformed JSON",
            r#"{"agents": [}"#.into(),
            vec![":1:13: expected value"],
        ),
        ("truncated JSON", GOOD[..120].into(), vec!["ends too early"]),
        (
            "misspelled field",
            GOOD.replace("\"instructions\"", "\"instructons\""),
            vec![
                ":4:",
                "agents[0].instructons: unknown field `instructons`, expected one of",
            ],
        ),
        (
            "unknown handoff target",
            GOOD.replace(r#""B": null"#, r#""Bee": null"#),
            vec![": handoffs.A.Bee: `A` hands off to `Bee`, which is not an agent"],
        ),
        (
            "unknown handoff source",
            GOOD.replace(r#""B": { "A": "back" }"#, r#""C": { "A": "back" }"#),
            vec![": handoffs.C: handoff source `C`"],
        ),
        (
            "unknown start",
            GOOD.replace(r#""task": "hi","#, r#""task": "hi", "start": "b","#),
            vec![": start: start agent `b` is not an agent of the design (did you mean `B`?)"],
        ),
        (
            "self handoff",
            GOOD.replace(r#""A": { "B": null }"#, r#""A": { "A": null }"#),
            vec![": handoffs.A.A: `A` hands off to itself"],
        ),
        (
            "duplicate agent",
            GOOD.replace(r#""name": "B""#, r#""name": "A""#),
            vec![": agents[1].name: duplicate agent name `A` (first defined at agents[0])"],
        ),
        (
            "regex that does not compile",
            GOOD.replace("(?i)look", "(?i)lo(ok"),
            vec![
                ": model.scripted.A.rules[0].when.user: invalid regular expression:",
                "(?i)lo(ok\n",
                "error: unclosed group",
            ],
        ),
        (
            "rule missing a tool parameter",
            GOOD.replace(r#""args": { "id": "7" }"#, r#""args": {}"#),
            vec![": model.scripted.B.rules[1].call.args: missing argument `id` of `look`"],
        ),
        (
            "rule with an unknown tool",
            GOOD.replace(r#""tool": "look""#, r#""tool": "lok""#),
            vec![
                ": model.scripted.B.rules[1].call.tool: no agent of the design has a function `lok` (did you mean `look`?)",
            ],
        ),
        (
            "placeholder nobody captures",
            GOOD.replace(r#""say": "What shall I look up?""#, r#""say": "Hi {name}""#),
            vec![": model.scripted.A.rules[1].say: `{name}` is not a named group"],
        ),
        (
            "wrong type",
            GOOD.replace(r#""user": [ "look up 7" ]"#, r#""user": "look up 7""#),
            vec![": user: invalid type: string \"look up 7\", expected a sequence"],
        ),
        (
            "unknown outcome",
            GOOD.replace(r#""outcome": "completed""#, r#""outcome": "done""#),
            vec![": expect.outcome: unknown outcome `done`"],
        ),
        (
            "unknown expected agent",
            GOOD.replace(r#""final_agent": "B""#, r#""final_agent": "Q""#),
            vec![": expect.final_agent: `Q` is not an agent"],
        ),
        (
            "template naming no parameter",
            GOOD.replace("found {id}", "found {ident}"),
            vec![
                ": agents[1].tools[0].result: result template of tool `look` of agent `B`: `{ident}` is not a parameter",
            ],
        ),
        (
            "no model",
            GOOD.replace(r#""model""#, r#""_model""#)
                .replace(r#""_model": {"#, r#""description": "x", "ignored": {"#),
            vec!["unknown field `ignored`"],
        ),
        (
            "misspelled field inside a rule",
            GOOD.replace(r#"{ "say": "What"#, r#"{ "sya": "What"#),
            vec!["model.scripted.A.rules[1].sya: unknown field `sya`"],
        ),
        (
            "call range below 1",
            GOOD.replace(
                r#"{ "when": { "user": "(?i)look" }"#,
                r#"{ "when": { "user": "(?i)look", "call": 0 }"#,
            ),
            vec![": model.scripted.A.rules[0].when.call: call numbers start at 1"],
        ),
        (
            "misspelled limit",
            GOOD.replace(
                r#""task": "hi","#,
                r#""task": "hi", "limits": { "handoff_per_turn": 3 },"#,
            ),
            vec![": limits.handoff_per_turn: unknown field `handoff_per_turn`, expected one of"],
        ),
        (
            "unknown policy",
            GOOD.replace(
                r#""task": "hi","#,
                r#""task": "hi", "policy": { "multiple_handoffs": "random" },"#,
            ),
            vec![
                ": policy.multiple_handoffs: unknown variant `random`, expected one of `profile`, `last`, `first`, `reject`",
            ],
        ),
        ("trailing garbage", format!("{GOOD} x"), vec!["trailing characters"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (what, text, needles) in cases {
        let file = temp_file(&dir, "bad.json", text.as_bytes());
        let out = handoff(&["run", arg(&file)]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(err.starts_with(&format!("error: {}", file.display())), "{what}: {err}");
        for needle in needles {
            assert!(err.contains(needle), "{what}: `{err}` lacks `{needle}`");
        }
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert!(stdout(&out).is_empty(), "{what}");
    }
}

#[test]
fn unreadable_files_are_bad_input_too() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let out = handoff(&["run", arg(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.json: cannot read:"), "{}", stderr(&out));

    let binary = temp_file(&dir, "model.bin", &[0x7b, 0x22, 0xff, 0xfe, 0x00, 0x01]);
    let out = handoff(&["run", arg(&binary)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("model.bin: not a text file (byte 2 is not UTF-8)"),
        "{}",
        stderr(&out)
    );

    let out = handoff(&["run", arg(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

#[test]
fn a_design_file_without_task_or_model_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(
        &dir,
        "design.json",
        br#"{"agents": [{"name": "A"}, {"name": "B"}], "handoffs": {"A": {"B": null}}}"#,
    );
    let out = handoff(&["run", arg(&file)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("design.json: task: missing: a run needs the task"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(handoff(&["run"]).status.code(), Some(2));
    assert_eq!(handoff(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        handoff(&["run", "scenarios/refund.json", "--format", "yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(handoff(&["--help"]).status.code(), Some(0));
}

#[test]
fn limits_keep_their_defaults_unless_given_and_null_switches_one_off() {
    use handoff_harness::engine::MultipleHandoffs;
    use handoff_harness::{Limits, Scenario};
    let with = |limits: &str| {
        let text = GOOD.replace(r#""task": "hi","#, &format!(r#""task": "hi", {limits}"#));
        Scenario::parse(&text, "s.json", None).unwrap().settings
    };
    assert_eq!(
        Scenario::parse(GOOD, "s.json", None).unwrap().settings.limits,
        Limits::default()
    );
    let settings = with(
        r#""limits": { "model_calls": 7, "handoffs_per_turn": null }, "policy": { "multiple_handoffs": "first" },"#,
    );
    assert_eq!(
        settings.limits,
        Limits {
            model_calls: Some(7),
            handoffs_per_turn: None,
            ..Limits::default()
        }
    );
    assert_eq!(settings.policy.multiple_handoffs, MultipleHandoffs::First);
}
