//! JSON Schemas of the three file kinds, derived from the types that read them (so a schema
//! cannot say other than the loader): `handoff schema scenario|design|recording` prints them,
//! and `schemas/` holds them for editors.
//!
//! A schema describes the shape; the loader checks more (that every agent named exists, that
//! a regular expression compiles, that a recording's fingerprints match) and says where.

use schemars::generate::SchemaSettings;

use super::file::File;
use crate::wire::Transcript;

/// A kind of file the harness reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A scenario (`handoff run`, `test`, `fuzz`, ...).
    Scenario,
    /// A design file: a scenario's agents, start and handoffs alone (`handoff analyze`).
    Design,
    /// A recording (`handoff record` writes it, `handoff replay` reads it).
    Recording,
}

impl FileKind {
    /// Every kind, in the order `handoff schema` lists them.
    pub const ALL: [FileKind; 3] = [FileKind::Scenario, FileKind::Design, FileKind::Recording];

    /// The kind's name: `scenario`, `design`, `recording`.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Scenario => "scenario",
            FileKind::Design => "design",
            FileKind::Recording => "recording",
        }
    }

    /// The kind's JSON Schema (draft 2020-12), pretty-printed, ending with a newline.
    pub fn json_schema(self) -> String {
        let generator = SchemaSettings::draft2020_12().into_generator();
        let mut schema = match self {
            FileKind::Scenario | FileKind::Design => generator.into_root_schema_for::<File>(),
            FileKind::Recording => generator.into_root_schema_for::<Transcript>(),
        };
        if self == FileKind::Scenario {
            // The design is the file's own `agents`, a design file's, or a scenario's.
            let needs = |field: &str| serde_json::json!({ "required": [field] });
            schema.insert(
                "anyOf".into(),
                serde_json::json!([needs("agents"), needs("design"), needs("scenario")]),
            );
        }
        if self == FileKind::Design {
            schema.insert("required".into(), serde_json::json!(["agents"]));
            // A design file is read by the scenario loader: the same shape, where only
            // `agents` (with `start` and `handoffs`) is needed.
            schema.insert("title".into(), "handoff design".into());
            schema.insert(
                "description".into(),
                "A design: agents, the start agent and the handoffs (`handoff analyze` reads it). Any scenario is also a design file; the other fields make it a scenario."
                    .into(),
            );
        }
        let mut text = serde_json::to_string_pretty(&schema).expect("a schema is JSON");
        text.push('\n');
        text
    }
}
