//! The OpenAI Chat Completions wire format, as `handoff record` sends it and recordings store
//! it: an agent's request is its system message (the instructions), its thread as
//! [`ChatMessage`]s, and its functions as `tools`; a response is `choices[0].message`.
//!
//! Assistant messages carry the speaking agent's `name`; a function is named as offered
//! (`Handoff-transfer_to_RefundAgent`); a handoff function's result (Semantic Kernel's `None`)
//! is the empty string.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::design::{AgentId, Design, ResultPattern};
use crate::engine::{Call, ModelRequest, Response};
use crate::engine::{CallId, InputRole, Message, ToolCall, ToolOutput, arguments_text};

/// One message of a Chat Completions request (after the system message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatMessage {
    /// `user`, `assistant` or `tool` (and `system` in logs).
    pub role: Role,
    /// The agent that spoke (assistant messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The text; `null` for an assistant message that only calls functions.
    #[serde(default, deserialize_with = "content_text")]
    #[schemars(with = "Option<String>")]
    pub content: Option<String>,
    /// The functions an assistant message calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ChatToolCall>,
    /// The call a tool message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// The reasoning summary an assistant message carries before its text and calls (the
    /// OpenAI Agents SDK's `reasoning` item, which its Responses input keeps as an item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
}

/// Who speaks a [`ChatMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Instructions.
    System,
    /// The task or the human.
    User,
    /// A model.
    Assistant,
    /// A function's result.
    Tool,
    /// Instructions of the developer (a message of a task given as several).
    Developer,
}

impl Role {
    /// The role as the wire writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Developer => "developer",
        }
    }
}

/// A function call in an assistant message. On the wire `arguments` is a JSON string; here it
/// is the object, so that recordings are readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatToolCall {
    /// The id the run gave the call (`call_0001`).
    pub id: String,
    /// The function name as offered.
    pub name: String,
    /// The arguments object.
    pub arguments: Map<String, Value>,
}

/// Logs write `content` as a string, `null`, or a list of `{"type": "text", "text": ...}` parts.
fn content_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Content {
        Text(String),
        Parts(Vec<Part>),
    }
    #[derive(Deserialize)]
    struct Part {
        #[serde(default)]
        text: String,
    }
    Ok(
        Option::<Content>::deserialize(deserializer)?.map(|content| match content {
            Content::Text(text) => text,
            Content::Parts(parts) => parts.into_iter().map(|p| p.text).collect(),
        }),
    )
}

impl ChatMessage {
    /// A thread message as the agent's model reads it.
    pub fn from_thread(request: &ModelRequest<'_>, message: Message<'_>) -> ChatMessage {
        MessageParts::of(request, message).to_owned()
    }

    /// The canonical bytes a fingerprint hashes: compact JSON in a fixed key order, with
    /// `arguments` as the JSON string the wire carries.
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        MessageParts {
            role: self.role,
            name: self.name.as_deref(),
            content: self.content.as_deref(),
            calls: Calls::Recorded(&self.tool_calls),
            call_id: self.tool_call_id.as_deref().map(Id::Recorded),
            matches: None,
            reasoning: self.reasoning.as_deref(),
        }
        .write_canonical(out);
    }
}

/// A call id: the run's, or as recorded.
#[derive(Clone, Copy)]
enum Id<'a> {
    Run(CallId),
    Recorded(&'a str),
}

impl Id<'_> {
    fn write(self, out: &mut Vec<u8>) {
        match self {
            Id::Run(id) => {
                out.extend_from_slice(b"\"call_");
                let (digits, at) = run_id_digits(id);
                out.extend_from_slice(&digits[at..]);
                out.push(b'"');
            }
            Id::Recorded(id) => string(out, id),
        }
    }

    /// Whether this is the id written `text`.
    fn is(self, text: &str) -> bool {
        match self {
            Id::Run(id) => {
                let (digits, at) = run_id_digits(id);
                text.strip_prefix("call_")
                    .is_some_and(|d| d.as_bytes() == &digits[at..])
            }
            Id::Recorded(id) => id == text,
        }
    }
}

/// The digits of `call_0001` (at least four, as `CallId` displays them) without `fmt`: this is
/// on the replay's hot path. The digits are `digits[at..]`.
fn run_id_digits(CallId(n): CallId) -> ([u8; 10], usize) {
    let mut digits = [b'0'; 10];
    let (mut rest, mut at) = (n, digits.len());
    while rest > 0 || at > digits.len() - 4 {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    (digits, at)
}

/// The function calls of an assistant message: from the run's log (named as offered to the
/// agent), or as recorded.
#[derive(Clone, Copy)]
enum Calls<'a> {
    Run {
        calls: &'a [ToolCall],
        author: AgentId,
        design: &'a Design,
    },
    Recorded(&'a [ChatToolCall]),
}

impl<'a> Calls<'a> {
    fn len(self) -> usize {
        match self {
            Calls::Run { calls, .. } => calls.len(),
            Calls::Recorded(calls) => calls.len(),
        }
    }

    /// The id, name and arguments of call `i`.
    fn get(self, i: usize) -> (Id<'a>, &'a str, &'a Map<String, Value>) {
        match self {
            Calls::Run { calls, author, design } => {
                let call = &calls[i];
                (
                    Id::Run(call.id),
                    design.offered_name(author, &call.name),
                    &call.arguments,
                )
            }
            Calls::Recorded(calls) => (Id::Recorded(&calls[i].id), &calls[i].name, &calls[i].arguments),
        }
    }
}

/// A message's parts, borrowed from the run's log (so that hashing a thread message allocates
/// nothing but the text of non-empty arguments) or from a recorded [`ChatMessage`].
pub(crate) struct MessageParts<'a> {
    role: Role,
    name: Option<&'a str>,
    content: Option<&'a str>,
    calls: Calls<'a>,
    call_id: Option<Id<'a>>,
    /// A tool result the app's own tool computes: what the content must match instead.
    matches: Option<&'a ResultPattern>,
    /// The reasoning summary of an assistant message.
    reasoning: Option<&'a str>,
}

impl<'a> MessageParts<'a> {
    /// The parts of a thread message of `request`'s agent.
    pub(crate) fn of(request: &ModelRequest<'a>, message: Message<'a>) -> MessageParts<'a> {
        let design = request.design();
        let wire = request.profile().wire;
        let no_calls = Calls::Recorded(&[]);
        match message {
            Message::User { text } => MessageParts {
                role: Role::User,
                name: None,
                content: Some(text),
                calls: no_calls,
                call_id: None,
                matches: None,
                reasoning: None,
            },
            Message::Input { role, content, name } => MessageParts {
                role: match role {
                    InputRole::User => Role::User,
                    InputRole::Assistant => Role::Assistant,
                    InputRole::System => Role::System,
                    InputRole::Developer => Role::Developer,
                },
                // The Responses API's items carry no speaker's name (a summary quotes it).
                name: name.filter(|_| request.profile().name != crate::engine::Profile::OPENAI_AGENTS.name),
                content,
                calls: no_calls,
                call_id: None,
                matches: None,
                reasoning: None,
            },
            Message::Assistant {
                author,
                text,
                calls,
                signed,
                reasoning,
            } => {
                let own = author == request.agent();
                let named = if own {
                    wire.own_names || signed
                } else {
                    wire.other_names
                };
                let calls = if own || wire.others_see_calls { calls } else { &[] };
                let text = (calls.is_empty() || wire.text_beside_calls).then_some(text);
                MessageParts {
                    role: Role::Assistant,
                    name: named.then(|| design.agent(author).name.as_str()),
                    content: text.filter(|t| !t.is_empty() || calls.is_empty()),
                    calls: Calls::Run { calls, author, design },
                    call_id: None,
                    matches: None,
                    reasoning,
                }
            }
            Message::Tool {
                author,
                call,
                name,
                output,
            } => MessageParts {
                role: Role::Tool,
                name: None,
                content: Some(match output {
                    ToolOutput::Text(t) | ToolOutput::Error(t) => t,
                    ToolOutput::Nothing => wire.nothing,
                }),
                calls: no_calls,
                call_id: Some(Id::Run(call)),
                matches: match output {
                    ToolOutput::Text(_) => design
                        .tools(author)
                        .iter()
                        .find(|t| *t.name == *name || *t.qualified_name == *name)
                        .and_then(|t| t.result_matches.as_ref()),
                    _ => None,
                },
                reasoning: None,
            },
        }
    }

    /// The same message without its speaker's name (an API that carries none).
    pub(crate) fn without_name(self) -> MessageParts<'a> {
        MessageParts { name: None, ..self }
    }

    /// The same message with another text.
    pub(crate) fn with_content(self, content: &'a str) -> MessageParts<'a> {
        MessageParts {
            content: Some(content),
            ..self
        }
    }

    /// The message as an owned [`ChatMessage`].
    pub(crate) fn to_owned(&self) -> ChatMessage {
        let id = |id: Id<'_>| match id {
            Id::Run(id) => id.to_string(),
            Id::Recorded(id) => id.to_string(),
        };
        ChatMessage {
            role: self.role,
            name: self.name.map(String::from),
            content: self.content.map(String::from),
            tool_calls: (0..self.calls.len())
                .map(|i| {
                    let (call, name, arguments) = self.calls.get(i);
                    ChatToolCall {
                        id: id(call),
                        name: name.into(),
                        arguments: arguments.clone(),
                    }
                })
                .collect(),
            tool_call_id: self.call_id.map(id),
            reasoning: self.reasoning.map(String::from),
        }
    }

    /// Whether `message` is this message: the same fields, so the same canonical bytes.
    pub(crate) fn is(&self, message: &ChatMessage) -> bool {
        let same_call = |i: usize| {
            let (id, name, arguments) = self.calls.get(i);
            let recorded = &message.tool_calls[i];
            id.is(&recorded.id) && name == recorded.name && *arguments == recorded.arguments
        };
        let same_content = match self.matches {
            Some(pattern) => message.content.as_deref().is_some_and(|c| pattern.is_match(c)),
            None => self.content == message.content.as_deref(),
        };
        self.role == message.role
            && self.name == message.name.as_deref()
            && same_content
            && self.calls.len() == message.tool_calls.len()
            && (0..self.calls.len()).all(same_call)
            && match (self.call_id, &message.tool_call_id) {
                (None, None) => true,
                (Some(id), Some(recorded)) => id.is(recorded),
                _ => false,
            }
            && self.reasoning == message.reasoning.as_deref()
    }

    /// Writes the wire JSON of the message, compact, keys in a fixed order.
    pub(crate) fn write_canonical(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"role\":\"");
        out.extend_from_slice(self.role.as_str().as_bytes());
        out.push(b'"');
        if let Some(name) = self.name {
            field(out, "name", name);
        }
        match self.content {
            Some(content) => field(out, "content", content),
            None => out.extend_from_slice(b",\"content\":null"),
        }
        if self.calls.len() > 0 {
            out.extend_from_slice(b",\"tool_calls\":[");
            for i in 0..self.calls.len() {
                let (id, name, arguments) = self.calls.get(i);
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"id\":");
                id.write(out);
                out.extend_from_slice(b",\"type\":\"function\",\"function\":{\"name\":");
                string(out, name);
                out.extend_from_slice(b",\"arguments\":");
                string(out, &arguments_text(arguments));
                out.extend_from_slice(b"}}");
            }
            out.push(b']');
        }
        if let Some(id) = self.call_id {
            out.extend_from_slice(b",\"tool_call_id\":");
            id.write(out);
        }
        if let Some(reasoning) = self.reasoning {
            field(out, "reasoning", reasoning);
        }
        out.push(b'}');
    }
}

fn field(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(b',');
    string(out, key);
    out.push(b':');
    string(out, value);
}

/// Writes `value` as a JSON string.
fn string(out: &mut Vec<u8>, value: &str) {
    if value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        serde_json::to_writer(&mut *out, value).expect("writing a string to a vector cannot fail");
    } else {
        // Nothing to escape (the common case): the bytes as they are.
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    }
}

/// The system message of an agent: its instructions, and its name where the framework sends
/// it (`name`).
pub(crate) fn system_message(name: Option<&str>, instructions: &str) -> ChatMessage {
    ChatMessage {
        role: Role::System,
        name: name.map(String::from),
        content: Some(instructions.to_string()),
        tool_calls: Vec::new(),
        tool_call_id: None,
        reasoning: None,
    }
}

/// The system message `request`'s agent is sent.
pub(crate) fn system_of(request: &ModelRequest<'_>) -> ChatMessage {
    let named = request.profile().wire.system_name;
    system_message(named.then(|| request.agent_name()), request.instructions())
}

/// The body of `POST {base}/chat/completions` for `request`: the messages in the canonical
/// bytes their fingerprint hashes, so what is sent is exactly what is recorded; the tools,
/// and the tool choice and parallel calls where the profile's framework sends them (a call
/// its guard makes without tools says `"tool_choice": "none"`).
pub fn request_body(model: &str, request: &ModelRequest<'_>) -> String {
    let mut body = b"{\"model\":".to_vec();
    string(&mut body, model);
    body.extend_from_slice(b",\"messages\":[");
    system_of(request).write_canonical(&mut body);
    for message in request.thread() {
        body.push(b',');
        MessageParts::of(request, message).write_canonical(&mut body);
    }
    body.push(b']');
    if !request.tools().is_empty() {
        let tools: Vec<Value> = request.tools().iter().map(|t| t.json_schema()).collect();
        body.extend_from_slice(b",\"tools\":");
        serde_json::to_writer(&mut body, &tools).expect("JSON values always serialise");
        let wire = request.profile().wire;
        if wire.tool_choice {
            let choice = if request.tools_off() { "none" } else { "auto" };
            body.extend_from_slice(b",\"tool_choice\":");
            string(&mut body, choice);
        }
        if let Some(parallel) = wire.parallel_tool_calls {
            body.extend_from_slice(format!(",\"parallel_tool_calls\":{parallel}").as_bytes());
        }
    }
    // The OpenAI Agents SDK's `Agent(output_type=...)`: `Converter.convert_response_format`.
    if let Some(output_type) = &request.design().agent(request.agent()).output_type {
        body.extend_from_slice(b",\"response_format\":");
        serde_json::to_writer(&mut body, &output_type.response_format()).expect("JSON values always serialise");
    }
    body.push(b'}');
    String::from_utf8(body).expect("JSON written from strings is UTF-8")
}

/// A Chat Completions response body that is not what the API documents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedResponse(pub String);

/// Reads `choices[0].message` of a Chat Completions response body.
pub fn parse_response(body: &str) -> Result<Response, MalformedResponse> {
    let value: Value = serde_json::from_str(body).map_err(|e| MalformedResponse(format!("not JSON: {e}")))?;
    response_of(&value)
}

/// Reads `choices[0].message` of a parsed Chat Completions response.
pub fn response_of(value: &Value) -> Result<Response, MalformedResponse> {
    let bad = |what: &str| MalformedResponse(what.to_string());
    let message = value
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("message"))
        .ok_or_else(|| bad("no `choices[0].message`"))?;
    let text = match message.get("content") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad("`choices[0].message.content` is not a string")),
    };
    let mut calls = crate::engine::Calls::new();
    let listed = match message.get("tool_calls") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(list)) => list.as_slice(),
        Some(_) => return Err(bad("`choices[0].message.tool_calls` is not a list")),
    };
    for (i, call) in listed.iter().enumerate() {
        let place = format!("choices[0].message.tool_calls[{i}].function");
        let function = call.get("function").ok_or_else(|| bad(&format!("no `{place}`")))?;
        let name = function
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&format!("`{place}.name` is not a string")))?;
        let arguments = match function.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::String(s)) if s.trim().is_empty() => Map::new(),
            Some(Value::String(s)) => match serde_json::from_str(s) {
                Ok(Value::Object(map)) => map,
                _ => return Err(bad(&format!("`{place}.arguments` is not a JSON object: {s}"))),
            },
            Some(Value::Object(map)) => map.clone(),
            Some(_) => return Err(bad(&format!("`{place}.arguments` is not a JSON string"))),
        };
        calls.push(Call {
            name: name.into(),
            arguments,
            raw: None,
        });
    }
    Ok(Response {
        text,
        calls,
        ..Response::default()
    })
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
