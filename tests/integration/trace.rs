//! What each agent's model saw at each call of the customer-support run, compared with a
//! recorded run of the real Semantic Kernel 1.45.0 Python orchestration on the same example
//! (`tests/data/sk-customer-support-trace.json`).

use handoff_harness::engine::{Message, ToolOutput};
use handoff_harness::{ModelRequest, Scenario, ScriptedHuman};
use serde_json::{Value, json};

use crate::support::{Recorder, root, run};

fn trace() -> Value {
    let text = std::fs::read_to_string(root().join("tests/data/sk-customer-support-trace.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A request in the trace's shape: agent, tools offered, messages with SK's roles and names.
fn view(request: &ModelRequest<'_>) -> Value {
    let design = request.design();
    let qualified = |author, name| design.offered_name(author, name).to_string();
    let mut messages = vec![json!({
        "role": "system", "name": request.agent_name(), "content": request.instructions(),
        "function_calls": [], "function_results": [],
    })];
    for message in request.thread() {
        messages.push(match message {
            Message::User { text } => {
                json!({ "role": "user", "name": null, "content": text, "function_calls": [], "function_results": [] })
            }
            Message::Input { role, content, name } => {
                json!({ "role": role.name(), "name": name, "content": content, "function_calls": [], "function_results": [] })
            }
            Message::Assistant {
                author, text, calls, ..
            } => json!({
                "role": "assistant", "name": design.agent(author).name, "content": text,
                "function_calls": calls.iter().map(|c| json!({
                    "id": c.id.to_string(), "name": qualified(author, &c.name), "arguments": c.arguments,
                })).collect::<Vec<_>>(),
                "function_results": [],
            }),
            Message::Tool {
                author,
                call,
                name,
                output,
            } => json!({
                "role": "tool", "name": design.agent(author).name, "content": "", "function_calls": [],
                "function_results": [{
                    "id": call.to_string(), "name": qualified(author, name),
                    "result": match output { ToolOutput::Nothing => Value::Null, other => other.text().into() },
                }],
            }),
        });
    }
    json!({
        "agent": request.agent_name(),
        "tools_offered": request.tools().iter().map(|t| t.qualified_name.clone()).collect::<Vec<_>>(),
        "messages_in": messages,
    })
}

/// Keeps only the fields both sides have.
fn comparable(call: &Value) -> Value {
    let messages: Vec<Value> = call["messages_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            json!({
                "role": m["role"], "name": m["name"], "content": m["content"],
                "function_calls": m["function_calls"].as_array().unwrap().iter()
                    .map(|c| json!({ "id": c["id"], "name": c["name"], "arguments": c["arguments"] })).collect::<Vec<_>>(),
                "function_results": m["function_results"].as_array().unwrap().iter()
                    .map(|r| json!({ "id": r["id"], "name": r["name"], "result": r["result"] })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "agent": call["agent"], "tools_offered": call["tools_offered"], "messages_in": messages })
}

fn recorded_run() -> (Scenario, Recorder<Value>, handoff_harness::Run) {
    let scenario = Scenario::load(root().join("scenarios/customer_support.json")).unwrap();
    let (orchestration, model) = scenario.orchestration().unwrap();
    let mut recorder = Recorder {
        inner: model,
        seen: Vec::new(),
        view,
    };
    let mut human = ScriptedHuman::new(scenario.user.clone().unwrap());
    let run = run(&orchestration, &mut recorder, &mut human);
    (scenario, recorder, run)
}

#[test]
fn every_model_call_sees_what_semantic_kernel_showed_it() {
    let trace = trace();
    let expected = trace["calls"].as_array().unwrap();
    let (_, recorder, _) = recorded_run();
    assert_eq!(recorder.seen.len(), expected.len(), "number of model calls");
    for (i, (ours, theirs)) in recorder.seen.iter().zip(expected).enumerate() {
        let theirs = comparable(theirs);
        assert_eq!(
            ours,
            &theirs,
            "model call #{} ({}) differs from Semantic Kernel's\nours:   {}\ntheirs: {}",
            i + 1,
            theirs["agent"],
            serde_json::to_string_pretty(ours).unwrap(),
            serde_json::to_string_pretty(&theirs).unwrap()
        );
    }
}

#[test]
fn every_model_reply_is_the_one_semantic_kernel_got() {
    let trace = trace();
    let (_, _, run) = recorded_run();
    let replies: Vec<&handoff_harness::engine::Event> = run
        .log()
        .events()
        .iter()
        .filter(|e| matches!(e.kind, handoff_harness::engine::EventKind::Reply { .. }))
        .collect();
    for (i, (event, call)) in replies.iter().zip(trace["calls"].as_array().unwrap()).enumerate() {
        let handoff_harness::engine::EventKind::Reply { text, calls } = &event.kind else {
            unreachable!()
        };
        let calls = run.log().calls(*calls);
        let reply = &call["reply"];
        match reply.get("text") {
            Some(expected) => assert_eq!(text.as_deref(), expected.as_str(), "reply #{}", i + 1),
            None => {
                let expected = &reply["calls"][0];
                let agent = event.agent.unwrap();
                let name = run
                    .design()
                    .resolve_tool(agent, &calls[0].name)
                    .unwrap()
                    .qualified_name
                    .clone();
                assert_eq!(&*name, expected["name"].as_str().unwrap(), "reply #{}", i + 1);
                assert_eq!(
                    Value::Object(calls[0].arguments.clone()),
                    expected["arguments"],
                    "reply #{}",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn tool_schemas_match_semantic_kernel_exactly() {
    // The tutorial adds its edges back to triage by name, which drops their descriptions
    // (SK#13115): the scenario says so (`by_name`), and the harness offers what SK offers.
    let trace = trace();
    let scenario = Scenario::load(root().join("scenarios/customer_support.json")).unwrap();
    let design = &scenario.design;
    let schemas = trace["tool_schemas_by_agent"].as_object().unwrap();
    // The trace holds the agents whose model was called: RefundAgent never is.
    assert_eq!(
        schemas.keys().collect::<Vec<_>>(),
        ["OrderReturnAgent", "OrderStatusAgent", "TriageAgent"]
    );
    for (agent, theirs) in schemas {
        let id = design.find(agent).unwrap();
        let ours: Vec<Value> = design.tools(id).iter().map(|t| t.json_schema()).collect();
        let theirs = theirs.as_array().unwrap();
        assert_eq!(ours.len(), theirs.len(), "{agent}");
        for (ours, theirs) in ours.iter().zip(theirs) {
            assert_eq!(ours, theirs, "{agent}");
        }
    }
}
