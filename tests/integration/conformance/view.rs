//! The neutral shape both sides of a comparison are brought to: one model call as the agent
//! called, the choice of tools, the tools offered and every input message, each a line of
//! text, so that a difference prints as a line diff.
//!
//! A message is its role, the name the framework shows (SK's `name`, AF's `author_name`),
//! its text, its tool calls (id, name, arguments) and, for a tool message, the call it answers.
//! Texts are written as JSON strings, so that `""`, a missing text and whitespace differ
//! visibly.

use std::fmt;

use serde_json::Value;

/// One input message of a model call.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// The name the framework shows the model, if any.
    pub name: Option<String>,
    /// The text (a tool message's result), if any.
    pub text: Option<String>,
    /// Tool calls: id, name, arguments.
    pub calls: Vec<CallView>,
    /// The call a tool message answers.
    pub call_id: Option<String>,
}

/// A tool call in a message or a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct CallView {
    /// Its id (`call_0001`); `None` in replies, where ids are the framework's to give.
    pub id: Option<String>,
    /// The function name as offered on the wire.
    pub name: String,
    /// The arguments object.
    pub arguments: Value,
}

/// A function offered to the model, as far as the harness models it: name, description,
/// parameters (each a string, with its description if any) and which are required.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolView {
    /// The wire name.
    pub name: String,
    /// The description.
    pub description: String,
    /// Parameter name, type, description.
    pub parameters: Vec<(String, String, Option<String>)>,
    /// Required parameters, in order.
    pub required: Vec<String>,
}

/// What a model answered: its text and its calls.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyView {
    /// The text, if any.
    pub text: Option<String>,
    /// The calls in order.
    pub calls: Vec<CallView>,
}

/// One model call, neutral.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// The agent whose model was called.
    pub agent: String,
    /// SK only: the auto-invoke attempt (tool rounds so far in the invocation).
    pub attempt: Option<u64>,
    /// `auto` or `none` where the framework sends a tool choice (SK, AF).
    pub tool_choice: Option<String>,
    /// Whether the model may make several calls at once, where the request says (AF).
    pub parallel_tool_calls: Option<bool>,
    /// The tools offered, in order.
    pub tools: Vec<ToolView>,
    /// The input messages, the system message (instructions) first; of an elided call,
    /// the system message and the last two messages.
    pub messages: Vec<Msg>,
    /// For a call whose trace keeps only the last two messages: how many it had (in the
    /// framework's units, the system message not counted).
    pub elided: Option<usize>,
    /// What the model answered.
    pub reply: ReplyView,
    /// The JSON schema the answer must follow (an Agents SDK agent's `output_type`), as
    /// `{"name", "schema", "strict"}`.
    pub output_type: Option<Value>,
}

/// A text as a JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

impl fmt::Display for CallView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = &self.id {
            write!(f, "{id} ")?;
        }
        write!(f, "{}{}", self.name, self.arguments)
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.role)?;
        if let Some(name) = &self.name {
            write!(f, "({name})")?;
        }
        if let Some(id) = &self.call_id {
            write!(f, " answers {id}")?;
        }
        f.write_str(":")?;
        if let Some(text) = &self.text {
            write!(f, " {}", quoted(text))?;
        }
        for call in &self.calls {
            write!(f, " call {call}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ToolView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parameters: Vec<String> = self
            .parameters
            .iter()
            .map(|(name, kind, description)| {
                let star = if self.required.contains(name) { "*" } else { "" };
                let description = description.as_deref().map(quoted).unwrap_or_default();
                format!("{name}{star}: {kind} {description}").trim_end().to_string()
            })
            .collect();
        write!(
            f,
            "{}({}) {} required={:?}",
            self.name,
            parameters.join(", "),
            quoted(&self.description),
            self.required
        )
    }
}

impl fmt::Display for ReplyView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => write!(f, "{}", quoted(text))?,
            None => f.write_str("(no text)")?,
        }
        for call in &self.calls {
            write!(f, " call {call}")?;
        }
        Ok(())
    }
}

impl CallRecord {
    /// The call as lines: agent, attempt, tool choice, each tool, each message, the reply.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("agent {}", self.agent)];
        if let Some(attempt) = self.attempt {
            lines.push(format!("attempt {attempt}"));
        }
        if let Some(choice) = &self.tool_choice {
            lines.push(format!("tool_choice {choice}"));
        }
        if let Some(parallel) = self.parallel_tool_calls {
            lines.push(format!("parallel_tool_calls {parallel}"));
        }
        lines.extend(self.tools.iter().map(|t| format!("tool {t}")));
        if let Some(count) = self.elided {
            lines.push(format!(
                "messages {count} (the trace keeps the instructions and the last two)"
            ));
        }
        lines.extend(self.messages.iter().map(|m| format!("message {m}")));
        if let Some(output_type) = &self.output_type {
            lines.push(format!("output_type {output_type}"));
        }
        lines.push(format!("reply {}", self.reply));
        lines
    }
}

/// A tool of the Chat Completions shape (`{"type": "function", "function": {...}}`, as SK,
/// AF and the harness write it) or of the Responses shape (`{"type": "function", "name": ...}`,
/// as the OpenAI Agents SDK keeps it), neutral. Schema details that only name the dialect
/// (pydantic's `title`s, `additionalProperties`, `strict`) are left out here: the exact
/// declarations are compared once per agent and trace
/// (`rules::every_function_is_declared_as_its_framework_declares_it`).
pub fn tool_view(tool: &Value) -> ToolView {
    let function = tool.get("function").unwrap_or(tool);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let schema = &function["parameters"];
    let parameters = schema["properties"]
        .as_object()
        .map(|properties| {
            properties
                .iter()
                .map(|(name, p)| (name.clone(), text(&p["type"]), p.get("description").map(text)))
                .collect()
        })
        .unwrap_or_default();
    let required = schema["required"]
        .as_array()
        .map(|r| r.iter().map(text).collect())
        .unwrap_or_default();
    ToolView {
        name: text(&function["name"]),
        description: text(&function["description"]),
        parameters,
        required,
    }
}

/// Arguments as an object: a JSON string is parsed (an empty one is `{}`), an object kept.
pub fn arguments(value: &Value) -> Value {
    match value {
        Value::String(s) if s.trim().is_empty() => Value::Object(Default::default()),
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        Value::Null => Value::Object(Default::default()),
        other => other.clone(),
    }
}
