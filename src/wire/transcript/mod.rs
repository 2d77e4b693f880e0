//! Recorded transcripts: every model call of a run with the agent, the request as that agent
//! sent it, the request's [`Fingerprint`] and the response; every human reply and tool result.
//! Written by `handoff record`, read by `handoff replay` and by scenarios whose `model` names
//! a recording. The format is versioned JSON, pretty and in a fixed key order, so that a
//! changed conversation shows as a small diff in review (format in the README).
//!
//! A request is stored as what is new in it: the agent's instructions and tools once, in
//! [`Transcript::agents`], and with each call the thread messages the agent has read since its
//! previous call. The whole request is those, in order; its fingerprint is checked on load.

mod fingerprint;

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub(crate) use fingerprint::RequestHash;
pub use fingerprint::{Fingerprint, Fingerprinter};

use crate::engine::{Call, Response};
use crate::files::{FileError, escape_controls, parse_json, read_text};
use crate::wire::chat::ChatMessage;

/// The recording format this version writes; it reads 1 too (made before profiles, so under
/// `semantic-kernel-fixed`).
pub const FORMAT_VERSION: u32 = 2;

/// The profile of a recording that names none (format 1).
pub const FORMAT_1_PROFILE: &str = "semantic-kernel-fixed";

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "handoff recording")]
pub struct Transcript {
    /// The JSON Schema the file follows (for editors; kept when the recording is rewritten).
    #[serde(default, rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The scenario recorded.
    pub scenario: String,
    /// The model name sent to the endpoint (`gpt-4o-mini`), if recorded live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The profile the run was recorded under: its framework semantics decided what each
    /// agent was sent ([`FORMAT_1_PROFILE`] when the recording names none).
    #[serde(default = "format_1_profile")]
    pub profile: String,
    /// Every agent whose model was called: its instructions and tools, in first-call order.
    pub agents: Vec<RecordedAgent>,
    /// Every model call, in order.
    pub calls: Vec<RecordedCall>,
    /// The human's replies, in order.
    #[serde(default)]
    pub human: Vec<String>,
    /// Whether no human took part (a text reply ended the run), rather than one whose
    /// replies ran out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_human: bool,
    /// The replies the app's host gave to another agent than the framework's loop would
    /// (a scenario's `{"say": ..., "agent": ...}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<RecordedHost>,
    /// The human's decisions on calls that waited for approval (the OpenAI Agents SDK's
    /// `needs_approval`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<RecordedApproval>,
    /// Where the app cancelled the run (a scenario's `cancel`), if it did: a replay cancels
    /// there again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<crate::engine::Cancel>,
    /// The results of the agents' function calls, in order.
    #[serde(default)]
    pub tool_results: Vec<RecordedToolResult>,
}

/// What an agent's model is given on every call: instructions (the system message) and tools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedAgent {
    /// The agent.
    pub name: String,
    /// Its instructions.
    pub instructions: String,
    /// Its functions, as Chat Completions `tools` entries.
    pub tools: Vec<Value>,
}

/// One model call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedCall {
    /// The agent whose model was called.
    pub agent: String,
    /// Which call of that agent's model: 1 for its first.
    pub call: u32,
    /// The fingerprint of the whole request.
    pub fingerprint: Fingerprint,
    /// Whether the agent's thread started anew before this call (Semantic Kernel Python's
    /// thread dropping): then `messages` are the whole thread, not what was added to it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restarted: bool,
    /// The thread messages the agent read since its previous call (all of them on its first).
    pub messages: Vec<ChatMessage>,
    /// What the model answered.
    pub response: RecordedResponse,
}

/// A model's answer: text and/or function calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// The text, if any.
    #[serde(default)]
    pub content: Option<String>,
    /// The function calls, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<RecordedFunctionCall>,
    /// Whether the text came in the first call's stream chunk (see
    /// [`Response::text_in_call_chunk`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub text_in_call_chunk: bool,
    /// Whether the host ended the conversation after this text reply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ends_conversation: bool,
    /// The reasoning summary the model gave before its answer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
}

/// A reply the app's host gave to another agent than the framework's loop would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedHost {
    /// Which reply (an index into `human`).
    pub reply: usize,
    /// The agent the host ran for it.
    pub agent: String,
}

/// The human's decision on a call that waited for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedApproval {
    /// Whether the call was approved (else rejected).
    pub approved: bool,
    /// The text the model read instead of the result, where the human gave one
    /// (`state.reject(item, rejection_message=...)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<String>,
}

impl RecordedApproval {
    /// The decision, to give again.
    pub fn decision(&self) -> crate::engine::Approval {
        match self.approved {
            true => crate::engine::Approval::Approve,
            false => crate::engine::Approval::Reject {
                message: self.rejection.clone(),
            },
        }
    }
}

/// A function call in a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedFunctionCall {
    /// The function name the model used.
    pub name: String,
    /// The arguments object.
    #[serde(default)]
    pub arguments: Map<String, Value>,
    /// The arguments as the text the model sent, when that text is no JSON object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_arguments: Option<String>,
}

/// The result of one function call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedToolResult {
    /// The agent that called it.
    pub agent: String,
    /// The call's id (`call_0002`).
    pub id: String,
    /// The function called.
    pub name: String,
    /// What it returned (empty for a handoff function).
    pub result: String,
    /// Whether the result is an error the model reads (unknown function, missing argument).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub error: bool,
}

impl From<&Response> for RecordedResponse {
    fn from(response: &Response) -> RecordedResponse {
        RecordedResponse {
            content: response.text.clone(),
            tool_calls: response
                .calls
                .iter()
                .map(|c| RecordedFunctionCall {
                    name: c.name.to_string(),
                    arguments: c.arguments.clone(),
                    raw_arguments: c.raw.as_deref().map(String::from),
                })
                .collect(),
            text_in_call_chunk: response.text_in_call_chunk,
            ends_conversation: response.ends_conversation,
            reasoning: response.reasoning.clone(),
        }
    }
}

impl From<&RecordedResponse> for Response {
    fn from(recorded: &RecordedResponse) -> Response {
        Response {
            text: recorded.content.clone(),
            calls: recorded
                .tool_calls
                .iter()
                .map(|c| Call {
                    name: c.name.as_str().into(),
                    arguments: c.arguments.clone(),
                    raw: c.raw_arguments.as_deref().map(Into::into),
                })
                .collect(),
            text_in_call_chunk: recorded.text_in_call_chunk,
            ends_conversation: recorded.ends_conversation,
            refusal: None,
            reasoning: recorded.reasoning.clone(),
        }
    }
}

impl Transcript {
    /// An empty transcript of `scenario`.
    pub fn new(scenario: impl Into<String>) -> Transcript {
        Transcript {
            schema: None,
            format_version: FORMAT_VERSION,
            scenario: scenario.into(),
            model: None,
            profile: crate::engine::Profile::default().name.to_string(),
            agents: Vec::new(),
            calls: Vec::new(),
            human: Vec::new(),
            no_human: false,
            hosts: Vec::new(),
            approvals: Vec::new(),
            cancel: None,
            tool_results: Vec::new(),
        }
    }

    /// The replies the host gave to another agent: by index into `human`, the agent's name.
    pub fn host_turns(&self) -> impl Iterator<Item = (usize, String)> + '_ {
        self.hosts.iter().map(|h| (h.reply, h.agent.clone()))
    }

    /// Loads and checks the recording at `path` (see [`Transcript::parse`]).
    pub fn load(path: impl AsRef<Path>) -> Result<Transcript, FileError> {
        let (text, file) = read_text(path.as_ref())?;
        Transcript::parse(&text, &file)
    }

    /// Parses and checks a recording: its format version, that every call's agent is listed
    /// and its calls are numbered 1, 2, ..., and that every fingerprint matches its request.
    /// `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Transcript, FileError> {
        #[derive(Deserialize)]
        struct Version {
            format_version: Option<u32>,
        }
        let invalid = |place: String, message: String| FileError::invalid(file, place, message);
        // Read the version alone first, so that a newer format gets a message about the
        // version instead of one about its first unknown field.
        if let Ok(Version { format_version }) = serde_json::from_str::<Version>(text) {
            match format_version {
                None => {
                    return Err(invalid(
                        "format_version".into(),
                        "missing: this is not a recording made by `handoff record`".into(),
                    ));
                }
                Some(v) if v > FORMAT_VERSION => {
                    return Err(invalid(
                        "format_version".into(),
                        format!(
                            "recording format {v} is newer than this handoff reads ({FORMAT_VERSION}); upgrade handoff"
                        ),
                    ));
                }
                Some(v) if v < 1 => return Err(invalid("format_version".into(), format!("unknown format {v}"))),
                Some(_) => {}
            }
        }
        let transcript: Transcript = parse_json(text, file)?;
        if crate::engine::Profile::named(&transcript.profile).is_none() {
            return Err(invalid(
                "profile".into(),
                format!(
                    "unknown profile `{}`; one of: {}",
                    transcript.profile,
                    crate::engine::Profile::names()
                ),
            ));
        }
        transcript.check().map_err(|(place, message)| invalid(place, message))?;
        Ok(transcript)
    }

    /// The recording as pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a transcript always serialises");
        text.push('\n');
        text
    }

    /// Writes the recording to `path` atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        crate::files::write_atomic(path, self.to_json().as_bytes())
    }

    /// The task: the first user message of the first call.
    pub fn task(&self) -> Option<&str> {
        let first = self.calls.first()?.messages.first()?;
        (first.role == crate::wire::chat::Role::User).then(|| first.content.as_deref().unwrap_or(""))
    }

    /// The index in [`Transcript::agents`] of `name`.
    pub fn agent(&self, name: &str) -> Option<usize> {
        self.agents.iter().position(|a| a.name == name)
    }

    /// Checks agents, call numbers and fingerprints; `Err((place, message))`.
    fn check(&self) -> Result<(), (String, String)> {
        for (i, agent) in self.agents.iter().enumerate() {
            if self.agents[..i].iter().any(|a| a.name == agent.name) {
                return Err((format!("agents[{i}].name"), format!("`{}` is listed twice", agent.name)));
            }
        }
        for (i, expected) in self.fingerprints()?.into_iter().enumerate() {
            let recorded = self.calls[i].fingerprint;
            if recorded != expected {
                return Err((
                    format!("calls[{i}].fingerprint"),
                    format!(
                        "{recorded} does not match the request recorded with it ({expected}): the file was edited by hand; re-record it, or write the fingerprint it names"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The framework semantics of the recording.
    pub fn profile(&self) -> &'static crate::engine::Profile {
        crate::engine::Profile::named(&self.profile).unwrap_or(&crate::engine::Profile::SEMANTIC_KERNEL_FIXED)
    }

    /// The system message agent `agent` (an index of [`Transcript::agents`]) was sent.
    fn system(&self, agent: usize) -> ChatMessage {
        let agent = &self.agents[agent];
        let named = self.profile().wire.system_name;
        crate::wire::chat::system_message(named.then_some(agent.name.as_str()), &agent.instructions)
    }

    /// The fingerprint of every call's request, computed from the recorded requests.
    pub(crate) fn fingerprints(&self) -> Result<Vec<Fingerprint>, (String, String)> {
        let header =
            |agent: usize| RequestHash::new(&Value::Array(self.agents[agent].tools.clone()), &self.system(agent));
        let mut hashes: Vec<(RequestHash, u32)> = (0..self.agents.len()).map(|a| (header(a), 0)).collect();
        let mut fingerprints = Vec::with_capacity(self.calls.len());
        for (i, call) in self.calls.iter().enumerate() {
            let agent = self.agent(&call.agent).ok_or_else(|| {
                (
                    format!("calls[{i}].agent"),
                    format!("`{}` is not in the recording's `agents`", call.agent),
                )
            })?;
            let (hash, calls) = &mut hashes[agent];
            *calls += 1;
            if call.call != *calls {
                return Err((
                    format!("calls[{i}].call"),
                    format!(
                        "{}'s calls must be numbered in order: expected {}, found {}",
                        call.agent, calls, call.call
                    ),
                ));
            }
            if call.restarted {
                *hash = header(agent);
            }
            for message in &call.messages {
                hash.add_message(message);
            }
            fingerprints.push(hash.fingerprint());
        }
        Ok(fingerprints)
    }

    /// The whole request of call `index`: instructions, tools and every thread message, as
    /// lines for a diff (see [`request_lines`]).
    pub fn request_lines(&self, index: usize) -> Vec<String> {
        let call = &self.calls[index];
        let Some(agent) = self.agent(&call.agent).map(|a| &self.agents[a]) else {
            return Vec::new();
        };
        let own: Vec<&RecordedCall> = self.calls[..=index].iter().filter(|c| c.agent == call.agent).collect();
        // A thread that started anew holds only the messages from its latest restart on.
        let from = own.iter().rposition(|c| c.restarted).unwrap_or(0);
        let messages = own[from..].iter().flat_map(|c| &c.messages);
        request_lines(&agent.instructions, &agent.tools, messages)
    }
}

/// A request as lines for a diff: the instructions, one line per tool (name, parameters,
/// description) and one per message; line breaks and other control characters in texts are
/// written visibly (`\n`), so that one message is one line and a diff cannot drive the terminal.
/// A text over [`SHOWN_BYTES`](crate::files::SHOWN_BYTES) is cut, with its length.
pub fn request_lines<'a>(
    instructions: &str,
    tools: &[Value],
    messages: impl IntoIterator<Item = &'a ChatMessage>,
) -> Vec<String> {
    let one_line = |text: &str| escape_controls(&crate::files::cut(text, crate::files::SHOWN_BYTES)).into_owned();
    let mut lines = vec![format!("system: {}", one_line(instructions))];
    for tool in tools {
        let function = &tool["function"];
        let parameters = &function["parameters"]["properties"];
        let parameters = match parameters.as_object() {
            Some(p) if !p.is_empty() => parameters.to_string(),
            _ => String::new(),
        };
        lines.push(format!(
            "tool {}{}: {}",
            function["name"].as_str().unwrap_or("?"),
            if parameters.is_empty() {
                String::new()
            } else {
                format!(" {parameters}")
            },
            one_line(function["description"].as_str().unwrap_or(""))
        ));
    }
    for (i, message) in messages.into_iter().enumerate() {
        let mut line = format!("message {}: {}", i + 1, message.role.as_str());
        if let Some(name) = &message.name {
            line.push_str(&format!(" {name}"));
        }
        if let Some(id) = &message.tool_call_id {
            line.push_str(&format!(" [{id}]"));
        }
        if let Some(content) = message
            .content
            .as_deref()
            .filter(|c| !c.is_empty() || message.tool_calls.is_empty())
        {
            line.push_str(&format!(": {}", one_line(content)));
        }
        for call in &message.tool_calls {
            line.push_str(&format!(
                " calls {}({}) [{}]",
                call.name,
                Value::Object(call.arguments.clone()),
                call.id
            ));
        }
        lines.push(line);
    }
    lines
}

fn format_1_profile() -> String {
    FORMAT_1_PROFILE.to_string()
}
