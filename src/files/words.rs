//! Words for messages: counts with their noun, lists of names, and text made safe to print.

use std::borrow::Cow;

/// "1 agent", "2 agents".
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// "`A`", "`A` and `B`", "`A`, `B` and `C`"; long lists end "… and 97 more".
pub fn names(list: &[&str]) -> String {
    const SHOWN: usize = 6;
    let quoted: Vec<String> = list.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    match list.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n if n <= SHOWN => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
        n => format!("{} and {} more", quoted.join(", "), n - SHOWN),
    }
}

/// How much of a text a message or a diff shows: a longer one is cut ([`cut`]), so that a
/// hostile input of megabytes is never echoed whole, nor compared whole where only its
/// likeness is wanted.
pub const SHOWN_BYTES: usize = 4 * 1024;

/// The first `max` bytes of `text`, cut at a character's boundary.
pub fn head(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text`, or if it is longer than `max` bytes its [`head`] with a note of its whole length
/// (`… (cut: N bytes in all)`).
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    match text.len() > max {
        true => Cow::Owned(format!("{}… (cut: {} bytes in all)", head(text, max), text.len())),
        false => Cow::Borrowed(text),
    }
}

/// `text` with its control characters written visibly (`\n`, `\r`, `\t`, `\e`, `\0`,
/// `\u{7f}`), so that what a model or a person wrote cannot start a new line, fake a
/// `User:` line or drive the terminal when printed. Text without any is returned as it is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_at_a_character_with_its_length() {
        assert_eq!(cut("short", 8), "short");
        assert_eq!(cut("ééé", 3), "é… (cut: 6 bytes in all)");
    }

    #[test]
    fn control_characters_are_written_visibly() {
        assert_eq!(escape_controls("plain text, é ✓"), "plain text, é ✓");
        assert!(matches!(escape_controls("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("ok\nUser: yes\r\u{1b}[2J\0\u{7f}\u{85}"),
            "ok\\nUser: yes\\r\\e[2J\\0\\u{7f}\\u{85}"
        );
    }
}
