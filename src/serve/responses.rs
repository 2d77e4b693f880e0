//! The Responses API (`POST /v1/responses`, the OpenAI Agents SDK's default): its input items
//! read as Chat Completions messages, and an [`Answer`] written as a response object or as
//! its named server-sent events (`response.created` ... `response.completed`).
//!
//! An assistant text item followed by function-call items is one assistant message with text
//! and calls, as a Chat Completions answer would have been: the two APIs compare equal.

use serde_json::{Map, Value, json};

use super::answer::{Answer, Event, halves, pieces};
use super::request::{AppRequest, RequestError, arguments, content_text, optional_string, split_system};
use crate::wire::chat::{ChatMessage, ChatToolCall, Role};

fn bad(place: impl Into<String>, message: impl Into<String>) -> RequestError {
    RequestError {
        place: place.into(),
        message: message.into(),
    }
}

/// The system message (`instructions`, else a leading system or developer item) and the
/// messages of a Responses API body's `input`.
pub(super) fn input_messages(body: &Map<String, Value>) -> Result<(Option<String>, Vec<ChatMessage>), RequestError> {
    let mut messages = Vec::new();
    match body.get("input") {
        Some(Value::String(text)) => messages.push(message(Role::User, Some(text.clone()))),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                add_item(&mut messages, item, &format!("input[{i}]"))?;
            }
        }
        None => return Err(bad("input", "missing")),
        Some(_) => return Err(bad("input", "not a string or a list of items")),
    }
    match body.get("instructions") {
        Some(Value::String(instructions)) => Ok((Some(instructions.clone()), messages)),
        None | Some(Value::Null) => Ok(split_system(messages)),
        Some(_) => Err(bad("instructions", "not a string")),
    }
}

fn message(role: Role, content: Option<String>) -> ChatMessage {
    ChatMessage {
        role,
        name: None,
        content,
        tool_calls: Vec::new(),
        tool_call_id: None,
    }
}

fn add_item(messages: &mut Vec<ChatMessage>, item: &Value, place: &str) -> Result<(), RequestError> {
    let kind = item.get("type").and_then(Value::as_str).unwrap_or("message");
    match kind {
        "message" => {
            let role = match item.get("role").and_then(Value::as_str) {
                Some("user") => Role::User,
                Some("assistant") => Role::Assistant,
                Some("system" | "developer") => Role::System,
                Some(other) => return Err(bad(format!("{place}.role"), format!("`{other}` is not a role"))),
                None => return Err(bad(format!("{place}.role"), "missing")),
            };
            let content = content_text(item.get("content"), &format!("{place}.content"))?;
            messages.push(message(role, content));
        }
        "function_call" => {
            let call = ChatToolCall {
                id: optional_string(item, "call_id", place)?.unwrap_or_default(),
                name: optional_string(item, "name", place)?.unwrap_or_default(),
                arguments: arguments(item.get("arguments"), &format!("{place}.arguments"))?,
            };
            match messages.last_mut() {
                Some(last) if last.role == Role::Assistant => last.tool_calls.push(call),
                _ => messages.push(ChatMessage {
                    tool_calls: vec![call],
                    ..message(Role::Assistant, None)
                }),
            }
        }
        "function_call_output" => {
            let output = match item.get("output") {
                Some(Value::String(s)) => s.clone(),
                other => content_text(other, &format!("{place}.output"))?.unwrap_or_default(),
            };
            messages.push(ChatMessage {
                tool_call_id: optional_string(item, "call_id", place)?,
                ..message(Role::Tool, Some(output))
            });
        }
        // Reasoning is the model's own; it carries no conversation.
        "reasoning" => {}
        other => {
            return Err(bad(
                format!("{place}.type"),
                format!("`{other}`: handoff serve reads messages, function calls and their outputs"),
            ));
        }
    }
    Ok(())
}

/// The output items of `answer`: a message item for its text, a function-call item per call.
fn output_items(answer: &Answer, number: u32) -> Vec<Value> {
    let mut items = Vec::new();
    if let Some(text) = &answer.text {
        items.push(json!({
            "type": "message", "id": format!("msg_{number:04}"), "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }));
    }
    for (i, call) in answer.calls.iter().enumerate() {
        items.push(json!({
            "type": "function_call", "id": format!("fc_{number:04}_{i}"), "call_id": call.id,
            "name": call.name, "arguments": call.arguments, "status": "completed",
        }));
    }
    items
}

/// The response object of `answer`.
pub(super) fn response(answer: &Answer, request: &AppRequest, number: u32) -> Value {
    response_with(request, number, "completed", output_items(answer, number))
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
    for (index, item) in output_items(answer, number).into_iter().enumerate() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::request::Api;

    #[test]
    fn input_items_become_the_messages_a_chat_request_would_have() {
        let body = br#"{"model": "m", "instructions": "Handle refunds.", "input": [
            {"role": "user", "content": "hi"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Let me see."}]},
            {"type": "function_call", "call_id": "call_0001", "name": "transfer_to_refund", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_0001", "output": "{\"assistant\": \"Refund\"}"}],
            "tools": [{"type": "function", "name": "transfer_to_refund", "description": "d", "parameters": {}, "strict": true}]}"#;
        let request = AppRequest::parse(Api::Responses, body).unwrap();
        assert_eq!(request.system.as_deref(), Some("Handle refunds."));
        assert_eq!(request.messages.len(), 3);
        assert_eq!(request.messages[1].content.as_deref(), Some("Let me see."));
        assert_eq!(request.messages[1].tool_calls[0].id, "call_0001");
        assert_eq!(request.messages[2].tool_call_id.as_deref(), Some("call_0001"));
        assert_eq!(request.tools[0]["function"]["name"], "transfer_to_refund");
        let unknown = br#"{"model": "m", "input": [{"type": "web_search_call"}]}"#;
        let error = AppRequest::parse(Api::Responses, unknown).unwrap_err();
        assert_eq!(error.place, "input[0].type");
    }

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
