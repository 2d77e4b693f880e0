//! `handoff serve --snapshot PATH`: the served conversations against an insta snapshot, as
//! `handoff test` compares a scenario's run with its own.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::output::paint_diff;
use handoff_harness::suite::served::SOURCE;
use handoff_harness::suite::snapshot::{self, Comparison};

/// How the serve's conversations compared with the snapshot.
pub(super) struct Snapshot {
    path: PathBuf,
    outcome: Outcome,
}

enum Outcome {
    Compared(Comparison),
    /// The serve failed first: its conversations are not the ones to keep.
    NotCompared,
    /// The snapshot could not be read or its pending file written.
    Error(String),
}

impl Snapshot {
    /// Compares `conversations` (each one's snapshot contents, in the report's order) with the
    /// snapshot at `path`, if the serve `held` (else a pending file would hold a broken
    /// conversation). `files` are the scenarios, named in a new snapshot's header relative to
    /// its folder (so the header is the same on every machine).
    pub(super) fn check(path: &Path, held: bool, conversations: &[String], files: &[PathBuf]) -> Snapshot {
        let outcome = if !held || conversations.is_empty() {
            Outcome::NotCompared
        } else {
            let folder = path.parent().unwrap_or(Path::new(""));
            let inputs: Vec<String> = files.iter().map(|f| relative_to(f, folder)).collect();
            let contents = snapshot::contents_of_all(conversations);
            match snapshot::compare(path, &contents, SOURCE, &inputs.join(", ")) {
                Ok(comparison) => Outcome::Compared(comparison),
                Err(e) => Outcome::Error(format!("{}: cannot read or write the snapshot: {e}", path.display())),
            }
        };
        Snapshot {
            path: path.to_path_buf(),
            outcome,
        }
    }

    /// Whether the conversations are the snapshot's.
    pub(super) fn matched(&self) -> bool {
        matches!(self.outcome, Outcome::Compared(Comparison::Matched))
    }

    /// Why the snapshot fails the serve; `None` if it matched or was not compared (the serve
    /// failed already, for its own reason).
    pub(super) fn failure(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Compared(Comparison::Matched) | Outcome::NotCompared => None,
            Outcome::Compared(Comparison::New { .. }) => Some("new snapshot".into()),
            Outcome::Compared(Comparison::Changed { .. }) => Some("the snapshot changed".into()),
            Outcome::Error(message) => Some(message.clone()),
        }
    }

    /// The folder to give `handoff test --review`: the snapshot's own (a test folder above it
    /// may hold JSON files that are not scenarios).
    fn review_folder(&self) -> String {
        let folder = self.path.parent().filter(|p| !p.as_os_str().is_empty());
        folder.map_or(".".into(), |p| p.display().to_string())
    }

    /// The report's lines about the snapshot.
    pub(super) fn text(&self, color: bool) -> String {
        let path = self.path.display();
        let review = self.review_folder();
        match &self.outcome {
            Outcome::Compared(Comparison::Matched) => format!("snapshot: matches {path}\n"),
            Outcome::NotCompared => format!("snapshot: not compared with {path}: the serve failed first\n"),
            Outcome::Compared(Comparison::New { pending }) => format!(
                "snapshot: new: written to {} (review it: handoff test --review {review}, or --accept)\n",
                pending.display()
            ),
            Outcome::Compared(Comparison::Changed { pending, diff }) => format!(
                "snapshot: changed: {} differs from {path} (review it: handoff test --review {review}, or --accept)\n{}",
                pending.display(),
                paint_diff(diff, color)
            ),
            Outcome::Error(message) => format!("snapshot: {message}\n"),
        }
    }

    /// The report's `snapshot` field: `path`, `status` (`matched`, `new`, `changed`,
    /// `not-compared`, `error`), and `pending`, `diff`, `error` where they apply.
    pub(super) fn to_json(&self) -> serde_json::Value {
        let path = self.path.display().to_string();
        let review = self.review_folder();
        match &self.outcome {
            Outcome::Compared(Comparison::Matched) => json!({"path": path, "status": "matched"}),
            Outcome::NotCompared => json!({"path": path, "status": "not-compared"}),
            Outcome::Compared(Comparison::New { pending }) => {
                json!({"path": path, "status": "new", "pending": pending.display().to_string(), "review": review})
            }
            Outcome::Compared(Comparison::Changed { pending, diff }) => json!({
                "path": path, "status": "changed", "pending": pending.display().to_string(), "diff": diff, "review": review
            }),
            Outcome::Error(message) => json!({"path": path, "status": "error", "error": message}),
        }
    }
}

/// `file`'s path as seen from `folder` (`../scenarios/x.json`), both made absolute against the
/// working directory first; `file` as given when that cannot be done.
fn relative_to(file: &Path, folder: &Path) -> String {
    let (Ok(file_abs), Ok(folder_abs)) = (std::path::absolute(file), std::path::absolute(folder)) else {
        return file.display().to_string();
    };
    let clean = |p: &Path| -> Vec<std::ffi::OsString> {
        let mut parts: Vec<std::ffi::OsString> = Vec::new();
        for part in p.components() {
            match part {
                std::path::Component::ParentDir => {
                    parts.pop();
                }
                std::path::Component::CurDir => {}
                other => parts.push(other.as_os_str().to_owned()),
            }
        }
        parts
    };
    let (file_parts, folder_parts) = (clean(&file_abs), clean(&folder_abs));
    let common = file_parts.iter().zip(&folder_parts).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..folder_parts.len() {
        relative.push("..");
    }
    for part in &file_parts[common..] {
        relative.push(part);
    }
    relative.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::relative_to;
    use std::path::Path;

    #[test]
    fn a_scenario_is_named_from_the_snapshots_folder() {
        let cases = [
            ("/r/scenarios/a.json", "/r/tests/snapshots", "../../scenarios/a.json"),
            ("/r/tests/a.json", "/r/tests/snapshots", "../a.json"),
            ("/r/tests/snapshots/a.json", "/r/tests/snapshots", "a.json"),
            ("/r/tests/./x/../a.json", "/r/tests/snapshots/", "../a.json"),
        ];
        for (file, folder, expected) in cases {
            assert_eq!(
                relative_to(Path::new(file), Path::new(folder)),
                expected,
                "{file} from {folder}"
            );
        }
    }
}
