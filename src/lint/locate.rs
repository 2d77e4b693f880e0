//! Where a JSON path is in a file's text: the line and column of the value it names, so that
//! a finding points into the file as a load error does (`file:line:column`).

use std::collections::BTreeMap;

use crate::files::json_key;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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

/// The line and column (both from 1; the column in characters) where the value at each of
/// `paths` starts in the JSON `text`; `None` where the text has no such value. One walk of
/// the text for all of them, into only the parts that hold one.
pub fn positions(text: &str, paths: &[&Path]) -> Vec<Option<(usize, usize)>> {
    let mut wanted: BTreeMap<&[Step], Vec<usize>> = BTreeMap::new();
    for (i, path) in paths.iter().enumerate() {
        wanted.entry(path.0.as_slice()).or_default().push(i);
    }
    let mut offsets: Vec<Option<usize>> = vec![None; paths.len()];
    let mut s = Scanner { text, at: 0 };
    s.space();
    let _ = walk(&mut s, &mut Vec::new(), &wanted, &mut offsets);
    // Lines and columns in one pass over the text, the offsets in order.
    let mut order: Vec<(usize, usize)> = offsets
        .iter()
        .enumerate()
        .filter_map(|(i, o)| Some(((*o)?, i)))
        .collect();
    order.sort_unstable();
    let mut found = vec![None; paths.len()];
    let (mut line, mut line_start, mut counted) = (1, 0, 0);
    for (offset, i) in order {
        for (at, byte) in text.as_bytes()[counted..offset].iter().enumerate() {
            if *byte == b'\n' {
                line += 1;
                line_start = counted + at + 1;
            }
        }
        counted = offset;
        found[i] = Some((line, text[line_start..offset].chars().count() + 1));
    }
    found
}

/// Walks the value at the cursor, `path` its place, noting where each wanted path starts and
/// entering only the members and elements that lead to one.
fn walk(
    s: &mut Scanner<'_>,
    path: &mut Vec<Step>,
    wanted: &BTreeMap<&[Step], Vec<usize>>,
    offsets: &mut [Option<usize>],
) -> Option<()> {
    if let Some(indices) = wanted.get(path.as_slice()) {
        for &i in indices {
            offsets[i] = Some(s.at);
        }
    }
    // Whether a wanted path lies below this one: the first at or after it starts with it.
    let below = |path: &[Step]| {
        wanted
            .range::<[Step], _>((std::ops::Bound::Excluded(path), std::ops::Bound::Unbounded))
            .next()
            .is_some_and(|(p, _)| p.starts_with(path))
    };
    if !below(path) {
        return s.skip_value();
    }
    match s.peek()? {
        b'{' => {
            s.at += 1;
            s.space();
            if s.peek()? == b'}' {
                s.at += 1;
                return Some(());
            }
            loop {
                s.space();
                let key = s.string()?;
                s.space();
                s.expect(b':')?;
                s.space();
                path.push(Step::Key(key));
                walk(s, path, wanted, offsets)?;
                path.pop();
                s.space();
                if s.peek()? == b',' {
                    s.at += 1;
                } else {
                    return s.expect(b'}');
                }
            }
        }
        b'[' => {
            s.at += 1;
            s.space();
            if s.peek()? == b']' {
                s.at += 1;
                return Some(());
            }
            let mut index = 0;
            loop {
                s.space();
                path.push(Step::Index(index));
                walk(s, path, wanted, offsets)?;
                path.pop();
                index += 1;
                s.space();
                if s.peek()? == b',' {
                    s.at += 1;
                } else {
                    return s.expect(b']');
                }
            }
        }
        _ => s.skip_value(),
    }
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
        let element = Path::root().key("model").key("b c").index(1);
        let past = Path::root().key("model").key("b c").index(3);
        let nothing = Path::root().key("nothing");
        assert_eq!(
            positions(text, &[&path, &element, &past, &nothing, &path]),
            [Some((4, 23)), Some((3, 24)), None, None, Some((4, 23))]
        );
    }
}
