//! The script format: what a scenario's `model.scripted.<Agent>` holds, and the Rust builder
//! for the same thing.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The script of one agent's model: `rules` or `responses`, not both.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// Rules tried in order at every call; the first whose `when` matches answers.
    #[serde(default)]
    pub rules: Option<Vec<Step>>,
    /// Responses given in order, one per call, whatever the input.
    #[serde(default)]
    pub responses: Option<Vec<Step>>,
}

impl Script {
    /// A rule-based script.
    pub fn rules(rules: impl IntoIterator<Item = Step>) -> Script {
        Script {
            rules: Some(rules.into_iter().collect()),
            responses: None,
        }
    }
    /// A list of responses given in order.
    pub fn responses(responses: impl IntoIterator<Item = Step>) -> Script {
        Script {
            rules: None,
            responses: Some(responses.into_iter().collect()),
        }
    }
}

/// One rule (with `when`) or one listed response (without): what the model answers.
///
/// The answer is `say` as text, then tool calls in this order: `call`, `calls`, `handoff`,
/// `complete`. Strings may use `{name}` for a named regex group (`(?P<name>...)`) captured by
/// this rule or earlier by any rule of the same agent.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Conditions (rules only); all must hold. No conditions: always matches.
    #[serde(default)]
    pub when: Option<When>,
    /// Reply text.
    #[serde(default)]
    pub say: Option<String>,
    /// One tool call.
    #[serde(default)]
    pub call: Option<CallSpec>,
    /// Several tool calls, in order.
    #[serde(default)]
    pub calls: Option<Vec<CallSpec>>,
    /// Hand off to this agent (calls `transfer_to_<agent>`), or `{"to": agent, "args": {...}}`
    /// with the arguments of a handoff that takes some (the OpenAI Agents SDK's `input_type`).
    #[serde(default)]
    pub handoff: Option<HandoffTo>,
    /// Complete the task with this summary: calls the profile's completion function
    /// (`complete_task`), or, under a framework without one, replies with it as the final
    /// text, after which the host ends the conversation.
    #[serde(default)]
    pub complete: Option<String>,
    /// How a reply with text and calls is streamed: `text_first` (the text in chunks of its
    /// own before the calls, the default) or `one` (the text in the first call's chunk).
    /// Semantic Kernel Python passes on only chunks without calls.
    #[serde(default)]
    pub chunk: Option<Chunk>,
    /// Instead of a response, the model's API answers with an error: an HTTP status with
    /// OpenAI's error body (`{"status": 429}`), `"timeout"` (no answer in time) or
    /// `"context_length_exceeded"` (HTTP 400 with that code). The framework's client tries a
    /// timeout, 408, 409, 429 and 5xx again (each try reads the next answer); otherwise, or
    /// when its tries are spent, the run fails as the framework fails it.
    #[serde(default)]
    pub error: Option<ErrorSpec>,
    /// Instead of a response, the model refuses with this text (Chat Completions
    /// `message.refusal`, a Responses `refusal` content part).
    #[serde(default)]
    pub refusal: Option<String>,
    /// A reasoning summary the response carries before its text and calls (openai-agents: a
    /// Responses `reasoning` output item with one `summary_text`).
    #[serde(default)]
    pub reasoning: Option<String>,
}

/// An error the model's API answers with: `"timeout"`, `"context_length_exceeded"`, or an
/// HTTP status with parts of OpenAI's error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorSpec {
    /// No answer before the client's timeout.
    Timeout,
    /// HTTP 400, code `context_length_exceeded`.
    ContextLengthExceeded,
    /// An HTTP status.
    Status(StatusSpec),
}

/// An HTTP status the model's API answers with, and the error body's fields (OpenAI's
/// usual ones for the status when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    /// The HTTP status, 400 to 599.
    pub status: u16,
    /// The body's `error.code` (`rate_limit_exceeded`, `context_length_exceeded`, ...).
    #[serde(default)]
    pub code: Option<String>,
    /// The body's `error.type` (`requests`, `invalid_request_error`, `server_error`, ...).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The body's `error.message`.
    #[serde(default)]
    pub message: Option<String>,
}

impl<'de> Deserialize<'de> for ErrorSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ErrorSpec, D::Error> {
        let value = Value::deserialize(d)?;
        match value {
            Value::String(s) => match s.as_str() {
                "timeout" => Ok(ErrorSpec::Timeout),
                "context_length_exceeded" => Ok(ErrorSpec::ContextLengthExceeded),
                other => Err(serde::de::Error::custom(format!(
                    "unknown error `{other}`: expected \"timeout\", \"context_length_exceeded\" or {{\"status\": 429}}"
                ))),
            },
            Value::Object(_) => StatusSpec::deserialize(value)
                .map(ErrorSpec::Status)
                .map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom(
                "expected \"timeout\", \"context_length_exceeded\" or an HTTP status like {\"status\": 429}",
            )),
        }
    }
}

/// `"timeout"`, `"context_length_exceeded"`, or `{"status": 429, ...}`.
impl schemars::JsonSchema for ErrorSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ErrorSpec".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let status = generator.subschema_for::<StatusSpec>();
        schemars::json_schema!({
            "description": "An error the model's API answers with: \"timeout\", \"context_length_exceeded\" (HTTP 400), or an HTTP status with OpenAI's error body.",
            "anyOf": [
                { "type": "string", "enum": ["timeout", "context_length_exceeded"] },
                status
            ]
        })
    }
}

/// How a reply with text and calls is streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Chunk {
    /// The text in chunks of its own, before the calls.
    TextFirst,
    /// The text in the same chunk as the first call.
    One,
}

impl Step {
    /// A rule that always matches (add conditions with [`Step::when_user`] and friends).
    pub fn new() -> Step {
        Step::default()
    }
    /// Adds the condition: the latest user message matches regex `pattern`.
    pub fn when_user(mut self, pattern: impl Into<String>) -> Step {
        self.when.get_or_insert_with(When::default).user = Some(pattern.into());
        self
    }
    /// Adds the condition: the tool result just returned in this turn matches `pattern`.
    pub fn when_tool_result(mut self, pattern: impl Into<String>) -> Step {
        self.when.get_or_insert_with(When::default).tool_result = Some(pattern.into());
        self
    }
    /// Adds the condition: this is the agent's `n`th model call (1 = first).
    pub fn when_call(mut self, n: u32) -> Step {
        self.when.get_or_insert_with(When::default).call = Some(CallCount { min: n, max: Some(n) });
        self
    }
    /// Adds the condition: the agent's call number is in `range` (`2..`, `3..=5`).
    pub fn when_calls(mut self, range: impl std::ops::RangeBounds<u32>) -> Step {
        use std::ops::Bound;
        let min = match range.start_bound() {
            Bound::Included(&n) => n,
            Bound::Excluded(&n) => n + 1,
            Bound::Unbounded => 1,
        };
        let max = match range.end_bound() {
            Bound::Included(&n) => Some(n),
            Bound::Excluded(&n) => Some(n.saturating_sub(1)),
            Bound::Unbounded => None,
        };
        self.when.get_or_insert_with(When::default).call = Some(CallCount { min, max });
        self
    }
    /// Answers with text.
    pub fn say(mut self, text: impl Into<String>) -> Step {
        self.say = Some(text.into());
        self
    }
    /// Answers with a call of `tool` with string arguments.
    pub fn call<K: Into<String>, V: Into<String>>(
        mut self,
        tool: impl Into<String>,
        args: impl IntoIterator<Item = (K, V)>,
    ) -> Step {
        let args = args
            .into_iter()
            .map(|(k, v)| (k.into(), Value::String(v.into())))
            .collect();
        self.calls.get_or_insert_with(Vec::new).push(CallSpec {
            tool: tool.into(),
            args,
            unchecked: false,
        });
        self
    }
    /// Answers with a handoff to `agent`.
    pub fn handoff(mut self, agent: impl Into<String>) -> Step {
        self.handoff = Some(HandoffTo::new(agent));
        self
    }
    /// Answers with a handoff to `agent` whose transfer function is called with `args` (a
    /// handoff with an `input_type`).
    pub fn handoff_with(mut self, agent: impl Into<String>, args: Map<String, Value>) -> Step {
        self.handoff = Some(HandoffTo {
            args,
            ..HandoffTo::new(agent)
        });
        self
    }
    /// Answers by completing the task.
    pub fn complete(mut self, summary: impl Into<String>) -> Step {
        self.complete = Some(summary.into());
        self
    }
    /// Answers with an error of the model's API (see [`Step::error`]).
    pub fn error(mut self, error: ErrorSpec) -> Step {
        self.error = Some(error);
        self
    }
    /// Answers with a refusal (see [`Step::refusal`]).
    pub fn refuse(mut self, refusal: impl Into<String>) -> Step {
        self.refusal = Some(refusal.into());
        self
    }
    /// Carries a reasoning summary before the answer (see [`Step::reasoning`]).
    pub fn reason(mut self, summary: impl Into<String>) -> Step {
        self.reasoning = Some(summary.into());
        self
    }
    /// Streams the text in the same chunk as the first call (see [`Step::chunk`]).
    pub fn in_one_chunk(mut self) -> Step {
        self.chunk = Some(Chunk::One);
        self
    }
}

/// Conditions of a rule.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Regex the latest user message (the task, then each human reply) must match.
    #[serde(default)]
    pub user: Option<String>,
    /// Regex the tool result just returned must match; only a call that follows a tool
    /// call in the same turn has one.
    #[serde(default)]
    pub tool_result: Option<String>,
    /// Which call of this agent's model: a number, or `{"min": a, "max": b}`.
    #[serde(default)]
    pub call: Option<CallCount>,
}

/// A range of call numbers (1 = the agent's first model call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallCount {
    /// Lowest call number that matches.
    pub min: u32,
    /// Highest, if any.
    pub max: Option<u32>,
}

impl<'de> Deserialize<'de> for CallCount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CallCount, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Range {
            #[serde(default = "one")]
            min: u32,
            #[serde(default)]
            max: Option<u32>,
        }
        fn one() -> u32 {
            1
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Exactly(u32),
            Range(Range),
        }
        match Form::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a call number like 1, or a range like {\"min\": 2, \"max\": 5}")
        })? {
            Form::Exactly(n) => Ok(CallCount { min: n, max: Some(n) }),
            Form::Range(r) => Ok(CallCount { min: r.min, max: r.max }),
        }
    }
}

/// A call number, or a range of them.
impl schemars::JsonSchema for CallCount {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CallCount".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Which call of the agent's model (1 = its first): a number, or a range {\"min\": 2, \"max\": 5}.",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                {
                    "type": "object",
                    "properties": {
                        "min": { "type": "integer", "minimum": 0, "default": 1 },
                        "max": { "type": ["integer", "null"], "minimum": 0 }
                    },
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// A tool call in a script.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// Function name, plain or `<plugin>-<name>`.
    pub tool: String,
    /// Arguments; string values may use `{name}` placeholders.
    #[serde(default, deserialize_with = "crate::files::unique_object")]
    pub args: Map<String, Value>,
    /// Whether the call is made exactly as written, even when no agent of the design has
    /// the function or its arguments do not fit it: a model that hallucinates, to test what
    /// the framework answers. Without it such a call is refused at load as a typo.
    #[serde(default)]
    pub unchecked: bool,
}

/// A scripted handoff: the agent handed to, and the arguments its transfer function is called
/// with (written as the agent's name alone when it takes none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HandoffTo {
    /// The agent handed to.
    pub to: String,
    /// The transfer function's arguments (a handoff with an `input_type`); string values may
    /// use `{name}` placeholders, as a call's do.
    pub args: Map<String, Value>,
    /// Whether the call is made exactly as written, its arguments unchecked: a model that
    /// sends arguments the handoff's `input_type` refuses.
    pub unchecked: bool,
    /// The arguments as text that is no JSON object (`"not json"`, `""`): a model that sends
    /// broken arguments to a transfer that takes some (an edge's `input_type`).
    pub raw_args: Option<String>,
}

impl HandoffTo {
    /// A handoff to `agent` without arguments.
    pub fn new(agent: impl Into<String>) -> HandoffTo {
        HandoffTo {
            to: agent.into(),
            ..HandoffTo::default()
        }
    }
}

/// The object form of [`HandoffTo`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HandoffObject {
    to: String,
    #[serde(default, deserialize_with = "crate::files::unique_object")]
    args: Map<String, Value>,
    #[serde(default)]
    unchecked: bool,
    #[serde(default)]
    raw_args: Option<String>,
}

impl<'de> Deserialize<'de> for HandoffTo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<HandoffTo, D::Error> {
        struct Form;
        impl<'de> serde::de::Visitor<'de> for Form {
            type Value = HandoffTo;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    r#"the agent's name, or {"to": agent, "args": {...}, "unchecked": true} (or "raw_args": text)"#,
                )
            }
            fn visit_str<E: serde::de::Error>(self, to: &str) -> Result<HandoffTo, E> {
                Ok(HandoffTo::new(to))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<HandoffTo, A::Error> {
                let o = HandoffObject::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(HandoffTo {
                    to: o.to,
                    args: o.args,
                    unchecked: o.unchecked,
                    raw_args: o.raw_args,
                })
            }
        }
        d.deserialize_any(Form)
    }
}

/// The agent's name, or the object with the arguments.
impl schemars::JsonSchema for HandoffTo {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HandoffTo".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Hand off to this agent (calls its transfer function), or {\"to\": agent, \"args\": {...}}: a handoff whose transfer takes arguments (openai-agents' input_type); `unchecked`: the arguments are sent as written, even when they do not fit.",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": {
                        "to": { "type": "string" },
                        "args": { "type": "object" },
                        "unchecked": { "type": "boolean" },
                        "raw_args": { "type": "string", "description": "The arguments as text that is no JSON object (\"not json\", \"\"), as a model sends broken arguments; only to a transfer that takes some (openai-agents' input_type), which the SDK then refuses (ModelBehaviorError)." }
                    },
                    "required": ["to"],
                    "additionalProperties": false
                }
            ]
        })
    }
}
