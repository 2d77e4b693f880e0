//! A finding of `handoff lint`: its kind, how sure it is, where it is, what is wrong.

use super::locate::Path;

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Certainly a mistake: `handoff lint` exits 1.
    Error,
    /// Possibly meant: printed, `handoff lint` still exits 0.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What kind of mistake a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A rule after a catch-all rule of the same agent (error).
    UnreachableRule,
    /// A `when.call` past `limits.model_calls` (error).
    CallPastLimit,
    /// A regex that matches no text at all (error).
    RegexNeverMatches,
    /// An expectation naming an agent the design does not have (error).
    UnknownAgent,
    /// A scripted call of a function, or a handoff, the agent was not offered (warning).
    ForeignTool,
    /// A regex no input of the scenario matches: no task or reply for `when.user`, no tool
    /// result for `when.tool_result` (warning).
    RegexMatchesNoInput,
    /// A human reply no `when.user` rule matches (warning).
    UnansweredReply,
}

impl Code {
    /// The code as reports name it: `unreachable-rule`, `foreign-tool`, ...
    pub fn name(self) -> &'static str {
        match self {
            Code::UnreachableRule => "unreachable-rule",
            Code::CallPastLimit => "call-past-limit",
            Code::RegexNeverMatches => "regex-never-matches",
            Code::UnknownAgent => "unknown-agent",
            Code::ForeignTool => "foreign-tool",
            Code::RegexMatchesNoInput => "regex-matches-no-input",
            Code::UnansweredReply => "unanswered-reply",
        }
    }

    /// Whether findings of this code are errors or warnings.
    pub fn severity(self) -> Severity {
        match self {
            Code::UnreachableRule | Code::CallPastLimit | Code::RegexNeverMatches | Code::UnknownAgent => {
                Severity::Error
            }
            Code::ForeignTool | Code::RegexMatchesNoInput | Code::UnansweredReply => Severity::Warning,
        }
    }
}

/// One mistake found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind.
    pub code: Code,
    /// The JSON path of the value it is about: `model.scripted.TriageAgent.rules[3]`.
    pub path: Path,
    /// Line and column of that value in the file (from 1), when found.
    pub position: Option<(usize, usize)>,
    /// What is wrong, and what to do.
    pub message: String,
}

impl Finding {
    pub(super) fn new(code: Code, path: Path, message: String) -> Finding {
        Finding {
            code,
            path,
            position: None,
            message,
        }
    }

    /// Its severity ([`Code::severity`]).
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}
