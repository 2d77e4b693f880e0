//! A file read for its design alone, as `handoff analyze` reads it.

use std::path::Path;

use super::file::{File, ModelFile, declared, take_design};
use super::forms::ProfileFile;
use super::shared::named_scenario;
use crate::design::DesignBuilder;
use crate::engine::{Limits, Profile};
use crate::files::{FileError, parse_json, read_text, stem};
use crate::scripted::Script;

/// A file read for its design alone, as `handoff analyze` reads it. Any scenario file is
/// also a design file; a file with only `agents`, `start` and `handoffs` is one too. Agents
/// and their tools are validated; the edges and the start are left as declared, so that
/// `HandoffGraph` (`handoff_harness::analysis`) can report their problems as findings.
#[derive(Debug, Clone)]
pub struct DesignFile {
    /// The design's name (the file's `name`, else the file name).
    pub name: String,
    /// Where it was loaded from.
    pub file: String,
    /// The design as declared.
    pub declared: DesignBuilder,
    /// The file's `limits` block, if it has one.
    pub limits: Option<Limits>,
    /// The profile whose graph and quirks the design is analysed under: the caller's, else
    /// the file's `profile`, else the default.
    pub profile: &'static Profile,
    /// Whether the file says its endpoint ends streams with a usage chunk
    /// (`profile.usage_chunk`: Semantic Kernel then keeps every thread).
    pub usage_chunk: bool,
    /// Each agent's scripted model, as written (none for a design file or a recording).
    pub scripts: Vec<(String, Script)>,
}

impl DesignFile {
    /// Loads the design of the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<DesignFile, FileError> {
        DesignFile::load_under(path, None)
    }

    /// Loads the design of the file at `path`, to analyse under `profile` instead of the
    /// file's (`None`: the file's).
    pub fn load_under(path: impl AsRef<Path>, profile: Option<&'static Profile>) -> Result<DesignFile, FileError> {
        let (text, file) = read_text(path.as_ref())?;
        let mut design = DesignFile::parse(&text, &file, Some(&stem(path.as_ref())))?;
        design.choose(profile);
        Ok(design)
    }

    /// Analyses the design under `profile` instead of the file's (`None`: the file's); the
    /// file's profile options go with its profile.
    pub(crate) fn choose(&mut self, profile: Option<&'static Profile>) {
        if let Some(profile) = profile.filter(|p| *p != self.profile) {
            self.profile = profile;
            self.usage_chunk = false;
        }
    }

    /// Parses design JSON; `file` names it in errors, `stem` is the default name.
    pub fn parse(text: &str, file: &str, stem: Option<&str>) -> Result<DesignFile, FileError> {
        let mut parsed: File = parse_json(text, file)?;
        if let Some(relative) = parsed.scenario.take() {
            return DesignFile::of_base(&relative, parsed.name, (file, stem));
        }
        let design_file = take_design(&mut parsed, text, file)?;
        let profile = parsed.profile.as_ref().map_or(&Profile::SEMANTIC_KERNEL, |p| p.profile);
        // Agent names are checked as the file's framework allows them (the OpenAI Agents SDK
        // takes `FAQ Agent`).
        let declared = declared(&mut parsed).tool_surface(profile.tools);
        declared
            .check_agents()
            .map_err(|e| FileError::invalid(design_file.as_deref().unwrap_or(file), e.place(), e.to_string()))?;
        Ok(DesignFile::assemble(
            (file, stem),
            parsed.name,
            declared,
            parsed.limits,
            parsed.profile.as_ref(),
            parsed.model,
        ))
    }

    /// The design of the scenario `relative` names (from `file`, a regression), named as
    /// `file` names itself, else `stem`.
    fn of_base(
        relative: &str,
        name: Option<String>,
        (file, stem): (&str, Option<&str>),
    ) -> Result<DesignFile, FileError> {
        let (text, base_file) = named_scenario(file, relative, "")?;
        let mut design = DesignFile::parse(&text, &base_file, None)?;
        design.name = name.or(stem.map(String::from)).unwrap_or(design.name);
        design.file = file.to_string();
        Ok(design)
    }

    /// The design file of `file` (named `stem` unless it names itself) from its parts, as
    /// the full reading and the borrowing one (`borrowed.rs`) have them.
    pub(super) fn assemble(
        (file, stem): (&str, Option<&str>),
        name: Option<String>,
        declared: DesignBuilder,
        limits: Option<Limits>,
        options: Option<&ProfileFile>,
        model: Option<ModelFile>,
    ) -> DesignFile {
        DesignFile {
            name: name.or(stem.map(String::from)).unwrap_or_else(|| "design".into()),
            file: file.to_string(),
            declared,
            limits,
            profile: options.map_or(&Profile::SEMANTIC_KERNEL, |p| p.profile),
            usage_chunk: options.is_some_and(|p| p.usage_chunk),
            scripts: model.and_then(|m| m.scripted).map(|s| s.0).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_names_are_checked_under_the_files_profile() {
        let design = |profile: &str| {
            format!(
                r#"{{{profile} "agents": [{{"name": "Triage Agent"}}, {{"name": "FAQ Agent"}}],
                    "handoffs": {{"Triage Agent": {{"FAQ Agent": null}}}}}}"#
            )
        };
        let sdk = DesignFile::parse(&design(r#""profile": "openai-agents","#), "d.json", None).unwrap();
        assert_eq!(sdk.declared.agents()[1].name, "FAQ Agent");
        let error = DesignFile::parse(&design(""), "d.json", None).unwrap_err().to_string();
        assert!(
            error.contains("agents[0].name: `Triage Agent` is not a valid agent name"),
            "{error}"
        );
    }
}
