//! Snapshots of run histories, in insta's `.snap` file format, so that `cargo insta review`
//! and `handoff test --review` work on the same files. A snapshot holds the conversation as
//! text and the whole run as JSON; a changed or new one is written beside it as
//! `<name>.snap.new` and never replaces the accepted `<name>.snap` until accepted.

use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::header::Header;
use crate::engine::Run;
use crate::files::write_atomic;

/// What a snapshot of `run` holds: the text conversation, a blank line, the run as JSON.
pub fn contents(run: &Run) -> String {
    let json = serde_json::to_string_pretty(&run.to_json()).expect("JSON values always serialise");
    format!("{}\n{json}", run.text())
}

/// What a snapshot of several conversations holds (`handoff serve --snapshot` of an app that
/// held more than one): each one's [`contents`], in the order given, under a `# conversation
/// N of M` line. One conversation's snapshot is its contents alone, as `handoff test` writes.
pub fn contents_of_all(conversations: &[String]) -> String {
    match conversations {
        [one] => one.clone(),
        all => all
            .iter()
            .enumerate()
            .map(|(i, text)| {
                format!(
                    "# conversation {} of {}
{}
",
                    i + 1,
                    all.len(),
                    text.trim_end()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The conversation part of a snapshot's contents (what `handoff run` prints), without the
/// run as JSON that follows it; and how many lines that JSON has.
pub fn conversation(contents: &str) -> (&str, usize) {
    match contents.find("\n{\n") {
        Some(at) => (&contents[..=at], contents[at + 1..].lines().count()),
        None => (contents, 0),
    }
}

/// How a run's snapshot compares with the accepted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// Same contents.
    Matched,
    /// No accepted snapshot yet; the new one was written to `pending`.
    New {
        /// The `.snap.new` file.
        pending: PathBuf,
    },
    /// Different contents; the new one was written to `pending`.
    Changed {
        /// The `.snap.new` file.
        pending: PathBuf,
        /// Unified diff, accepted (`-`) to new (`+`).
        diff: String,
    },
}

/// The pending file of snapshot `path`: `x.snap` → `x.snap.new`.
pub fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// The contents of the snapshot file at `path`, without its metadata header; `None` if
/// there is no such file.
pub fn read(path: &Path) -> std::io::Result<Option<String>> {
    Ok(read_file(path)?.map(|(_, body)| body))
}

/// The header and the contents of the snapshot file at `path`; `None` if there is no such file.
pub(crate) fn read_file(path: &Path) -> std::io::Result<Option<(Option<Header>, String)>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let (header, body) = Header::split(&text);
            Ok(Some((header, body.to_string())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Contents as insta compares them (trailing white space trimmed, CRLF as LF), plus one
/// final newline so that diffs end cleanly.
pub(crate) fn normalize(text: &str) -> String {
    format!("{}\n", text.trim_end().replace("\r\n", "\n"))
}

/// A snapshot file: the metadata header, then the contents, as insta writes it.
pub fn file_text(contents: &str, header: &Header) -> String {
    format!("{}{}\n", header.render(), contents.trim_end())
}

/// Compares `actual` with the snapshot at `path`. On a difference, writes `actual` to the
/// pending `.snap.new` file (atomically), with the accepted snapshot's header if there is one
/// (so accepting it changes only the contents), else with `source` and `input_file`; on a
/// match, removes a stale pending file.
pub fn compare(path: &Path, actual: &str, source: &str, input_file: &str) -> std::io::Result<Comparison> {
    let pending = pending_path(path);
    let (header, accepted) = match read_file(path)? {
        Some((header, body)) => (header, Some(body)),
        None => (None, None),
    };
    if let Some(accepted) = &accepted
        && normalize(accepted) == normalize(actual)
    {
        if pending.exists() {
            std::fs::remove_file(&pending)?;
        }
        return Ok(Comparison::Matched);
    }
    let header = header.unwrap_or_else(|| Header::new(source, input_file));
    write_atomic(&pending, file_text(actual, &header).as_bytes())?;
    Ok(match accepted {
        None => Comparison::New { pending },
        Some(accepted) => Comparison::Changed {
            diff: diff(&normalize(&accepted), &normalize(actual)),
            pending,
        },
    })
}

/// Accepts the pending snapshot of `path`: it replaces the accepted one.
pub fn accept(path: &Path) -> std::io::Result<()> {
    std::fs::rename(pending_path(path), path)
}

/// Rejects the pending snapshot of `path`: it is deleted.
pub fn reject(path: &Path) -> std::io::Result<()> {
    std::fs::remove_file(pending_path(path))
}

/// A unified diff with three lines of context.
///
/// A diff costs time in proportion to the lines times the changes: between a short history
/// and one a regression made thousands of lines long it would take seconds to minutes, to
/// show a person more than anyone reads. So after the common first and last lines, each
/// side's changed part is diffed up to [`DIFF_LINES`] lines, and the diff says where it
/// stopped; the whole new snapshot is in its `.snap.new`.
pub fn diff(old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = old_lines.iter().zip(&new_lines).take_while(|(a, b)| a == b).count();
    let suffix = old_lines[prefix..]
        .iter()
        .rev()
        .zip(new_lines[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let changed = (old_lines.len() - prefix - suffix).max(new_lines.len() - prefix - suffix);
    if changed <= DIFF_LINES {
        return unified(old, new);
    }
    let cut = |lines: &[&str]| -> String {
        let end = lines.len().min(prefix + DIFF_LINES).max(prefix);
        lines[..end].concat()
    };
    let mut text = unified(&cut(&old_lines), &cut(&new_lines));
    text.push_str(&format!(
        "... the diff stops here: {changed} lines changed, {DIFF_LINES} shown (the whole new snapshot is in the .snap.new file)\n"
    ));
    text
}

/// The most changed lines [`diff`] compares.
pub const DIFF_LINES: usize = 2_000;

fn unified(old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header("accepted", "new")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_of_a_history_grown_long_stops_after_its_first_changed_lines() {
        let old: String = (0..300).map(|i| format!("line {i}\n")).collect();
        let new: String = (0..30_000).map(|i| format!("other {i}\n")).collect();
        let text = diff(&old, &new);
        assert!(text.ends_with(&format!(
            "... the diff stops here: 30000 lines changed, {DIFF_LINES} shown (the whole new snapshot is in the .snap.new file)\n"
        )));
        assert!(text.contains("-line 299\n") && text.contains("+other 1999\n") && !text.contains("+other 2000\n"));
        // A small change is diffed whole, with its context.
        let edited = old.replace("line 150\n", "line 150 changed\n");
        let small = diff(&old, &edited);
        assert!(
            small.contains("-line 150\n+line 150 changed\n") && !small.contains("stops here"),
            "{small}"
        );
        assert!(
            small.contains(" line 147\n") && !small.contains(" line 146\n"),
            "three lines of context"
        );
    }

    #[test]
    fn several_conversations_are_kept_each_under_its_heading_and_one_as_itself() {
        let one = "Task: a\n\n{\n}\n".to_string();
        assert_eq!(contents_of_all(std::slice::from_ref(&one)), one);
        let two = contents_of_all(&[one.clone(), "Task: b\n".into()]);
        assert_eq!(
            two,
            "# conversation 1 of 2\nTask: a\n\n{\n}\n\n# conversation 2 of 2\nTask: b\n"
        );
        // The conversation part of a snapshot, and how long its JSON is.
        assert_eq!(
            conversation("Task: a\nok\n{\n  \"events\": []\n}\n"),
            ("Task: a\nok\n", 3)
        );
    }

    #[test]
    fn compare_writes_pending_files_and_accept_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.snap");
        let new = compare(&path, "one\ntwo\n", "src", "in.json").unwrap();
        assert_eq!(
            new,
            Comparison::New {
                pending: dir.path().join("s.snap.new")
            }
        );
        accept(&path).unwrap();
        assert_eq!(read(&path).unwrap().unwrap(), "one\ntwo\n");
        assert_eq!(
            compare(&path, "one\ntwo", "src", "in.json").unwrap(),
            Comparison::Matched
        );
        let Comparison::Changed { diff, .. } = compare(&path, "one\nthree\n", "src", "in.json").unwrap() else {
            panic!()
        };
        assert!(diff.contains("-two\n+three\n"), "{diff}");
        reject(&path).unwrap();
        assert!(!pending_path(&path).exists());
        assert_eq!(
            read(&path).unwrap().unwrap(),
            "one\ntwo\n",
            "the accepted snapshot is untouched"
        );
    }
}
