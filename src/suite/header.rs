//! The metadata header of a `.snap` file (`---`, `key: value` lines, `---`), written byte for
//! byte as insta writes it, so that `cargo insta accept` and `handoff test --accept` rewrite
//! each other's files to the same bytes.
//!
//! insta writes its header with its own YAML emitter: a string is quoted only where YAML
//! needs it (the rules of `needs_quotes`, copied from insta's vendored emitter, with the
//! escapes of `quoted`). A header that insta wrote for the project's own snapshot test
//! (`source: tests/...rs`) is kept as it is when `handoff test` rewrites the snapshot.

/// A snapshot's metadata: its top-level keys in order, each with its value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    fields: Vec<(String, Value)>,
}

/// One value of the header.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// A string (quoted or not in the file), rewritten with insta's quoting.
    Text(String),
    /// Anything else (a number, a nested map), kept as its lines were written.
    Raw(String),
}

impl Header {
    /// The header `handoff test` writes for a new snapshot: the tool, then the scenario file.
    pub fn new(source: &str, input_file: &str) -> Header {
        Header {
            fields: vec![
                ("source".into(), Value::Text(source.into())),
                ("input_file".into(), Value::Text(input_file.into())),
            ],
        }
    }

    /// Splits a `.snap` file into its header and its contents; `None` for the header when the
    /// file has no `---` fenced metadata.
    pub fn split(text: &str) -> (Option<Header>, &str) {
        let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) else {
            return (None, text);
        };
        let mut fields: Vec<(String, Value)> = Vec::new();
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            offset += line.len();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.trim_end() == "---" {
                return (Some(Header { fields }), &rest[offset..]);
            }
            if line.starts_with([' ', '-'])
                && let Some((_, value)) = fields.last_mut()
            {
                let mut raw = match value {
                    Value::Raw(raw) => std::mem::take(raw),
                    Value::Text(text) => yaml_string(text),
                };
                raw.push('\n');
                raw.push_str(line);
                *value = Value::Raw(raw);
                continue;
            }
            let (key, value) = line.split_once(':').unwrap_or((line, ""));
            fields.push((key.trim().to_string(), parse_scalar(value.trim())));
        }
        (None, "")
    }

    /// The value of a string field (`source`, `input_file`, ...), if the header has it.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| name == key)
            .and_then(|(_, value)| match value {
                Value::Text(text) => Some(text.as_str()),
                Value::Raw(_) => None,
            })
    }

    /// The header as insta writes it, both `---` fences included.
    pub fn render(&self) -> String {
        let mut out = String::from("---\n");
        for (key, value) in &self.fields {
            out.push_str(key);
            out.push(':');
            match value {
                Value::Text(text) => {
                    out.push(' ');
                    out.push_str(&yaml_string(text));
                }
                Value::Raw(raw) if raw.is_empty() || raw.starts_with('\n') => out.push_str(raw),
                Value::Raw(raw) => {
                    out.push(' ');
                    out.push_str(raw);
                }
            }
            out.push('\n');
        }
        out.push_str("---\n");
        out
    }
}

/// A scalar as YAML reads it: a double-quoted string (JSON escapes), a single-quoted one
/// (`''` for `'`), or a plain value: a string unless it is a number, a boolean or null.
fn parse_scalar(value: &str) -> Value {
    if value.starts_with('"')
        && let Ok(text) = serde_json::from_str::<String>(value)
    {
        return Value::Text(text);
    }
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return Value::Text(inner.replace("''", "'"));
    }
    if needs_quotes(value) {
        Value::Raw(value.to_string())
    } else {
        Value::Text(value.to_string())
    }
}

/// `text` as insta's emitter writes a string: plain where YAML reads it back as the same
/// string, else quoted.
fn yaml_string(text: &str) -> String {
    if needs_quotes(text) {
        quoted(text)
    } else {
        text.to_string()
    }
}

/// Whether insta quotes `text` (its emitter's `need_quotes`).
fn needs_quotes(text: &str) -> bool {
    const RESERVED: [&str; 22] = [
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE", "false", "on", "On", "ON",
        "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    text.is_empty()
        || text.starts_with(' ')
        || text.ends_with(' ')
        || text.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@', '.'])
        || text.contains(|c: char| {
            matches!(c, ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\' | '\0'..='\x06' | '\t'
                | '\n' | '\r' | '\x0e'..='\x1a' | '\x1c'..='\x1f')
        })
        || RESERVED.contains(&text)
        || text.starts_with("0x")
        || text.parse::<i64>().is_ok()
        || text.parse::<f64>().is_ok()
}

/// `text` double-quoted with insta's escapes: JSON's (`\"`, `\\`, `\n`, `\t`, `\uXXXX` for the
/// other control characters), and `\u007f`, which insta escapes and JSON does not.
fn quoted(text: &str) -> String {
    serde_json::to_string(text)
        .expect("a string always serialises")
        .replace('\u{7f}', "\\u007f")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_only_where_yaml_needs_it() {
        let header = Header::new("handoff test", "scenarios/a b.json");
        assert_eq!(
            header.render(),
            "---\nsource: handoff test\ninput_file: scenarios/a b.json\n---\n"
        );
        for (text, written) in [
            ("C:\\x", "\"C:\\\\x\""),
            ("-dash", "\"-dash\""),
            ("12", "\"12\""),
            ("true", "\"true\""),
            ("", "\"\""),
            ("a#b", "\"a#b\""),
            ("tab\there", "\"tab\\there\""),
            ("\u{1}", "\"\\u0001\""),
            ("\u{7f}\u{8}\u{c}\r", "\"\\u007f\\b\\f\\r\""),
        ] {
            assert_eq!(yaml_string(text), written, "{text:?}");
        }
    }

    #[test]
    fn a_header_reads_back_as_written_and_quoted_strings_are_rewritten_plain() {
        let text =
            "---\nsource: \"handoff test\"\nassertion_line: 12\ninfo:\n  a: 1\ninput_file: 'it''s.json'\n---\nbody\n";
        let (header, body) = Header::split(text);
        let header = header.unwrap();
        assert_eq!(body, "body\n");
        assert_eq!(
            header.render(),
            "---\nsource: handoff test\nassertion_line: 12\ninfo:\n  a: 1\ninput_file: \"it's.json\"\n---\n"
        );
        assert_eq!(Header::split(&header.render()).0.unwrap(), header);
        assert_eq!(Header::split("no header"), (None, "no header"));
        assert_eq!(Header::split("---\nsource: x\n"), (None, ""), "an unclosed header");
    }
}
