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
pub fn read_text(path: &Path) -> Result<(String, String), FileError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| FileError::Read {
        file: file.clone(),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, file)),
        Err(e) => Err(FileError::NotText {
            offset: e.utf8_error().valid_up_to(),
            file,
        }),
    }
}

/// Deserialises `text`, reporting the JSON path and line/column of the first problem.
pub fn parse_json<T: for<'de> Deserialize<'de>>(text: &str, file: &str) -> Result<T, FileError> {
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
            column: inner.column(),
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
