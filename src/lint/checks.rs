//! The mistakes a scenario's scripts and expectations can hold that a run finds only by
//! going wrong: rules that can never match, calls of functions the agent does not have,
//! human replies no rule listens for, expectations naming agents the design does not have.

use regex_syntax::hir::Hir;
use serde_json::Value;

use super::finding::{Code, Finding};
use super::locate::Path;
use crate::design::{AgentId, Design, ToolKind};
use crate::files::closest;
use crate::scripted::one_word_off;
use crate::scripted::pattern::Pattern;
use crate::scripted::{CallSpec, Script, Step, When};

/// What a check needs of the scenario: its design, the texts a user sends, the call limit.
pub(super) struct Context<'a> {
    pub(super) design: &'a Design,
    /// The task and the human's replies.
    pub(super) texts: Vec<&'a str>,
    /// The human's replies alone, in order.
    pub(super) replies: &'a [String],
    /// `limits.model_calls`, if set.
    pub(super) model_calls: Option<u32>,
}

/// The agent names an expectation gives that the design (its raw `agents`) does not have.
pub(super) fn expectations(file: &Value, found: &mut Vec<Finding>) {
    let agents: Vec<&str> = file["agents"]
        .as_array()
        .map(|list| list.iter().filter_map(|a| a["name"].as_str()).collect())
        .unwrap_or_default();
    let expect = Path::root().key("expect");
    let mut named: Vec<(Path, &str)> = Vec::new();
    if let Some(name) = file["expect"]["final_agent"].as_str() {
        named.push((expect.key("final_agent"), name));
    }
    for field in ["path", "cycle", "visits", "avoids"] {
        for (i, name) in file["expect"][field].as_array().into_iter().flatten().enumerate() {
            if let Some(name) = name.as_str() {
                named.push((expect.key(field).index(i), name));
            }
        }
    }
    for (i, check) in file["expect"]["inputs"].as_array().into_iter().flatten().enumerate() {
        if let Some(name) = check["agent"].as_str() {
            named.push((expect.key("inputs").index(i).key("agent"), name));
        }
    }
    for (path, name) in named {
        if !agents.contains(&name) {
            let hint = closest(name, agents.iter().copied());
            found.push(Finding::new(
                Code::UnknownAgent,
                path,
                format!("`{name}` is not an agent of the design{hint}: the expectation can never hold"),
            ));
        }
    }
}

/// Every check of one agent's script, at `place` (`model.scripted.<agent>`).
pub(super) fn script(cx: &Context<'_>, agent: AgentId, script: &Script, place: &Path, found: &mut Vec<Finding>) {
    let (steps, key) = match (&script.rules, &script.responses) {
        (Some(rules), _) => (rules, "rules"),
        (None, Some(responses)) => (responses, "responses"),
        (None, None) => return,
    };
    let mut catch_all: Option<usize> = None;
    for (i, step) in steps.iter().enumerate() {
        let here = place.key(key).index(i);
        calls(cx, agent, step, &here, found);
        if key != "rules" {
            continue;
        }
        if let Some(j) = catch_all {
            found.push(Finding::new(
                Code::UnreachableRule,
                here,
                format!(
                    "this rule can never match: rules[{j}] before it answers every call ({}), and the first matching rule answers",
                    why_catch_all(steps[j].when.as_ref())
                ),
            ));
            continue;
        }
        let when = step.when.clone().unwrap_or_default();
        conditions(cx, agent, &when, &here.key("when"), found);
        if is_catch_all(&when) {
            catch_all = Some(i);
        }
    }
}

/// The conditions of one rule: a call number past the limit, regexes nothing (or nothing of
/// this scenario) matches.
fn conditions(cx: &Context<'_>, agent: AgentId, when: &When, here: &Path, found: &mut Vec<Finding>) {
    if let (Some(call), Some(limit)) = (when.call, cx.model_calls)
        && call.min > limit
    {
        found.push(Finding::new(
            Code::CallPastLimit,
            here.key("call"),
            format!(
                "call #{} never comes: the run stops after {limit} model calls in all (limits.model_calls)",
                call.min
            ),
        ));
    }
    let regexes = [("user", &when.user), ("tool_result", &when.tool_result)];
    for (field, source) in regexes {
        let Some(source) = source else { continue };
        let at = here.key(field);
        let Ok(hir) = regex_syntax::parse(source) else {
            continue;
        };
        if hir.properties().minimum_len().is_none() {
            found.push(Finding::new(
                Code::RegexNeverMatches,
                at,
                format!("/{source}/ matches no text at all: the rule can never match"),
            ));
            continue;
        }
        if matches_everything(&hir) {
            continue;
        }
        let Ok(pattern) = Pattern::new(source) else {
            continue;
        };
        if field == "user" && !cx.texts.iter().any(|t| pattern.is_match(t)) {
            let typo = cx.texts.iter().find_map(|t| Some((one_word_off(source, t)?, *t)));
            let guess = match typo {
                Some(((written, meant, fixed), text)) => {
                    format!("; if `{written}` were `{meant}`, /{fixed}/ would match {text:?}: a typo?")
                }
                None => "; a typo, or a rule for other conversations".into(),
            };
            found.push(Finding::new(
                Code::RegexMatchesNoInput,
                at.clone(),
                format!(
                    "/{source}/ matches neither the task nor any human reply of this scenario: the rule answers only texts from elsewhere (handoff fuzz, an app under handoff serve){guess}"
                ),
            ));
        }
        if field == "tool_result" && !tool_results(cx.design, agent).iter().any(|t| pattern.is_match(t)) {
            found.push(Finding::new(
                Code::RegexMatchesNoInput,
                at,
                format!(
                    "/{source}/ matches no result the tools of `{}` return (their `result` templates, placeholders filled with sample values); a typo?",
                    cx.design.agent(agent).name
                ),
            ));
        }
    }
}

/// The calls of one step: functions the agent does not have, handoffs it has no edge for.
fn calls(cx: &Context<'_>, agent: AgentId, step: &Step, here: &Path, found: &mut Vec<Finding>) {
    let design = cx.design;
    let name = &design.agent(agent).name;
    let mut specs: Vec<(Path, &CallSpec)> = step.call.iter().map(|c| (here.key("call"), c)).collect();
    for (j, c) in step.calls.iter().flatten().enumerate() {
        specs.push((here.key("calls").index(j), c));
    }
    // A function is named by its plain or its wire name, as the script compiler reads it.
    let has = |who: AgentId, tool: &str| {
        design
            .tools(who)
            .iter()
            .any(|t| *t.name == *tool || *t.qualified_name == *tool)
    };
    for (at, spec) in specs {
        if spec.unchecked || has(agent, &spec.tool) {
            continue;
        }
        let owners: Vec<&str> = design
            .ids()
            .filter(|&other| has(other, &spec.tool))
            .map(|other| design.agent(other).name.as_str())
            .collect();
        let whose = match owners.as_slice() {
            [] => String::new(),
            list => format!(" ({} has it)", list.join(", ")),
        };
        found.push(Finding::new(
            Code::ForeignTool,
            at.key("tool"),
            format!(
                "`{name}` has no function `{}`{whose}: its model calls a function it was not offered, as a hallucinating model would; add `\"unchecked\": true` if that is meant, else hand off first",
                spec.tool
            ),
        ));
    }
    if let Some(target) = step.handoff.as_ref().map(|h| &h.to) {
        let to = design.find(target);
        let offered = design
            .tools(agent)
            .iter()
            .any(|t| matches!(t.kind, ToolKind::Transfer(id) if Some(id) == to));
        if !offered && to.is_some() {
            found.push(Finding::new(
                Code::ForeignTool,
                here.key("handoff"),
                format!(
                    "`{name}` has no handoff to `{target}` (no edge handoffs.{name}.{target}): its model calls a transfer function it was not offered"
                ),
            ));
        }
    }
}

/// The human replies no `when.user` rule of any agent matches (when some rule reads the
/// user's text at all): only a rule that ignores the text can answer them.
pub(super) fn replies(cx: &Context<'_>, scripts: &[(AgentId, &Script)], found: &mut Vec<Finding>) {
    let patterns: Vec<Pattern> = scripts
        .iter()
        .flat_map(|(_, s)| s.rules.iter().flatten())
        .filter_map(|step| step.when.as_ref()?.user.as_deref())
        .filter_map(|source| Pattern::new(source).ok())
        .collect();
    if patterns.is_empty() {
        return;
    }
    for (i, reply) in cx.replies.iter().enumerate() {
        if !patterns.iter().any(|p| p.is_match(reply)) {
            found.push(Finding::new(
                Code::UnansweredReply,
                Path::root().key("user").index(i),
                format!(
                    "no `when.user` rule of any agent matches {reply:?}: only a rule that ignores the text (a call number, a catch-all) can answer it"
                ),
            ));
        }
    }
}

/// Whether a rule's condition holds on every call: no condition but a call range that starts
/// at the first call and never ends, and a user regex (if any) that matches every text.
fn is_catch_all(when: &When) -> bool {
    let every_call = when.call.is_none_or(|c| c.min <= 1 && c.max.is_none());
    let every_text = when
        .user
        .as_deref()
        .is_none_or(|source| regex_syntax::parse(source).is_ok_and(|hir| matches_everything(&hir)));
    every_call && every_text && when.tool_result.is_none()
}

fn why_catch_all(when: Option<&When>) -> &'static str {
    match when {
        None => "it has no `when`",
        Some(w) if w.user.is_none() && w.call.is_none() && w.tool_result.is_none() => "its `when` is empty",
        Some(_) => "its condition always holds",
    }
}

/// Whether a regex matches every text: it can match the empty string and asserts nothing
/// (no anchors, no word boundaries), so it matches at the start of any text.
fn matches_everything(hir: &Hir) -> bool {
    hir.properties().minimum_len() == Some(0) && hir.properties().look_set().is_empty()
}

/// The results `agent`'s own tools return, each `{placeholder}` filled with a few sample
/// values (a number, a word).
fn tool_results(design: &Design, agent: AgentId) -> Vec<String> {
    const SAMPLES: [&str; 4] = ["123", "42", "yes", "the item"];
    let mut results = Vec::new();
    for tool in &design.agent(agent).tools {
        let Ok(template) = crate::design::Template::parse(&tool.result) else {
            continue;
        };
        for sample in SAMPLES {
            if let Ok(text) = template.render_with(|_| Some(sample)) {
                results.push(text);
            }
        }
    }
    results
}
