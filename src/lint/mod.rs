//! `handoff lint`: the mistakes of a scenario file found without running it, each named by
//! its file, JSON path and line:column.
//!
//! Errors are certain: a rule after a catch-all of the same agent (the first matching rule
//! answers, so it never does), a `when.call` past the run's call limit, a regex that matches
//! no text at all, an expectation naming an agent the design does not have. Warnings may be
//! meant: a scripted call of a function the agent was not offered (a hallucinating model; mark
//! it `unchecked` to say so), a `when.user` regex that neither the task nor any human reply
//! matches, a `when.tool_result` regex no result of the agent's tools matches, a human reply
//! no `when.user` rule of any agent matches.

use std::path::Path as FilePath;

use serde_json::Value;

use crate::files::{FileError, parse_json, read_text, stem};
use crate::scenario::{Scenario, ScenarioError};
use crate::scripted::Script;

mod checks;
mod finding;
pub mod locate;

pub use finding::{Code, Finding, Severity};
pub use locate::{Path, Step};

/// The findings of one file, sorted by position.
#[derive(Debug, Clone)]
pub struct Linted {
    /// The file as errors name it.
    pub file: String,
    /// What was found, in file order.
    pub findings: Vec<Finding>,
}

impl Linted {
    /// Lints the scenario or design file at `path`. A file that does not load (bad JSON,
    /// an unknown field, a script that does not fit its design) is an error, as `handoff
    /// run` gives it; an expectation naming an unknown agent is a finding instead.
    pub fn load(path: impl AsRef<FilePath>) -> Result<Linted, ScenarioError> {
        let path = path.as_ref();
        let (text, file) = read_text(path)?;
        Linted::parse(&text, &file, Some(&stem(path)))
    }

    /// [`Linted::load`] of `text`, read from `file`.
    pub fn parse(text: &str, file: &str, stem: Option<&str>) -> Result<Linted, ScenarioError> {
        let mut raw: Value = parse_json(text, file)?;
        let mut findings = Vec::new();
        checks::expectations(&raw, &mut findings);
        let scenario = if findings.is_empty() {
            Scenario::parse(text, file, stem)?
        } else {
            // The unknown names are reported; the rest of the file is checked without them.
            if let Some(object) = raw.as_object_mut() {
                object.remove("expect");
            }
            Scenario::parse(&raw.to_string(), file, stem)?
        };
        let scripts = match raw.get("model").and_then(|m| m.get("scripted")) {
            Some(scripted) => serde_json::from_value::<std::collections::BTreeMap<String, Script>>(scripted.clone())
                .map_err(|e| FileError::invalid(file, "model.scripted", e.to_string()))?,
            None => Default::default(),
        };
        let design = &scenario.design;
        let replies = scenario.user.as_deref().unwrap_or_default();
        let cx = checks::Context {
            design,
            texts: scenario
                .task
                .as_deref()
                .into_iter()
                .chain(replies.iter().map(String::as_str))
                .collect(),
            replies,
            model_calls: scenario.settings.limits.model_calls,
        };
        // In design order, whatever order the file gives them in.
        let ordered: Vec<_> = design
            .ids()
            .filter_map(|id| Some((id, scripts.get(&design.agent(id).name)?)))
            .collect();
        let scripted = Path::root().key("model").key("scripted");
        for (id, script) in &ordered {
            checks::script(&cx, *id, script, &scripted.key(&design.agent(*id).name), &mut findings);
        }
        checks::replies(&cx, &ordered, &mut findings);
        let paths: Vec<&Path> = findings.iter().map(|f| &f.path).collect();
        let positions = locate::positions(text, &paths);
        for (finding, position) in findings.iter_mut().zip(positions) {
            finding.position = position;
        }
        findings.sort_by_key(|f| f.position.unwrap_or((usize::MAX, 0)));
        Ok(Linted {
            file: file.to_string(),
            findings,
        })
    }

    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity() == severity).count()
    }

    /// Each finding on a line: `file:line:column: error[code]: path: message`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let at = match f.position {
                Some((line, column)) => format!("{}:{line}:{column}", self.file),
                None => self.file.clone(),
            };
            out.push_str(&format!(
                "{at}: {}[{}]: {}: {}\n",
                f.severity().name(),
                f.code.name(),
                f.path,
                f.message
            ));
        }
        out
    }

    /// The findings as JSON objects: `file`, `line`, `column`, `path`, `severity`, `code`,
    /// `message`.
    pub fn json(&self) -> Vec<Value> {
        self.findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "file": self.file,
                    "line": f.position.map(|p| p.0),
                    "column": f.position.map(|p| p.1),
                    "path": f.path.to_string(),
                    "severity": f.severity().name(),
                    "code": f.code.name(),
                    "message": f.message,
                })
            })
            .collect()
    }
}
