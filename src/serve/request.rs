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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::value::RawValue;
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
    /// The system message's `name` (Semantic Kernel's: the calling agent's).
    pub system_name: Option<String>,
    /// The messages after the system message.
    pub messages: Vec<ChatMessage>,
    /// The functions offered, as Chat Completions declares them (`{"type": "function",
    /// "function": {...}}`); shared between requests that declare them alike.
    pub tools: Arc<[Value]>,
    /// `tool_choice`, where it is a string (`auto`, `none`, `required`).
    pub tool_choice: Option<String>,
    /// The Responses API's `previous_response_id`: the response this request goes on from
    /// (its messages are only the new ones until serve puts the thread before them).
    pub previous_response_id: Option<String>,
    /// Whether the answer is kept to be gone on from (the Responses API's `store`, true
    /// unless `false`).
    pub store: bool,
    /// The JSON schema the answer must follow (an Agents SDK agent's `output_type`): Chat
    /// Completions' `response_format.json_schema`, the Responses API's `text.format` without
    /// its `type` (`{"name", "schema", "strict"}`); `None` for text.
    pub output_type: Option<Box<Value>>,
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

/// Reads request bodies, keeping the functions of the last few distinct declarations: an app
/// sends its agents' same few tool lists again and again, and reading them is most of the
/// work of reading a request.
#[derive(Debug, Default)]
pub struct Reader {
    tools: Mutex<Kept>,
}

/// The tool lists a [`Reader`] keeps, by their text, and the bytes of those texts.
#[derive(Debug, Default)]
struct Kept {
    lists: HashMap<Box<str>, Arc<[Value]>>,
    bytes: usize,
}

/// How many distinct tool lists a [`Reader`] keeps (then it starts again).
const KEPT_TOOL_LISTS: usize = 64;

/// How many bytes of tool-list text a [`Reader`] keeps in all (then it starts again); a
/// longer list is read every time, never kept.
const KEPT_BYTES: usize = 8 << 20;

/// A body with its `tools` left as text, for the [`Reader`]'s cache.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    tools: Option<Box<RawValue>>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl Reader {
    /// Reads a request body of `api`.
    pub fn read(&self, api: Api, body: &[u8]) -> Result<AppRequest, RequestError> {
        let Ok(Envelope { tools, rest }) = serde_json::from_slice::<Envelope>(body) else {
            // Not an object, not JSON, or `tools` not JSON: the full reading says where.
            return AppRequest::parse(api, body);
        };
        let tools = match tools {
            None => Arc::from(Vec::new()),
            Some(raw) if raw.get() == "null" => Arc::from(Vec::new()),
            Some(raw) => {
                let mut kept = self.tools.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match kept.lists.get(raw.get()) {
                    Some(tools) => tools.clone(),
                    None => {
                        let value: Value = serde_json::from_str(raw.get()).map_err(|e| bad("tools", e.to_string()))?;
                        let tools = read_tools(Some(value))?;
                        let size = raw.get().len();
                        if size <= KEPT_BYTES {
                            if kept.lists.len() >= KEPT_TOOL_LISTS || kept.bytes + size > KEPT_BYTES {
                                *kept = Kept::default();
                            }
                            kept.lists.insert(raw.get().into(), tools.clone());
                            kept.bytes += size;
                        }
                        tools
                    }
                }
            }
        };
        AppRequest::from_object(api, rest, tools)
    }
}

impl AppRequest {
    /// Reads a request body of `api`.
    pub fn parse(api: Api, body: &[u8]) -> Result<AppRequest, RequestError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| bad("body", format!("not JSON: {e}")))?;
        let Value::Object(mut body) = value else {
            return Err(bad("body", "not a JSON object"));
        };
        let tools = read_tools(body.remove("tools"))?;
        AppRequest::from_object(api, body, tools)
    }

    fn from_object(api: Api, mut body: Map<String, Value>, tools: Arc<[Value]>) -> Result<AppRequest, RequestError> {
        let model = match body.get_mut("model").map(Value::take) {
            Some(Value::String(model)) => model,
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
        let previous_response_id = match (api, body.get_mut("previous_response_id").map(Value::take)) {
            (Api::Responses, Some(Value::String(id))) => Some(id),
            (_, None | Some(Value::Null)) | (Api::ChatCompletions, _) => None,
            (Api::Responses, Some(_)) => return Err(bad("previous_response_id", "not a string")),
        };
        // The Conversations API (the Agents SDK's `conversation_id`) keeps a conversation serve
        // does not hold: refused, rather than read as a conversation that starts anew.
        if api == Api::Responses && body.get("conversation").is_some_and(|c| !c.is_null()) {
            return Err(bad(
                "conversation",
                "serve does not keep conversations (the Conversations API; the Agents SDK's `conversation_id`): go on with `previous_response_id` (`auto_previous_response_id=True`), or send the whole input",
            ));
        }
        let store = !matches!(body.get("store"), Some(Value::Bool(false)));
        let output_type = output_type(api, &mut body);
        let (system, system_name, messages) = match api {
            Api::ChatCompletions => chat_messages(&mut body)?,
            Api::Responses => input_messages(&mut body)?,
        };
        Ok(AppRequest {
            api,
            model,
            stream,
            include_usage,
            system,
            system_name,
            messages,
            tools,
            tool_choice,
            previous_response_id,
            store,
            output_type,
        })
    }

    /// The names of the functions offered, in order.
    pub fn offered(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().filter_map(|t| t["function"]["name"].as_str())
    }

    /// Whether `other` asks the same: the same system message, messages and functions (its
    /// API, model and streaming aside).
    pub fn same_content(&self, other: &AppRequest) -> bool {
        self.system == other.system
            && self.messages == other.messages
            && self.tools == other.tools
            && self.output_type == other.output_type
    }

    /// The request as lines for a diff, as `handoff replay` shows a recorded request (and a
    /// last line for its output type, if any).
    pub fn lines(&self) -> Vec<String> {
        let mut lines = request_lines(self.system.as_deref().unwrap_or(""), &self.tools, &self.messages);
        lines.extend(self.output_type.as_deref().map(output_type_line));
        lines
    }
}

/// The line a request's output type shows as in a diff.
pub(super) fn output_type_line(output_type: &Value) -> String {
    format!("output_type: {output_type}")
}

/// The JSON schema a request's answer must follow, as [`AppRequest::output_type`] holds it:
/// read leniently (a `response_format` or `text` that asks for no schema is text).
fn output_type(api: Api, body: &mut Map<String, Value>) -> Option<Box<Value>> {
    let format = match api {
        Api::ChatCompletions => body.get_mut("response_format")?.take(),
        Api::Responses => body.get_mut("text")?.get_mut("format")?.take(),
    };
    if format.get("type")?.as_str()? != "json_schema" {
        return None;
    }
    let mut declared = match api {
        Api::ChatCompletions => format.get("json_schema")?.clone(),
        Api::Responses => format,
    };
    let object = declared.as_object_mut()?;
    object.remove("type");
    object.remove("description");
    Some(Box::new(declared))
}

/// The `tools` of a body, each as Chat Completions declares it.
fn read_tools(tools: Option<Value>) -> Result<Arc<[Value]>, RequestError> {
    match tools {
        None | Some(Value::Null) => Ok(Arc::from(Vec::new())),
        Some(Value::Array(tools)) => tools
            .into_iter()
            .enumerate()
            .map(|(i, tool)| chat_tool(tool, || format!("tools[{i}]")))
            .collect(),
        Some(_) => Err(bad("tools", "not a list")),
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
    chat_tool(declared.clone(), || "tools".into()).unwrap_or_else(|_| declared.clone())
}

/// A tool of either API's shape, as Chat Completions declares it: a Chat Completions tool as
/// it is, a Responses API tool (its function's fields beside `type`) moved under `function`.
fn chat_tool(mut tool: Value, place: impl Fn() -> String) -> Result<Value, RequestError> {
    let named = |function: &Value| function.get("name").is_some_and(Value::is_string);
    match tool.get("function") {
        Some(function @ Value::Object(_)) if named(function) => return Ok(tool),
        Some(Value::Object(_)) => return Err(bad(place(), "a function without a string `name`")),
        Some(_) => return Err(bad(format!("{}.function", place()), "not an object")),
        None if !named(&tool) => return Err(bad(place(), "a function without a string `name`")),
        None => {}
    }
    let mut declared = Map::new();
    for key in ["name", "description", "parameters"] {
        if let Some(value) = tool.get_mut(key) {
            declared.insert(key.into(), value.take());
        }
    }
    let mut chat = Map::new();
    chat.insert("type".into(), "function".into());
    chat.insert("function".into(), Value::Object(declared));
    Ok(Value::Object(chat))
}

/// The system message and the rest of a Chat Completions `messages` list.
fn chat_messages(body: &mut Map<String, Value>) -> Result<Split, RequestError> {
    let Some(Value::Array(list)) = body.get_mut("messages").map(Value::take) else {
        return Err(bad("messages", "missing, or not a list"));
    };
    let mut messages = Vec::with_capacity(list.len());
    for (i, message) in list.into_iter().enumerate() {
        messages.push(chat_message(message, &|| format!("messages[{i}]"))?);
    }
    Ok(split_system(messages))
}

/// The system message, its name, and the other messages.
type Split = (Option<String>, Option<String>, Vec<ChatMessage>);

/// Takes a leading system message off `messages`.
fn split_system(mut messages: Vec<ChatMessage>) -> Split {
    if messages
        .first()
        .is_some_and(|m| matches!(m.role, Role::System | Role::Developer))
    {
        let system = messages.remove(0);
        return (Some(system.content.unwrap_or_default()), system.name, messages);
    }
    (None, None, messages)
}

/// Where in the body, made only for an error.
type Place<'a> = &'a dyn Fn() -> String;

/// One Chat Completions message.
fn chat_message(mut message: Value, place: Place<'_>) -> Result<ChatMessage, RequestError> {
    let role = role(
        &message,
        &[Role::System, Role::User, Role::Assistant, Role::Tool],
        place,
    )?;
    let name = optional_string(&mut message, "name", place)?;
    let content = content_text(message.get_mut("content").map(Value::take), &|| {
        format!("{}.content", place())
    })?;
    let mut tool_calls = Vec::new();
    match message.get_mut("tool_calls").map(Value::take) {
        None | Some(Value::Null) => {}
        Some(Value::Array(calls)) => {
            for (i, mut call) in calls.into_iter().enumerate() {
                let place = || format!("{}.tool_calls[{i}]", place());
                let mut function = call.get_mut("function").map(Value::take).unwrap_or(Value::Null);
                tool_calls.push(ChatToolCall {
                    id: optional_string(&mut call, "id", &place)?.unwrap_or_default(),
                    name: optional_string(&mut function, "name", &|| format!("{}.function", place()))?
                        .unwrap_or_default(),
                    arguments: arguments(function.get_mut("arguments").map(Value::take), &|| {
                        format!("{}.function.arguments", place())
                    })?,
                });
            }
        }
        Some(_) => return Err(bad(format!("{}.tool_calls", place()), "not a list")),
    }
    Ok(ChatMessage {
        role,
        name,
        content,
        tool_calls,
        tool_call_id: optional_string(&mut message, "tool_call_id", place)?,
        reasoning: None,
    })
}

/// The `role` of a message, one of `allowed` (`developer` wherever `system` is).
fn role(message: &Value, allowed: &[Role], place: Place<'_>) -> Result<Role, RequestError> {
    let role = match message.get("role").and_then(Value::as_str) {
        Some("system") => Role::System,
        Some("developer") => Role::Developer,
        Some("user") => Role::User,
        Some("assistant") => Role::Assistant,
        Some("tool") => Role::Tool,
        Some(other) => return Err(bad(format!("{}.role", place()), format!("`{other}` is not a role"))),
        None => return Err(bad(format!("{}.role", place()), "missing")),
    };
    let developer = role == Role::Developer && allowed.contains(&Role::System);
    if !allowed.contains(&role) && !developer {
        return Err(bad(
            format!("{}.role", place()),
            format!("`{}` is not a role here", role.as_str()),
        ));
    }
    Ok(role)
}

fn optional_string(object: &mut Value, key: &str, place: Place<'_>) -> Result<Option<String>, RequestError> {
    match object.get_mut(key).map(Value::take) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{}.{key}", place()), "not a string")),
    }
}

/// A content: a string, `null`, or a list of parts whose texts are joined.
fn content_text(content: Option<Value>, place: Place<'_>) -> Result<Option<String>, RequestError> {
    match content {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Array(parts)) => {
            let mut text = String::new();
            for (i, part) in parts.iter().enumerate() {
                match part.get("text") {
                    Some(Value::String(s)) => text.push_str(s),
                    None | Some(Value::Null) => {}
                    Some(_) => return Err(bad(format!("{}[{i}].text", place()), "not a string")),
                }
            }
            Ok(Some(text))
        }
        Some(_) => Err(bad(place(), "not a string or a list of parts")),
    }
}

/// A call's arguments: the JSON string the wire carries, read as its object.
fn arguments(arguments: Option<Value>, place: Place<'_>) -> Result<Map<String, Value>, RequestError> {
    match arguments {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Map::new()),
        Some(Value::String(s)) => match serde_json::from_str(&s) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(bad(place(), format!("not a JSON object: {s}"))),
        },
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(bad(place(), "not a JSON string")),
    }
}

/// The messages of a response's `output` items, as the next request's input would carry them.
pub(super) fn output_messages(items: Vec<Value>) -> Result<Vec<ChatMessage>, RequestError> {
    let (mut messages, mut open) = (Vec::new(), false);
    for (i, item) in items.into_iter().enumerate() {
        add_item(&mut messages, &mut open, item, &|| format!("output[{i}]"))?;
    }
    Ok(messages)
}

// The Responses API: its input items read as Chat Completions messages. An assistant text
// item followed by function-call items is one assistant message with text and calls, as a
// Chat Completions answer would have been, so the two APIs compare equal. As in the OpenAI
// Agents SDK's converter (`chatcmpl_converter.py`), an "easy" message (`role` and a text
// `content`, nothing else: what an app or the SDK's nested handoff history writes) stands
// alone, and a tool output closes the message.

/// The system message (`instructions`, else a leading system or developer item) and the
/// messages of a Responses API body's `input`.
fn input_messages(body: &mut Map<String, Value>) -> Result<Split, RequestError> {
    let mut messages = Vec::new();
    match body.get_mut("input").map(Value::take) {
        Some(Value::String(text)) => messages.push(message(Role::User, Some(text))),
        Some(Value::Array(items)) => {
            let mut open = false;
            for (i, item) in items.into_iter().enumerate() {
                add_item(&mut messages, &mut open, item, &|| format!("input[{i}]"))?;
            }
        }
        None => return Err(bad("input", "missing")),
        Some(_) => return Err(bad("input", "not a string or a list of items")),
    }
    match body.get_mut("instructions").map(Value::take) {
        Some(Value::String(instructions)) => Ok((Some(instructions), None, messages)),
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
        reasoning: None,
    }
}

/// Adds `item` to `messages`; `open`: whether the last message takes the calls after it.
fn add_item(
    messages: &mut Vec<ChatMessage>,
    open: &mut bool,
    mut item: Value,
    place: Place<'_>,
) -> Result<(), RequestError> {
    let kind = item.get("type").and_then(Value::as_str).unwrap_or("message");
    match kind {
        "message" => {
            // A tool's output is a `function_call_output` item, not a message.
            let role = role(&item, &[Role::System, Role::User, Role::Assistant], place)?;
            let easy = item.get("content").is_some_and(Value::is_string)
                && item.as_object().is_some_and(|fields| {
                    fields
                        .keys()
                        .all(|k| matches!(k.as_str(), "content" | "role" | "type" | "phase"))
                });
            *open = role == Role::Assistant && !easy;
            let content = content_text(item.get_mut("content").map(Value::take), &|| {
                format!("{}.content", place())
            })?;
            messages.push(message(role, content));
        }
        "function_call" => {
            let call = ChatToolCall {
                id: optional_string(&mut item, "call_id", place)?.unwrap_or_default(),
                name: optional_string(&mut item, "name", place)?.unwrap_or_default(),
                arguments: arguments(item.get_mut("arguments").map(Value::take), &|| {
                    format!("{}.arguments", place())
                })?,
            };
            match messages.last_mut() {
                Some(last) if *open && last.role == Role::Assistant => last.tool_calls.push(call),
                _ => messages.push(ChatMessage {
                    tool_calls: vec![call],
                    ..message(Role::Assistant, None)
                }),
            }
            *open = true;
        }
        "function_call_output" => {
            let output = match item.get_mut("output").map(Value::take) {
                Some(Value::String(s)) => s,
                other => content_text(other, &|| format!("{}.output", place()))?.unwrap_or_default(),
            };
            messages.push(ChatMessage {
                tool_call_id: optional_string(&mut item, "call_id", place)?,
                ..message(Role::Tool, Some(output))
            });
            *open = false;
        }
        // Reasoning is the model's own; it carries no conversation.
        "reasoning" => {}
        other => {
            return Err(bad(
                format!("{}.type", place()),
                format!("`{other}`: handoff serve reads messages, function calls and their outputs"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
