//! Compiling scripts against a design: regexes, templates, tool names and arguments are
//! checked once, so a run never meets a malformed script.

use serde_json::{Map, Value};

use super::pattern::Pattern;
use super::script::{CallCount, CallSpec, Chunk, ErrorSpec, Script, Step, When};
use crate::design::Template;
use crate::design::{AgentId, Design, parameter_list};
use crate::engine::ApiError;
use crate::files::{closest, json_key};

/// A script that does not fit its design. `place` is the JSON path below `model.scripted`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct ScriptError {
    /// JSON path of the offending value, e.g. `model.scripted.TriageAgent.rules[2].when.user`.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone)]
pub(super) struct CompiledStep {
    pub(super) user: Option<Pattern>,
    pub(super) tool_result: Option<Pattern>,
    pub(super) call: Option<CallCount>,
    pub(super) say: Option<Template>,
    pub(super) calls: Vec<ScriptedCall>,
    pub(super) source: String,
    /// Whether the text is streamed in the first call's chunk.
    pub(super) text_in_call_chunk: bool,
    /// Whether the host ends the conversation after this text (a `complete` under a
    /// framework without a completion function).
    pub(super) ends_conversation: bool,
    /// Whether the step hands off (`handoff`).
    pub(super) hands_off: bool,
    /// The text its handoff call (the last call) sends as arguments, when it is no JSON
    /// object (`raw_args`).
    pub(super) raw_handoff: Option<std::sync::Arc<str>>,
    /// The error the model's API answers with instead (`error`).
    pub(super) error: Option<ApiError>,
    /// The refusal the model answers with instead (`refusal`).
    pub(super) refusal: Option<String>,
    /// The reasoning summary the response carries (`reasoning`).
    pub(super) reasoning: Option<String>,
}

/// A call a step makes: the function's name and each argument's template.
pub(super) type ScriptedCall = (std::sync::Arc<str>, Vec<(String, ArgTemplate)>);

#[derive(Debug, Clone)]
pub(super) enum ArgTemplate {
    /// A string argument, its `{name}`s filled in.
    Text(Template),
    /// A template given to a parameter that is not a string: the rendered text read as JSON
    /// (`"{n}"` capturing `7` passes the integer 7), else passed as the string it is.
    Typed(Template),
    /// Any other value, passed as written.
    Json(Value),
}

#[derive(Debug, Clone)]
pub(super) enum Compiled {
    Rules(Vec<CompiledStep>),
    Responses(Vec<CompiledStep>),
}

#[derive(Debug, Clone)]
pub(super) struct AgentScript {
    pub(super) compiled: Compiled,
    /// The call number from which its decisions stop depending on the count: one past the
    /// largest bound its rules name, or past the end of its response list; `None` if no rule
    /// reads the count. Calls from that number on all decide alike.
    pub(super) saturation: Option<u32>,
}

pub(super) fn compile(
    design: &Design,
    agent: AgentId,
    script: &Script,
    place: &str,
    cache: &mut Patterns,
) -> Result<AgentScript, ScriptError> {
    let err = |place: String, message: String| ScriptError { place, message };
    let (steps, key, is_rules) = match (&script.rules, &script.responses) {
        (Some(rules), None) => (rules, "rules", true),
        (None, Some(list)) => (list, "responses", false),
        (Some(_), Some(_)) => {
            return Err(err(place.into(), "give `rules` or `responses`, not both".into()));
        }
        (None, None) => {
            return Err(err(
                place.into(),
                "give `rules` (tried in order) or `responses` (used in order)".into(),
            ));
        }
    };
    if steps.is_empty() {
        return Err(err(
            format!("{place}.{key}"),
            format!("`{key}` is empty: the first model call would fail"),
        ));
    }
    // Named groups of every rule: a later rule may use what an earlier match captured.
    let mut patterns: Vec<(Option<Pattern>, Option<Pattern>)> = Vec::with_capacity(steps.len());
    let mut remembered: Vec<String> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let here = format!("{place}.{key}[{i}]");
        if step.when.is_some() && !is_rules {
            return Err(err(
                format!("{here}.when"),
                "`when` belongs to rules; listed responses are used in order".into(),
            ));
        }
        let when = step.when.clone().unwrap_or_default();
        let mut compile_regex = |field: &str, source: &Option<String>| -> Result<Option<Pattern>, ScriptError> {
            source
                .as_deref()
                .map(|s| {
                    cache.get(s).map_err(|e| {
                        err(
                            format!("{here}.when.{field}"),
                            format!("invalid regular expression:\n{}", indent(&e)),
                        )
                    })
                })
                .transpose()
        };
        let user = compile_regex("user", &when.user)?;
        let tool_result = compile_regex("tool_result", &when.tool_result)?;
        for p in user.iter().chain(tool_result.iter()) {
            remembered.extend(p.names().map(String::from));
        }
        patterns.push((user, tool_result));
    }
    let tool_names = |agent: AgentId| -> String {
        design
            .tools(agent)
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut compiled = Vec::with_capacity(steps.len());
    let mut saturation = (!is_rules).then(|| u32::try_from(steps.len()).unwrap_or(u32::MAX).saturating_add(1));
    for (i, (step, (user, tool_result))) in steps.iter().zip(patterns).enumerate() {
        let here = format!("{place}.{key}[{i}]");
        let when = step.when.clone().unwrap_or_default();
        if let Some(range) = when.call {
            // From `max + 1` on the rule never matches; with no `max`, from `min` on it always does.
            let bound = range.max.map_or(range.min, |max| max.saturating_add(1));
            saturation = Some(saturation.map_or(bound, |s| s.max(bound)));
            if range.min == 0 || range.max.is_some_and(|max| max < range.min) {
                return Err(err(
                    format!("{here}.when.call"),
                    "call numbers start at 1 and `max` must not be below `min`".into(),
                ));
            }
        }
        let known: Vec<&str> = if is_rules {
            remembered.iter().map(String::as_str).collect()
        } else {
            Vec::new()
        };
        let template = |field: String, text: &str| -> Result<Template, ScriptError> {
            let t = Template::parse(text).map_err(|e| err(field.clone(), e.to_string()))?;
            if let Some(unknown) = t.placeholders().find(|p| !known.contains(p)) {
                let message = if is_rules {
                    format!(
                        "`{{{unknown}}}` is not a named group of any `when` regex of this agent (write `(?P<{unknown}>...)`)"
                    )
                } else {
                    format!(
                        "`{{{unknown}}}`: listed responses have no regex captures; write `{{{{` for a literal brace"
                    )
                };
                return Err(err(field, message));
            }
            Ok(t)
        };
        if step.error.is_some() || step.refusal.is_some() {
            compiled.push(CompiledStep {
                user,
                tool_result,
                call: when.call,
                say: None,
                calls: Vec::new(),
                source: describe_step(key, i, &when),
                text_in_call_chunk: false,
                ends_conversation: false,
                hands_off: false,
                raw_handoff: None,
                error: api_error(step, &here)?,
                refusal: step.refusal.clone(),
                reasoning: None,
            });
            continue;
        }
        let surface = design.surface();
        // A framework without a completion function ends with a final text reply.
        let final_text = step.complete.as_deref().filter(|_| surface.complete.is_none());
        if final_text.is_some() {
            let others = step.say.is_some() || step.call.is_some() || step.calls.is_some() || step.handoff.is_some();
            if others {
                return Err(err(
                    format!("{here}.complete"),
                    "these semantics have no completion function: `complete` is the final text reply here, so the step can have nothing else (`say`, `call`, `calls`, `handoff`)".into(),
                ));
            }
        }
        let say = step
            .say
            .as_deref()
            .or(final_text)
            .map(|s| {
                template(
                    format!("{here}.{}", if final_text.is_some() { "complete" } else { "say" }),
                    s,
                )
            })
            .transpose()?;

        let mut specs: Vec<(String, &CallSpec)> = Vec::new();
        specs.extend(step.call.iter().map(|c| (format!("{here}.call"), c)));
        for (j, c) in step.calls.iter().flatten().enumerate() {
            specs.push((format!("{here}.calls[{j}]"), c));
        }
        let handoff_spec;
        if let Some(handoff) = &step.handoff {
            let target = &handoff.to;
            if design.find(target).is_none() {
                let hint = closest(target, design.agents().iter().map(|a| a.name.as_str()));
                return Err(err(
                    format!("{here}.handoff"),
                    format!("`{target}` is not an agent of the design{hint}"),
                ));
            }
            // The agent's own handoff to the target names the function (its
            // `tool_name_override`, if any); without one, the profile's name.
            let to = design.find(target);
            let edge = design.handoffs(agent).iter().find(|h| Some(h.target) == to);
            let plain = surface.handoff_name(edge.and_then(|h| h.tool_name.as_deref()), target);
            let wire = surface.qualified(&plain);
            // A handoff with an `input_type`: the SDK's model sends its arguments.
            if let Some(input) = edge.and_then(|h| h.input_type.as_deref())
                && handoff.args.is_empty()
                && !handoff.unchecked
                && handoff.raw_args.is_none()
                && input.parameters.required().next().is_some()
            {
                return Err(err(
                    format!("{here}.handoff"),
                    format!(
                        "the handoff to `{target}` takes the arguments of its `input_type` `{}` ({}): give them, `{{\"to\": \"{target}\", \"args\": {{...}}}}`, as the SDK's model sends them (`\"unchecked\": true` for a call without)",
                        input.name,
                        parameter_list(&input.parameters)
                    ),
                ));
            }
            handoff_spec = CallSpec {
                tool: surface.call_name(&plain, &wire).to_string(),
                args: handoff.args.clone(),
                // Arguments given as text are sent as they are.
                unchecked: handoff.unchecked || handoff.raw_args.is_some(),
            };
            specs.push((format!("{here}.handoff"), &handoff_spec));
        }
        let complete_spec;
        if let (Some(summary), Some(complete)) = (&step.complete, surface.complete) {
            let mut args = Map::new();
            args.insert(complete.parameter.into(), Value::String(summary.clone()));
            let wire = surface.qualified(complete.name);
            complete_spec = CallSpec {
                tool: surface.call_name(complete.name, &wire).to_string(),
                args,
                unchecked: false,
            };
            specs.push((format!("{here}.complete"), &complete_spec));
        }
        if say.is_none() && specs.is_empty() {
            return Err(err(
                here,
                "a step needs `say`, `call`, `calls`, `handoff` or `complete`".into(),
            ));
        }

        let mut calls = Vec::with_capacity(specs.len());
        for (field, spec) in specs {
            let tool = check_tool(design, agent, spec, &field, &tool_names)?;
            let own = design
                .tools(agent)
                .iter()
                .find(|t| *t.name == *spec.tool || *t.qualified_name == *spec.tool)
                .filter(|_| !spec.unchecked);
            let mut args = Vec::with_capacity(spec.args.len());
            for (name, value) in &spec.args {
                let arg = match value {
                    Value::String(s) => {
                        let field = if field.ends_with(".complete") {
                            field.clone()
                        } else {
                            format!("{field}.args{}", json_key(name))
                        };
                        let text = template(field, s)?;
                        match own {
                            Some(tool) if !tool.parameters.takes_string(name) => ArgTemplate::Typed(text),
                            _ => ArgTemplate::Text(text),
                        }
                    }
                    other => ArgTemplate::Json(other.clone()),
                };
                args.push((name.clone(), arg));
            }
            calls.push((tool.into(), args));
        }
        compiled.push(CompiledStep {
            user,
            tool_result,
            call: when.call,
            say,
            calls,
            source: describe_step(key, i, &when),
            text_in_call_chunk: step.chunk == Some(Chunk::One),
            ends_conversation: final_text.is_some(),
            hands_off: step.handoff.is_some(),
            raw_handoff: raw_handoff(step, design, agent, &here)?,
            error: None,
            refusal: None,
            reasoning: step.reasoning.clone(),
        });
    }
    let compiled = if is_rules {
        Compiled::Rules(compiled)
    } else {
        Compiled::Responses(compiled)
    };
    Ok(AgentScript { compiled, saturation })
}

/// The raw argument text of `step`'s handoff (`raw_args`), checked: only for a transfer that
/// takes arguments (an edge's `input_type`), instead of `args`, and no JSON object (those are
/// `args`).
fn raw_handoff(
    step: &Step,
    design: &Design,
    agent: AgentId,
    here: &str,
) -> Result<Option<std::sync::Arc<str>>, ScriptError> {
    let Some(handoff) = &step.handoff else {
        return Ok(None);
    };
    let Some(raw) = &handoff.raw_args else {
        return Ok(None);
    };
    let place = format!("{here}.handoff.raw_args");
    let err = |place: String, message: String| ScriptError { place, message };
    let to = design.find(&handoff.to);
    let typed = design
        .handoffs(agent)
        .iter()
        .any(|h| Some(h.target) == to && h.input_type.is_some());
    if !typed {
        return Err(err(
            place,
            format!(
                "the handoff to `{}` takes no arguments: `raw_args` is the text a model sends to a transfer that takes some (an edge's `input_type`, openai-agents), which the SDK validates; a transfer without arguments ignores what it is sent",
                handoff.to
            ),
        ));
    }
    if !handoff.args.is_empty() {
        return Err(err(place, "give `args` or `raw_args`, not both".into()));
    }
    if matches!(serde_json::from_str(raw), Ok(Value::Object(_))) {
        return Err(err(
            place,
            format!("{raw} is a JSON object: give it as `args` (`raw_args` is text that is no JSON object)"),
        ));
    }
    Ok(Some(raw.as_str().into()))
}

/// The error of a step that answers with `error` (or `refusal`), which then has no other
/// answer: a status must be one of HTTP's errors, 400 to 599.
fn api_error(step: &Step, here: &str) -> Result<Option<ApiError>, ScriptError> {
    let err = |place: String, message: String| Err(ScriptError { place, message });
    let others = [
        ("say", step.say.is_some()),
        ("call", step.call.is_some()),
        ("calls", step.calls.is_some()),
        ("handoff", step.handoff.is_some()),
        ("complete", step.complete.is_some()),
        ("chunk", step.chunk.is_some()),
        ("reasoning", step.reasoning.is_some()),
        ("refusal", step.refusal.is_some() && step.error.is_some()),
    ];
    let (field, what) = match step.error {
        Some(_) => ("error", "an error of the model's API is the whole answer"),
        None => ("refusal", "a refusal is the whole answer"),
    };
    if let Some((other, _)) = others.iter().find(|(_, given)| *given) {
        return err(
            format!("{here}.{other}"),
            format!("`{field}` cannot go with `{other}`: {what}"),
        );
    }
    Ok(match &step.error {
        None => None,
        Some(ErrorSpec::Timeout) => Some(ApiError::timeout()),
        Some(ErrorSpec::ContextLengthExceeded) => Some(ApiError::context_length_exceeded()),
        Some(ErrorSpec::Status(spec)) => {
            if !(400..=599).contains(&spec.status) {
                return err(
                    format!("{here}.error.status"),
                    format!("{} is not an HTTP error status (400 to 599)", spec.status),
                );
            }
            Some(ApiError::status(
                spec.status,
                spec.code.clone(),
                spec.kind.clone(),
                spec.message.clone(),
            ))
        }
    })
}

/// Checks a scripted call: an own tool needs every required parameter, no other argument,
/// and each value of its parameter's type (a `{name}` template given to a parameter of
/// another type than string is read as JSON once rendered); a name no agent of the
/// design offers is a typo. A call to another agent's function is allowed on purpose: it
/// tests what happens when a model calls a tool it does not have; an `unchecked` call may
/// name anything and pass any arguments. Returns the name the call is made with: an own
/// function by the name that reaches it under the design's surface (the plain name, or the
/// wire name where only that reaches it), another by the name given.
fn check_tool(
    design: &Design,
    agent: AgentId,
    spec: &CallSpec,
    field: &str,
    tool_names: &dyn Fn(AgentId) -> String,
) -> Result<String, ScriptError> {
    let err = |place: String, message: String| Err(ScriptError { place, message });
    let name = &design.agent(agent).name;
    let surface = design.surface();
    let own = |a: AgentId| {
        design
            .tools(a)
            .iter()
            .find(|t| *t.name == *spec.tool || *t.qualified_name == *spec.tool)
    };
    match own(agent) {
        Some(tool) if spec.unchecked => Ok(surface.call_name(&tool.name, &tool.qualified_name).to_string()),
        None if spec.unchecked => Ok(spec.tool.clone()),
        Some(tool) => {
            let parameters = &tool.parameters;
            if let Some(missing) = parameters.required().find(|p| !spec.args.contains_key(*p)) {
                return err(
                    format!("{field}.args"),
                    format!("missing argument `{missing}` of `{}`", spec.tool),
                );
            }
            for (name, value) in &spec.args {
                let place = format!("{field}.args{}", json_key(name));
                if !parameters.has(name) {
                    let params = parameter_list(parameters);
                    return err(
                        place,
                        format!("`{name}` is not a parameter of `{}` (parameters: {params})", spec.tool),
                    );
                }
                // A template for a parameter of another type is read as JSON once rendered.
                let template = value.as_str().is_some_and(|s| s.contains('{')) && !parameters.takes_string(name);
                if !template && let Err(e) = parameters.check_argument(name, value) {
                    return err(format!("{place}{}", e.path), e.message);
                }
            }
            Ok(surface.call_name(&tool.name, &tool.qualified_name).to_string())
        }
        None => {
            let transfer = |a: &crate::design::Agent| {
                let plain = surface.transfer_name(&a.name);
                spec.tool == plain || spec.tool == surface.qualified(&plain)
            };
            let elsewhere = design.ids().any(|other| own(other).is_some()) || design.agents().iter().any(transfer);
            if elsewhere {
                Ok(spec.tool.clone())
            } else {
                let hint = closest(&spec.tool, design.tools(agent).iter().map(|t| &*t.name));
                err(
                    format!("{field}.tool"),
                    format!(
                        "no agent of the design has a function `{}`{hint}; `{name}` has {}",
                        spec.tool,
                        tool_names(agent)
                    ),
                )
            }
        }
    }
}

fn describe_step(key: &str, i: usize, when: &When) -> String {
    let mut parts = Vec::new();
    if let Some(c) = when.call {
        parts.push(match c.max {
            Some(max) if max == c.min => format!("call #{max}"),
            Some(max) => format!("call #{}..#{max}", c.min),
            None => format!("call #{} or later", c.min),
        });
    }
    if let Some(u) = &when.user {
        parts.push(format!("user ~ /{u}/"));
    }
    if let Some(t) = &when.tool_result {
        parts.push(format!("tool_result ~ /{t}/"));
    }
    if parts.is_empty() {
        format!("{key}[{i}]")
    } else {
        format!("{key}[{i}] (when {})", parts.join(", "))
    }
}

/// The patterns compiled so far, shared by all agents of a model: a regex several rules use
/// is built once.
#[derive(Default)]
pub(super) struct Patterns(Vec<(String, Pattern)>);

impl Patterns {
    fn get(&mut self, source: &str) -> Result<Pattern, String> {
        if let Some((_, pattern)) = self.0.iter().find(|(s, _)| s == source) {
            return Ok(pattern.clone());
        }
        let pattern = Pattern::new(source)?;
        self.0.push((source.to_string(), pattern.clone()));
        Ok(pattern)
    }
}

/// The regex crate's multi-line diagnostic (pattern, caret, reason), indented under the message.
fn indent(text: &str) -> String {
    let lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && l.trim() != "regex parse error:");
    lines
        .map(|l| format!("    {}", l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}
