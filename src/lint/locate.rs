//! Where a JSON path is in a file's text: the line and column of the value it names, so that
//! a finding points into the file as a load error does (`file:line:column`).

use crate::files::json_key;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A member of an object.
    Key(String),
    /// An element of an array, from 0.
    Index(usize),
}

/// A JSON path, built step by step: `Path::root().key("model").index(3)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// The whole document.
    pub fn root() -> Path {
        Path(Vec::new())
    }
    /// This path, then the member `key`.
    pub fn key(&self, key: &str) -> Path {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_string()));
        Path(steps)
    }
    /// This path, then the element `index`.
    pub fn index(&self, index: usize) -> Path {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        Path(steps)
    }
}

impl std::fmt::Display for Path {
    /// As the harness names places: `model.scripted.TriageAgent.rules[3]`, odd keys quoted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if i == 0 && json_key(key).starts_with('.') => f.write_str(key)?,
                Step::Key(key) => f.write_str(&json_key(key))?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The line and column (both from 1; the column in characters) where the value at `path`
/// starts in the JSON `text`; `None` if the text has no such value.
pub fn position(text: &str, path: &Path) -> Option<(usize, usize)> {
    let offset = offset(text, path)?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
    Some((line, column))
}

/// The byte offset where the value at `path` starts.
fn offset(text: &str, path: &Path) -> Option<usize> {
    let mut s = Scanner { text, at: 0 };
    s.space();
    for step in &path.0 {
        match step {
            Step::Key(wanted) => {
                s.expect(b'{')?;
                loop {
                    s.space();
                    let key = s.string()?;
                    s.space();
                    s.expect(b':')?;
                    s.space();
                    if key == *wanted {
                        break;
                    }
                    s.skip_value()?;
                    s.space();
                    s.expect(b',')?;
                }
            }
            Step::Index(wanted) => {
                s.expect(b'[')?;
                for _ in 0..*wanted {
                    s.space();
                    s.skip_value()?;
                    s.space();
                    s.expect(b',')?;
                }
                s.space();
                if s.peek()? == b']' {
                    return None;
                }
            }
        }
    }
    Some(s.at)
}

/// A cursor over JSON text that the file loader already accepted.
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }
    fn space(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }
    /// A string at the cursor, decoded.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.skip_string()?;
        serde_json::from_str(&self.text[start..self.at]).ok()
    }
    fn skip_string(&mut self) -> Option<()> {
        self.expect(b'"')?;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                _ => self.at += 1,
            }
        }
    }
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_values_past_strings_with_brackets_and_escapes() {
        let text = "{\n  \"a\": \"x]}\\\"{\",\n  \"model\": {\"b c\": [1, {\"k\": [2]},\n    {\"when\": {\"user\": \"é\"}}]}\n}";
        let path = Path::root().key("model").key("b c").index(2).key("when").key("user");
        assert_eq!(path.to_string(), "model[\"b c\"][2].when.user");
        assert_eq!(position(text, &path), Some((4, 23)));
        assert_eq!(
            position(text, &Path::root().key("model").key("b c").index(1)),
            Some((3, 24))
        );
        assert_eq!(position(text, &Path::root().key("model").key("b c").index(3)), None);
        assert_eq!(position(text, &Path::root().key("nothing")), None);
    }
}
