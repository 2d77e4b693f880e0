//! What a model call receives, as the framework's model reads it: the Chat Completions
//! messages after the system message (Semantic Kernel, Agent Framework), or the OpenAI
//! Responses API's input items (the OpenAI Agents SDK, whose instructions go apart).
//!
//! A Chat message becomes its Responses items the way the SDK writes a turn's items back as
//! input: a user message is a message item; an assistant message is a message item for its
//! text (none when it has no text), then one `function_call` item per call; a tool message
//! is a `function_call_output` item. Items carry no speaker's name (the Responses API has
//! none), and no ids but the call ids.

use serde_json::{Value, json};

use super::chat::request_body;
use crate::engine::{ModelRequest, Profile};

/// Whether `profile`'s framework reads Responses input items rather than Chat messages.
pub fn reads_items(profile: &Profile) -> bool {
    profile.name == Profile::OPENAI_AGENTS.name
}

/// What `request`'s model reads after its instructions, as [`reads_items`] says its
/// framework sends it: Responses input items, or the Chat Completions messages after the
/// system message, each as its wire JSON (a call's `arguments` a JSON string).
pub fn model_input(request: &ModelRequest<'_>) -> Vec<Value> {
    let body: Value = serde_json::from_str(&request_body("input", request)).expect("the harness writes JSON");
    let Value::Object(mut body) = body else {
        unreachable!("a request body is an object")
    };
    let mut messages = match body.remove("messages") {
        Some(Value::Array(messages)) => messages,
        _ => Vec::new(),
    };
    // The system message: the instructions, which neither shape counts among the input.
    messages.remove(0);
    match reads_items(request.profile()) {
        true => input_items(&messages),
        false => messages,
    }
}

/// Where the new items of `current` start when the model's API keeps the conversation (the
/// OpenAI Agents SDK with `previous_response_id`, `auto_previous_response_id` or a
/// `conversation_id`): the SDK then sends only the items after those of its `previous` call
/// and that call's response (its text and calls), which the server holds already. A
/// `current` that does not go on from `previous` is sent whole.
pub fn new_items_start(previous: &[Value], current: &[Value]) -> usize {
    if previous.is_empty() || !current.starts_with(previous) {
        return 0;
    }
    let output =
        |item: &Value| item["role"] == "assistant" || item["type"] == "function_call" || item["type"] == "reasoning";
    previous.len() + current[previous.len()..].iter().take_while(|item| output(item)).count()
}

/// Chat Completions messages (wire JSON, after the system message) as Responses input items.
pub fn input_items(messages: &[Value]) -> Vec<Value> {
    messages.iter().flat_map(message_items).collect()
}

/// One Chat message's items.
fn message_items(message: &Value) -> Vec<Value> {
    let role = message["role"].as_str().unwrap_or_default();
    let text = match &message["content"] {
        Value::String(text) => Some(text.as_str()),
        _ => None,
    };
    if role == "tool" {
        return vec![json!({
            "type": "function_call_output",
            "call_id": message["tool_call_id"],
            "output": text.unwrap_or_default(),
        })];
    }
    let mut items = Vec::new();
    let calls = message["tool_calls"].as_array().map(Vec::as_slice).unwrap_or_default();
    // A response's reasoning: an item of its own before its text and calls (the SDK keeps
    // the model's `reasoning` output item; its id is the model's, as a message's is).
    if let Some(reasoning) = message["reasoning"].as_str() {
        items.push(json!({
            "type": "reasoning",
            "summary": [{ "type": "summary_text", "text": reasoning }],
        }));
        if text.is_none_or(str::is_empty) && calls.is_empty() {
            return items;
        }
    }
    if text.is_some() || calls.is_empty() {
        let content = match (role, text) {
            // A message of the task without content (the app's own input item) stays so.
            (_, None) if message.get("content").is_some_and(Value::is_null) && calls.is_empty() => Value::Null,
            // The SDK sends a model's earlier output as it came: a list of output parts.
            ("assistant", _) => json!([{ "type": "output_text", "text": text.unwrap_or_default() }]),
            _ => json!(text.unwrap_or_default()),
        };
        items.push(json!({ "type": "message", "role": role, "content": content }));
    }
    for call in calls {
        items.push(json!({
            "type": "function_call",
            "call_id": call["id"],
            "name": call["function"]["name"],
            "arguments": call["function"]["arguments"],
        }));
    }
    items
}

/// The text an item or message holds: a message's content (its parts' texts joined), a
/// function's output, or a reasoning item's summary; `None` for a function call, or a
/// message without text.
pub fn item_text(item: &Value) -> Option<String> {
    if item["type"] == "reasoning" {
        let parts = item["summary"].as_array().map(Vec::as_slice).unwrap_or_default();
        return Some(parts.iter().filter_map(|p| p["text"].as_str()).collect());
    }
    match (&item["content"], &item["output"]) {
        (Value::String(text), _) | (_, Value::String(text)) => Some(text.clone()),
        (Value::Array(parts), _) => Some(parts.iter().filter_map(|p| p["text"].as_str()).collect()),
        _ => None,
    }
}

/// The functions an item or message calls, in order: a `function_call` item's one, an
/// assistant message's `tool_calls`.
pub fn item_calls(item: &Value) -> Vec<&str> {
    if item["type"] == "function_call" {
        return item["name"].as_str().into_iter().collect();
    }
    let calls = item["tool_calls"].as_array().map(Vec::as_slice).unwrap_or_default();
    calls.iter().filter_map(|c| c["function"]["name"].as_str()).collect()
}

/// The arguments of each call an item or message makes, in order, read from the JSON text
/// the wire carries (a text that is no JSON stays a string).
pub fn item_arguments(item: &Value) -> Vec<Value> {
    let read = |arguments: &Value| match arguments {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone())),
        other => other.clone(),
    };
    if item["type"] == "function_call" {
        return vec![read(&item["arguments"])];
    }
    let calls = item["tool_calls"].as_array().map(Vec::as_slice).unwrap_or_default();
    calls.iter().map(|c| read(&c["function"]["arguments"])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assistant_message_with_text_and_calls_becomes_a_message_then_one_item_per_call() {
        let messages = vec![
            json!({"role": "user", "content": "hi"}),
            json!({"role": "assistant", "content": "On it.", "tool_calls": [
                {"id": "call_0001", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                {"id": "call_0002", "type": "function", "function": {"name": "transfer_to_b", "arguments": "{}"}}]}),
            json!({"role": "tool", "content": "done", "tool_call_id": "call_0001"}),
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_0003", "type": "function", "function": {"name": "g", "arguments": "{\"a\":\"1\"}"}}]}),
        ];
        let items = input_items(&messages);
        let types: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "message",
                "message",
                "function_call",
                "function_call",
                "function_call_output",
                "function_call"
            ]
        );
        assert_eq!(item_text(&items[0]).as_deref(), Some("hi"));
        assert_eq!(item_text(&items[1]).as_deref(), Some("On it."));
        assert_eq!(items[1]["role"], "assistant");
        assert_eq!(item_calls(&items[3]), ["transfer_to_b"]);
        assert_eq!(items[4]["call_id"], "call_0001");
        assert_eq!(item_text(&items[4]).as_deref(), Some("done"));
        assert_eq!(items[5]["arguments"], "{\"a\":\"1\"}");
        assert_eq!(item_arguments(&items[5]), [json!({"a": "1"})]);
        assert_eq!(item_arguments(&messages[1]), [json!({}), json!({})]);
        assert_eq!(item_arguments(&items[0]), Vec::<Value>::new());
        assert_eq!(item_text(&items[5]), None);
        assert_eq!(item_calls(&messages[1]), ["f", "transfer_to_b"]);
    }

    #[test]
    fn a_reasoning_goes_before_the_text_and_calls_and_alone_is_one_item() {
        let messages = vec![
            json!({"role": "assistant", "content": null, "reasoning": "Think.", "tool_calls": [
                {"id": "call_0001", "type": "function", "function": {"name": "transfer_to_b", "arguments": "{}"}}]}),
            json!({"role": "assistant", "content": "", "reasoning": "Alone."}),
            json!({"role": "assistant", "content": "Hi.", "reasoning": "Then text."}),
        ];
        let items = input_items(&messages);
        let types: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            ["reasoning", "function_call", "reasoning", "reasoning", "message"]
        );
        assert_eq!(items[0]["summary"], json!([{"type": "summary_text", "text": "Think."}]));
        assert_eq!(item_text(&items[2]).as_deref(), Some("Alone."));
        assert_eq!(item_text(&items[4]).as_deref(), Some("Hi."));
        // Where the server keeps the conversation, a reasoning item is the response's output.
        let (user, next) = (
            json!({"type": "message", "role": "user", "content": "hi"}),
            json!({"type": "message", "role": "user", "content": "more"}),
        );
        let conversation = [user.clone(), items[0].clone(), items[1].clone(), next];
        assert_eq!(new_items_start(&[user], &conversation), 3);
    }
}
