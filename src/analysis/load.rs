//! A design file read and analysed in one go, as `handoff analyze` does: for a large design,
//! without a copy of every name and description of its edges.

use std::path::Path;

use super::profile::framework_findings;
use super::{Analysis, HandoffGraph};
use crate::engine::Profile;
use crate::files::{FileError, read_text, stem};
use crate::scenario::{BorrowedDesign, DesignFile};

/// A design file's analysis, with what names the design in a report.
#[derive(Debug, Clone)]
pub struct AnalysedFile {
    /// The design's name (the file's `name`, else the file name).
    pub name: String,
    /// Where it was loaded from.
    pub file: String,
    /// The profile it was analysed under ([`DesignFile::profile`]).
    pub profile: &'static Profile,
    /// Its analysis ([`Analysis::of`]).
    pub analysis: Analysis,
}

impl AnalysedFile {
    /// Loads the design of the file at `path` and analyses it under `profile` instead of the
    /// file's (`None`: the file's): the same analysis, and the same errors, as
    /// [`DesignFile::load_under`] and then [`Analysis::of`] give.
    pub fn load(path: impl AsRef<Path>, profile: Option<&'static Profile>) -> Result<AnalysedFile, FileError> {
        let path = path.as_ref();
        let (text, file) = read_text(path)?;
        let stem = stem(path);
        // The edges are read from the text without copying it; a file that is not read so (an
        // error, an escape in a name) is read in full, which says what is wrong and where.
        if let Some(BorrowedDesign { mut design, edges }) = DesignFile::parse_borrowed(&text, &file, Some(&stem)) {
            design.choose(profile);
            if edges.is_empty() {
                // The design as the full reading gives it (the framework may mesh its agents).
                let analysis = Analysis::of(&design);
                return Ok(AnalysedFile::new(design, analysis));
            }
            let declared = &design.declared;
            let graph = HandoffGraph::of_edges(declared.agents(), &edges, declared.start_name());
            let findings = framework_findings(&design, &edges);
            // The text is not needed any more: free it before the analysis needs its memory.
            drop(edges);
            drop(text);
            let analysis = Analysis::of_graph(&design, graph, findings);
            return Ok(AnalysedFile::new(design, analysis));
        }
        let mut design = DesignFile::parse(&text, &file, Some(&stem))?;
        drop(text);
        design.choose(profile);
        let analysis = Analysis::of(&design);
        Ok(AnalysedFile::new(design, analysis))
    }

    fn new(design: DesignFile, analysis: Analysis) -> AnalysedFile {
        AnalysedFile {
            name: design.name,
            file: design.file,
            profile: design.profile,
            analysis,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysed_both_ways(text: &str) -> (String, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.json");
        std::fs::write(&path, text).unwrap();
        let fast = match AnalysedFile::load(&path, None) {
            Ok(a) => format!("{} {} {:?}", a.name, a.profile.name, a.analysis.findings()),
            Err(e) => e.to_string(),
        };
        let slow = match DesignFile::load(&path) {
            Ok(d) => format!("{} {} {:?}", d.name, d.profile.name, Analysis::of(&d).findings()),
            Err(e) => e.to_string(),
        };
        (fast, slow)
    }

    #[test]
    fn analyses_as_the_full_reading_does() {
        let texts = [
            // Read without copies: repeats, unknown names, a self-handoff, a dropped description.
            r#"{"agents": [{"name": "A", "description": "a"}, {"name": "B"}, {"name": "C"}],
                "start": "A", "handoffs": {"A": {"B": "x", "Ghost": null, "A": "me"}, "B": {"A": null},
                "A": {"B": {"description": "y", "by_name": true}}, "Nobody": {"C": "z"}}}"#,
            // Read in full: an escape, no edges (a mesh), errors.
            r#"{"agents": [{"name": "A"}, {"name": "B"}], "handoffs": {"A": {"B": "say \"x\""}}}"#,
            r#"{"profile": "agent-framework", "agents": [{"name": "A"}, {"name": "B"}]}"#,
            r#"{"agents": [{"name": "A"}, {"name": "B"}], "handoffs": {"A": {"B": 3}}}"#,
            r#"{"agents": [{"name": "A"}, {"name": "A"}], "handoffs": {"A": {"A": null}}}"#,
        ];
        for text in texts {
            let (fast, slow) = analysed_both_ways(text);
            assert_eq!(fast, slow);
        }
    }
}
