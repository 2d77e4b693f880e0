//! The calls of one response: each made as the profile says (own tools from their result
//! templates, unknown tools and bad arguments answered with the framework's texts, handoff
//! functions recorded as effects), then the winner among several handoff calls, then the
//! results in the order the framework appends them.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Core, Effect};
use crate::design::{AgentId, ToolKind};
use crate::engine::profile::{AfterWinner, ResultOrder, Several, TransferResult, UnknownTool};
use crate::engine::{Call, CallId, CallSpan, Calls, EventKind, MultipleHandoffs, Outcome, ToolCall, ToolOutput};

/// A response's calls once made: what to log and what the run does next. Their results wait
/// in the core's `outputs` (per call; `None` for a call never made, as .NET's after the
/// winner) for [`Core::append_results`]; why the run ends here instead (an unknown tool the
/// framework refuses, several handoffs under policy `reject`) waits in `stop`, and remarks
/// for the log (how several handoffs were decided, what the framework left out) in `notes`.
pub(super) struct Made {
    /// Where the calls, as logged, are kept in the log.
    pub(super) calls: CallSpan,
    /// The handoff that wins, if any.
    pub(super) effect: Option<Effect>,
    /// Whether any result is an error (Agent Framework counts such rounds).
    pub(super) any_error: bool,
}

impl Core {
    /// Makes the calls of a response of `agent`, numbering them from the run's counter.
    pub(super) fn make_calls(&mut self, agent: AgentId, calls: Calls) -> Made {
        // One call, inline: taken out whole, with nothing left to drop.
        let calls = match calls.into_inner() {
            Ok([call]) => return self.make_call(agent, call),
            Err(calls) => calls,
        };
        let profile = self.settings.profile;
        let mut outputs = std::mem::take(&mut self.outputs);
        let mut effects = std::mem::take(&mut self.effects);
        outputs.clear();
        effects.clear();
        let mut any_error = false;
        let first_id = self.next_call_id;
        let mut logged: Vec<ToolCall> = Vec::with_capacity(calls.len());
        for (i, call) in calls.into_iter().enumerate() {
            let (name, output, effect) = self.execute(agent, call.name, &call.arguments);
            if output.is_none() && self.stop.is_none() {
                self.stop = Some(self.refused(agent, &name));
            }
            any_error |= matches!(output, Some(ToolOutput::Error(_)));
            if let Some(effect) = effect {
                effects.push((i, effect));
            }
            outputs.push(output);
            logged.push(ToolCall {
                id: CallId(first_id + i as u32),
                name,
                arguments: call.arguments,
                raw: call.raw,
            });
        }
        self.next_call_id += logged.len() as u32;
        let mut made = Made {
            calls: CallSpan::NONE,
            effect: None,
            any_error,
        };
        if self.stop.is_some() {
            // The framework refuses the response before running anything.
            outputs.iter_mut().for_each(|o| *o = None);
        }
        let winner = match (self.stop.is_some(), effects.len()) {
            (true, _) | (false, 0) => None,
            (false, 1) => Some(0),
            (false, _) => self.choose(agent, &logged, &effects),
        };
        let Some(winner) = winner else {
            self.outputs = outputs;
            self.effects = effects;
            made.calls = self.log.add_calls(logged);
            return made;
        };
        let (at, effect) = effects.swap_remove(winner);
        if self.refuses_input(agent, &logged[at]) {
            // The SDK validates the winner's arguments when it invokes the handoff, and raises.
            outputs.iter_mut().for_each(|o| *o = None);
            self.outputs = outputs;
            self.effects = effects;
            made.calls = self.log.add_calls(logged);
            return made;
        }
        for &(i, _) in effects.iter() {
            if let Some(ignored) = profile.handoffs.ignored {
                outputs[i] = Some(ToolOutput::Text(ignored.to_string()));
            }
        }
        if profile.handoffs.after_winner == AfterWinner::Unanswered && at + 1 < logged.len() {
            let left: Vec<String> = logged[at + 1..].iter().map(|c| c.name.to_string()).collect();
            self.notes.push(format!(
                "{} stops at the first handoff call, `{}`: {} after it ({}) {} never made and get no result, so OpenAI would refuse {}'s next request (HTTP 400: an assistant message with tool_calls must be followed by their tool messages)",
                profile.framework,
                logged[at].name,
                crate::files::plural(left.len(), "call"),
                left.join(", "),
                if left.len() == 1 { "is" } else { "are" },
                self.design.agent(agent).name,
            ));
            outputs[at + 1..].iter_mut().for_each(|o| *o = None);
        }
        made.effect = Some(effect);
        if profile.handoffs.order == ResultOrder::HandoffsLast {
            self.handoffs_last = Some(at);
        }
        self.outputs = outputs;
        self.effects = effects;
        made.calls = self.log.add_calls(logged);
        made
    }

    /// [`Core::make_calls`] for a response of one call (every handoff): with one call there is
    /// no winner to choose, nothing after it and no order to keep, so it needs no scratch lists.
    fn make_call(&mut self, agent: AgentId, call: Call) -> Made {
        let (name, mut output, mut effect) = self.execute(agent, call.name, &call.arguments);
        if output.is_none() && self.stop.is_none() {
            self.stop = Some(self.refused(agent, &name));
        }
        let id = CallId(self.next_call_id);
        self.next_call_id += 1;
        let call = ToolCall {
            id,
            name,
            arguments: call.arguments,
            raw: call.raw,
        };
        if matches!(effect, Some(Effect::Transfer(_))) && self.refuses_input(agent, &call) {
            (output, effect) = (None, None);
        }
        // A refused call has no result and no effect: the response makes nothing.
        let any_error = matches!(output, Some(ToolOutput::Error(_)));
        self.outputs.clear();
        self.outputs.push(output);
        Made {
            calls: self.log.add_call(call),
            effect,
            any_error,
        }
    }

    /// Whether the handoff `call` (the one the framework invokes) fails its typed arguments:
    /// the OpenAI Agents SDK validates them against the handoff's `input_type` (pydantic,
    /// strict; fields it does not know are ignored) when it invokes the handoff, and raises
    /// `ModelBehaviorError`. Then the run stops there, with a note saying why.
    #[cold]
    fn refuses_input(&mut self, agent: AgentId, call: &ToolCall) -> bool {
        let Some(spec) = self.design.resolve_tool(agent, &call.name) else {
            return false;
        };
        if spec.parameters.is_empty() || !matches!(spec.kind, ToolKind::Transfer(_)) {
            return false;
        }
        let parameters = &spec.parameters;
        let why = match parameters.required().find(|p| !call.arguments.contains_key(*p)) {
            // Text that is no JSON object: pydantic's `validate_json` refuses it.
            _ if call.raw.is_some() => Some(format!(
                "the arguments {:?} are no JSON object",
                call.raw.as_deref().unwrap_or("")
            )),
            Some(missing) => Some(format!("`{missing}` is missing")),
            None => call.arguments.iter().find_map(|(name, value)| {
                if let Err(e) = parameters.check_argument(name, value) {
                    return Some(format!("`{name}`{}: {}", e.path, e.message));
                }
                // Strict: `2.0` is no `int`.
                let integer = parameters.schema_of(name).is_some_and(|s| s["type"] == "integer");
                (integer && value.is_f64()).then(|| format!("`{name}`: expected an integer, got {value} (strict)"))
            }),
        };
        let Some(why) = why else { return false };
        let class = spec.parameters_title().unwrap_or("its input_type");
        self.notes.push(format!(
            "the arguments of `{}` do not fit `{class}` ({why}): {} validates them when it invokes the handoff, and raises",
            call.name, self.settings.profile.framework
        ));
        self.stop = Some(Outcome::FrameworkError {
            agent,
            error: INVALID_HANDOFF_INPUT.to_string(),
            guard: false,
        });
        true
    }

    /// Which of several handoff `effects` (call index, effect) wins, by the policy or else
    /// the profile; `None` when several end the run (policy `reject`: the outcome goes to
    /// `stop`).
    #[cold]
    fn choose(&mut self, agent: AgentId, calls: &[ToolCall], effects: &[(usize, Effect)]) -> Option<usize> {
        let names: Vec<String> = effects.iter().map(|(i, _)| calls[*i].name.to_string()).collect();
        let policy = self.settings.policy.multiple_handoffs;
        let last = || {
            effects
                .iter()
                .position(|(_, e)| matches!(e, Effect::Complete(_)))
                .unwrap_or(effects.len() - 1)
        };
        let (chosen, rule) = match (policy, self.settings.profile.handoffs.several) {
            (MultipleHandoffs::Reject, _) => {
                self.stop = Some(Outcome::AmbiguousHandoff { agent, calls: names });
                return None;
            }
            (MultipleHandoffs::First, _) => (0, "policy `first`".to_string()),
            (MultipleHandoffs::Last, _) => (last(), "policy `last`".to_string()),
            (MultipleHandoffs::Profile, Several::First) => {
                (0, format!("{} (the first)", self.settings.profile.framework))
            }
            (MultipleHandoffs::Profile, Several::LastCompleteWins) => (
                last(),
                format!(
                    "{} (the completion call, else the last transfer)",
                    self.settings.profile.framework
                ),
            ),
        };
        self.notes.push(format!(
            "{} handoff calls in one response ({}); {rule} takes `{}`",
            names.len(),
            names.join(", "),
            names[chosen]
        ));
        Some(chosen)
    }

    /// Who sees a result of `agent`'s calls: known before the results exist.
    #[inline(always)]
    pub(super) fn result_visibility(&self, agent: AgentId) -> Option<crate::engine::Visibility> {
        use crate::engine::Visibility;
        use crate::engine::profile::Audience;
        Some(match self.settings.profile.sharing.tool_result {
            Audience::Everyone => Visibility::All,
            Audience::Others => Visibility::Others(agent),
            Audience::Author | Audience::AuthorAndOthersIfText => Visibility::Only(agent),
            Audience::Nobody => Visibility::Nobody,
        })
    }

    /// What a call to a function the agent does not have does in this run: the profile's
    /// rule, unless the run returns such calls' errors to the model where the framework can.
    #[cold]
    fn unknown_tool(&self) -> UnknownTool {
        let texts = self.settings.profile.texts;
        match texts.unknown_tool_returned {
            Some(text) if self.settings.unknown_tools_returned => UnknownTool::Retry(text),
            _ => texts.unknown_tool,
        }
    }

    /// The outcome of a call to `name`, a function `agent` does not have, under a framework
    /// that refuses such a call.
    #[cold]
    fn refused(&self, agent: AgentId, name: &str) -> Outcome {
        let unknown = self.unknown_tool();
        let UnknownTool::Fail(_) = unknown else {
            unreachable!("only a framework that fails on unknown tools returns no result")
        };
        Outcome::FrameworkError {
            agent,
            error: unknown.text(name, &self.design.agent(agent).name),
            guard: false,
        }
    }

    /// Appends the results of the response just logged at `reply` (waiting in `outputs`; its
    /// calls numbered from `first`), in the profile's order.
    pub(super) fn append_results(&mut self, agent: AgentId, reply: crate::engine::EventIndex, first: u32) {
        let mut outputs = std::mem::take(&mut self.outputs);
        // One result has no order to keep.
        let winner = self.handoffs_last.take().filter(|_| outputs.len() > 1);
        let Some(winner) = winner else {
            // In call order, without a copy: the hot path of every handoff.
            let visibility = self.result_visibility(agent);
            for (id, output) in (first..).zip(outputs.drain(..)) {
                if let Some(output) = output {
                    let kind = EventKind::ToolResult {
                        call: CallId(id),
                        output,
                    };
                    self.tool_result = Some(Core::append_to(
                        &mut self.log,
                        &self.settings,
                        Some(agent),
                        kind,
                        visibility,
                    ));
                }
            }
            self.outputs = outputs;
            return;
        };
        let EventKind::Reply { calls, .. } = self.log.get(reply).kind else {
            unreachable!("`reply` indexes the response just logged")
        };
        let calls: Vec<ToolCall> = self.log.calls(calls).to_vec();
        let outputs = outputs;
        let mut results: Vec<(CallId, ToolOutput)> = calls
            .iter()
            .zip(outputs)
            .filter_map(|(call, output)| output.map(|o| (call.id, o)))
            .collect();
        {
            // Own tools first, then the handoff calls that lost, then the winner.
            let handoff = |id: CallId| {
                let call = calls
                    .iter()
                    .find(|c| c.id == id)
                    .expect("a result answers a call of the response");
                self.design
                    .resolve_tool(agent, &call.name)
                    .is_some_and(|t| matches!(t.kind, ToolKind::Transfer(_) | ToolKind::Complete))
            };
            let winner = calls[winner].id;
            results.sort_by_key(|(id, _)| (*id == winner, handoff(*id)));
        }
        for (call, output) in results {
            let kind = EventKind::ToolResult { call, output };
            self.tool_result = Some(Core::append_to(&mut self.log, &self.settings, Some(agent), kind, None));
        }
    }

    /// Makes one call: the name to log (the design's shared name when the agent has the
    /// function), the result (`None` when the framework refuses the call outright), and
    /// what a handoff function asks for.
    #[inline(always)]
    fn execute(
        &self,
        agent: AgentId,
        name: Arc<str>,
        arguments: &Map<String, Value>,
    ) -> (Arc<str>, Option<ToolOutput>, Option<Effect>) {
        let profile = self.settings.profile;
        let spec = self.design.resolve_shared(agent, &name);
        let Some(spec) = spec.filter(|s| self.offered_now(agent, s)) else {
            let unknown = self.unknown_tool();
            let output = match unknown {
                UnknownTool::Retry(_) => Some(ToolOutput::Error(unknown.text(&name, &self.design.agent(agent).name))),
                UnknownTool::Fail(_) => None,
            };
            return (name, output, None);
        };
        let shared = if Arc::ptr_eq(&spec.name, &name) || Arc::ptr_eq(&spec.qualified_name, &name) {
            name
        } else if *spec.name == *name {
            spec.name.clone()
        } else if *spec.qualified_name == *name {
            spec.qualified_name.clone()
        } else {
            name
        };
        // A function without parameters called without arguments (every transfer) is fine; a
        // transfer's typed arguments are checked when the handoff is invoked (`refuses_input`).
        let typed_transfer = matches!(spec.kind, ToolKind::Transfer(_)) && !spec.parameters.is_empty();
        if !(typed_transfer || spec.parameters.is_empty() && arguments.is_empty()) {
            let missing: Vec<&str> = spec
                .parameters
                .required()
                .filter(|name| !arguments.contains_key(*name))
                .collect();
            let unexpected: Vec<&str> = arguments
                .keys()
                .map(String::as_str)
                .filter(|k| !spec.parameters.has(k))
                .collect();
            if (!missing.is_empty() || !unexpected.is_empty())
                && let Some(text) = profile.texts.arguments.text(&missing, &unexpected)
            {
                return (shared, Some(ToolOutput::Error(text)), None);
            }
        }
        let (output, effect) = match spec.kind {
            ToolKind::Transfer(target) => {
                let output = match profile.handoffs.result {
                    TransferResult::Nothing => ToolOutput::Nothing,
                    TransferResult::Text(text) => ToolOutput::Text(with_target(text, &self.design.agent(target).name)),
                };
                (output, Some(Effect::Transfer(target)))
            }
            ToolKind::Complete => {
                // The completion function's one parameter, present (checked above).
                let summary = spec.parameters.names().next().and_then(|p| arguments.get(p));
                let summary = summary.map(argument_text).unwrap_or_default().into_owned();
                (ToolOutput::Nothing, Some(Effect::Complete(summary)))
            }
            ToolKind::Own(tool) => {
                let rendered = self.design.result_template(agent, tool).render(|name, out| {
                    // An optional parameter the call left out: its default, else nothing.
                    if let Some(value) = arguments.get(name).or_else(|| spec.parameters.default_of(name)) {
                        out.push_str(&argument_text(value));
                    }
                    true
                });
                // Every placeholder is a parameter (checked by the design) and every required
                // parameter is present (checked above), so rendering cannot miss a value.
                (ToolOutput::Text(rendered.unwrap_or_default()), None)
            }
        };
        (shared, Some(output), effect)
    }
}

/// What the OpenAI Agents SDK 0.24 raises for a handoff's arguments its `input_type` refuses
/// (`_json.validate_json`; under its default `DONT_LOG_TOOL_DATA` the message names no data).
const INVALID_HANDOFF_INPUT: &str = "ModelBehaviorError: Invalid JSON when parsing model output";

/// A tool argument as text: strings as they are, anything else as JSON.
fn argument_text(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

/// `text` with each `{target}` replaced by `target`, in one allocation of the right size: this
/// runs at every handoff of a framework whose transfer returns text, where `str::replace`'s
/// substring searcher cost more than the rest of the handoff.
fn with_target(text: &str, target: &str) -> String {
    const PLACEHOLDER: &str = "{target}";
    let mut out = String::with_capacity(text.len() + target.len());
    let mut rest = text;
    while let Some(at) = rest.bytes().position(|b| b == b'{') {
        out.push_str(&rest[..at]);
        if rest[at..].starts_with(PLACEHOLDER) {
            out.push_str(target);
            rest = &rest[at + PLACEHOLDER.len()..];
        } else {
            out.push('{');
            rest = &rest[at + 1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::argument_text;
    use serde_json::json;

    #[test]
    fn an_argument_renders_a_string_as_itself_and_anything_else_as_compact_json() {
        assert_eq!(argument_text(&json!("Order \"7\"")), "Order \"7\"");
        assert_eq!(argument_text(&json!(7)), "7");
        assert_eq!(argument_text(&json!(0.5)), "0.5");
        assert_eq!(argument_text(&json!(true)), "true");
        assert_eq!(argument_text(&json!(null)), "null");
        assert_eq!(argument_text(&json!(["bug", ".NET"])), r#"["bug",".NET"]"#);
        assert_eq!(
            argument_text(&json!({"tasks": ["a"], "n": 1})),
            r#"{"n":1,"tasks":["a"]}"#
        );
    }
}
