//! Handoffs enabled turn by turn: the OpenAI Agents SDK's `handoff(agent, is_enabled=callable)`
//! in the forms a scenario says (`is_enabled: {"input_matches": ...}`, `{"user_messages": n}`,
//! `{"raises": ...}`), evaluated before each model call on the run's input; the real SDK with
//! such callables is `conformance/traces/oai/enablement_*.json` (compared call by call, the
//! functions offered included, by the conformance test).

use handoff_harness::Scenario;
use handoff_harness::engine::{Core, Next, Response};
use serde_json::Value;

use crate::framework_options::{refused, stderr};
use crate::support::{arg, handoff, temp_file};

/// Triage hands off to Refund (offered while `refund` holds) and to Status (while `status`
/// holds), with `user` the human's replies and Triage's rules.
fn scenario(refund: &str, status: &str, user: &str, triage: &str) -> String {
    format!(
        r#"{{"profile": "openai-agents", "task": "Hello", "user": {user},
            "agents": [{{"name": "Triage"}}, {{"name": "Refund"}}, {{"name": "Status"}}],
            "handoffs": {{"Triage": {{"Refund": {{"description": null, "is_enabled": {refund}}},
                                      "Status": {{"description": null, "is_enabled": {status}}}}}}},
            "model": {{"scripted": {{"Triage": {{"rules": {triage}}},
                                     "Refund": {{"rules": [{{"say": "Refunded."}}]}}}}}}}}"#
    )
}

/// The functions offered at each model call of Triage, driving the run with `replies`.
fn offered(text: &str, replies: &[&str], human: &[&str]) -> Vec<Vec<String>> {
    let scenario = Scenario::parse(text, "s.json", None).unwrap();
    let mut core = Core::new(scenario.design.clone(), "Hello", scenario.settings.clone(), true, None);
    let (mut replies, mut human) = (replies.iter(), human.iter());
    let mut seen = Vec::new();
    loop {
        match core.next() {
            Next::CallModel => {
                let names = core.request().tools().iter().map(|t| t.name.to_string()).collect();
                seen.push(names);
                let Some(reply) = replies.next() else { break };
                let response = match reply.strip_prefix("handoff:") {
                    Some(agent) => Response::handoff(agent),
                    None => Response::text(*reply),
                };
                core.model_replied(Ok(response), None);
            }
            Next::AskHuman => core.human_answered(human.next().map(|h| h.to_string())),
            _ => break,
        }
    }
    seen
}

/// `test_handoff_is_enabled_callable` and `test_handoff_enablement_uses_initialized_turn_context`:
/// a handoff is offered from the call whose run's input holds the condition on: here the
/// human's "refund" (a new `Runner.run` whose input holds it), and the third user message.
#[test]
fn each_model_call_is_offered_the_handoffs_whose_condition_holds_on_the_runs_input() {
    let text = scenario(
        r#"{"input_matches": "(?i)refund"}"#,
        r#"{"user_messages": 3}"#,
        "[]",
        r#"[{"say": "x"}]"#,
    );
    let seen = offered(
        &text,
        &["Hi.", "More?", "Ok."],
        &["My order is late", "I want a REFUND", "bye"],
    );
    assert_eq!(
        seen,
        [
            vec![],
            vec![],
            vec!["transfer_to_refund".to_string(), "transfer_to_status".to_string()],
            vec!["transfer_to_refund".to_string(), "transfer_to_status".to_string()],
        ]
    );
    // A fixed `true` and `false` still offer the handoff always and never.
    let text = scenario("true", "false", "[]", r#"[{"say": "x"}]"#);
    assert_eq!(offered(&text, &["Hi."], &[]), [vec!["transfer_to_refund".to_string()]]);
}

/// A call of a handoff not enabled at that turn is a call of a function the agent does not
/// have (the SDK's `ModelBehaviorError`); once enabled, the same rule hands off.
#[test]
fn a_handoff_called_before_its_condition_holds_is_an_unknown_function() {
    let dir = tempfile::tempdir().unwrap();
    let rules = r#"[{"when": {"user": "(?i)refund"}, "handoff": "Refund"}, {"handoff": "Refund"}]"#;
    let file = temp_file(
        &dir,
        "early.json",
        scenario(r#"{"user_messages": 2}"#, "false", "[]", rules).as_bytes(),
    );
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    assert_eq!(run["outcome"]["kind"], "framework-error", "{run:#}");
    assert!(
        run["outcome"]["error"]
            .as_str()
            .unwrap()
            .contains("ModelBehaviorError: Tool transfer_to_refund not found"),
        "{run:#}"
    );
    let text = scenario(r#"{"user_messages": 2}"#, "false", r#"["a refund please"]"#, rules).replacen(
        r#"{"handoff": "Refund"}]"#,
        r#"{"say": "How can I help?"}]"#,
        1,
    );
    let file = temp_file(&dir, "later.json", text.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    assert_eq!(run["path"], serde_json::json!(["Triage", "Refund"]), "{run:#}");
}

/// `test_get_handoffs_cancels_sibling_enablement_checks_on_error`: a check that raises fails
/// the run with its exception before the agent's model is called.
#[test]
fn a_check_that_raises_fails_the_run_before_the_model_call() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        r#"{"raises": "RuntimeError: enablement failed"}"#,
        "true",
        "[]",
        r#"[{"say": "x"}]"#,
    );
    let file = temp_file(&dir, "raises.json", text.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    assert_eq!(run["outcome"]["kind"], "framework-error", "{run:#}");
    assert_eq!(run["outcome"]["error"], "RuntimeError: enablement failed", "{run:#}");
    assert_eq!(run["model_calls"], 0, "{run:#}");
}

/// Bad conditions, and a condition under another profile, are refused naming the edge.
#[test]
fn a_condition_is_one_of_its_forms_and_the_sdks_alone() {
    let dir = tempfile::tempdir().unwrap();
    for (text, words) in [
        (scenario(r#"{"input_matches": "("}"#, "true", "[]", "[]"), "is no regex"),
        (
            scenario(r#"{"when": "x"}"#, "true", "[]", "[]"),
            "`when` is not a condition",
        ),
        (
            scenario(r#"{"user_messages": 1}"#, "true", "[]", "[]")
                .replace("\"openai-agents\"", "\"agent-framework\", \"start\": \"Triage\""),
            "handoffs.Triage.Refund.is_enabled",
        ),
    ] {
        let file = temp_file(&dir, "bad.json", text.as_bytes());
        refused(&file, words);
    }
}
