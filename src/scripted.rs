//! Scripted models: each agent's model behaviour written down as rules ("when the user says
//! X, call tool Y"; the first matching rule wins) or as a plain list of responses given in
//! order. An unexpected model call is an error that names the agent, the input and the rules
//! tried, never a silent default.
//!
//! The same types are the `model.scripted` section of a scenario file (see
//! `scenarios/README.md`) and the Rust API: build [`Script`]s, then compile them against a
//! design with [`ScriptedModel::new`].

use std::fmt::Write;
use std::future::{Future, ready};

use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::design::{
    AgentId, COMPLETE_TASK, Design, TASK_SUMMARY, TRANSFER_PREFIX, closest, json_key,
};
use crate::engine::{Call, ModelError, ModelRequest, Response};
use crate::orchestration::Model;
use crate::template::Template;

/// The script of one agent's model: `rules` or `responses`, not both.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
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
    /// Hand off to this agent (calls `transfer_to_<agent>`).
    #[serde(default)]
    pub handoff: Option<String>,
    /// Complete the task with this summary (calls `complete_task`).
    #[serde(default)]
    pub complete: Option<String>,
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
        self.when.get_or_insert_with(When::default).call = Some(CallCount {
            min: n,
            max: Some(n),
        });
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
        });
        self
    }
    /// Answers with a handoff to `agent`.
    pub fn handoff(mut self, agent: impl Into<String>) -> Step {
        self.handoff = Some(agent.into());
        self
    }
    /// Answers by completing the task.
    pub fn complete(mut self, summary: impl Into<String>) -> Step {
        self.complete = Some(summary.into());
        self
    }
}

/// Conditions of a rule.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
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
            serde::de::Error::custom(
                "expected a call number like 1, or a range like {\"min\": 2, \"max\": 5}",
            )
        })? {
            Form::Exactly(n) => Ok(CallCount {
                min: n,
                max: Some(n),
            }),
            Form::Range(r) => Ok(CallCount {
                min: r.min,
                max: r.max,
            }),
        }
    }
}

/// A tool call in a script.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// Function name, plain or `<plugin>-<name>`.
    pub tool: String,
    /// Arguments; string values may use `{name}` placeholders.
    #[serde(default)]
    pub args: Map<String, Value>,
}

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
struct Pattern {
    regex: Regex,
}

#[derive(Debug, Clone)]
struct CompiledStep {
    user: Option<Pattern>,
    tool_result: Option<Pattern>,
    call: Option<CallCount>,
    say: Option<Template>,
    calls: Vec<(String, Vec<(String, ArgTemplate)>)>,
    source: String,
}

#[derive(Debug, Clone)]
enum ArgTemplate {
    Text(Template),
    Json(Value),
}

#[derive(Debug, Clone)]
enum Compiled {
    Rules(Vec<CompiledStep>),
    Responses(Vec<CompiledStep>),
}

#[derive(Debug, Clone)]
struct AgentScript {
    compiled: Compiled,
    /// Whether its decisions read a counter (call numbers, list position).
    counted: bool,
}

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
        for (name, script) in scripts {
            let place = format!("model.scripted{}", json_key(name));
            let Some(agent) = design.find(name) else {
                let hint = closest(name, design.agents().iter().map(|a| a.name.as_str()));
                return Err(ScriptError {
                    place,
                    message: format!("`{name}` is not an agent of the design{hint}"),
                });
            };
            compiled[agent.index()] = Some(compile(design, agent, script, &place)?);
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
        self.state
            .iter_mut()
            .for_each(|s| *s = AgentState::default());
        self.version = 0;
    }

    /// Whether `agent` has a script.
    pub fn has_script(&self, agent: AgentId) -> bool {
        self.scripts[agent.index()].is_some()
    }

    /// Answers one model call, synchronously.
    pub fn reply(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        let agent = request.agent();
        let name = &self.names[agent.index()];
        let Some(script) = &self.scripts[agent.index()] else {
            return Err(ModelError::new(format!(
                "`{name}` has no script (model.scripted{} is missing), but its model was called (call #{}, {})",
                json_key(name),
                request.call_number(),
                describe_input(request)
            )));
        };
        let state = &mut self.state[agent.index()];
        let call = request.call_number();
        let step = match &script.compiled {
            Compiled::Responses(list) => {
                let Some(step) = list.get(call as usize - 1) else {
                    return Err(ModelError::new(format!(
                        "the response list of `{name}` has {} responses, all used; model call #{call} has none left ({})",
                        list.len(),
                        describe_input(request)
                    )));
                };
                step
            }
            Compiled::Rules(rules) => {
                let Some(step) = rules.iter().find(|r| matches(r, request).is_ok()) else {
                    return Err(ModelError::new(no_rule_message(name, rules, request)));
                };
                step
            }
        };
        let captures = capture(step, request);
        for (key, value) in &captures {
            match state.memory.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1.clone_from(value),
                None => state.memory.push((key.clone(), value.clone())),
            }
        }
        state.calls = call;
        if script.counted {
            self.version += 1;
        }
        let lookup = |key: &str| {
            state
                .memory
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let missing = |key: String| {
            ModelError::new(format!(
                "{} of `{name}` uses `{{{key}}}`, but no match of this agent has captured `{key}` yet",
                step.source
            ))
        };
        let text = step
            .say
            .as_ref()
            .map(|t| t.render_with(lookup))
            .transpose()
            .map_err(missing)?;
        let mut calls = Vec::with_capacity(step.calls.len());
        for (tool, args) in &step.calls {
            let mut arguments = Map::new();
            for (key, arg) in args {
                let value = match arg {
                    ArgTemplate::Text(t) => Value::String(t.render_with(lookup).map_err(missing)?),
                    ArgTemplate::Json(v) => v.clone(),
                };
                arguments.insert(key.clone(), value);
            }
            calls.push(Call {
                name: tool.clone(),
                arguments,
            });
        }
        Ok(Response { text, calls })
    }
}

impl Model for ScriptedModel {
    fn respond(
        &mut self,
        request: &ModelRequest<'_>,
    ) -> impl Future<Output = Result<Response, ModelError>> + Send {
        ready(self.reply(request))
    }
    fn state(&self) -> Option<u64> {
        Some(self.version)
    }
}

/// Why a rule does not match, or `Ok` if it does.
fn matches(step: &CompiledStep, request: &ModelRequest<'_>) -> Result<(), String> {
    if let Some(range) = step.call {
        let n = request.call_number();
        if n < range.min || range.max.is_some_and(|max| n > max) {
            return Err(format!("this is call #{n}"));
        }
    }
    if let Some(p) = &step.tool_result {
        match request.tool_result().and_then(|(_, output)| output.text()) {
            None => return Err("no tool result in this turn".into()),
            Some(text) if !p.regex.is_match(text) => {
                return Err("the tool result does not match".into());
            }
            Some(_) => {}
        }
    }
    if let Some(p) = &step.user
        && !p
            .regex
            .is_match(request.latest_user_message().unwrap_or(""))
    {
        return Err("the user message does not match".into());
    }
    Ok(())
}

/// The named groups the matching step's regexes capture.
fn capture(step: &CompiledStep, request: &ModelRequest<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let inputs = [
        (&step.user, request.latest_user_message()),
        (
            &step.tool_result,
            request.tool_result().and_then(|(_, o)| o.text()),
        ),
    ];
    for (pattern, text) in inputs {
        let (Some(p), Some(text)) = (pattern, text) else {
            continue;
        };
        let Some(caps) = p.regex.captures(text) else {
            continue;
        };
        for name in p.regex.capture_names().flatten() {
            if let Some(m) = caps.name(name) {
                out.push((name.to_string(), m.as_str().to_string()));
            }
        }
    }
    out
}

fn describe_input(request: &ModelRequest<'_>) -> String {
    let user = request.latest_user_message().unwrap_or("");
    let tool = match request
        .tool_result()
        .and_then(|(name, o)| o.text().map(|t| (name, t)))
    {
        Some((name, text)) => format!("tool result of `{name}`: {text:?}"),
        None => "no tool result in this turn".into(),
    };
    format!("latest user message: {user:?}; {tool}")
}

fn no_rule_message(name: &str, rules: &[CompiledStep], request: &ModelRequest<'_>) -> String {
    let mut out = format!(
        "no rule of `{name}` matches its model call #{} ({})\n  rules tried, in order:",
        request.call_number(),
        describe_input(request)
    );
    for rule in rules {
        let why = matches(rule, request).err().unwrap_or_default();
        let _ = write!(out, "\n    {}: {why}", rule.source);
    }
    out
}

fn compile(
    design: &Design,
    agent: AgentId,
    script: &Script,
    place: &str,
) -> Result<AgentScript, ScriptError> {
    let err = |place: String, message: String| ScriptError { place, message };
    let (steps, key, is_rules) = match (&script.rules, &script.responses) {
        (Some(rules), None) => (rules, "rules", true),
        (None, Some(list)) => (list, "responses", false),
        (Some(_), Some(_)) => {
            return Err(err(
                place.into(),
                "give `rules` or `responses`, not both".into(),
            ));
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
        let compile_regex =
            |field: &str, source: &Option<String>| -> Result<Option<Pattern>, ScriptError> {
                source
                    .as_deref()
                    .map(|s| {
                        Regex::new(s).map(|regex| Pattern { regex }).map_err(|e| {
                            err(
                                format!("{here}.when.{field}"),
                                format!("invalid regular expression:\n{}", indent(&e.to_string())),
                            )
                        })
                    })
                    .transpose()
            };
        let user = compile_regex("user", &when.user)?;
        let tool_result = compile_regex("tool_result", &when.tool_result)?;
        for p in user.iter().chain(tool_result.iter()) {
            remembered.extend(p.regex.capture_names().flatten().map(String::from));
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
    let mut counted = !is_rules;
    for (i, (step, (user, tool_result))) in steps.iter().zip(patterns).enumerate() {
        let here = format!("{place}.{key}[{i}]");
        let when = step.when.clone().unwrap_or_default();
        if let Some(range) = when.call {
            counted = true;
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
        let say = step
            .say
            .as_deref()
            .map(|s| template(format!("{here}.say"), s))
            .transpose()?;

        let mut specs: Vec<(String, &CallSpec)> = Vec::new();
        specs.extend(step.call.iter().map(|c| (format!("{here}.call"), c)));
        for (j, c) in step.calls.iter().flatten().enumerate() {
            specs.push((format!("{here}.calls[{j}]"), c));
        }
        let handoff_spec;
        if let Some(target) = &step.handoff {
            if design.find(target).is_none() {
                let hint = closest(target, design.agents().iter().map(|a| a.name.as_str()));
                return Err(err(
                    format!("{here}.handoff"),
                    format!("`{target}` is not an agent of the design{hint}"),
                ));
            }
            handoff_spec = CallSpec {
                tool: format!("{TRANSFER_PREFIX}{target}"),
                args: Map::new(),
            };
            specs.push((format!("{here}.handoff"), &handoff_spec));
        }
        let complete_spec;
        if let Some(summary) = &step.complete {
            let mut args = Map::new();
            args.insert(TASK_SUMMARY.into(), Value::String(summary.clone()));
            complete_spec = CallSpec {
                tool: COMPLETE_TASK.into(),
                args,
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
            check_tool(design, agent, spec, &field, &tool_names)?;
            let mut args = Vec::with_capacity(spec.args.len());
            for (name, value) in &spec.args {
                let arg = match value {
                    Value::String(s) => {
                        let field = if field.ends_with(".complete") {
                            field.clone()
                        } else {
                            format!("{field}.args{}", json_key(name))
                        };
                        ArgTemplate::Text(template(field, s)?)
                    }
                    other => ArgTemplate::Json(other.clone()),
                };
                args.push((name.clone(), arg));
            }
            calls.push((spec.tool.clone(), args));
        }
        compiled.push(CompiledStep {
            user,
            tool_result,
            call: when.call,
            say,
            calls,
            source: describe_step(key, i, &when),
        });
    }
    let compiled = if is_rules {
        Compiled::Rules(compiled)
    } else {
        Compiled::Responses(compiled)
    };
    Ok(AgentScript { compiled, counted })
}

/// Checks a scripted call: an own tool needs exactly its parameters; a name no agent of the
/// design offers is a typo. A call to another agent's function is allowed on purpose: it
/// tests what happens when a model calls a tool it does not have.
fn check_tool(
    design: &Design,
    agent: AgentId,
    spec: &CallSpec,
    field: &str,
    tool_names: &dyn Fn(AgentId) -> String,
) -> Result<(), ScriptError> {
    let err = |place: String, message: String| Err(ScriptError { place, message });
    let name = &design.agent(agent).name;
    match design.resolve_tool(agent, &spec.tool) {
        Some(tool) => {
            if let Some((missing, _)) = tool
                .parameters
                .iter()
                .find(|(p, _)| !spec.args.contains_key(p))
            {
                return err(
                    format!("{field}.args"),
                    format!("missing argument `{missing}` of `{}`", spec.tool),
                );
            }
            if let Some(extra) = spec
                .args
                .keys()
                .find(|k| !tool.parameters.iter().any(|(p, _)| p == *k))
            {
                let params: Vec<_> = tool
                    .parameters
                    .iter()
                    .map(|(p, _)| format!("`{p}`"))
                    .collect();
                let params = if params.is_empty() {
                    "none".to_string()
                } else {
                    params.join(", ")
                };
                return err(
                    format!("{field}.args{}", json_key(extra)),
                    format!(
                        "`{extra}` is not a parameter of `{}` (parameters: {params})",
                        spec.tool
                    ),
                );
            }
            Ok(())
        }
        None => {
            let elsewhere = design
                .ids()
                .any(|other| design.resolve_tool(other, &spec.tool).is_some())
                || spec
                    .tool
                    .strip_prefix(TRANSFER_PREFIX)
                    .is_some_and(|t| design.find(t).is_some());
            if elsewhere {
                Ok(())
            } else {
                let hint = closest(
                    &spec.tool,
                    design.tools(agent).iter().map(|t| t.name.as_str()),
                );
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
