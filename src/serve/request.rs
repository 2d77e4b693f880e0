//! A model request as an application sends it, on either API, brought to one shape: the
//! system message, the messages after it as [`ChatMessage`]s, the functions offered in the
//! Chat Completions shape, and how the answer must come back (streamed, with a usage chunk).
//!
//! An assistant text item of the Responses API followed by function-call items is one
//! assistant message with text and calls, as a Chat Completions answer would have been.
//!
//! Parsing is lenient where the APIs are (content as a string or a list of parts, fields the
//! harness does not read), and exact about what it reads: a wrong type is an error naming
//! its JSON path, which the app sees in its 400 answer.

use serde_json::{Map, Value};

use crate::wire::chat::{ChatMessage, ChatToolCall, Role};
use crate::wire::request_lines;

/// The API a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `POST /v1/chat/completions`.
    ChatCompletions,
    /// `POST /v1/responses`.
    Responses,
}

/// A model request of the application, in the Chat Completions shape whatever its API.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRequest {
    /// The API it came in on (the answer goes back in its format).
    pub api: Api,
    /// The `model` it names.
    pub model: String,
    /// Whether it asks for server-sent events.
    pub stream: bool,
    /// Whether a streamed answer ends with a usage chunk (`stream_options.include_usage`).
    pub include_usage: bool,
    /// The system message (or the Responses API's `instructions`), if any.
    pub system: Option<String>,
    /// The messages after the system message.
    pub messages: Vec<ChatMessage>,
    /// The functions offered, as Chat Completions declares them (`{"type": "function",
    /// "function": {...}}`).
    pub tools: Vec<Value>,
    /// `tool_choice`, where it is a string (`auto`, `none`, `required`).
    pub tool_choice: Option<String>,
}

/// A request body that is not what its API documents: the JSON path and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct RequestError {
    /// Where in the body (`messages[2].content`), or `body`.
    pub place: String,
    /// What is wrong there.
    pub message: String,
}

fn bad(place: impl Into<String>, message: impl Into<String>) -> RequestError {
    RequestError {
        place: place.into(),
        message: message.into(),
    }
}

impl AppRequest {
    /// Reads a request body of `api`.
    pub fn parse(api: Api, body: &[u8]) -> Result<AppRequest, RequestError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| bad("body", format!("not JSON: {e}")))?;
        let Value::Object(body) = value else {
            return Err(bad("body", "not a JSON object"));
        };
        let model = match body.get("model") {
            Some(Value::String(model)) => model.clone(),
            None => return Err(bad("model", "missing")),
            Some(_) => return Err(bad("model", "not a string")),
        };
        let stream = flag(&body, "stream")?;
        let include_usage = match body.get("stream_options") {
            None | Some(Value::Null) => false,
            Some(Value::Object(options)) => flag(options, "include_usage")?,
            Some(_) => return Err(bad("stream_options", "not an object")),
        };
        let tool_choice = body.get("tool_choice").and_then(Value::as_str).map(String::from);
        let tools = match body.get("tools") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(tools)) => tools
                .iter()
                .enumerate()
                .map(|(i, tool)| chat_tool(tool, &format!("tools[{i}]")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(bad("tools", "not a list")),
        };
        let (system, messages) = match api {
            Api::ChatCompletions => chat_messages(&body)?,
            Api::Responses => input_messages(&body)?,
        };
        Ok(AppRequest {
            api,
            model,
            stream,
            include_usage,
            system,
            messages,
            tools,
            tool_choice,
        })
    }

    /// The names of the functions offered, in order.
    pub fn offered(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().filter_map(|t| t["function"]["name"].as_str())
    }

    /// Whether `other` asks the same: the same system message, messages and functions (its
    /// API, model and streaming aside).
    pub fn same_content(&self, other: &AppRequest) -> bool {
        self.system == other.system && self.messages == other.messages && self.tools == other.tools
    }

    /// The request as lines for a diff, as `handoff replay` shows a recorded request.
    pub fn lines(&self) -> Vec<String> {
        request_lines(self.system.as_deref().unwrap_or(""), &self.tools, &self.messages)
    }
}

fn flag(object: &Map<String, Value>, key: &str) -> Result<bool, RequestError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(bad(key, "not true or false")),
    }
}

/// A function declaration of the harness, in the shape requests are read into.
pub(super) fn wire_tool(declared: &Value) -> Value {
    chat_tool(declared, "tools").unwrap_or_else(|_| declared.clone())
}

/// A tool of either API's shape, as Chat Completions declares it.
fn chat_tool(tool: &Value, place: &str) -> Result<Value, RequestError> {
    let function = match tool.get("function") {
        Some(function @ Value::Object(_)) => function,
        Some(_) => return Err(bad(format!("{place}.function"), "not an object")),
        // The Responses API declares the function's fields beside `type`.
        None => tool,
    };
    if !function.get("name").is_some_and(Value::is_string) {
        return Err(bad(place, "a function without a string `name`"));
    }
    let mut declared = Map::new();
    for key in ["name", "description", "parameters"] {
        if let Some(value) = function.get(key) {
            declared.insert(key.into(), value.clone());
        }
    }
    let mut chat = Map::new();
    chat.insert("type".into(), "function".into());
    chat.insert("function".into(), Value::Object(declared));
    Ok(Value::Object(chat))
}

/// The system message and the rest of a Chat Completions `messages` list.
fn chat_messages(body: &Map<String, Value>) -> Result<(Option<String>, Vec<ChatMessage>), RequestError> {
    let Some(Value::Array(list)) = body.get("messages") else {
        return Err(bad("messages", "missing, or not a list"));
    };
    let mut messages = Vec::with_capacity(list.len());
    for (i, message) in list.iter().enumerate() {
        messages.push(chat_message(message, &format!("messages[{i}]"))?);
    }
    Ok(split_system(messages))
}

/// Takes a leading system message off `messages`.
fn split_system(mut messages: Vec<ChatMessage>) -> (Option<String>, Vec<ChatMessage>) {
    if messages.first().is_some_and(|m| m.role == Role::System) {
        let system = messages.remove(0);
        return (Some(system.content.unwrap_or_default()), messages);
    }
    (None, messages)
}

/// One Chat Completions message.
fn chat_message(message: &Value, place: &str) -> Result<ChatMessage, RequestError> {
    let role = match message.get("role").and_then(Value::as_str) {
        Some("system" | "developer") => Role::System,
        Some("user") => Role::User,
        Some("assistant") => Role::Assistant,
        Some("tool") => Role::Tool,
        Some(other) => return Err(bad(format!("{place}.role"), format!("`{other}` is not a role"))),
        None => return Err(bad(format!("{place}.role"), "missing")),
    };
    let name = optional_string(message, "name", place)?;
    let content = content_text(message.get("content"), &format!("{place}.content"))?;
    let mut tool_calls = Vec::new();
    match message.get("tool_calls") {
        None | Some(Value::Null) => {}
        Some(Value::Array(calls)) => {
            for (i, call) in calls.iter().enumerate() {
                let place = format!("{place}.tool_calls[{i}]");
                let function = call.get("function").unwrap_or(&Value::Null);
                tool_calls.push(ChatToolCall {
                    id: optional_string(call, "id", &place)?.unwrap_or_default(),
                    name: optional_string(function, "name", &format!("{place}.function"))?.unwrap_or_default(),
                    arguments: arguments(function.get("arguments"), &format!("{place}.function.arguments"))?,
                });
            }
        }
        Some(_) => return Err(bad(format!("{place}.tool_calls"), "not a list")),
    }
    Ok(ChatMessage {
        role,
        name,
        content,
        tool_calls,
        tool_call_id: optional_string(message, "tool_call_id", place)?,
    })
}

fn optional_string(object: &Value, key: &str, place: &str) -> Result<Option<String>, RequestError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("{place}.{key}"), "not a string")),
    }
}

/// A content: a string, `null`, or a list of parts whose texts are joined.
fn content_text(content: Option<&Value>, place: &str) -> Result<Option<String>, RequestError> {
    match content {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Array(parts)) => {
            let mut text = String::new();
            for (i, part) in parts.iter().enumerate() {
                match part.get("text") {
                    Some(Value::String(s)) => text.push_str(s),
                    None | Some(Value::Null) => {}
                    Some(_) => return Err(bad(format!("{place}[{i}].text"), "not a string")),
                }
            }
            Ok(Some(text))
        }
        Some(_) => Err(bad(place, "not a string or a list of parts")),
    }
}

/// A call's arguments: the JSON string the wire carries, read as its object.
fn arguments(arguments: Option<&Value>, place: &str) -> Result<Map<String, Value>, RequestError> {
    match arguments {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Map::new()),
        Some(Value::String(s)) => match serde_json::from_str(s) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(bad(place, format!("not a JSON object: {s}"))),
        },
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(bad(place, "not a JSON string")),
    }
}

// The Responses API: its input items read as Chat Completions messages. An assistant text
// item followed by function-call items is one assistant message with text and calls, as a
// Chat Completions answer would have been, so the two APIs compare equal.

/// The system message (`instructions`, else a leading system or developer item) and the
/// messages of a Responses API body's `input`.
fn input_messages(body: &Map<String, Value>) -> Result<(Option<String>, Vec<ChatMessage>), RequestError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_semantic_kernel_request_is_read_whole() {
        let body = br#"{"model": "stub", "stream": true, "stream_options": {"include_usage": true},
            "tool_choice": "auto",
            "messages": [{"role": "system", "content": "Handle refunds.", "name": "RefundAgent"},
                {"role": "user", "content": "A customer is on the line."},
                {"role": "assistant", "content": null, "name": "TriageAgent", "tool_calls": [
                    {"id": "call_0001", "type": "function", "function": {"name": "Handoff-transfer_to_RefundAgent", "arguments": "{}"}}]},
                {"role": "tool", "content": "", "tool_call_id": "call_0001"}],
            "tools": [{"type": "function", "function": {"name": "Handoff-complete_task", "description": "d",
                "parameters": {"type": "object", "properties": {"task_summary": {"type": "string"}}}}}]}"#;
        let request = AppRequest::parse(Api::ChatCompletions, body).unwrap();
        assert!(request.stream && request.include_usage);
        assert_eq!(request.system.as_deref(), Some("Handle refunds."));
        assert_eq!(request.messages.len(), 3);
        assert_eq!(
            request.messages[1].tool_calls[0].name,
            "Handoff-transfer_to_RefundAgent"
        );
        assert_eq!(request.offered().collect::<Vec<_>>(), ["Handoff-complete_task"]);
        assert_eq!(request.tool_choice.as_deref(), Some("auto"));
    }

    #[test]
    fn a_bad_body_names_the_place() {
        for (body, says) in [
            (&b"{"[..], "body: not JSON"),
            (br#"{"messages": []}"#, "model: missing"),
            (br#"{"model": "m"}"#, "messages: missing"),
            (br#"{"model": "m", "messages": [{"role": "robot"}]}"#, "messages[0].role: `robot` is not a role"),
            (
                br#"{"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{x"}}]}]}"#,
                "messages[0].tool_calls[0].function.arguments: not a JSON object",
            ),
            (br#"{"model": "m", "messages": [], "tools": [{"type": "function"}]}"#, "tools[0]: a function without"),
            (br#"{"model": "m", "messages": [], "stream": "yes"}"#, "stream: not true or false"),
        ] {
            let error = AppRequest::parse(Api::ChatCompletions, body).unwrap_err().to_string();
            assert!(error.starts_with(says), "{error}");
        }
    }

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
}
