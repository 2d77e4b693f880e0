//! What the analysis found: a code, a severity, the agents involved and a message that says
//! what is wrong and what to do.

use std::fmt;

use serde_json::json;

use crate::files::plural;

/// How bad a finding is. `handoff analyze` fails on errors, and on warnings with
/// `--deny warnings`; infos never fail it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The design is broken: a run would fail or could not be built.
    Error,
    /// The design allows something a user probably does not want.
    Warning,
    /// Worth knowing; bounded or harmless.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of problem a finding reports. The names are a public contract (`--format json`);
/// findings of one severity are listed in the order of these variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// An edge or `start` names an agent that does not exist (error).
    UnknownAgent,
    /// An agent hands off to itself (error).
    SelfHandoff,
    /// The same edge is declared twice (warning).
    DuplicateHandoff,
    /// No chain of handoffs leads from the start agent to this agent (warning).
    UnreachableAgent,
    /// Agents that can pass control around without a human turn (warning; info when the
    /// file's limits bound handoffs per human turn).
    HandoffCycle,
    /// No chain of handoffs leads from this agent back to the start agent (warning).
    NoWayBack,
    /// One agent offers two or more handoffs with the same description (warning).
    DuplicateDescription,
    /// A handoff whose description is empty, even after falling back to the target's (warning).
    EmptyDescription,
    /// No handoffs are declared: the profile's framework refuses the design (error) or
    /// connects every agent with every other (info).
    NoHandoffs,
    /// An edge declared by the target's name, whose description the framework drops
    /// (warning; Semantic Kernel Python).
    DroppedDescription,
    /// An agent whose scripted first turn yields no text, so the framework drops its thread
    /// and its next call misses the task (warning; Semantic Kernel Python).
    LostTask,
}

impl Code {
    /// The code's name: `unknown-agent`, `handoff-cycle`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Code::UnknownAgent => "unknown-agent",
            Code::SelfHandoff => "self-handoff",
            Code::DuplicateHandoff => "duplicate-handoff",
            Code::UnreachableAgent => "unreachable-agent",
            Code::HandoffCycle => "handoff-cycle",
            Code::NoWayBack => "no-way-back",
            Code::DuplicateDescription => "duplicate-description",
            Code::EmptyDescription => "empty-description",
            Code::NoHandoffs => "no-handoffs",
            Code::DroppedDescription => "dropped-description",
            Code::LostTask => "lost-task",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the analysis found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind of problem.
    pub code: Code,
    /// How bad.
    pub severity: Severity,
    /// Every agent involved, in the order the message names them.
    pub agents: Vec<String>,
    /// What is wrong and what to do.
    pub message: String,
    /// Where in the file, as a JSON path (`handoffs.TriageAgent.Ghost`), when one place is to blame.
    pub place: Option<String>,
}

impl Finding {
    /// The finding as `--format json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "code": self.code.as_str(),
            "severity": self.severity.as_str(),
            "agents": self.agents,
            "message": self.message,
            "place": self.place,
        })
    }

    /// What makes two findings the same problem: the code and the agents, in any order. A
    /// design diff uses it to tell new findings from old ones.
    pub fn identity(&self) -> (Code, Vec<&str>) {
        let mut agents: Vec<&str> = self.agents.iter().map(String::as_str).collect();
        agents.sort_unstable();
        (self.code, agents)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Info findings.
    pub infos: usize,
}

impl Tally {
    /// Counts `findings`.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Tally {
        let mut tally = Tally::default();
        for finding in findings {
            match finding.severity {
                Severity::Error => tally.errors += 1,
                Severity::Warning => tally.warnings += 1,
                Severity::Info => tally.infos += 1,
            }
        }
        tally
    }

    /// Adds another tally.
    pub fn add(&mut self, other: Tally) {
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
    }

    /// Whether these findings fail the command: any error, or any warning when `deny_warnings`.
    pub fn fails(&self, deny_warnings: bool) -> bool {
        self.errors > 0 || (deny_warnings && self.warnings > 0)
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {}, {} info",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            self.infos
        )
    }
}
