//! Answers in the Responses API's format (`POST /v1/responses`, the OpenAI Agents SDK's
//! default): an [`Answer`] as a response object, or as its named server-sent events
//! (`response.created` ... `response.completed`). Its requests are read by
//! [`AppRequest::parse`](super::AppRequest::parse).

use serde_json::{Value, json};

use super::answer::{Answer, Body, Event, halves, pieces};
use super::request::{Api, AppRequest};

/// The output items of `answer`: a message item for its text, a function-call item per call.
/// Their ids follow the conversation, not the server: `msg_` and the number of the model call
/// in the conversation (`answer.call`), `fc_` and the call's number (`call_0003` is `fc_0003`),
/// so that what an app quotes of them (the OpenAI Agents SDK's nested handoff history writes
/// them into its summaries) is what the run predicts.
fn output_items(answer: &Answer) -> Vec<Value> {
    let mut items = Vec::new();
    if let Some(text) = &answer.text {
        items.push(json!({
            "type": "message", "id": format!("msg_{:04}", answer.call), "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }));
    }
    for call in &answer.calls {
        let id = call.id.strip_prefix("call_").unwrap_or(&call.id);
        items.push(json!({
            "type": "function_call", "id": format!("fc_{id}"), "call_id": call.id,
            "name": call.name, "arguments": call.arguments, "status": "completed",
        }));
    }
    items
}

/// The response object of `answer`.
pub(super) fn response(answer: &Answer, request: &AppRequest, number: u32) -> Value {
    response_with(request, number, "completed", output_items(answer))
}

fn response_with(request: &AppRequest, number: u32, status: &str, output: Vec<Value>) -> Value {
    json!({
        "id": format!("resp_{number:04}"),
        "object": "response",
        "created_at": 0,
        "status": status,
        "model": request.model,
        "output": output,
        "parallel_tool_calls": true,
        "tool_choice": request.tool_choice.as_deref().unwrap_or("auto"),
        "tools": [],
        "usage": {
            "input_tokens": 0, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 0, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 0,
        },
    })
}

/// The server-sent events of `answer`, each named by its `type` and numbered.
pub(super) fn events(answer: &Answer, request: &AppRequest, number: u32) -> Vec<Event> {
    let mut events = Vec::new();
    let mut emit = |mut value: Value| {
        value["sequence_number"] = events.len().into();
        let name = value["type"].as_str().unwrap_or_default().to_string();
        events.push(Event::named(&name, &value));
    };
    let started = response_with(request, number, "in_progress", Vec::new());
    emit(json!({"type": "response.created", "response": started}));
    emit(json!({"type": "response.in_progress", "response": started}));
    for (index, item) in output_items(answer).into_iter().enumerate() {
        let id = item["id"].clone();
        let mut opened = item.clone();
        opened["status"] = "in_progress".into();
        if item["type"] == "message" {
            opened["content"] = json!([]);
            emit(json!({"type": "response.output_item.added", "output_index": index, "item": opened}));
            let empty = json!({"type": "output_text", "text": "", "annotations": []});
            emit(
                json!({"type": "response.content_part.added", "item_id": id, "output_index": index, "content_index": 0, "part": empty}),
            );
            let text = item["content"][0]["text"].as_str().unwrap_or_default();
            for piece in pieces(text) {
                emit(
                    json!({"type": "response.output_text.delta", "item_id": id, "output_index": index, "content_index": 0, "delta": piece}),
                );
            }
            emit(
                json!({"type": "response.output_text.done", "item_id": id, "output_index": index, "content_index": 0, "text": text}),
            );
            emit(
                json!({"type": "response.content_part.done", "item_id": id, "output_index": index, "content_index": 0, "part": item["content"][0]}),
            );
        } else {
            opened["arguments"] = "".into();
            emit(json!({"type": "response.output_item.added", "output_index": index, "item": opened}));
            let arguments = item["arguments"].as_str().unwrap_or_default();
            for piece in halves(arguments) {
                emit(
                    json!({"type": "response.function_call_arguments.delta", "item_id": id, "output_index": index, "delta": piece}),
                );
            }
            emit(
                json!({"type": "response.function_call_arguments.done", "item_id": id, "output_index": index, "arguments": arguments}),
            );
        }
        emit(json!({"type": "response.output_item.done", "output_index": index, "item": item}));
    }
    emit(json!({"type": "response.completed", "response": response(answer, request, number)}));
    events
}

/// The body of `answer` to `request`, the `number`-th request answered, in the request's API.
pub fn render(answer: &Answer, request: &AppRequest, number: u32) -> Body {
    match (request.api, request.stream) {
        (Api::ChatCompletions, false) => answer.chat_completion(request, number),
        (Api::ChatCompletions, true) => Body::events(answer.chat_chunks(request, number)),
        (Api::Responses, false) => Body::json(&response(answer, request, number)),
        (Api::Responses, true) => Body::events(events(answer, request, number)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::request::Api;

    #[test]
    fn streamed_events_end_with_the_whole_response() {
        let request = AppRequest::parse(Api::Responses, br#"{"model": "m", "input": "hi", "stream": true}"#).unwrap();
        let answer = Answer {
            text: Some("On it.".into()),
            calls: vec![crate::serve::answer::AnswerCall {
                id: "call_0002".into(),
                name: "f".into(),
                arguments: r#"{"a":"1"}"#.into(),
            }],
            text_in_call_chunk: false,
            call: 0,
        };
        let events = events(&answer, &request, 5);
        let values: Vec<Value> = events
            .iter()
            .map(|e| {
                let text = std::str::from_utf8(&e.0).unwrap();
                serde_json::from_str(text.lines().nth(1).unwrap().strip_prefix("data: ").unwrap()).unwrap()
            })
            .collect();
        assert_eq!(values.first().unwrap()["type"], "response.created");
        let last = values.last().unwrap();
        assert_eq!(last["type"], "response.completed");
        assert_eq!(last["sequence_number"], values.len() - 1);
        assert_eq!(last["response"]["output"][1]["call_id"], "call_0002");
        let arguments: String = values
            .iter()
            .filter(|v| v["type"] == "response.function_call_arguments.delta")
            .map(|v| v["delta"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(arguments, r#"{"a":"1"}"#);
    }
}
