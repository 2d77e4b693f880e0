//! Scripted models: each agent's model behaviour written down as rules ("when the user says
//! X, call tool Y"; the first matching rule wins) or as a plain list of responses given in
//! order. An unexpected model call is an error that names the agent, the input and the rules
//! tried, never a silent default.
//!
//! The same types are the `model.scripted` section of a scenario file (see
//! `scenarios/README.md`) and the Rust API: build [`Script`]s, then compile them against a
//! design with [`ScriptedModel::new`].

use std::future::{Future, ready};

use serde_json::{Map, Value, json};

use crate::design::{AgentId, Design};
use crate::engine::{Call, Model, ModelError, ModelRequest, Response};
use crate::files::{closest, json_key};

mod compile;
mod explain;
pub(crate) mod pattern;
mod script;

use compile::{AgentScript, ArgTemplate, Compiled, CompiledStep};
use explain::{Input, Other};

pub use compile::ScriptError;
pub(crate) use explain::one_word_off;
pub use script::{CallCount, CallSpec, Chunk, ErrorSpec, HandoffTo, Script, StatusSpec, Step, When};

#[derive(Debug, Clone, Default)]
struct AgentState {
    calls: u32,
    memory: Vec<(String, String)>,
}

/// A model that answers from [`Script`]s, one per agent. Deterministic; cheap to clone, so a
/// compiled model can be reused for many runs ([`ScriptedModel::reset`]).
#[derive(Debug, Clone)]
pub struct ScriptedModel {
    scripts: Vec<Option<AgentScript>>,
    names: Vec<String>,
    state: Vec<AgentState>,
    version: u64,
}

impl ScriptedModel {
    /// Compiles `scripts` (agent name, script) against `design`: regexes, templates, tool
    /// names and arguments are all checked here, so a run never meets a malformed script.
    pub fn new<'s>(
        design: &Design,
        scripts: impl IntoIterator<Item = (&'s str, &'s Script)>,
    ) -> Result<ScriptedModel, ScriptError> {
        let mut compiled: Vec<Option<AgentScript>> = vec![None; design.agents().len()];
        let mut patterns = compile::Patterns::default();
        for (name, script) in scripts {
            let place = format!("model.scripted{}", json_key(name));
            let Some(agent) = design.find(name) else {
                let hint = closest(name, design.agents().iter().map(|a| a.name.as_str()));
                return Err(ScriptError {
                    place,
                    message: format!("`{name}` is not an agent of the design{hint}"),
                });
            };
            compiled[agent.index()] = Some(compile::compile(design, agent, script, &place, &mut patterns)?);
        }
        Ok(ScriptedModel {
            names: design.agents().iter().map(|a| a.name.clone()).collect(),
            state: vec![AgentState::default(); compiled.len()],
            scripts: compiled,
            version: 0,
        })
    }

    /// Forgets everything the model did, ready for a new run.
    pub fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| *s = AgentState::default());
        self.version = 0;
    }

    /// The `when.user` regexes of every rule, as written, in order (agents in design order),
    /// each once: what the scripts listen for, which the fuzzer builds its inputs from.
    pub fn user_patterns(&self) -> Vec<&str> {
        let mut sources: Vec<&str> = Vec::new();
        for script in self.scripts.iter().flatten() {
            let (Compiled::Rules(steps) | Compiled::Responses(steps)) = &script.compiled;
            for pattern in steps.iter().filter_map(|s| s.user.as_ref()) {
                if !sources.contains(&pattern.source()) {
                    sources.push(pattern.source());
                }
            }
        }
        sources
    }

    /// The `when.user` regexes of [`ScriptedModel::user_patterns`], in the same order, each
    /// with whether a rule that reads it hands off (`handoff`): the words that move a
    /// request from one agent to another.
    pub fn user_rules(&self) -> Vec<(&str, bool)> {
        let mut rules: Vec<(&str, bool)> = Vec::new();
        for script in self.scripts.iter().flatten() {
            let (Compiled::Rules(steps) | Compiled::Responses(steps)) = &script.compiled;
            for step in steps {
                let Some(pattern) = &step.user else { continue };
                match rules.iter_mut().find(|(s, _)| *s == pattern.source()) {
                    Some(known) => known.1 |= step.hands_off,
                    None => rules.push((pattern.source(), step.hands_off)),
                }
            }
        }
        rules
    }

    /// Whether `agent` has a script.
    pub fn has_script(&self, agent: AgentId) -> bool {
        self.scripts[agent.index()].is_some()
    }

    /// Answers one model call, synchronously.
    pub fn reply(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        let agent = request.agent();
        let name = &self.names[agent.index()];
        let input = Input::of(request);
        let call = request.call_number();
        let Some(script) = &self.scripts[agent.index()] else {
            let message = format!(
                "`{name}` has no script (model.scripted{} is missing), but its model was called (call #{call}, {})",
                json_key(name),
                input.describe()
            );
            return Err(explain::failure("no-script", name, &input, message, json!({})));
        };
        let step = match &script.compiled {
            Compiled::Responses(list) => {
                let Some(step) = list.get(call as usize - 1) else {
                    let message = format!(
                        "the response list of `{name}` has {} responses, all used; model call #{call} has none left ({})",
                        list.len(),
                        input.describe()
                    );
                    let extra = json!({ "path": format!("model.scripted{}.responses", json_key(name)), "responses": list.len() });
                    return Err(explain::failure("responses-used-up", name, &input, message, extra));
                };
                step
            }
            Compiled::Rules(rules) => {
                let Some(step) = rules.iter().find(|r| explain::matches(r, &input).is_ok()) else {
                    let others: Vec<Other<'_>> = (0..self.scripts.len())
                        .filter(|&i| i != agent.index())
                        .filter_map(|i| {
                            Some(Other {
                                name: &self.names[i],
                                script: self.scripts[i].as_ref()?,
                                next_call: self.state[i].calls.saturating_add(1),
                            })
                        })
                        .collect();
                    return Err(explain::no_rule(name, rules, &input, &others));
                };
                step
            }
        };
        let state = &mut self.state[agent.index()];
        let remembered = remember(step, request, &mut state.memory);
        state.calls = call;
        // The deciding state changes when the next call's number still decides differently
        // (it has not saturated), or what the agent remembers changed.
        if script.saturation.is_some_and(|s| call < s) || remembered {
            self.version += 1;
        }
        if let Some(error) = &step.error {
            return Err(ModelError::api(error.clone()));
        }
        let lookup = |key: &str| state.memory.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let missing = |key: String| {
            let message = format!(
                "{} of `{name}` uses `{{{key}}}`, but no match of this agent has captured `{key}` yet",
                step.source
            );
            explain::failure(
                "missing-capture",
                name,
                &input,
                message,
                json!({ "rule": step.source, "name": key }),
            )
        };
        let text = step
            .say
            .as_ref()
            .map(|t| t.render_with(lookup))
            .transpose()
            .map_err(missing)?;
        let mut calls = crate::engine::Calls::with_capacity(step.calls.len());
        for (tool, args) in &step.calls {
            let mut arguments = Map::new();
            for (key, arg) in args {
                let value = match arg {
                    ArgTemplate::Text(t) => Value::String(t.render_with(lookup).map_err(missing)?),
                    ArgTemplate::Typed(t) => {
                        let text = t.render_with(lookup).map_err(missing)?;
                        serde_json::from_str(&text).unwrap_or(Value::String(text))
                    }
                    ArgTemplate::Json(v) => v.clone(),
                };
                arguments.insert(key.clone(), value);
            }
            calls.push(Call {
                name: tool.clone(),
                arguments,
                raw: None,
            });
        }
        // A handoff's arguments as text that is no JSON object: the last call's.
        if let (Some(raw), Some(last)) = (&step.raw_handoff, calls.last_mut()) {
            last.raw = Some(raw.clone());
        }
        Ok(Response {
            text,
            calls,
            text_in_call_chunk: step.text_in_call_chunk,
            ends_conversation: step.ends_conversation,
            refusal: step.refusal.clone(),
            reasoning: step.reasoning.clone(),
        })
    }
}

impl Model for ScriptedModel {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        ready(self.reply(request))
    }
    fn state(&self) -> Option<u64> {
        Some(self.version)
    }
}

/// Stores the named groups the matching step's regexes capture in the agent's memory, and
/// says whether any value changed. Patterns without named groups are not run again: matching
/// them already said yes.
fn remember(step: &CompiledStep, request: &ModelRequest<'_>, memory: &mut Vec<(String, String)>) -> bool {
    let mut changed = false;
    let inputs = [
        (&step.user, request.latest_user_message()),
        (&step.tool_result, request.tool_result().and_then(|(_, o)| o.text())),
    ];
    for (pattern, text) in inputs {
        let (Some(p), Some(text)) = (pattern, text) else {
            continue;
        };
        if !p.is_named() {
            continue;
        }
        p.captures(text, |name, value| match memory.iter_mut().find(|(k, _)| k == name) {
            Some(slot) if slot.1 == value => {}
            Some(slot) => {
                slot.1.clear();
                slot.1.push_str(value);
                changed = true;
            }
            None => {
                memory.push((name.to_string(), value.to_string()));
                changed = true;
            }
        });
    }
    changed
}
