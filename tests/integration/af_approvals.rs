//! Agent Framework's tools that need the human's approval (`@tool(approval_mode=
//! "always_require")`): the workflow's `request_info` carries a `function_approval_request`, the
//! host answers `to_function_approval_response(approved)`. None of the response's calls runs
//! before every approval is answered; then all of them run, their results in call order, and
//! the response goes on (a handoff beside it too). A rejection returns "Error: Tool call
//! invocation was rejected by user."; no decision leaves the request pending.
//! `conformance/traces/af/approval_*.json` are the real framework.

use handoff_harness::Scenario;
use handoff_harness::engine::{EventKind, Outcome};

use crate::framework_options::refused;
use crate::support::temp_file;

/// Triage (its own `lookup_customer`, and `issue_refund`, which needs approval) hands off to
/// Refund under `agent-framework`; `approvals`, `user` and Triage's responses as given.
fn refund_desk(approvals: &str, triage: &str) -> String {
    format!(
        r#"{{"task": "A customer is on the line.", "profile": "agent-framework", "start": "TriageAgent", {approvals}
            "agents": [
              {{"name": "TriageAgent", "tools": [
                {{"name": "lookup_customer", "parameters": {{"email": null}}, "result": "Customer {{email}} has 2 open orders."}},
                {{"name": "issue_refund", "parameters": {{"order_id": null}}, "result": "Refund for order {{order_id}} has been issued.",
                  "needs_approval": true}}]}},
              {{"name": "RefundAgent"}}],
            "handoffs": {{"TriageAgent": {{"RefundAgent": null}}}},
            "model": {{"scripted": {{"TriageAgent": {{"responses": {triage}}},
                                    "RefundAgent": {{"responses": [{{"say": "Refund desk here."}}]}}}}}}}}"#
    )
}

const LOOKUP: &str = r#"{"tool": "lookup_customer", "args": {"email": "a@b.c"}}"#;
const REFUND_7: &str = r#"{"tool": "issue_refund", "args": {"order_id": "7"}}"#;

fn run(text: &str) -> handoff_harness::Run {
    let scenario = Scenario::parse(text, "af_approval.json", None).unwrap_or_else(|e| panic!("{e}"));
    scenario.run_blocking().unwrap()
}

/// The log's approvals and tool results, in order: `approve name` / `reject name` / `name: text`.
fn steps(run: &handoff_harness::Run) -> Vec<String> {
    let log = run.log();
    (0..log.len() as u32)
        .filter_map(|i| match &log.get(i).kind {
            EventKind::Approval { call, approved } => {
                let name = log
                    .calls_of(log.get(i - 1))
                    .iter()
                    .find(|c| c.id == *call)
                    .map(|c| c.name.to_string());
                Some(format!(
                    "{} {}",
                    if *approved { "approve" } else { "reject" },
                    name.unwrap_or_default()
                ))
            }
            EventKind::ToolResult { output, .. } => Some(format!(
                "{}: {}",
                log.tool_call(i).unwrap().name,
                output.text().unwrap_or("")
            )),
            EventKind::Handoff { to } => Some(format!("handoff to {}", run.name(*to))),
            _ => None,
        })
        .collect()
}

/// Unlike the Agents SDK, nothing of the response runs before the decision: the ordinary
/// tool's result comes after it, beside the approved call's, in call order.
#[test]
fn the_whole_response_waits_for_the_decision_then_runs_in_call_order() {
    let triage = format!(r#"[{{"calls": [{LOOKUP}, {REFUND_7}]}}, {{"say": "Done."}}]"#);
    let run = run(&refund_desk(r#""approvals": ["approve"],"#, &triage));
    assert_eq!(
        steps(&run),
        [
            "approve issue_refund",
            "lookup_customer: Customer a@b.c has 2 open orders.",
            "issue_refund: Refund for order 7 has been issued."
        ]
    );
    assert_eq!((run.model_calls(), run.outcome().kind()), (2, "ended-without-human"));
}

/// A rejection returns the framework's text, and a handoff in the same response is made
/// after the decision; the next agent reads none of the tool traffic.
#[test]
fn a_rejection_returns_the_frameworks_text_and_the_handoff_beside_it_waits() {
    let triage = format!(r#"[{{"calls": [{REFUND_7}], "handoff": "RefundAgent"}}]"#);
    let run = run(&refund_desk(r#""approvals": ["reject"],"#, &triage));
    assert_eq!(
        steps(&run),
        [
            "reject issue_refund",
            "issue_refund: Error: Tool call invocation was rejected by user.",
            r#"handoff_to_RefundAgent: {"handoff_to": "RefundAgent"}"#,
            "handoff to RefundAgent"
        ]
    );
    let refund = run.design().find("RefundAgent").unwrap();
    let read: Vec<String> = run.log().thread(refund).map(|m| format!("{m:?}")).collect();
    assert!(read.iter().all(|m| !m.contains("rejected")), "{read:?}");
}

/// No decision: the workflow idles with the request pending, and the run says so.
#[test]
fn no_decision_leaves_the_request_pending() {
    let triage = format!(r#"[{{"call": {REFUND_7}}}]"#);
    let run = run(&refund_desk(r#""approvals": [],"#, &triage));
    assert!(matches!(run.outcome(), Outcome::AwaitingApproval { calls, .. } if calls == &["issue_refund"]));
    assert!(
        run.outcome_line()
            .contains("the workflow idles with its `function_approval_request` pending"),
        "{}",
        run.outcome_line()
    );
    assert!(
        !steps(&run)
            .iter()
            .any(|s| s.starts_with("lookup") || s.starts_with("issue"))
    );
}

/// `to_function_approval_response(approved=False)` takes no text of the human's: a rejection
/// with its own text is refused, naming its place.
#[test]
fn a_rejection_with_its_own_text_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = refund_desk(r#""approvals": ["approve", {"reject": "Ask a manager."}],"#, "[]");
    let file = temp_file(&dir, "own_text.json", text.as_bytes());
    refused(&file, "approvals[1]: `agent-framework` rejects with its own text");
}
