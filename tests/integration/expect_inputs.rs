//! `expect.inputs`: what a model call received, checked as the framework's model reads it
//! (Responses input items under `openai-agents`, Chat messages under `semantic-kernel`),
//! through `handoff run`, `handoff test`, `handoff replay`, `--format json` and `handoff lint`;
//! two of the OpenAI Agents SDK's own runner tests written as scenarios; bad checks refused.

use std::path::PathBuf;

use handoff_harness::Scenario;
use serde_json::{Value, json};

use crate::endpoint::{Endpoint, answers_of};
use crate::support::{arg, handoff, root, temp_file, tutorial_replaying};

fn data(name: &str) -> PathBuf {
    root().join("tests/data/expect_inputs").join(name)
}

fn read(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(name)).unwrap()).unwrap()
}

/// `handoff ARGS FILE` where FILE is `scenario` written into a temporary directory: exit code,
/// standard output, standard error.
fn run_value(args: &[&str], scenario: &Value) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(
        &dir,
        "s.json",
        serde_json::to_string_pretty(scenario).unwrap().as_bytes(),
    );
    let mut all = args.to_vec();
    all.push(arg(&file));
    let output = handoff(&all);
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The lines of `report` from the first that starts with `first`, `count` of them.
fn lines_from<'a>(report: &'a str, first: &str, count: usize) -> Vec<&'a str> {
    let lines: Vec<&str> = report.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(first))
        .unwrap_or_else(|| panic!("no line starts with {first:?} in:\n{report}"));
    lines[at..(at + count).min(lines.len())].to_vec()
}

#[test]
fn the_sdk_test_handoffs_holds_the_target_reads_six_items_the_transfer_output_last() {
    let output = handoff(&["run", arg(&data("sdk_handoffs.json"))]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("expect: 5 passed, 0 failed"), "{stdout}");
    assert!(
        stdout.contains("  ok     inputs: delegate's call 1 (model call 3): 6 items, as expected\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  ok     inputs: triage's call 2 (model call 2): 3 items, as expected\n"),
        "{stdout}"
    );
}

#[test]
fn the_sdk_test_tool_call_runs_holds_the_last_call_reads_message_call_and_output() {
    let output = handoff(&["run", arg(&data("sdk_tool_call_runs.json"))]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("  ok     inputs: test's call 2 (model call 2): 4 items, as expected\n"),
        "{stdout}"
    );
}

#[test]
fn a_failing_check_under_openai_agents_says_why_and_shows_the_items_received() {
    let mut scenario = read("sdk_handoffs.json");
    let check = &mut scenario["expect"]["inputs"][0];
    check["items"][2]["text"] = json!("no result");
    check["none"] = json!([{ "type": "function_call", "calls": ["some_function"] }]);
    let (code, stdout, _) = run_value(&["run"], &scenario);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("expect: 4 passed, 1 failed"), "{stdout}");
    assert_eq!(
        lines_from(&stdout, "  FAILED inputs:", 8),
        [
            concat!(
                r#"  FAILED inputs: expected delegate's call 1: 6 items; [0] type message, role user, text "user_message"; "#,
                r#"[1] type function_call, calls some_function, arguments {"a":"b"}; [2] type function_call_output, text "no result"; "#,
                r#"[3] type message, role assistant, text "a_message"; [4] type function_call, calls transfer_to_delegate; "#,
                r#"[-1] type function_call_output, text "{\"assistant\": \"delegate\"}"; no item type function_call, calls some_function, "#,
                r#"got delegate's call 1 (model call 3): [2] has text "result", not "no result"; "#,
                r#"item [1] is one with type function_call, calls some_function"#
            ),
            "           it received 6 items:",
            r#"           [0] message user: "user_message""#,
            r#"           [1] function_call some_function({"a":"b"}) call_0001"#,
            r#"           [2] function_call_output call_0001: "result""#,
            r#"           [3] message assistant: "a_message""#,
            "           [4] function_call transfer_to_delegate({}) call_0002",
            r#"           [5] function_call_output call_0002: "{\"assistant\": \"delegate\"}""#,
        ]
    );
}

#[test]
fn under_semantic_kernel_the_checks_read_chat_messages() {
    let output = handoff(&["run", arg(&data("sk_refund.json"))]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("  ok     inputs: RefundAgent's call 2 (model call 4): 5 items, as expected\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  ok     inputs: RefundAgent's call 3 (model call 5): 7 items, as expected\n"),
        "{stdout}"
    );

    // Semantic Kernel does not pass the transfer call on to the agent taken over, and a Chat
    // message has no Responses `type`.
    let mut scenario = read("sk_refund.json");
    scenario["expect"]["inputs"] = json!([
        { "agent": "RefundAgent", "call": 1,
          "any": [{ "calls": ["Handoff-transfer_to_RefundAgent"] }] },
        { "agent": "RefundAgent", "call": 2, "items": [{ "at": 3, "type": "function_call", "arguments": { "order_id": "8" } }] },
    ]);
    let (code, stdout, _) = run_value(&["run"], &scenario);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(
        lines_from(&stdout, "  FAILED inputs:", 5),
        [
            concat!(
                "  FAILED inputs: expected RefundAgent's call 1: some item calls Handoff-transfer_to_RefundAgent, ",
                "got RefundAgent's call 1 (model call 3): no item calls Handoff-transfer_to_RefundAgent"
            ),
            "           it received 3 items:",
            r#"           [0] user: "A customer is on the line.""#,
            r#"           [1] assistant (TriageAgent): "Hello! How can I help?""#,
            r#"           [2] user: "I want a refund for order 7""#,
        ]
    );
    assert!(
        stdout.contains(concat!(
            "got RefundAgent's call 2 (model call 4): [3] has no type (a Chat Completions message), not function_call; ",
            "[3] has arguments {\"order_id\":\"7\"}, not {\"order_id\":\"8\"}\n",
            "           it received 5 items:\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"           [3] assistant (RefundAgent) -> RefundPlugin-process_refund({"order_id":"7"})"#),
        "{stdout}"
    );
}

#[test]
fn a_call_that_never_happened_fails_with_a_clear_line() {
    let mut scenario = read("sk_refund.json");
    scenario["expect"]["inputs"] = json!([
        { "agent": "RefundAgent", "call": 4 },
        { "agent": "RefundAgent", "call": -4 },
        { "n": 9 },
        { "n": 1, "agent": "RefundAgent" },
    ]);
    let (code, stdout, _) = run_value(&["run"], &scenario);
    assert_eq!(code, Some(1), "{stdout}");
    for line in [
        "  FAILED inputs: expected RefundAgent's call 4: made, got RefundAgent's call 4 was never made (RefundAgent's model was called 3 times)",
        "  FAILED inputs: expected RefundAgent's call -4 (from the end): made, got RefundAgent's call -4 (from the end) was never made (RefundAgent's model was called 3 times)",
        "  FAILED inputs: expected model call 9: made, got model call 9 was never made (the run made 5 model calls)",
        "  FAILED inputs: expected model call 1 (RefundAgent's): made, got model call 1 is TriageAgent's, not RefundAgent's",
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line}\nnot in\n{stdout}");
    }
}

#[test]
fn json_output_lists_the_checks_with_the_other_expectations() {
    let mut scenario = read("sdk_tool_call_runs.json");
    scenario["expect"]["inputs"][1]["count"] = json!(2);
    let (code, stdout, _) = run_value(&["run", "--format", "json"], &scenario);
    assert_eq!(code, Some(1), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let checks = report["expectations"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["model_calls", "inputs", "inputs"]);
    assert_eq!(checks[1]["passed"], true);
    assert_eq!(checks[1].get("detail"), None);
    assert_eq!(
        checks[2],
        json!({
            "name": "inputs", "passed": false,
            "expected": "model call 1: 2 items",
            "actual": "test's call 1 (model call 1): 1 item, not 2",
            "detail": ["it received 1 item:", "[0] message user: \"user_message\""],
        })
    );
}

#[test]
fn handoff_test_checks_the_same_and_shows_what_the_call_received() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("s")).unwrap();
    let mut scenario = read("sdk_handoffs.json");
    scenario["expect"]["inputs"][1]["count"] = json!(4);
    let file = dir.path().join("s/handoffs.json");
    std::fs::write(&file, serde_json::to_string_pretty(&scenario).unwrap()).unwrap();
    let output = handoff(&["test", arg(&dir.path().join("s"))]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        lines_from(&stdout, "expect.inputs:", 5),
        [
            concat!(
                r#"expect.inputs: expected model call 2 (triage's): 4 items; [-1] type function_call_output, text "result", "#,
                "got triage's call 2 (model call 2): 3 items, not 4"
            ),
            "  it received 3 items:",
            r#"  [0] message user: "user_message""#,
            r#"  [1] function_call some_function({"a":"b"}) call_0001"#,
            r#"  [2] function_call_output call_0001: "result""#,
        ]
    );
    // Only that check fails (and the snapshot is new): the other `inputs` check holds.
    assert_eq!(stdout.matches("expect.").count(), 1, "{stdout}");

    let output = handoff(&["test", arg(&dir.path().join("s")), "--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failures = report["scenarios"][0]["failures"].as_array().unwrap();
    assert_eq!(failures[0]["kind"], "expectation");
    assert_eq!(failures[0]["detail"][0], "it received 3 items:");
}

#[test]
fn a_replayed_recording_is_checked_too() {
    let recording = root().join("scenarios/customer_support.recording.json");
    // Edited as text: key order is meaning (it orders the handoffs offered).
    let inputs = json!([
        { "n": 1, "count": 1, "items": [{ "at": 0, "role": "user", "text": "A customer is on the line." }] },
        { "agent": "OrderReturnAgent", "call": -1, "items": [{ "at": -1, "role": "user", "text": "No, bye" }] },
    ]);
    let text = tutorial_replaying(recording.to_str().unwrap())
        .replace("\"expect\": {", &format!("\"expect\": {{\n    \"inputs\": {inputs},"));
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "s.json", text.as_bytes());
    for command in ["run", "replay"] {
        let output = handoff(&[command, arg(&file)]);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(0), "{command}: {stdout}");
        assert!(
            stdout.contains("  ok     inputs: TriageAgent's call 1 (model call 1): 1 item, as expected\n"),
            "{command}: {stdout}"
        );
        assert_eq!(stdout.matches("  ok     inputs: ").count(), 2, "{command}: {stdout}");
    }
}

#[test]
fn bad_checks_are_bad_input_naming_the_file_and_the_place() {
    for (inputs, says) in [
        (
            json!([{ "agent": "RefundAgnet", "call": 1 }]),
            "expect.inputs[0].agent: `RefundAgnet` is not an agent of the design (did you mean `RefundAgent`?)",
        ),
        (
            json!([{ "n": 1, "items": [{ "at": "first" }] }]),
            "expect.inputs[0].items[0].at: invalid type: string \"first\", expected i64",
        ),
        (
            json!([{ "n": 1, "items": [{ "role": "user" }] }]),
            "expect.inputs[0].items[0].at: missing: the item's place (0 for the first, -1 for the last)",
        ),
        (
            json!([{ "n": 1 }, { "agent": "RefundAgent" }]),
            "expect.inputs[1].call: missing: which of the agent's calls (1 for its first, -1 for its last), or `n` instead",
        ),
        (json!([{ "count": 2 }]), "expect.inputs[0]: name the call"),
        (
            json!([{ "n": 0 }]),
            "expect.inputs[0].n: model calls are numbered from 1 (-1 for the last)",
        ),
        (
            json!([{ "n": 1, "none": [{ "at": 0 }] }]),
            "expect.inputs[0].none[0].at: `none` looks at every item",
        ),
        (
            json!([{ "n": 1, "any": [{ "contains": [{ "text": "x", "times": "once" }] }] }]),
            "expect.inputs[0].any[0].contains[0].times: invalid type: string \"once\"",
        ),
        (
            json!([{ "n": 1, "any": [{ "role": "bot" }] }]),
            "expect.inputs[0].any[0].role: unknown role `bot`; one of: user, assistant, tool, system, developer",
        ),
    ] {
        let mut scenario = read("sk_refund.json");
        scenario["expect"]["inputs"] = inputs;
        let (code, stdout, stderr) = run_value(&["run"], &scenario);
        assert_eq!(code, Some(2), "{says}: {stdout}{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains("s.json"), "{stderr}");
        assert!(stderr.contains(says), "{says}\nnot in\n{stderr}");
    }
}

#[test]
fn lint_reports_an_unknown_agent_of_an_inputs_check_at_its_place() {
    let mut scenario = read("sk_refund.json");
    scenario["expect"]["inputs"][1]["agent"] = json!("RefundAgnet");
    let (code, stdout, _) = run_value(&["lint", "--format", "json"], &scenario);
    assert_eq!(code, Some(1), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(finding["code"], "unknown-agent");
    assert_eq!(finding["path"], "expect.inputs[1].agent");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `RefundAgent`?"),
        "{finding}"
    );
}

#[test]
fn the_library_captures_only_when_asked_and_a_verdict_without_inputs_says_so() {
    let scenario = Scenario::load(data("sdk_tool_call_runs.json")).unwrap();
    let (run, verdict) = scenario.run_checked_blocking().unwrap();
    assert!(verdict.passed, "{:?}", verdict.checks);
    assert_eq!(verdict.checks.iter().filter(|c| c.name == "inputs").count(), 2);

    // Checked without the inputs, each check fails and says why.
    let unchecked = scenario.verdict(&run);
    assert!(!unchecked.passed);
    let failed: Vec<&str> = unchecked
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.actual.as_str())
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(failed[0].starts_with("not checked: the inputs of the run's model calls were not captured"));
    // Left out on purpose (as `handoff serve` does), the rest passes.
    assert!(scenario.verdict_with(&run, None).passed);

    // Nothing is captured for a scenario without `inputs` checks.
    let plain = Scenario::load(root().join("scenarios/customer_support.json")).unwrap();
    assert!(plain.inputs_to_capture().is_none());
    assert!(scenario.inputs_to_capture().is_some());
}

#[test]
fn handoff_record_checks_them_on_the_calls_sent_to_the_endpoint() {
    let tutorial = Scenario::load(root().join("scenarios/customer_support.json")).unwrap();
    let endpoint = Endpoint::start(answers_of(&tutorial.run_blocking().unwrap()));
    let inputs = json!([
        { "agent": "OrderStatusAgent", "call": 1, "items": [{ "at": -1, "role": "user", "text": "I'd like to track the status of my order" }] },
        { "agent": "OrderStatusAgent", "call": 1, "count": 1 },
    ]);
    let text = std::fs::read_to_string(root().join("scenarios/customer_support.json"))
        .unwrap()
        .replace("\"expect\": {", &format!("\"expect\": {{\n    \"inputs\": {inputs},"));
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "s.json", text.as_bytes());
    let out = dir.path().join("s.recording.json");
    let output = crate::record::record(&file, &endpoint, &out, &[]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("  ok     inputs: OrderStatusAgent's call 1 (model call 3): 3 items, as expected\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "got OrderStatusAgent's call 1 (model call 3): 3 items, not 1\n           it received 3 items:\n"
        ),
        "{stdout}"
    );
    assert!(out.exists(), "the recording is written whatever the checks say");
}
