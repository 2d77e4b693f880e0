//! A file read for its design alone, as `handoff analyze` reads it.

use std::path::Path;

use super::file::{File, declared};
use crate::design::DesignBuilder;
use crate::engine::Limits;
use crate::files::{FileError, parse_json, read_text};

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
}

impl DesignFile {
    /// Loads the design of the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<DesignFile, FileError> {
        let (text, file) = read_text(path.as_ref())?;
        DesignFile::parse(&text, &file, path.as_ref().file_stem().and_then(|s| s.to_str()))
    }

    /// Parses design JSON; `file` names it in errors, `stem` is the default name.
    pub fn parse(text: &str, file: &str, stem: Option<&str>) -> Result<DesignFile, FileError> {
        let mut parsed: File = parse_json(text, file)?;
        let declared = declared(&mut parsed);
        declared
            .check_agents()
            .map_err(|e| FileError::invalid(file, e.place(), e.to_string()))?;
        Ok(DesignFile {
            name: parsed
                .name
                .or(stem.map(String::from))
                .unwrap_or_else(|| "design".into()),
            file: file.to_string(),
            declared,
            limits: parsed.limits,
        })
    }
}
