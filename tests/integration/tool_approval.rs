//! Tools that wait for the human's approval (the OpenAI Agents SDK 0.24's
//! `@function_tool(needs_approval=True)`), decided by the scenario's `approvals` as the SDK's
//! `human_in_the_loop.py` host decides them (`state.approve` / `state.reject`, then
//! `Runner.run(agent, state)`): approved, rejected (with the SDK's text or the human's),
//! beside ordinary calls and a handoff in one response, left pending, within `max_turns`, and
//! refused by the other profiles. `conformance/traces/oai/approval_*.json` are the real SDK.

use handoff_harness::Scenario;
use handoff_harness::engine::{Approval, EventKind, Outcome, ToolOutput};
use serde_json::Value;

use crate::framework_options::{refused, stderr, stdout};
use crate::support::{arg, handoff, temp_file};

/// Triage (its own `lookup_customer`, and `issue_refund`, which needs approval) hands off to
/// Refund; `approvals`, `profile` and Triage's responses as given.
fn refund_desk(profile: &str, approvals: &str, triage: &str) -> String {
    format!(
        r#"{{"task": "A customer is on the line.", "profile": {profile}, {approvals}
            "agents": [
              {{"name": "TriageAgent", "tools": [
                {{"name": "lookup_customer", "parameters": {{"email": null}}, "result": "Customer {{email}} has 2 open orders."}},
                {{"name": "issue_refund", "parameters": {{"order_id": null}}, "result": "Refund for order {{order_id}} has been issued.",
                  "needs_approval": true}}]}},
              {{"name": "RefundAgent"}}],
            "handoffs": {{"TriageAgent": {{"RefundAgent": null}}}},
            "model": {{"scripted": {{"TriageAgent": {{"responses": {triage}}},
                                    "RefundAgent": {{"responses": [{{"say": "Refund desk here."}}]}}}}}},
            "expect": {{"outcome": "ended-without-human"}}}}"#
    )
}

const REFUND_7: &str = r#"{"tool": "issue_refund", "args": {"order_id": "7"}}"#;

fn load(text: &str) -> Scenario {
    Scenario::parse(text, "approval.json", None).unwrap_or_else(|e| panic!("{e}"))
}

/// Every tool result of the run: (function, text), in log order.
fn results(run: &handoff_harness::Run) -> Vec<(String, String)> {
    let log = run.log();
    (0..log.len() as u32)
        .filter_map(|i| match &log.get(i).kind {
            EventKind::ToolResult { output, .. } => Some((
                log.tool_call(i).unwrap().name.to_string(),
                output.text().unwrap_or("").to_string(),
            )),
            _ => None,
        })
        .collect()
}

/// The human's decisions in the log, (call id, approved), in order.
fn decisions(run: &handoff_harness::Run) -> Vec<(String, bool)> {
    run.log()
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Approval { call, approved } => Some((call.to_string(), approved)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_approved_call_runs_and_the_model_reads_its_result() {
    let triage = format!(r#"[{{"call": {REFUND_7}}}, {{"say": "Refund issued."}}]"#);
    let scenario = load(&refund_desk(
        r#""openai-agents""#,
        r#""approvals": ["approve"],"#,
        &triage,
    ));
    assert_eq!(scenario.approvals, vec![Approval::Approve]);
    let run = scenario.run_blocking().unwrap();
    assert!(matches!(run.outcome(), Outcome::EndedWithoutHuman { text, .. } if text == "Refund issued."));
    assert_eq!(decisions(&run), vec![("call_0001".to_string(), true)]);
    assert_eq!(
        results(&run),
        vec![("issue_refund".into(), "Refund for order 7 has been issued.".into())]
    );
    // The approval is no model call and no human turn.
    assert_eq!((run.model_calls(), run.human_turns()), (2, 0));
}

#[test]
fn a_rejected_call_returns_the_sdk_text_or_the_humans_and_the_model_is_asked_again() {
    let triage = format!(r#"[{{"call": {REFUND_7}}}, {{"call": {REFUND_7}}}, {{"say": "No refund then."}}]"#);
    let approvals = r#""approvals": ["reject", {"reject": "Refunds need a manager."}],"#;
    let run = load(&refund_desk(r#""openai-agents""#, approvals, &triage))
        .run_blocking()
        .unwrap();
    assert_eq!(
        results(&run),
        vec![
            ("issue_refund".into(), "Tool execution was not approved.".into()),
            ("issue_refund".into(), "Refunds need a manager.".into()),
        ]
    );
    assert_eq!(
        decisions(&run),
        vec![("call_0001".into(), false), ("call_0002".into(), false)]
    );
    assert_eq!(run.model_calls(), 3);
    let text = run.text();
    assert!(
        text.contains(r#"[approval] the human rejects TriageAgent's call issue_refund({"order_id":"7"})"#),
        "{text}"
    );
    // In JSON, the decision is an event of its own.
    let json = run.to_json();
    let approval = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "approval")
        .unwrap();
    assert_eq!(
        (&approval["name"], &approval["approved"], &approval["agent"]),
        (
            &Value::from("issue_refund"),
            &Value::from(false),
            &Value::from("TriageAgent")
        )
    );
}

/// `conformance/traces/oai/approval_reject.json`: the SDK runs the response's other own tools
/// before the interruption; the decided calls' results follow, in call order, then the
/// handoff's.
#[test]
fn other_calls_run_first_and_a_handoff_beside_an_approval_waits_for_the_decision() {
    let triage = format!(
        r#"[{{"calls": [{REFUND_7}, {{"tool": "lookup_customer", "args": {{"email": "a@b.c"}}}},
                        {{"tool": "issue_refund", "args": {{"order_id": "8"}}}},
                        {{"tool": "transfer_to_refundagent", "args": {{}}}}]}}]"#
    );
    let run = load(&refund_desk(
        r#""openai-agents""#,
        r#""approvals": ["reject", "approve"],"#,
        &triage,
    ))
    .run_blocking()
    .unwrap();
    let names: Vec<(String, String)> = results(&run);
    assert_eq!(
        names,
        vec![
            ("lookup_customer".into(), "Customer a@b.c has 2 open orders.".into()),
            ("issue_refund".into(), "Tool execution was not approved.".into()),
            ("issue_refund".into(), "Refund for order 8 has been issued.".into()),
            (
                "transfer_to_refundagent".into(),
                r#"{"assistant": "RefundAgent"}"#.into()
            ),
        ]
    );
    // The ordinary call's result comes before the decisions; the handoff after them.
    let kinds: Vec<&str> = run
        .log()
        .events()
        .iter()
        .map(|e| match e.kind {
            EventKind::ToolResult { .. } => "result",
            EventKind::Approval { .. } => "approval",
            EventKind::Handoff { .. } => "handoff",
            _ => "other",
        })
        .filter(|k| *k != "other")
        .collect();
    assert_eq!(
        kinds,
        [
            "result", "approval", "approval", "result", "result", "result", "handoff"
        ]
    );
    assert!(matches!(run.outcome(), Outcome::EndedWithoutHuman { text, .. } if text == "Refund desk here."));
}

#[test]
fn a_call_with_no_decision_ends_the_run_awaiting_approval_and_no_handoff_is_made() {
    let triage = format!(r#"[{{"calls": [{REFUND_7}, {{"tool": "transfer_to_refundagent", "args": {{}}}}]}}]"#);
    let dir = tempfile::tempdir().unwrap();
    let text = refund_desk(r#""openai-agents""#, "", &triage).replace("ended-without-human", "awaiting-approval");
    let file = temp_file(&dir, "pending.json", text.as_bytes());
    let out = handoff(&["run", arg(&file)]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("Run ended: TriageAgent's call issue_refund waits for the human's approval"),
        "{shown}"
    );
    assert!(!shown.contains("[handoff]") && !shown.contains("[tool]"), "{shown}");
    let run = load(&text).run_blocking().unwrap();
    assert_eq!(
        run.outcome(),
        &Outcome::AwaitingApproval {
            agent: run.design().find("TriageAgent").unwrap(),
            calls: vec!["issue_refund".into()],
        }
    );
    assert!(results(&run).is_empty());
    // Without `expect.outcome`, a run left waiting fails.
    let file = temp_file(
        &dir,
        "unexpected.json",
        text.replace("awaiting-approval", "completed").as_bytes(),
    );
    assert_eq!(handoff(&["run", arg(&file)]).status.code(), Some(1));
}

/// The resumed `Runner.run` keeps counting `max_turns` from the interrupted one (measured on
/// the SDK 0.24: `max_turns=2`, two rejected calls, `MaxTurnsExceeded` before a third call).
#[test]
fn a_resumed_run_counts_max_turns_from_the_interrupted_one() {
    let triage = format!(r#"[{{"call": {REFUND_7}}}, {{"call": {REFUND_7}}}, {{"say": "never"}}]"#);
    let profile = r#"{"name": "openai-agents", "max_turns": 2}"#;
    let run = load(&refund_desk(profile, r#""approvals": ["reject", "reject"],"#, &triage))
        .run_blocking()
        .unwrap();
    assert_eq!(run.model_calls(), 2);
    assert!(
        matches!(run.outcome(), Outcome::FrameworkError { error, .. } if error == "MaxTurnsExceeded: Max turns (2) exceeded")
    );
}

#[test]
fn other_profiles_refuse_needs_approval_naming_the_tool() {
    let dir = tempfile::tempdir().unwrap();
    for profile in ["semantic-kernel", "semantic-kernel-fixed", "semantic-kernel-dotnet"] {
        let text = refund_desk(&format!("\"{profile}\""), "", "[]");
        let file = temp_file(&dir, &format!("{profile}.json"), text.as_bytes());
        refused(
            &file,
            "agents[0].tools[1].needs_approval: `issue_refund` waits for the human's approval",
        );
        refused(&file, &format!("`{profile}` has no such tools"));
    }
    // `--profile` refuses it alike.
    let file = temp_file(&dir, "sdk.json", refund_desk(r#""openai-agents""#, "", "[]").as_bytes());
    let out = handoff(&["run", arg(&file), "--profile", "semantic-kernel-fixed"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("needs_approval"), "{}", stderr(&out));
}

#[test]
fn bad_decisions_are_errors_naming_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(
        &dir,
        "yes.json",
        refund_desk(r#""openai-agents""#, r#""approvals": ["yes"],"#, "[]").as_bytes(),
    );
    refused(&file, "`yes` is no decision");
    // Decisions with no tool to decide on.
    let text = refund_desk(r#""openai-agents""#, r#""approvals": ["approve"],"#, "[]")
        .replace(r#""needs_approval": true"#, r#""needs_approval": false"#);
    let file = temp_file(&dir, "none.json", text.as_bytes());
    refused(&file, "approvals: no tool of the design waits for approval");
}

#[test]
fn the_library_decides_through_the_human() {
    let triage = format!(r#"[{{"call": {REFUND_7}}}, {{"say": "Refund issued."}}]"#);
    let scenario = load(&refund_desk(r#""openai-agents""#, "", &triage));
    let orchestration = scenario.orchestration_only().unwrap();
    let core = orchestration.core(false, None);
    let mut model = scenario.model.clone().unwrap();
    let mut asked = Vec::new();
    let run = core.drive_approving(
        |request| (model.reply(request), None),
        |_| None,
        |request| {
            asked.push((
                request.agent_name.to_string(),
                request.tool.to_string(),
                request.arguments.clone(),
            ));
            Some(Approval::Approve)
        },
    );
    assert_eq!(asked.len(), 1);
    assert_eq!(
        (asked[0].0.as_str(), asked[0].1.as_str()),
        ("TriageAgent", "issue_refund")
    );
    assert_eq!(asked[0].2["order_id"], "7");
    assert!(matches!(
        run.log().events().iter().find_map(|e| match &e.kind {
            EventKind::ToolResult {
                output: ToolOutput::Text(t),
                ..
            } => Some(t.as_str()),
            _ => None,
        }),
        Some("Refund for order 7 has been issued.")
    ));
}

/// `handoff record` keeps the decisions in the recording (a rejection's own text too), and a
/// replay gives them again: the replayed run is the recorded one.
#[test]
fn a_recording_keeps_the_decisions_and_its_replay_gives_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let triage = format!(r#"[{{"call": {REFUND_7}}}, {{"call": {REFUND_7}}}, {{"say": "Done."}}]"#);
    let approvals = r#""approvals": [{"reject": "Ask a manager."}, "approve"],"#;
    let text = refund_desk(r#""openai-agents""#, approvals, &triage);
    let file = temp_file(&dir, "desk.json", text.as_bytes());
    let scripted = load(&text).run_blocking().unwrap();
    let endpoint = crate::endpoint::Endpoint::start(crate::endpoint::answers_of(&scripted));
    let out = dir.path().join("desk.recording.json");
    let recorded = crate::record::record(&file, &endpoint, &out, &[]);
    assert_eq!(recorded.status.code(), Some(0), "{}", stderr(&recorded));
    let transcript = handoff_harness::wire::Transcript::load(&out).unwrap();
    let decisions: Vec<Approval> = transcript.approvals.iter().map(|a| a.decision()).collect();
    assert_eq!(
        decisions,
        [
            Approval::Reject {
                message: Some("Ask a manager.".into())
            },
            Approval::Approve
        ]
    );
    // The scenario's own decisions are not read: the recording's are.
    let replaying = format!(
        r#"{{"profile": "openai-agents", "task": "A customer is on the line.", "agents": {},
             "handoffs": {{"TriageAgent": {{"RefundAgent": null}}}},
             "model": {{"recording": "desk.recording.json"}}, "expect": {{"outcome": "ended-without-human"}}}}"#,
        serde_json::from_str::<Value>(&text).unwrap()["agents"]
    );
    let replay_file = temp_file(&dir, "replay.json", replaying.as_bytes());
    let replayed = handoff(&["run", arg(&replay_file)]);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{}{}",
        stdout(&replayed),
        stderr(&replayed)
    );
    assert_eq!(results(&load_file(&replay_file)), results(&scripted));
}

fn load_file(path: &std::path::Path) -> handoff_harness::Run {
    Scenario::load(path).unwrap().run_blocking().unwrap()
}

/// `handoff fuzz` gives the scenario's decisions in every run; a run left waiting for approval
/// is no violation (its last response is not answered yet), and the campaign counts it.
#[test]
fn fuzzing_gives_the_decisions_and_a_run_left_waiting_is_no_violation() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "fuzz.json", FUZZED.as_bytes());
    let out = handoff(&["fuzz", arg(&file), "--cases", "300"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let shown = stdout(&out) + &stderr(&out);
    assert!(shown.contains("no bounce"), "{shown}");
    assert!(shown.contains(" awaiting-approval"), "{shown}");
    assert!(shown.contains(" completed"), "{shown}");
}

/// Triage issues a refund (approval needed) when asked for one; the human approves one.
const FUZZED: &str = r#"{ "profile": "openai-agents", "task": "A customer is on the line.",
  "agents": [
    { "name": "TriageAgent", "tools": [
      { "name": "issue_refund", "parameters": {"order_id": null}, "result": "Refund for order {order_id} has been issued.", "needs_approval": true } ] },
    { "name": "RefundAgent" } ],
  "handoffs": { "TriageAgent": { "RefundAgent": null }, "RefundAgent": { "TriageAgent": null } },
  "user": ["refund order 7", "thanks"],
  "approvals": ["approve"],
  "model": { "scripted": {
    "TriageAgent": { "rules": [
      { "when": { "tool_result": "issued|not approved" }, "say": "Done." },
      { "when": { "user": "refund order (?P<id>\\d+)" }, "call": { "tool": "issue_refund", "args": { "order_id": "{id}" } } },
      { "when": { "user": "billing" }, "handoff": "RefundAgent" },
      { "say": "How can I help?" } ] },
    "RefundAgent": { "rules": [ { "say": "Refund desk." } ] } } },
  "expect": { "outcome": "completed" }
}"#;
