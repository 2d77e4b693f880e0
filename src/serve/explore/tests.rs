use super::*;
use crate::serve::request::Api;
use serde_json::json;

/// A Semantic Kernel request of `agent` (its system message named), offering `functions`
/// (wire name, description, parameters).
fn sk_request(agent: &str, functions: &[(&str, &str, Value)]) -> AppRequest {
    let tools: Vec<Value> = functions
        .iter()
        .map(|(name, description, parameters)| {
            json!({"type": "function", "function": {"name": name, "description": description, "parameters": parameters}})
        })
        .collect();
    let body = json!({"model": "m", "messages": [
        {"role": "system", "content": format!("Be {agent}."), "name": agent},
        {"role": "user", "content": "A customer is on the line."}], "tools": tools});
    AppRequest::parse(Api::ChatCompletions, body.to_string().as_bytes()).unwrap()
}

fn none() -> Value {
    json!({"type": "object", "properties": {}})
}

fn called(answer: &Answer) -> (String, Value) {
    let call = &answer.calls[0];
    (call.name.clone(), serde_json::from_str(&call.arguments).unwrap())
}

#[test]
fn tools_first_then_untaken_transfers_then_the_way_back_then_the_end() {
    let triage = || {
        sk_request(
            "Triage",
            &[
                (
                    "Handoff-transfer_to_Refund",
                    "refunds",
                    json!({"type": "object", "properties": {"reason": {"type": "string"}}}),
                ),
                (
                    "Handoff-complete_task",
                    "done",
                    json!({"type": "object", "properties": {"task_summary": {"type": "string"}}}),
                ),
            ],
        )
    };
    let refund = || {
        sk_request(
            "Refund",
            &[
                (
                    "Refunds-process_refund",
                    "refund",
                    json!({"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "integer"}}}),
                ),
                ("Handoff-transfer_to_Triage", "", none()),
                (
                    "Handoff-complete_task",
                    "done",
                    json!({"type": "object", "properties": {"task_summary": {"type": "string"}}}),
                ),
            ],
        )
    };
    let mut explorer = Explorer::default();
    explorer.start_run();
    // A transfer that takes arguments gets them.
    let (name, args) = called(&explorer.answer(&triage()));
    assert_eq!(
        (name.as_str(), args),
        ("Handoff-transfer_to_Refund", json!({"reason": "example"}))
    );
    let (name, args) = called(&explorer.answer(&refund()));
    assert_eq!(
        (name.as_str(), args),
        ("Refunds-process_refund", json!({"amount": 1, "order_id": "1"}))
    );
    assert_eq!(called(&explorer.answer(&refund())).0, "Handoff-transfer_to_Triage");
    // Everything tried: the run ends with the completion function.
    assert!(explorer.finished());
    let (name, args) = called(&explorer.answer(&triage()));
    assert_eq!(
        (name.as_str(), args),
        ("Handoff-complete_task", json!({"task_summary": ENDING}))
    );
    let run = &explorer.runs()[0];
    assert!(run.ended);
    assert_eq!(run.task.as_deref(), Some("A customer is on the line."));
    let calls: Vec<(String, u32)> = run.answers.iter().map(|a| (explorer.name(a.agent), a.call)).collect();
    assert_eq!(
        calls,
        [
            ("Triage".into(), 1),
            ("Refund".into(), 1),
            ("Refund".into(), 2),
            ("Triage".into(), 2)
        ]
    );
    assert_eq!(explorer.profile(), "semantic-kernel");
}

#[test]
fn an_unnamed_agent_is_named_by_the_transfer_that_led_to_it() {
    let request = |system: &str, tools: &[&str]| {
        let tools: Vec<Value> = tools
            .iter()
            .map(|name| json!({"type": "function", "name": name,
                "description": format!("Handoff to the {} agent to handle the request. Seats.", name.trim_start_matches("transfer_to_").replace('_', " ")),
                "parameters": {"type": "object", "properties": {}}}))
            .collect();
        let body = json!({"model": "m", "instructions": system, "input": "Hi", "tools": tools});
        AppRequest::parse(Api::Responses, body.to_string().as_bytes()).unwrap()
    };
    let mut explorer = Explorer::default();
    explorer.start_run();
    let answer = explorer.answer(&request("Triage.", &["transfer_to_seat_booking"]));
    assert_eq!(answer.calls[0].name, "transfer_to_seat_booking");
    explorer.answer(&request("Book seats.", &[]));
    // The agent's name as the description spells it; the first stays unnamed.
    assert_eq!(explorer.name(1), "seat booking");
    assert_eq!(explorer.name(0), "UnknownAgent1");
    assert_eq!(explorer.profile(), "openai-agents");
}
