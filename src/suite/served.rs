//! Snapshots of served conversations: what `handoff serve --snapshot` (and the pytest plugin)
//! writes. No scenario of a suite writes them, so `handoff test` knows them by their header
//! (`source: handoff serve`): a pending one is reviewed and accepted like a scenario's, and
//! an accepted one is not called unreferenced.

use std::path::{Path, PathBuf};

use super::snapshot::{self, pending_path};
use super::{Failure, ScenarioReport};

/// The `source` of a served conversation's snapshot header.
pub const SOURCE: &str = "handoff serve";

/// Whether the snapshot file at `path` holds a served conversation (its header says so).
pub fn is_served(path: &Path) -> bool {
    matches!(
        snapshot::read_file(path),
        Ok(Some((Some(header), _))) if header.text("source") == Some(SOURCE)
    )
}

/// Whether below `dir` there is a served conversation's snapshot, accepted or pending.
pub fn any_in(dir: &Path) -> bool {
    snapshot_files(dir).any(|path| is_served(&path))
}

/// The pending snapshots of served conversations below `dir` (`*.snap.new`, recursively;
/// hidden folders and `target` skipped), sorted, each as the report of a failed scenario
/// named after it: new, or changed with the diff from the accepted one. `handoff test
/// --review` and `--accept` then treat them as a scenario's.
pub fn pending(dir: &Path) -> Vec<ScenarioReport> {
    snapshot_files(dir)
        .filter_map(|path| {
            let accepted = PathBuf::from(path.to_str()?.strip_suffix(".new")?);
            is_served(&path).then(|| report(dir, &accepted))
        })
        .collect()
}

/// The `*.snap` and `*.snap.new` files below `dir`, in name order; hidden folders and
/// `target` skipped, links to folders not followed.
fn snapshot_files(dir: &Path) -> impl Iterator<Item = PathBuf> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || (e.file_type().is_dir() && name == "target"))
        })
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(".snap") || name.ends_with(".snap.new")
        })
}

/// The report of the pending snapshot of `accepted`.
fn report(dir: &Path, accepted: &Path) -> ScenarioReport {
    let name = accepted.strip_prefix(dir).unwrap_or(accepted).with_extension("");
    let mut report = ScenarioReport {
        name: format!("{} (served)", name.display()),
        file: pending_path(accepted),
        snapshot: accepted.to_path_buf(),
        outcome: None,
        failures: Vec::new(),
        ignored: None,
        note: None,
    };
    let read = |path: &Path| snapshot::read(path);
    let failure = match (read(accepted), read(&report.file)) {
        (Ok(None), Ok(Some(_))) => Failure::NewSnapshot {
            snapshot: accepted.to_path_buf(),
        },
        (Ok(Some(old)), Ok(Some(new))) => Failure::ChangedSnapshot {
            snapshot: accepted.to_path_buf(),
            diff: snapshot::diff(&snapshot::normalize(&old), &snapshot::normalize(&new)),
        },
        (Err(e), _) | (_, Err(e)) => {
            Failure::SnapshotIo(format!("{}: cannot read the snapshot: {e}", accepted.display()))
        }
        (_, Ok(None)) => Failure::SnapshotIo(format!("{}: the pending snapshot went away", report.file.display())),
    };
    report.failures.push(failure);
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::snapshot::{Comparison, compare};

    #[test]
    fn pending_served_snapshots_are_found_by_their_header_and_diffed() {
        let dir = tempfile::tempdir().unwrap();
        let snapshots = dir.path().join("tests/snapshots");
        std::fs::create_dir_all(&snapshots).unwrap();
        let served = snapshots.join("test_app__test_chat.snap");
        assert!(matches!(
            compare(&served, "one\ntwo\n", SOURCE, "chat.json").unwrap(),
            Comparison::New { .. }
        ));
        snapshot::accept(&served).unwrap();
        assert!(is_served(&served));
        assert!(matches!(
            compare(&served, "one\nthree\n", SOURCE, "chat.json").unwrap(),
            Comparison::Changed { .. }
        ));
        // A scenario's pending snapshot (source `handoff test`) is not a served one.
        let scenario = snapshots.join("chat.snap");
        compare(&scenario, "x\n", "handoff test", "chat.json").unwrap();
        // Nor is one in a hidden folder or under target/.
        for skipped in [".cache", "target"] {
            let path = dir.path().join(skipped).join("s.snap");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            compare(&path, "x\n", SOURCE, "chat.json").unwrap();
        }
        let found = pending(dir.path());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].name, "tests/snapshots/test_app__test_chat (served)");
        assert_eq!(found[0].snapshot, served);
        let [Failure::ChangedSnapshot { diff, .. }] = &found[0].failures[..] else {
            panic!("{:?}", found[0].failures)
        };
        assert!(diff.contains("-two\n+three\n"), "{diff}");
    }
}
