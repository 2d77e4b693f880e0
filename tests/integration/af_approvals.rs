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

/// The project's Agent Framework app (`examples/agent-framework/support_desk.py`) with its
/// `issue_credit` made `approval_mode="always_require"` and a host that approves each
/// `function_approval_request` (and reads a line only for the agents' own requests), under
/// strict `handoff serve` over Chat Completions and the Responses API: every request the real
/// framework sends, the resumed call after the approval included, is the one the harness
/// expects.
#[test]
fn the_real_framework_with_an_approval_passes_strict_serve() {
    let dir = tempfile::tempdir().unwrap();
    let root = crate::support::root();
    let app = std::fs::read_to_string(root.join("examples/agent-framework/support_desk.py")).unwrap();
    let edits = [
        (
            "@tool(approval_mode=\"never_require\")\ndef issue_credit",
            "@tool(approval_mode=\"always_require\")\ndef issue_credit",
        ),
        (
            "elif event.type == \"request_info\" and isinstance(event.data, HandoffAgentUserRequest):",
            "elif event.type == \"request_info\":",
        ),
        (
            "    while requests:\n        line = sys.stdin.readline()\n        if line:",
            "    while requests:\n        approvals = [r for r in requests if getattr(r.data, \"type\", None) == \"function_approval_request\"]\n        line = \"\" if approvals else sys.stdin.readline()\n        if approvals:\n            print(f\"[approval] {approvals[0].data.function_call.name}\")\n            answer = approvals[0].data.to_function_approval_response(approved=True)\n        elif line:",
        ),
    ];
    let mut app = app;
    for (from, to) in edits {
        assert!(app.contains(from), "the app changed: `{from}` is gone");
        app = app.replacen(from, to, 1);
    }
    let app = temp_file(&dir, "desk_approval.py", app.as_bytes());
    let mut scenario: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("examples/agent-framework/support_desk.json")).unwrap(),
    )
    .unwrap();
    scenario["agents"][2]["tools"][0]["needs_approval"] = true.into();
    scenario["approvals"] = serde_json::json!(["approve"]);
    let scenario = temp_file(&dir, "desk_approval.json", scenario.to_string().as_bytes());
    let python = crate::support::setup_once(&PYTHON, "examples/published/agent-framework/setup.sh");
    for settings in [&[][..], &["SUPPORT_DESK_CLIENT=chat-completions"][..]] {
        let mut args = vec![
            "serve",
            crate::support::arg(&scenario),
            "--timeout",
            "90",
            "--wait",
            "5",
            "--",
            "env",
        ];
        args.extend_from_slice(settings);
        args.extend([python.to_str().unwrap(), crate::support::arg(&app)]);
        let out = crate::support::handoff_within(&args, 120);
        let stdout = crate::framework_options::stdout(&out);
        let stderr = crate::framework_options::stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{settings:?}\n{stdout}\n{stderr}");
        for line in [
            "[approval] the human approves billing_agent's call issue_credit({\"order_ref\":\"77\"})\n",
            "  ok     traffic: ",
        ] {
            assert!(stdout.contains(line), "{settings:?}: `{line}` missing:\n{stdout}");
        }
    }
}

static PYTHON: std::sync::OnceLock<Result<std::path::PathBuf, String>> = std::sync::OnceLock::new();
