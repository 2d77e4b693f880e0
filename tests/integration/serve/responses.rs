//! The Responses API (`POST /v1/responses`), as the OpenAI Agents SDK talks to it, whole and
//! streamed, text and function calls.

use serde_json::{Value, json};

use super::{Serve, client, events, exits, expected_bodies, post, small_scenario};

/// The Responses API body the OpenAI Agents SDK sends for the Chat Completions body `chat`:
/// the system message as `instructions`, the messages as `input` items (user messages,
/// assistant output text, `function_call` and `function_call_output` items), the tools with
/// their fields beside `type`.
fn responses_body(chat: &Value, stream: bool) -> Value {
    let messages = chat["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    let mut input = Vec::new();
    for message in &messages[1..] {
        match message["role"].as_str().unwrap() {
            "user" => input.push(json!({"role": "user", "content": message["content"]})),
            "assistant" => {
                if let Some(text) = message["content"].as_str() {
                    input.push(json!({"type": "message", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": text, "annotations": []}]}));
                }
                for call in message["tool_calls"].as_array().into_iter().flatten() {
                    input.push(json!({"type": "function_call", "call_id": call["id"],
                        "name": call["function"]["name"], "arguments": call["function"]["arguments"]}));
                }
            }
            "tool" => input.push(
                json!({"type": "function_call_output", "call_id": message["tool_call_id"],
                "output": message["content"]}),
            ),
            other => panic!("a {other} message in {chat}"),
        }
    }
    let tools: Vec<Value> = chat["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tool| {
            let f = &tool["function"];
            json!({"type": "function", "name": f["name"], "description": f["description"],
                "parameters": f["parameters"], "strict": false})
        })
        .collect();
    json!({"model": chat["model"], "instructions": messages[0]["content"], "input": input,
        "tools": tools, "stream": stream, "include": []})
}

/// What the small scenario's model answers under `openai-agents`: a text, or a call (name,
/// arguments); the completion is the final text.
enum Said {
    Text(&'static str),
    Call(&'static str, &'static str),
}

const ANSWERS: [Said; 5] = [
    Said::Text("Hello! How can I help you today?"),
    Said::Call("transfer_to_refundagent", "{}"),
    Said::Call("process_refund", r#"{"order_id":"7"}"#),
    Said::Text("Your refund for order 7 is on its way. Anything else?"),
    Said::Text("Refunded order 7."),
];

/// Asserts that the output items of a response say `said`, the call with id `call_id`.
fn assert_output(output: &Value, said: &Said, call_id: &str) {
    let items = output.as_array().unwrap();
    assert_eq!(items.len(), 1, "{output}");
    let item = &items[0];
    assert_eq!(item["status"], "completed");
    match said {
        Said::Text(text) => {
            assert_eq!(item["type"], "message", "{item}");
            assert_eq!(item["role"], "assistant");
            assert_eq!(item["content"][0]["type"], "output_text");
            assert_eq!(item["content"][0]["text"], *text);
        }
        Said::Call(name, arguments) => {
            assert_eq!(item["type"], "function_call", "{item}");
            assert_eq!(item["call_id"], call_id);
            assert_eq!(item["name"], *name);
            assert_eq!(item["arguments"], *arguments);
        }
    }
}

/// Asserts that the events of a streamed answer are the Responses API's: named as their
/// `type`, numbered from 0, from `response.created` to `response.completed`, the deltas
/// joining to what `said`; returns the completed response.
fn assert_events(text: &str, said: &Said) -> Value {
    let events: Vec<(String, Value)> = events(text)
        .into_iter()
        .map(|(name, data)| {
            (
                name.expect("every event is named"),
                serde_json::from_str(&data).unwrap(),
            )
        })
        .collect();
    for (i, (name, data)) in events.iter().enumerate() {
        assert_eq!(data["type"], *name);
        assert_eq!(data["sequence_number"], i, "{name}");
    }
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    let deltas = |kind: &str| -> Vec<String> {
        events
            .iter()
            .filter(|(name, _)| name == kind)
            .map(|(_, data)| data["delta"].as_str().unwrap().to_string())
            .collect()
    };
    let middle: Vec<&str> = match said {
        Said::Text(text) => {
            let pieces = deltas("response.output_text.delta");
            assert!(pieces.len() > 1, "a text comes in pieces: {pieces:?}");
            assert_eq!(pieces.concat(), *text);
            let done = events.iter().find(|(n, _)| n == "response.output_text.done").unwrap();
            assert_eq!(done.1["text"], *text);
            vec![
                "response.output_item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
            ]
        }
        Said::Call(_, arguments) => {
            let pieces = deltas("response.function_call_arguments.delta");
            assert!(pieces.len() == 2 || arguments.len() < 2, "{pieces:?}");
            assert_eq!(pieces.concat(), *arguments);
            vec![
                "response.output_item.added",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.done",
                "response.output_item.done",
            ]
        }
    };
    let mut kinds = names.clone();
    kinds.dedup();
    let mut expected = vec!["response.created", "response.in_progress"];
    expected.extend(middle);
    expected.push("response.completed");
    assert_eq!(kinds, expected);
    assert_eq!(events[0].1["response"]["status"], "in_progress");
    let completed = &events.last().unwrap().1["response"];
    assert_eq!(completed["status"], "completed");
    completed.clone()
}

#[test]
fn the_responses_api_answers_text_and_function_calls_whole_and_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, Some("openai-agents"));
    let bodies = expected_bodies(&file);
    assert_eq!(bodies.len(), ANSWERS.len());
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let agent = client();
    let mut call_ids = 0;
    for (i, (body, said)) in bodies.iter().zip(&ANSWERS).enumerate() {
        // Requests 2 (a call) and 4 (a text) streamed, the others whole.
        let stream = i % 2 == 1;
        let reply = post(
            &agent,
            &serve.url(),
            "/responses",
            &responses_body(body, stream).to_string(),
        );
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        if matches!(said, Said::Call(..)) {
            call_ids += 1;
        }
        let call_id = format!("call_{call_ids:04}");
        let response = match stream {
            true => {
                assert_eq!(reply.content_type, "text/event-stream");
                assert_events(&reply.text, said)
            }
            false => {
                assert_eq!(reply.content_type, "application/json");
                reply.json()
            }
        };
        assert_eq!(response["object"], "response");
        assert_eq!(response["id"], format!("resp_{:04}", i + 1));
        assert_eq!(response["status"], "completed");
        assert_eq!(response["model"], super::MODEL);
        assert_output(&response["output"], said, &call_id);
    }
    let served = serve.finish();
    exits(&served, 0);
    let report = String::from_utf8(served.stdout).unwrap();
    assert!(report.starts_with("conversation 1\nProfile: openai-agents"), "{report}");
    assert!(
        report.contains("  ok     traffic: 5 requests, each the expected one\n"),
        "{report}"
    );
    assert!(report.ends_with("PASS\n"), "{report}");
}

/// Runs the small conversation as Agent Framework's Responses clients do: the first request
/// whole (streamed), each later one that extends the thread only the items after the previous
/// response, chained by `previous_response_id`, whole. Returns the serve's report and how many
/// requests were chained.
fn chained(profile: &str) -> (String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, Some(profile));
    let bodies: Vec<Value> = expected_bodies(&file)
        .iter()
        .map(|chat| responses_body(chat, false))
        .collect();
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let agent = client();
    let mut previous: Option<(String, usize)> = None;
    let mut chained = 0;
    for (i, body) in bodies.iter().enumerate() {
        let mut sent = body.clone();
        let input = body["input"].as_array().unwrap();
        match &previous {
            // A new agent's thread under `openai-agents` (a handoff's history) is sent whole.
            Some((id, known)) if input.len() >= *known => {
                sent["input"] = Value::Array(input[*known..].to_vec());
                sent["previous_response_id"] = id.clone().into();
                chained += 1;
            }
            Some(_) => {}
            None => sent["stream"] = true.into(),
        }
        let reply = post(&agent, &serve.url(), "/responses", &sent.to_string());
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        let response = match i {
            0 => serde_json::from_str::<Value>(&events(&reply.text).last().unwrap().1).unwrap()["response"].clone(),
            _ => reply.json(),
        };
        let output = response["output"].as_array().unwrap().len();
        previous = Some((
            response["id"].as_str().unwrap().to_string(),
            body["input"].as_array().unwrap().len() + output,
        ));
    }
    let served = serve.finish();
    exits(&served, 0);
    (String::from_utf8(served.stdout).unwrap(), chained)
}

#[test]
fn a_chained_request_is_checked_and_answered_as_its_whole_thread() {
    // Under `openai-agents` each agent's thread goes on from its last response; a handoff's
    // new thread is sent whole.
    {
        let profile = "openai-agents";
        let (report, chained) = chained(profile);
        assert!(chained >= 3, "{profile}: {chained} chained");
        assert!(
            report.contains("  ok     traffic: 5 requests, each the expected one\n"),
            "{profile}: {report}"
        );
        assert!(report.ends_with("PASS\n"), "{profile}: {report}");
    }
}

#[test]
fn a_previous_response_serve_did_not_give_is_refused_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, Some("openai-agents"));
    let serve = Serve::start(&file, &["--wait", "0.3", "--timeout", "2"]);
    let body = json!({"model": "m", "input": [], "previous_response_id": "resp_9999"});
    let reply = post(&client(), &serve.url(), "/responses", &body.to_string());
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(
        reply
            .text
            .contains("previous_response_id `resp_9999` is not a response this serve gave"),
        "{}",
        reply.text
    );
    let report = String::from_utf8(serve.finish().stdout).unwrap();
    assert!(
        report.contains("serve: 1 request(s) of the app were refused; the first: POST /v1/responses: 400 previous_response_id `resp_9999`"),
        "{report}"
    );
}

/// The Agents SDK's `conversation_id` sends the Conversations API's `conversation`, a
/// conversation serve does not keep: refused with the way on, not read as a new thread.
#[test]
fn a_conversation_of_the_conversations_api_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, Some("openai-agents"));
    let serve = Serve::start(&file, &["--wait", "0.3", "--timeout", "2"]);
    let body = json!({"model": "m", "input": [{"role": "user", "content": "hi"}], "conversation": "conv_1"});
    let reply = post(&client(), &serve.url(), "/responses", &body.to_string());
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(
        reply.text.contains("serve does not keep conversations") && reply.text.contains("previous_response_id"),
        "{}",
        reply.text
    );
    serve.finish();
}
