//! The profile as a scenario writes it: its name, or the object form with the frameworks'
//! options (`{"name": ..., "usage_chunk": true}`, `{"name": ..., "tool_not_found_behavior": ...}`,
//! `{"name": ..., "streamed_runs": ...}`, `{"name": ..., "tool_name_collision_policy": ...}`).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::autonomous_form::AutonomousFile;
use super::sdk_options::{ErrorHandlers, Wrappers, error_handlers, host_continuation, input_filter};
use super::termination_form::TerminationFile;
use crate::design::{Collisions, ToolSurface};
use crate::engine::{HandoffHistory, MaxTurns, Profile, StreamedRuns, Termination};

/// The profile as written, resolved to its semantics.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ProfileFile {
    pub(super) profile: &'static Profile,
    pub(super) usage_chunk: bool,
    pub(super) unknown_tools_returned: bool,
    pub(super) streamed_runs: StreamedRuns,
    /// What two handoffs of one agent under one function name do (the profile's default
    /// unless `tool_name_collision_policy` says).
    pub(super) collisions: Collisions,
    /// The OpenAI Agents SDK's `max_turns`.
    pub(super) max_turns: MaxTurns,
    /// Whether the app's host terminates Agent Framework's workflow when its human has
    /// nothing more to say (`human_done: "terminate"`).
    pub(super) host_terminates: bool,
    /// Agent Framework's `termination_condition`, in one of its common forms.
    pub(super) termination: Option<Termination>,
    /// The OpenAI Agents SDK's run-wide `nest_handoff_history`, `handoff_input_filter` and
    /// history wrappers (the edges' own are added with the design).
    pub(super) history: HandoffHistory,
    /// The final outputs of the OpenAI Agents SDK's `error_handlers`.
    pub(super) handlers: ErrorHandlers,
    /// Agent Framework's autonomous mode, agents by name (resolved with the design).
    pub(super) autonomous: Option<AutonomousFile>,
    /// Whether the OpenAI Agents SDK app's host keeps a session (`profile.session`).
    pub(super) session: bool,
    /// Whether its model's API keeps the conversation (`profile.server_managed`).
    pub(super) server_managed: bool,
}

impl ProfileFile {
    /// The tool surface the design is built under: the profile's, with the collision policy.
    pub(super) fn surface(&self) -> ToolSurface {
        ToolSurface {
            collisions: self.collisions,
            ..self.profile.tools
        }
    }

    /// `profile` without options.
    pub(super) fn plain(profile: &'static Profile) -> ProfileFile {
        ProfileFile {
            profile,
            // OpenAI and Azure OpenAI send the usage chunk Semantic Kernel asks for.
            usage_chunk: profile.turns.drops_threads,
            unknown_tools_returned: false,
            streamed_runs: StreamedRuns::All,
            collisions: profile.tools.collisions,
            max_turns: MaxTurns::Profile,
            host_terminates: false,
            termination: None,
            history: HandoffHistory::default(),
            handlers: ErrorHandlers::default(),
            autonomous: None,
            session: false,
            server_managed: false,
        }
    }
}

impl Default for ProfileFile {
    fn default() -> ProfileFile {
        ProfileFile::plain(&Profile::SEMANTIC_KERNEL)
    }
}

/// The options a profile object may set.
const PROFILE_FIELDS: &[&str] = &[
    "name",
    "usage_chunk",
    "tool_not_found_behavior",
    "streamed_runs",
    "tool_name_collision_policy",
    "max_turns",
    "human_done",
    "termination_condition",
    "autonomous_mode",
    "nest_handoff_history",
    "handoff_input_filter",
    "conversation_history_wrappers",
    "error_handlers",
    "handoff_history_mapper",
    "host_continuation",
    "session",
    "server_managed",
];

/// The profile named `name`, or an error listing them all.
pub(super) fn profile_named<E: de::Error>(name: &str) -> Result<&'static Profile, E> {
    Profile::parse(name).map_err(E::custom)
}

impl<'de> Deserialize<'de> for ProfileFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ProfileFile, D::Error> {
        struct Form;
        impl<'de> Visitor<'de> for Form {
            type Value = ProfileFile;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    r#"a profile name, or {"name": ..., "usage_chunk": true} (or "tool_not_found_behavior", "streamed_runs", "tool_name_collision_policy", "max_turns", "human_done", "termination_condition", "autonomous_mode")"#,
                )
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<ProfileFile, E> {
                Ok(ProfileFile::plain(profile_named(name)?))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ProfileFile, A::Error> {
                let mut name: Option<String> = None;
                let mut usage_chunk: Option<bool> = None;
                let mut unknown_tools_returned = false;
                let mut streamed_runs = None;
                let mut collisions = None;
                let mut max_turns = None;
                let mut human_done: Option<bool> = None;
                let mut termination: Option<TerminationFile> = None;
                let mut autonomous: Option<AutonomousFile> = None;
                let mut history = HandoffHistory::default();
                let mut sdk_history: Option<&'static str> = None;
                let mut handlers = ErrorHandlers::default();
                let mut session = false;
                let mut server_managed = false;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "name" if name.is_none() => name = Some(map.next_value()?),
                        "usage_chunk" => usage_chunk = Some(map.next_value()?),
                        "tool_not_found_behavior" => {
                            unknown_tools_returned = match map.next_value::<String>()?.as_str() {
                                "raise_error" => false,
                                "return_error_to_model" => true,
                                other => {
                                    return Err(de::Error::unknown_variant(
                                        other,
                                        &["raise_error", "return_error_to_model"],
                                    ));
                                }
                            }
                        }
                        "streamed_runs" => {
                            let name = map.next_value::<String>()?;
                            let unknown = || de::Error::unknown_variant(&name, &StreamedRuns::NAMES);
                            streamed_runs = Some(StreamedRuns::named(&name).ok_or_else(unknown)?);
                        }
                        // The OpenAI Agents SDK's `RunConfig.tool_name_collision_policy`.
                        "tool_name_collision_policy" | "collision_policy" if collisions.is_none() => {
                            let name = map.next_value::<String>()?;
                            let unknown = || de::Error::unknown_variant(&name, &Collisions::NAMES);
                            collisions = Some(Collisions::named(&name).ok_or_else(unknown)?);
                        }
                        "tool_name_collision_policy" | "collision_policy" => {
                            return Err(de::Error::custom("the collision policy is given twice"));
                        }
                        "max_turns" if max_turns.is_none() => {
                            max_turns = Some(match map.next_value::<Option<u32>>()? {
                                Some(n) => MaxTurns::Limit(n),
                                None => MaxTurns::Unlimited,
                            });
                        }
                        "max_turns" => return Err(de::Error::custom("`max_turns` is given twice")),
                        "human_done" if human_done.is_none() => {
                            human_done = Some(match map.next_value::<String>()?.as_str() {
                                "pending" => false,
                                "terminate" => true,
                                other => return Err(de::Error::unknown_variant(other, &["pending", "terminate"])),
                            });
                        }
                        "human_done" => return Err(de::Error::custom("`human_done` is given twice")),
                        "termination_condition" if termination.is_none() => termination = Some(map.next_value()?),
                        "termination_condition" => {
                            return Err(de::Error::custom("`termination_condition` is given twice"));
                        }
                        "autonomous_mode" if autonomous.is_none() => autonomous = Some(map.next_value()?),
                        "autonomous_mode" => return Err(de::Error::custom("`autonomous_mode` is given twice")),
                        "nest_handoff_history" => {
                            history.nest = map.next_value()?;
                            sdk_history = Some("nest_handoff_history");
                        }
                        "handoff_input_filter" => {
                            history.filter = map
                                .next_value::<Option<serde_json::Value>>()?
                                .map(input_filter)
                                .transpose()?;
                            sdk_history = Some("handoff_input_filter");
                        }
                        "conversation_history_wrappers" => {
                            let wrappers: Wrappers = map.next_value()?;
                            let (start, end) = HandoffHistory::WRAPPERS;
                            history.wrappers = Some(Box::new((
                                wrappers.start.unwrap_or_else(|| start.into()),
                                wrappers.end.unwrap_or_else(|| end.into()),
                            )));
                            sdk_history = Some("conversation_history_wrappers");
                        }
                        // The SDK's own mapper given explicitly; a mapper of the app's is its code.
                        "handoff_history_mapper" => {
                            history.whole_mapper = match map.next_value::<Option<String>>()?.as_deref() {
                                None => false,
                                Some("default") => true,
                                Some(other) => {
                                    return Err(de::Error::custom(format!(
                                        "`handoff_history_mapper` is \"default\" (the SDK's `default_handoff_history_mapper`, given explicitly) or null, not `{other}`: a mapper of the app's own is its code, which `handoff serve` runs"
                                    )));
                                }
                            };
                            sdk_history = Some("handoff_history_mapper");
                        }
                        "host_continuation" => {
                            history.normalized = host_continuation(map.next_value()?)?;
                            sdk_history = Some("host_continuation");
                        }
                        "error_handlers" => {
                            handlers = error_handlers(map.next_value()?)?;
                            sdk_history = Some("error_handlers");
                        }
                        "session" => {
                            session = super::session_form::session(map.next_value()?)?;
                            sdk_history = Some("session");
                        }
                        "server_managed" => {
                            server_managed = super::session_form::server_managed(map.next_value()?)?;
                            sdk_history = Some("server_managed");
                        }
                        "name" => return Err(de::Error::custom("`name` is given twice")),
                        other => return Err(de::Error::unknown_field(other, PROFILE_FIELDS)),
                    }
                }
                let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
                let profile = profile_named(&name)?;
                if usage_chunk.is_some() && !profile.turns.drops_threads {
                    return Err(de::Error::custom(format!(
                        "`usage_chunk` only changes what `semantic-kernel` does (whether a turn that streams no text keeps the agent's thread); `{}` does not drop threads",
                        profile.name
                    )));
                }
                if unknown_tools_returned && profile.texts.unknown_tool_returned.is_none() {
                    return Err(de::Error::custom(format!(
                        "`tool_not_found_behavior` only changes what `openai-agents` does (whether a call to a function the agent does not have fails the run); `{}` always answers such a call",
                        profile.name
                    )));
                }
                if streamed_runs.is_some() && !profile.wire.signs_unstreamed {
                    return Err(de::Error::custom(format!(
                        "`streamed_runs` only changes what `agent-framework` sends (whether an agent's own earlier messages carry its name); `{}` sends the same whichever runs stream",
                        profile.name
                    )));
                }
                if collisions.is_some() && profile.tools.collisions != Collisions::LastKept {
                    return Err(de::Error::custom(format!(
                        "`tool_name_collision_policy` only changes what `openai-agents` does (whether two handoffs sent under one function name are refused or the last one kept); `{}` refuses them",
                        profile.name
                    )));
                }
                if let Some(option) = sdk_history.filter(|_| profile.tools.collisions != Collisions::LastKept) {
                    return Err(de::Error::custom(format!(
                        "`{option}` only changes what `openai-agents` does (it is an option of the SDK's `RunConfig` or `Runner.run`); `{}` has no such option",
                        profile.name
                    )));
                }
                if max_turns.is_some() && profile.guards.calls_per_human_turn.is_none() {
                    return Err(de::Error::custom(format!(
                        "`max_turns` only changes what `openai-agents` does (how many model calls one `Runner.run` makes before `MaxTurnsExceeded`); `{}` has no such cap",
                        profile.name
                    )));
                }
                if human_done.is_some() && profile.texts.no_human != crate::engine::profile::NoHuman::Idle {
                    return Err(de::Error::custom(format!(
                        "`human_done` only changes what `agent-framework` does (whether the app's host terminates the workflow when its human has nothing more to say, or the request stays pending); `{}` has no pending request",
                        profile.name
                    )));
                }
                if termination.is_some() && profile.texts.no_human != crate::engine::profile::NoHuman::Idle {
                    return Err(de::Error::custom(format!(
                        "`termination_condition` only changes what `agent-framework` does (HandoffBuilder's condition on the conversation that ends the workflow); `{}` has no such condition",
                        profile.name
                    )));
                }
                if autonomous.is_some() && profile.texts.no_human != crate::engine::profile::NoHuman::Idle {
                    return Err(de::Error::custom(format!(
                        "`autonomous_mode` only changes what `agent-framework` does (HandoffBuilder.with_autonomous_mode: an agent that replies without handing off is run again with a prompt instead of asking the human); `{}` has no such mode",
                        profile.name
                    )));
                }
                Ok(ProfileFile {
                    profile,
                    usage_chunk: usage_chunk.unwrap_or(profile.turns.drops_threads),
                    unknown_tools_returned,
                    streamed_runs: streamed_runs.unwrap_or_default(),
                    collisions: collisions.unwrap_or(profile.tools.collisions),
                    max_turns: max_turns.unwrap_or_default(),
                    host_terminates: human_done.unwrap_or(false),
                    termination: termination.map(TerminationFile::into_termination).transpose()?,
                    history,
                    handlers,
                    autonomous,
                    session: super::session_form::either(session, server_managed)?,
                    server_managed,
                })
            }
        }
        deserializer.deserialize_any(Form)
    }
}

/// A profile's name, or the object form with its options.
/// The JSON Schema of an error handler's final output.
fn handler_schema() -> serde_json::Value {
    serde_json::json!({ "anyOf": [ { "type": "object", "properties": { "final_output": { "description": "The final output: any JSON value." }, "include_in_history": { "type": "boolean" } }, "required": ["final_output"], "additionalProperties": false }, { "description": "The final output the handler returns: a string, an object (without `final_output`), a list, any JSON value; null: no handler." } ] })
}

impl schemars::JsonSchema for ProfileFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Profile".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name).collect();
        schemars::json_schema!({
            "description": "The framework whose semantics the run follows: its name, or an object with the name and options.",
            "anyOf": [
                { "enum": names },
                {
                    "type": "object",
                    "properties": {
                        "name": { "enum": names },
                        "usage_chunk": { "type": "boolean", "description": "semantic-kernel only: the endpoint ends every stream with a usage chunk, so no agent loses its thread." },
                        "tool_not_found_behavior": { "enum": ["raise_error", "return_error_to_model"], "description": "openai-agents only: what a call to a function the agent does not have does." },
                        "tool_name_collision_policy": { "enum": ["warn", "error"], "description": "openai-agents only: two handoffs of one agent sent under one function name (`Billing Agent` and `billing agent` both give `transfer_to_billing_agent`). warn (the default): the SDK warns and offers only the last; error: the SDK raises UserError before any model call (the design is refused). `collision_policy` is accepted as a shorter name." },
                        "collision_policy": { "enum": ["warn", "error"], "description": "The same as tool_name_collision_policy." },
                        "termination_condition": {
                            "description": "agent-framework only: HandoffBuilder's termination_condition, evaluated on the workflow's conversation (the task, the human's replies, every agent's text) before each agent runs and after each text reply; when it holds the workflow ends (completed, its summary the last agent reply). user_messages: the task and the human's replies counted, at least N; last_message_contains: the conversation's last message contains the text; last_author: the conversation's last message is this agent's text (conversation[-1].author_name == name).",
                            "oneOf": [
                                { "type": "object", "properties": { "user_messages": { "type": "integer", "minimum": 0, "maximum": u32::MAX } }, "required": ["user_messages"], "additionalProperties": false },
                                { "type": "object", "properties": { "last_message_contains": { "type": "string" }, "ignore_case": { "type": "boolean" } }, "required": ["last_message_contains"], "additionalProperties": false },
                                { "type": "object", "properties": { "last_author": { "type": "string" } }, "required": ["last_author"], "additionalProperties": false }
                            ]
                        },
                        "autonomous_mode": {
                            "description": "agent-framework only: HandoffBuilder.with_autonomous_mode(agents=..., prompts=..., turn_limits=...). An agent of the mode whose reply hands nothing off is not handed to the human: its executor adds a user message (its prompt, default \"User did not respond. Continue assisting autonomously.\") to its own conversation and runs it again, up to its turn limit (default 50; 0: the human at once), then the human is asked; the count starts again when it hands off or the human is asked. agents: the agents of the mode (absent or empty: every agent); prompts and turn_limits: per agent.",
                            "type": "object",
                            "properties": {
                                "agents": { "type": "array", "items": { "type": "string" } },
                                "prompts": { "type": "object", "additionalProperties": { "type": "string" } },
                                "turn_limits": { "type": "object", "additionalProperties": { "type": "integer", "minimum": 0, "maximum": u32::MAX } }
                            },
                            "additionalProperties": false
                        },
                        "human_done": { "enum": ["pending", "terminate"], "description": "agent-framework only: what the app's host does when its human has nothing more to say. pending (the default, the framework alone): the agent's request_info stays pending, the workflow idles, and the run ends ended-without-human; terminate: the host answers HandoffAgentUserRequest.terminate(), as the framework's samples do, and the run is completed with the agent's last reply." },
                        "max_turns": { "type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX, "description": "openai-agents only: Runner.run's max_turns, the model calls one run of the app makes (each call is a turn, a tool round's and a handoff's included; the count starts again with each human reply) before MaxTurnsExceeded ends the run (default 10; null: no cap)." },
                        "nest_handoff_history": { "type": "boolean", "description": "openai-agents only: RunConfig.nest_handoff_history (default false). At each handoff the next agent reads the conversation so far as assistant summary messages (<CONVERSATION HISTORY>) around the handoff response's own text, as the SDK's default history mapper writes them; an edge's own nest_handoff_history or input filter takes precedence." },
                        "handoff_input_filter": { "anyOf": [{ "enum": ["remove_all_tools", "identity", "nest_handoff_history", "remove_new_items"] }, { "type": "array", "items": { "enum": ["remove_all_tools", "identity", "nest_handoff_history", "remove_new_items"] }, "minItems": 1 }, { "type": "null" }], "description": "openai-agents only: RunConfig.handoff_input_filter, a filter, or a list, as an edge's input_filter names them. It replaces nesting; an edge's own input_filter takes precedence." },
                        "host_continuation": { "enum": ["preserve_all", "normalized"], "description": "openai-agents only: how the app's host starts its next Runner.run: from result.to_input_list() (preserve_all, the default) or result.to_input_list(mode=\"normalized\"): what the last model read, then what followed." },
                        "handoff_history_mapper": { "enum": ["default", null], "description": "openai-agents only: RunConfig.handoff_history_mapper=default_handoff_history_mapper, given explicitly: with nest_handoff_history, the next agent reads the whole transcript in one summary (the handoff's own text included). A mapper of the app's own is its code: handoff serve runs it." },
                        "error_handlers": { "type": "object", "properties": { "max_turns": handler_schema(), "model_refusal": handler_schema(), "invalid_final_output": handler_schema() }, "additionalProperties": false, "description": "openai-agents only: Runner.run's error_handlers in the form a scenario can say: max_turns (instead of MaxTurnsExceeded) and model_refusal (instead of ModelRefusalError) give the final output (text, or {final_output, include_in_history}) that ends the run, a message of the agent in control; the host then goes on as after a text reply." },
                        "session": super::session_form::profile_schema(),
                        "server_managed": super::session_form::server_schema(),
                        "conversation_history_wrappers": { "type": "object", "properties": { "start": { "type": "string" }, "end": { "type": "string" } }, "additionalProperties": false, "description": "openai-agents only: agents.handoffs.set_conversation_history_wrappers(start=..., end=...): the lines around a nested summary (default <CONVERSATION HISTORY> and </CONVERSATION HISTORY>)." },
                        "streamed_runs": { "enum": ["all", "first", "none"], "description": "agent-framework only: which of the app's workflow.run calls stream (default all; first: the task's run streams, the runs answering the human do not, as the framework's samples do). After a run that does not stream, an agent's own messages carry its name in its later requests." }
                    },
                    "required": ["name"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

#[cfg(test)]
#[path = "forms_tests.rs"]
mod tests;
