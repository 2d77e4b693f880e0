//! Text templates with `{name}` placeholders: tool results (`Order {order_id} is shipped.`)
//! and scripted replies (`Your order {id} ...`). `{{` and `}}` stand for literal braces.

use std::fmt;

/// A parsed template: literal text and `{name}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(String),
}

/// Why a template string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at character {offset} of the template (write `{{{{` or `}}}}` for a literal brace)")]
pub struct TemplateError {
    /// Character offset of the offending brace.
    pub offset: usize,
    /// What is wrong there.
    pub message: &'static str,
}

impl Template {
    /// Parses `text`. Placeholder names are letters, digits and `_`.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        let mut position = 0usize;
        while let Some((_, c)) = chars.next() {
            let here = position;
            position += 1;
            match c {
                '{' if chars.peek().map(|&(_, n)| n) == Some('{') => {
                    chars.next();
                    position += 1;
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, n)| n) == Some('}') => {
                    chars.next();
                    position += 1;
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for (_, n) in chars.by_ref() {
                        position += 1;
                        if n == '}' {
                            closed = true;
                            break;
                        }
                        if !(n.is_ascii_alphanumeric() || n == '_') {
                            return Err(TemplateError {
                                offset: here,
                                message: "a placeholder name may hold only letters, digits and `_`",
                            });
                        }
                        name.push(n);
                    }
                    if !closed {
                        return Err(TemplateError {
                            offset: here,
                            message: "unclosed `{`",
                        });
                    }
                    if name.is_empty() {
                        return Err(TemplateError {
                            offset: here,
                            message: "empty placeholder `{}`",
                        });
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Var(name));
                }
                '}' => {
                    return Err(TemplateError {
                        offset: here,
                        message: "unmatched `}`",
                    });
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces })
    }

    /// A template that renders `text` unchanged (no placeholders).
    pub fn literal(text: impl Into<String>) -> Template {
        let text = text.into();
        let pieces = if text.is_empty() {
            Vec::new()
        } else {
            vec![Piece::Text(text)]
        };
        Template { pieces }
    }

    /// The placeholder names, in order of appearance (repeats included).
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Renders the template: `write(name, out)` appends the value of placeholder `name` to
    /// `out` and returns `false` if it has none, in which case the name is returned as error.
    pub fn render(&self, mut write: impl FnMut(&str, &mut String) -> bool) -> Result<String, String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Var(name) => {
                    if !write(name, &mut out) {
                        return Err(name.clone());
                    }
                }
            }
        }
        Ok(out)
    }

    /// Renders the template with values from `lookup`.
    pub fn render_with<'v>(&self, mut lookup: impl FnMut(&str) -> Option<&'v str>) -> Result<String, String> {
        self.render(|name, out| lookup(name).map(|v| out.push_str(v)).is_some())
    }
}

impl fmt::Display for Template {
    /// Writes the template back in its source syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => f.write_str(&text.replace('{', "{{").replace('}', "}}"))?,
                Piece::Var(name) => write!(f, "{{{name}}}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_placeholders_and_escaped_braces() {
        let t = Template::parse("Order {order_id} is {{shipped}} to {who}").unwrap();
        assert_eq!(t.placeholders().collect::<Vec<_>>(), ["order_id", "who"]);
        let out = t.render_with(|n| match n {
            "order_id" => Some("123"),
            "who" => Some("you"),
            _ => None,
        });
        assert_eq!(out.unwrap(), "Order 123 is {shipped} to you");
        assert_eq!(t.to_string(), "Order {order_id} is {{shipped}} to {who}");
    }

    #[test]
    fn text_after_the_last_placeholder_is_kept() {
        let t = Template::parse("Order {id} is shipped.").unwrap();
        assert_eq!(t.render_with(|_| Some("7")).unwrap(), "Order 7 is shipped.");
        assert_eq!(
            Template::parse("plain").unwrap().render_with(|_| None).unwrap(),
            "plain"
        );
    }

    #[test]
    fn reports_unknown_placeholder_by_name() {
        let t = Template::parse("{a}{b}").unwrap();
        assert_eq!(t.render_with(|n| (n == "a").then_some("x")), Err("b".to_string()));
    }

    #[test]
    fn rejects_malformed_braces_with_offset() {
        assert_eq!(Template::parse("ab {x").unwrap_err().offset, 3);
        assert_eq!(Template::parse("a}b").unwrap_err().message, "unmatched `}`");
        assert_eq!(Template::parse("{}").unwrap_err().message, "empty placeholder `{}`");
        assert!(Template::parse("{a b}").is_err());
    }

    #[test]
    fn error_offsets_count_characters_after_escapes_and_placeholders() {
        // Offsets are in characters from the start: `{{`, `}}` and a placeholder count whole.
        for (text, offset, message) in [
            ("{{ab}}c}", 7, "unmatched `}`"),
            ("{a}xy{", 5, "unclosed `{`"),
            (
                "é{{{b c}",
                3,
                "a placeholder name may hold only letters, digits and `_`",
            ),
            ("{order_id} {}", 11, "empty placeholder `{}`"),
        ] {
            let error = Template::parse(text).unwrap_err();
            assert_eq!((error.offset, error.message), (offset, message), "{text}");
        }
    }

    #[test]
    fn literal_renders_verbatim() {
        assert_eq!(Template::literal("a {b}").render_with(|_| None).unwrap(), "a {b}");
    }
}
