//! Shared designs: a scenario that names a design file (`"design": "designs/helpdesk.json"`,
//! relative to the scenario) runs that file's agents, start, handoffs and profile, so one
//! edit of the design reaches every scenario that names it. The design file is only read.

use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use crate::files::{FileError, OrderedMap, parse_json, read_text};

/// What a scenario that names a design file must leave to it.
const FROM_THE_DESIGN: [&str; 3] = ["agents", "start", "handoffs"];

/// What a design file named by `design` may hold.
const IN_A_DESIGN: [&str; 7] = [
    "$schema",
    "name",
    "description",
    "agents",
    "start",
    "handoffs",
    "profile",
];

/// The top-level keys of JSON `text`, in order (empty if it is not an object).
pub(super) fn keys(text: &str) -> Vec<String> {
    serde_json::from_str::<OrderedMap<Box<RawValue>>>(text)
        .map(|map| map.0.into_iter().map(|(key, _)| key).collect())
        .unwrap_or_default()
}

/// `relative`, a path written in `file`, from the folder `file` is in.
pub(super) fn beside(file: &str, relative: &str) -> PathBuf {
    Path::new(file).parent().unwrap_or(Path::new("")).join(relative)
}

/// A file `relative` names from `file`'s field `field`: its text and its name; a file that
/// cannot be read is an error of that field (`what` says what the file is).
pub(super) fn read_named(file: &str, field: &str, relative: &str, what: &str) -> Result<(String, String), FileError> {
    let path = beside(file, relative);
    read_text(&path).map_err(|e| match e {
        FileError::Read { source, .. } => {
            FileError::invalid(file, field, format!("{}: cannot read {what}: {source}", path.display()))
        }
        other => other,
    })
}

/// The scenario a regression's `scenario` (in `file`) names: its text and its name; one
/// that names a scenario itself is refused (`why` ends the message).
pub(super) fn named_scenario(file: &str, relative: &str, why: &str) -> Result<(String, String), FileError> {
    let (text, base_file) = read_named(file, "scenario", relative, "the scenario")?;
    if keys(&text).iter().any(|k| k == "scenario") {
        return Err(FileError::invalid(
            &base_file,
            "scenario",
            format!("a scenario named by `scenario` (in {file}) cannot name another one{why}"),
        ));
    }
    Ok((text, base_file))
}

/// The design file that `design` (given in `file`, whose text is `text`) names: its text and
/// its name, checked to be a design file; `None` when `design` is not given (the file must
/// then have `agents` itself).
pub(super) fn design_file(design: Option<&str>, text: &str, file: &str) -> Result<Option<(String, String)>, FileError> {
    let own = keys(text);
    let Some(relative) = design else {
        if !own.iter().any(|k| k == "agents") {
            return Err(FileError::invalid(
                file,
                "agents",
                "missing: give the design's `agents` here, or name a design file that has them (`\"design\": \"designs/<name>.json\"`)",
            ));
        }
        return Ok(None);
    };
    if let Some(key) = own.iter().find(|k| FROM_THE_DESIGN.contains(&k.as_str())) {
        return Err(FileError::invalid(
            file,
            key.as_str(),
            format!(
                "`design` names the design file {relative}, which gives the agents, start and handoffs: drop `{key}` here (edit it in {relative}), or drop `design`"
            ),
        ));
    }
    let (design_text, design_file) = read_named(file, "design", relative, "the design file")?;
    // The shape first: a JSON error names its line and column.
    parse_json::<serde::de::IgnoredAny>(&design_text, &design_file)?;
    let theirs = keys(&design_text);
    if let Some(key) = theirs.iter().find(|k| !IN_A_DESIGN.contains(&k.as_str())) {
        let message = match key.as_str() {
            "design" | "scenario" => format!(
                "a design file named by `design` (in {file}) cannot name another file; give its agents, start and handoffs here"
            ),
            _ => format!(
                "a design file named by `design` (in {file}) holds only agents, start, handoffs and profile; `{key}` belongs in the scenario"
            ),
        };
        return Err(FileError::invalid(&design_file, key.as_str(), message));
    }
    if !theirs.iter().any(|k| k == "agents") {
        return Err(FileError::invalid(
            &design_file,
            "agents",
            format!("missing: the design file named by `design` in {file} needs its `agents`"),
        ));
    }
    Ok(Some((design_text, design_file)))
}
