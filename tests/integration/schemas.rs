//! The JSON Schemas of `schemas/`: generated from the loader's types (the committed files are
//! what `handoff schema` prints), valid for every shipped file under a real validator
//! (Python's jsonschema), and strict where the loader is strict.

use std::path::{Path, PathBuf};

use handoff_harness::scenario::FileKind;

use crate::snapshots::validate;
use crate::support::{arg, handoff, root};

fn schema(kind: &str) -> PathBuf {
    root().join(format!("schemas/{kind}.schema.json"))
}

/// Every shipped file of a kind: recordings by their name, designs in `designs/` folders.
fn shipped(kind: FileKind) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "examples", "tests/data"] {
        for entry in walkdir::WalkDir::new(root().join(dir)).sort_by_file_name() {
            let path = entry.unwrap().into_path();
            let name = path.to_string_lossy().into_owned();
            if !name.ends_with(".json") || name.contains("/venv/") || name.contains("/hostile/") {
                continue;
            }
            let recording = name.ends_with(".recording.json");
            let is = match kind {
                FileKind::Recording => recording,
                FileKind::Design => !recording && name.contains("/designs/"),
                FileKind::Scenario => !recording && !name.contains("/designs/"),
            };
            // tests/data also holds logs and fragments: a scenario or design has agents, or
            // names a file that has them.
            let text = std::fs::read_to_string(&path).unwrap();
            let named = ["\"agents\"", "\"design\":", "\"scenario\":"];
            if is && (recording || named.iter().any(|key| text.contains(key))) {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn the_committed_schemas_are_what_the_types_generate() {
    for kind in FileKind::ALL {
        let out = handoff(&["schema", kind.name()]);
        assert_eq!(out.status.code(), Some(0));
        let committed = std::fs::read_to_string(schema(kind.name())).unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            committed,
            "schemas/{}.schema.json is stale: regenerate it with `handoff schema {} > schemas/{0}.schema.json`",
            kind.name(),
            kind.name()
        );
    }
}

#[test]
fn every_shipped_file_is_valid_against_its_schema() {
    for kind in FileKind::ALL {
        let files = shipped(kind);
        assert!(!files.is_empty(), "{}", kind.name());
        let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        let (code, errors) = validate("json", &schema(kind.name()), &paths);
        assert_eq!(code, 0, "{}: {errors}", kind.name());
    }
    assert!(shipped(FileKind::Scenario).len() >= 6);
    assert!(
        shipped(FileKind::Scenario)
            .iter()
            .any(|p| p.ends_with("helpdesk/helpdesk.json")),
        "a scenario naming a shared design is checked too"
    );
}

/// A scenario names its design (`agents`, a `design` file or a `scenario`) as the loader
/// wants it: the schema refuses one without, and a design file without agents.
#[test]
fn the_schema_wants_a_design_as_the_loader_does() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("scenario", r#"{"task": "t"}"#, false),
        ("scenario", r#"{"design": "designs/d.json", "task": "t"}"#, true),
        (
            "scenario",
            r#"{"scenario": "../s.json", "seed": 3, "user": ["wifi"], "expect": {"no_bounce": true}}"#,
            true,
        ),
        ("scenario", r#"{"design": 3}"#, false),
        ("design", r#"{"name": "d"}"#, false),
        ("design", r#"{"agents": [{"name": "A"}]}"#, true),
    ];
    for (i, (kind, text, valid)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("{i}.json"));
        std::fs::write(&file, text).unwrap();
        let (code, errors) = validate("json", &schema(kind), &[&file]);
        assert_eq!(code == 0, valid, "{kind} {text}: {errors}");
    }
    let loaded = handoff(&["run", arg(&dir.path().join("0.json"))]);
    assert_eq!(loaded.status.code(), Some(2), "the loader refuses it too");
}

/// A typo the loader refuses, the schema refuses too; `$schema` both accept.
#[test]
fn the_schema_refuses_the_typos_the_loader_refuses_and_both_take_dollar_schema() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join("scenarios/refund.json")).unwrap();
    let cases = [
        ("\"agents\"", "\"agentz\"", "agentz"),
        ("\"instructions\"", "\"instructons\"", "instructons"),
        ("\"human_turns\": 3", "\"human_turn\": 3", "human_turn"),
        (
            "\"profile\": \"semantic-kernel\"",
            "\"profile\": \"semantic-kernal\"",
            "semantic-kernal",
        ),
    ];
    for (from, to, word) in cases {
        let mut text = original.clone();
        if !text.contains(from) {
            // refund.json names no profile: add one to misspell.
            text = text.replacen('{', "{\n  \"profile\": \"semantic-kernel\",", 1);
        }
        let text = text.replacen(from, to, 1);
        let file = dir.path().join(format!("{word}.json"));
        std::fs::write(&file, text).unwrap();
        let loaded = handoff(&["run", arg(&file)]);
        assert_eq!(loaded.status.code(), Some(2), "the loader refuses {word}");
        let (code, errors) = validate("json", &schema("scenario"), &[&file]);
        assert_eq!(code, 1, "the schema refuses {word}");
        assert!(errors.contains(word), "{word}: {errors}");
    }
    let with_schema = dir.path().join("with_schema.json");
    std::fs::write(
        &with_schema,
        original.replacen('{', "{\n  \"$schema\": \"../schemas/scenario.schema.json\",", 1),
    )
    .unwrap();
    assert_eq!(handoff(&["run", arg(&with_schema)]).status.code(), Some(0));
    assert_eq!(validate("json", &schema("scenario"), &[&with_schema]).0, 0);
    let recording = std::fs::read_to_string(root().join("scenarios/customer_support.recording.json")).unwrap();
    let recording_file = dir.path().join("r.recording.json");
    std::fs::write(
        &recording_file,
        recording.replacen('{', "{\n  \"$schema\": \"recording.schema.json\",", 1),
    )
    .unwrap();
    let out = handoff(&[
        "replay",
        "scenarios/customer_support.json",
        "--transcript",
        arg(&recording_file),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
