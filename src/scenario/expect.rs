//! Expectations of a scenario (`expect`): how its run must end and which way it must go.
//! `handoff run` checks them; a scenario passes when every expectation holds and, unless
//! `outcome` names another ending, the run ended normally.

use serde::Deserialize;

use super::inputs::InputCheck;
use crate::engine::{Outcome, Run};
use crate::wire::{Replay, Unused};

/// What a run must look like. Every field is optional; the ones given must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The outcome kind: `completed`, `loop-detected`, ... (see [`Outcome::KINDS`]).
    #[serde(default)]
    pub outcome: Option<String>,
    /// The agent in control at the end.
    #[serde(default)]
    pub final_agent: Option<String>,
    /// The agents in control, in order: the start agent, then every handoff target (and every
    /// agent the app's host runs for a reply).
    #[serde(default)]
    pub path: Option<Vec<String>>,
    /// The cycle of a proven loop, first and last agent the same.
    #[serde(default)]
    pub cycle: Option<Vec<String>>,
    /// Text the completion summary must contain.
    #[serde(default)]
    pub summary_contains: Option<String>,
    /// The final output the run ends with, exactly (the OpenAI Agents SDK's
    /// `result.final_output`): a text, or the value of an `output_type` or an error handler.
    #[serde(default)]
    pub final_output: Option<serde_json::Value>,
    /// Exact number of model calls.
    #[serde(default)]
    pub model_calls: Option<usize>,
    /// Exact number of human replies.
    #[serde(default)]
    pub human_turns: Option<usize>,
    /// Agents that must be in control at some point.
    #[serde(default)]
    pub visits: Option<Vec<String>>,
    /// Agents that must never be in control.
    #[serde(default)]
    pub avoids: Option<Vec<String>>,
    /// `true`: the run must not bounce (see [`Outcome::is_bounce`]); any other ending passes,
    /// in place of the implicit "ended normally" check. What `handoff fuzz` writes in the
    /// regression scenarios it finds.
    #[serde(default)]
    pub no_bounce: Option<bool>,
    /// What model calls received, as the framework's model reads them: one check per call
    /// named (`handoff run` and `handoff test` capture the inputs when there are any).
    #[serde(default)]
    pub inputs: Vec<InputCheck>,
    /// What the OpenAI Agents SDK app's session holds at the end of the run (under
    /// `profile.session`), checked item by item as `inputs` checks a model call's input.
    #[serde(default)]
    pub session: Option<super::inputs::SessionCheck>,
}

/// The result of checking one expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The expectation's field name.
    pub name: &'static str,
    /// What was expected.
    pub expected: String,
    /// What happened.
    pub actual: String,
    /// Whether it held.
    pub passed: bool,
    /// Lines that show why a failed check failed, printed under it (what a model call
    /// received, item by item); empty for most checks.
    pub detail: Vec<String>,
}

/// All checks of one run, and whether the run passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// One entry per expectation given.
    pub checks: Vec<Check>,
    /// Whether every check passed (a run that failed without `outcome` naming its ending
    /// fails an implicit `outcome` check).
    pub passed: bool,
}

impl Check {
    /// The check `handoff run` and `handoff test` report for `run`, a replay of `replay`: it
    /// did not diverge, and used every recorded call and human reply (unless
    /// [`Replay::allow_unused`]).
    pub fn replay(replay: &Replay, run: &Run) -> Check {
        let unused = Unused::of(&replay.transcript, run);
        let (passed, actual) = match run.outcome() {
            Outcome::ModelFailed { message, .. } => (false, message.clone()),
            _ => (replay.allow_unused || unused.is_empty(), unused.to_string()),
        };
        Check {
            name: "replay",
            expected: format!("the run follows {}", replay.file),
            actual,
            passed,
            detail: Vec::new(),
        }
    }
}

impl Verdict {
    /// Adds a check; the run passes only if it passes too.
    pub fn add(&mut self, check: Check) {
        self.passed &= check.passed;
        self.checks.push(check);
    }
}

impl Expect {
    /// The agent names it mentions, with their place under `expect`.
    pub(crate) fn agent_names(&self) -> Vec<(String, &str)> {
        let mut names = Vec::new();
        if let Some(a) = &self.final_agent {
            names.push(("final_agent".to_string(), a.as_str()));
        }
        let lists = [
            ("path", &self.path),
            ("cycle", &self.cycle),
            ("visits", &self.visits),
            ("avoids", &self.avoids),
        ];
        for (field, list) in lists {
            for (i, name) in list.iter().flatten().enumerate() {
                names.push((format!("{field}[{i}]"), name.as_str()));
            }
        }
        for (i, check) in self.inputs.iter().enumerate() {
            if let Some(agent) = &check.agent {
                names.push((format!("inputs[{i}].agent"), agent.as_str()));
            }
        }
        names
    }

    /// Checks `run` against every expectation given.
    pub fn check(&self, run: &Run) -> Verdict {
        let mut checks = Vec::new();
        let mut add = |name, expected: String, actual: String, passed| {
            checks.push(Check {
                name,
                expected,
                actual,
                passed,
                detail: Vec::new(),
            })
        };
        let names = |ids: &[crate::design::AgentId]| ids.iter().map(|a| run.name(*a).to_string()).collect::<Vec<_>>();
        let path = names(&run.path());

        if let Some(kind) = &self.outcome {
            let actual = run.outcome().kind();
            add("outcome", kind.clone(), actual.to_string(), kind == actual);
        }
        if let Some(agent) = &self.final_agent {
            let actual = run.name(run.final_agent()).to_string();
            add("final_agent", agent.clone(), actual.clone(), *agent == actual);
        }
        if let Some(expected) = &self.path {
            add("path", expected.join(" -> "), path.join(" -> "), *expected == path);
        }
        if let Some(expected) = &self.cycle {
            let actual = match run.outcome() {
                Outcome::LoopDetected { cycle } => names(cycle),
                _ => Vec::new(),
            };
            let shown = if actual.is_empty() {
                format!("no loop ({})", run.outcome().kind())
            } else {
                actual.join(" -> ")
            };
            add("cycle", expected.join(" -> "), shown, *expected == actual);
        }
        if let Some(needle) = &self.summary_contains {
            let (shown, passed) = match run.outcome() {
                // A run without a human ends with the reply as its result (the Agents SDK's
                // `final_output`, Agent Framework's pending reply): that is its summary too.
                Outcome::Completed { summary, .. } | Outcome::EndedWithoutHuman { text: summary, .. } => {
                    (summary.clone(), summary.contains(needle.as_str()))
                }
                other => (format!("no summary ({})", other.kind()), false),
            };
            add("summary_contains", needle.clone(), shown, passed);
        }
        if let Some(expected) = &self.final_output {
            let (shown, passed) = match run.final_output() {
                Some(actual) => (actual.to_string(), actual == *expected),
                None => (format!("no final output ({})", run.outcome().kind()), false),
            };
            add("final_output", expected.to_string(), shown, passed);
        }
        if let Some(n) = self.model_calls {
            add(
                "model_calls",
                n.to_string(),
                run.model_calls().to_string(),
                n == run.model_calls(),
            );
        }
        if let Some(n) = self.human_turns {
            add(
                "human_turns",
                n.to_string(),
                run.human_turns().to_string(),
                n == run.human_turns(),
            );
        }
        if let Some(agents) = &self.visits {
            let missing: Vec<&str> = agents
                .iter()
                .filter(|a| !path.contains(a))
                .map(String::as_str)
                .collect();
            add(
                "visits",
                agents.join(", "),
                visited(&path, &missing),
                missing.is_empty(),
            );
        }
        if let Some(agents) = &self.avoids {
            let entered: Vec<&str> = agents.iter().filter(|a| path.contains(a)).map(String::as_str).collect();
            let shown = if entered.is_empty() {
                "none of them entered".to_string()
            } else {
                format!("entered {}", entered.join(", "))
            };
            add("avoids", agents.join(", "), shown, entered.is_empty());
        }
        if let Some(true) = self.no_bounce {
            let bounced = run.outcome().is_bounce();
            add(
                "no_bounce",
                "no loop, limit or ambiguous handoff".into(),
                first_line(run.outcome_line()),
                !bounced,
            );
        }
        if self.outcome.is_none() && self.no_bounce != Some(true) && !run.outcome().is_success() {
            // Without an expected outcome, a run must end normally.
            add(
                "outcome",
                "completed or ended-without-human".into(),
                first_line(run.outcome_line()),
                false,
            );
        }
        let passed = checks.iter().all(|c| c.passed);
        Verdict { checks, passed }
    }
}

/// The first line of a run's ending (a script's report of the rules it tried follows it in
/// the run's text).
fn first_line(line: String) -> String {
    match line.split_once('\n') {
        Some((first, _)) => first.to_string(),
        None => line,
    }
}

fn visited(path: &[String], missing: &[&str]) -> String {
    if missing.is_empty() {
        "all entered".to_string()
    } else {
        format!("never entered {} (path: {})", missing.join(", "), path.join(" -> "))
    }
}
