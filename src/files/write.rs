//! Writing files so that a crash never leaves half a file: write a temporary file beside the
//! target, then rename it over the target (atomic on one file system).

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically, creating parent directories as needed: a temporary
/// file beside `path` (tempfile's, removed if anything fails) is written, synced and persisted
/// over `path`, then the folder is synced so that the rename survives a crash too.
///
/// A target that is neither a file nor a folder (a terminal, a pipe, `/dev/stdout`, or a link
/// to one) is written in place: renaming over it would replace the device with a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if is_stream(path) {
        return std::fs::OpenOptions::new().write(true).open(path)?.write_all(bytes);
    }
    let dir = folder(path);
    std::fs::create_dir_all(dir)?;
    let prefix = format!(".{}.", file_name(path));
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile makes its files private (0600); what we write is a file like any other (0666
    // less the umask, as `File::create` makes it).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    sync_folder(dir)
}

/// Makes a rename in `dir` durable (on Unix, where a folder can be opened and synced).
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Whether `a` and `b` name the same file, once links and `..` are resolved; a path that does
/// not exist yet is resolved through its folder.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (resolved(a), resolved(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(path) = path.canonicalize() {
        return Some(path);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some(dir.canonicalize().ok()?.join(path.file_name()?))
}

/// Whether `path` names something that is neither a file nor a folder (a terminal, a pipe, a
/// device such as `/dev/stdout`), links followed: written in place, never replaced.
pub fn is_stream(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Checks, before any work is paid for, that `path` can be written: its folder is created if
/// needed and a probe file is written and removed there (a stream, [`is_stream`], is opened
/// for writing instead). Nothing is left behind.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if is_stream(path) {
        return std::fs::OpenOptions::new().write(true).open(path).map(drop);
    }
    let dir = folder(path);
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".{}.{}.probe", file_name(path), std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(&probe)
}

/// Why an output file of a command is refused before anything runs.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Two outputs name one file: the second write would replace the first.
    #[error("{path}: {first} and {second} name the same file; give each its own")]
    Shared {
        /// The path, as the second option gave it.
        path: String,
        /// The option that names it first.
        first: String,
        /// The option that names it again.
        second: String,
    },
    /// An output is one of the command's inputs: writing it would destroy the input.
    #[error("{path}: {option} names an input of this command; give another file")]
    Input {
        /// The path.
        path: String,
        /// The option that names it.
        option: String,
    },
    /// An output names an existing folder.
    #[error("{path}: {option} names a folder; give a file")]
    Folder {
        /// The path.
        path: String,
        /// The option that names it.
        option: String,
    },
    /// An output cannot be written (its folder is missing and cannot be made, or refuses
    /// new files).
    #[error("{path}: {option}: cannot write there ({source})")]
    Unwritable {
        /// The path.
        path: String,
        /// The option that names it.
        option: String,
        /// What the probe write met.
        source: std::io::Error,
    },
}

/// The one check of every file a command writes, before anything runs: `outputs` (each with
/// the option that names it) are distinct files, none is one of `inputs`, none is a folder,
/// and each can be written.
pub fn check_outputs(outputs: &[(&str, &Path)], inputs: &[&Path]) -> Result<(), OutputError> {
    for (i, &(option, path)) in outputs.iter().enumerate() {
        let shown = || path.display().to_string();
        if let Some((first, _)) = outputs[..i].iter().find(|(_, earlier)| same_file(earlier, path)) {
            return Err(OutputError::Shared {
                path: shown(),
                first: first.to_string(),
                second: option.to_string(),
            });
        }
        let option = option.to_string();
        if inputs.iter().any(|input| same_file(path, input)) {
            return Err(OutputError::Input { path: shown(), option });
        }
        if path.is_dir() {
            return Err(OutputError::Folder { path: shown(), option });
        }
        check_writable(path).map_err(|source| OutputError::Unwritable {
            path: shown(),
            option,
            source,
        })?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically; if that fails, to a file of the same name in the
/// system's temporary folder, so that what was paid for is not lost. Returns where it went,
/// and the error that sent it elsewhere.
pub fn write_or_fallback(path: &Path, bytes: &[u8]) -> Result<(PathBuf, Option<std::io::Error>), std::io::Error> {
    let error = match write_atomic(path, bytes) {
        Ok(()) => return Ok((path.to_path_buf(), None)),
        Err(error) => error,
    };
    let fallback = std::env::temp_dir().join(format!("{}.{}", std::process::id(), file_name(path)));
    write_atomic(&fallback, bytes)?;
    Ok((fallback, Some(error)))
}

fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain.txt");
            std::fs::File::create(&plain).unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), mode(&plain), "as readable as any file the user makes");
        }
    }

    #[test]
    fn the_same_file_is_recognised_through_links_and_dots() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.json");
        std::fs::write(&file, "{}").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(same_file(&file, &dir.path().join("sub/../a.json")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&file, dir.path().join("link.json")).unwrap();
            assert!(same_file(&file, &dir.path().join("link.json")));
        }
        assert!(
            !same_file(&file, &dir.path().join("b.json")),
            "a file that does not exist yet"
        );
        assert!(same_file(
            &dir.path().join("new.json"),
            &dir.path().join("sub/../new.json")
        ));
    }

    #[test]
    fn writability_is_checked_without_leaving_anything() {
        let dir = tempfile::tempdir().unwrap();
        check_writable(&dir.path().join("deep/er/out.json")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path().join("deep/er")).unwrap().count(), 0);
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        assert!(
            check_writable(&blocker.join("out.json")).is_err(),
            "a file is no folder"
        );
    }

    #[test]
    fn outputs_are_distinct_files_none_an_input_or_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, input) = (
            dir.path().join("a.json"),
            dir.path().join("b.json"),
            dir.path().join("in.json"),
        );
        std::fs::write(&input, "{}").unwrap();
        assert!(check_outputs(&[("--one", &a), ("--two", &b)], &[&input]).is_ok());
        let shared = check_outputs(&[("--one", &a), ("--two", &dir.path().join("./a.json"))], &[]);
        assert!(matches!(shared, Err(OutputError::Shared { .. })), "{shared:?}");
        let input_named = check_outputs(&[("--one", &input)], &[&input]);
        assert!(matches!(input_named, Err(OutputError::Input { .. })), "{input_named:?}");
        let folder = check_outputs(&[("--one", dir.path())], &[]);
        assert!(matches!(folder, Err(OutputError::Folder { .. })), "{folder:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("out");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        assert!(is_stream(&link));
        check_writable(&link).unwrap();
        write_atomic(&link, b"recording").unwrap();
        assert!(
            std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(),
            "still the link"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary left");
    }

    #[test]
    fn a_write_that_fails_goes_to_the_temporary_folder() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let (written, error) = write_or_fallback(&blocker.join("rec.json"), b"paid").unwrap();
        assert!(error.is_some());
        assert!(written.starts_with(std::env::temp_dir()), "{}", written.display());
        assert_eq!(std::fs::read(&written).unwrap(), b"paid");
        std::fs::remove_file(written).unwrap();
    }
}
