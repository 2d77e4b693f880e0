//! Reading input files: UTF-8 text, then JSON into a typed value, with every error naming the
//! file and the place (JSON path, line and column).

use std::path::Path;

use serde::Deserialize;

use super::place::json_key;

/// An input file that cannot be used. Its message names the file and the place.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file cannot be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("{file}: not a text file (byte {offset} is not UTF-8); a scenario is a JSON file")]
    NotText {
        /// The file.
        file: String,
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// Malformed or truncated JSON, or a value of the wrong shape.
    #[error("{file}:{line}:{column}: {place}{message}")]
    Json {
        /// The file.
        file: String,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// `"<json path>: "`, or empty where the parser knows no path.
        place: String,
        /// What is wrong.
        message: String,
    },
    /// Valid JSON that does not make a valid file of its kind.
    #[error("{file}: {place}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// JSON path of the offending value.
        place: String,
        /// What is wrong.
        message: String,
    },
}

impl FileError {
    /// An [`FileError::Invalid`] error.
    pub fn invalid(file: impl Into<String>, place: impl Into<String>, message: impl Into<String>) -> FileError {
        FileError::Invalid {
            file: file.into(),
            place: place.into(),
            message: message.into(),
        }
    }
}

/// Reads a UTF-8 file, naming it in errors.
///
/// Only regular files are read (a folder, a pipe or a device is refused before anything is
/// read, so a FIFO cannot block the reader), at most [`MAX_FILE_SIZE`] bytes of them; a UTF-8
/// byte-order mark at the start is skipped.
///
/// `-` is standard input, named `<stdin>` in errors. It is read once, when first asked for,
/// with the same limit; a second read in the same process (a command that reads its input
/// twice) gets the same text.
pub fn read_text(path: &Path) -> Result<(String, String), FileError> {
    use std::io::Read;
    if path.as_os_str() == STDIN {
        static TEXT: std::sync::OnceLock<Result<Vec<u8>, String>> = std::sync::OnceLock::new();
        let file = STDIN_NAME.to_string();
        let bytes = TEXT.get_or_init(|| {
            let mut bytes = Vec::new();
            match std::io::stdin().lock().take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes) {
                Ok(_) => Ok(bytes),
                Err(e) => Err(e.to_string()),
            }
        });
        let bytes = bytes.clone().map_err(|e| FileError::Read {
            file: file.clone(),
            source: std::io::Error::other(e),
        })?;
        return text_of(bytes, file);
    }
    let file = path.display().to_string();
    let failed = |source| FileError::Read {
        file: file.clone(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(|e| match (e.kind(), did_you_mean(path)) {
        (std::io::ErrorKind::NotFound, Some(near)) => failed(std::io::Error::new(
            e.kind(),
            format!("no such file; did you mean `{}`?", near.display()),
        )),
        _ => failed(e),
    })?;
    if !metadata.is_file() {
        let what = if metadata.is_dir() {
            "a folder"
        } else {
            "not a regular file (a pipe, a socket or a device)"
        };
        return Err(failed(std::io::Error::other(format!("{what}; give a JSON file"))));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes))
        .map_err(failed)?;
    text_of(bytes, file)
}

/// A file beside `path` whose name is one or two edits from its name (a typo), the nearest.
fn did_you_mean(path: &Path) -> Option<std::path::PathBuf> {
    let name = path.file_name()?.to_str()?;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut near: Vec<(usize, String)> = std::fs::read_dir(folder)
        .ok()?
        .flatten()
        .take(10_000)
        .filter_map(|entry| {
            let other = entry.file_name().into_string().ok()?;
            let distance = strsim::levenshtein(name, &other);
            (distance <= 2 && distance < name.len()).then_some((distance, other))
        })
        .collect();
    near.sort();
    let (_, other) = near.into_iter().next()?;
    Some(path.with_file_name(other))
}

/// The path that names standard input.
pub const STDIN: &str = "-";

/// How errors name standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// The name a file's contents go by (a scenario's default name, a regression's or a
/// recording's prefix): its file name without the extension, `stdin` for [`STDIN`].
pub fn stem(path: &Path) -> String {
    match path.as_os_str() == STDIN {
        true => "stdin".into(),
        false => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// `bytes` read from `file` as text: at most [`MAX_FILE_SIZE`] of them, UTF-8, without a
/// leading byte-order mark.
fn text_of(bytes: Vec<u8>, file: String) -> Result<(String, String), FileError> {
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(FileError::Read {
            file,
            source: std::io::Error::other(format!(
                "larger than {} MiB, more than any scenario, design or recording needs",
                MAX_FILE_SIZE >> 20
            )),
        });
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok((text, file))
        }
        Err(e) => Err(FileError::NotText {
            offset: e.utf8_error().valid_up_to(),
            file,
        }),
    }
}

/// The largest file [`read_text`] reads: 1 GiB.
pub const MAX_FILE_SIZE: u64 = 1 << 30;

/// Deserialises `text`, reporting the JSON path and line/column of the first problem.
///
/// The text must hold one JSON object: serde would also read a struct from a positional
/// array (`["name", ...]`), which no one writes on purpose.
pub fn parse_json<T: for<'de> Deserialize<'de>>(text: &str, file: &str) -> Result<T, FileError> {
    let start = text.len() - text.trim_start().len();
    if let Some(first) = text[start..].chars().next().filter(|&c| c != '{') {
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        return Err(FileError::Json {
            file: file.to_string(),
            line,
            column,
            place: String::new(),
            message: format!("expected a JSON object (`{{ ... }}`) at the top of the file, found `{first}`"),
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let result = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => de.end().map(|()| value).map_err(|e| (String::new(), e)),
        Err(e) => Err((e.path().to_string(), e.into_inner())),
    };
    result.map_err(|(path, inner)| {
        let position = format!(" at line {} column {}", inner.line(), inner.column());
        let raw = inner.to_string();
        let mut message = raw.strip_suffix(&position).unwrap_or(&raw).to_string();
        if inner.is_eof() {
            message = format!("{message}: the file ends too early (truncated, or a bracket is not closed)");
        }
        let tidy = tidy_path(&path);
        let place = if tidy.is_empty() || inner.is_syntax() || inner.is_eof() {
            String::new()
        } else {
            format!("{tidy}: ")
        };
        FileError::Json {
            file: file.to_string(),
            line: inner.line(),
            // serde_json says column 0 for the end of a line; columns count from 1.
            column: inner.column().max(1),
            place,
            message,
        }
    })
}

/// serde_path_to_error writes map keys as `.key`; quote keys that are not plain names.
fn tidy_path(path: &str) -> String {
    path.split('.')
        .filter(|s| !s.is_empty())
        .enumerate()
        .fold(String::new(), |mut out, (i, segment)| {
            let (key, index) = match segment.find('[') {
                Some(at) => segment.split_at(at),
                None => (segment, ""),
            };
            if i == 0 && !key.is_empty() {
                out.push_str(key);
            } else if !key.is_empty() {
                out.push_str(&json_key(key));
            }
            out.push_str(index);
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_path_gets_the_nearest_file_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("customer_support.json"), "{}").unwrap();
        std::fs::write(dir.path().join("refund.json"), "{}").unwrap();
        let typo = dir.path().join("customer_suport.json");
        let error = read_text(&typo).unwrap_err().to_string();
        assert!(
            error.ends_with(&format!(
                "cannot read: no such file; did you mean `{}`?",
                dir.path().join("customer_support.json").display()
            )),
            "{error}"
        );
        // Nothing near: the system's words.
        let error = read_text(&dir.path().join("nothing_like_it.json"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("No such file or directory"), "{error}");
    }
}
