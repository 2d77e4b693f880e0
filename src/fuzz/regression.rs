//! A counterexample as an ordinary scenario: the original file with the shrunk replies as
//! its `user`, and `expect: {"no_bounce": true}`, so `handoff run` reproduces the bounce
//! (exit 1) until the design is fixed, and `handoff test` keeps it fixed afterwards.

use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use super::Case;
use crate::files::OrderedMap;

/// The regression scenario for `case`, found in the scenario file whose text is `original`:
/// every field as written (key order too: it orders the handoffs offered), but `name`,
/// `description`, `user` and `expect`. Returns its name and its JSON text.
pub fn regression(original: &str, stem: &str, case: &Case, found: &str) -> Result<(String, String), serde_json::Error> {
    let fields: OrderedMap<Box<RawValue>> = serde_json::from_str(original)?;
    let name = format!("{stem}-{:08x}", fnv(&case.replies));
    let description = format!(
        "Found by `handoff fuzz` in {stem}: {found}. Shrunk to {} human repl{}.",
        case.replies.len(),
        if case.replies.len() == 1 { "y" } else { "ies" }
    );
    let ours = [
        ("name", serde_json::to_string(&name)?),
        ("description", serde_json::to_string(&description)?),
        (
            "user",
            serde_json::to_string_pretty(&case.replies)?.replace('\n', "\n  "),
        ),
        ("expect", r#"{ "no_bounce": true }"#.to_string()),
    ];
    let mut out = String::from("{\n");
    let mut write = |key: &str, value: &str| {
        if out.len() > 2 {
            out.push_str(",\n");
        }
        out.push_str(&format!(
            "  {}: {value}",
            serde_json::to_string(key).expect("a string serialises")
        ));
    };
    for (key, value) in &ours[..2] {
        write(key, value);
    }
    for (key, value) in &fields.0 {
        if !ours.iter().any(|(k, _)| k == key) {
            write(key, value.get());
        }
    }
    for (key, value) in &ours[2..] {
        write(key, value);
    }
    out.push_str("\n}\n");
    Ok((name, out))
}

/// Where the regressions of `scenario` go: `regressions/` beside it.
pub fn regressions_dir(scenario: &Path) -> PathBuf {
    scenario.parent().unwrap_or(Path::new(".")).join("regressions")
}

/// FNV-1a of the replies: a short, stable name for a counterexample.
fn fnv(replies: &[String]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in replies.iter().flat_map(|r| r.bytes().chain([0])) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_other_field_in_its_order_and_replaces_the_conversation() {
        let original = r#"{"name": "x", "agents": [1], "handoffs": {"B": 1, "A": 2}, "user": ["hi"], "expect": {"outcome": "completed"}, "model": {}}"#;
        let case = Case {
            replies: vec!["refund the shipping".into()],
            overrides: Vec::new(),
        };
        let (name, text) = regression(original, "x", &case, "bounce").unwrap();
        assert!(name.starts_with("x-") && name.len() == 10, "{name}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["name"], name.as_str());
        assert_eq!(value["user"], serde_json::json!(["refund the shipping"]));
        assert_eq!(value["expect"], serde_json::json!({ "no_bounce": true }));
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("  \""))
            .map(|l| &l[..l.find('"').unwrap()])
            .collect();
        assert_eq!(
            keys,
            ["name", "description", "agents", "handoffs", "model", "user", "expect"]
        );
        assert!(
            text.contains(r#"{"B": 1, "A": 2}"#),
            "handoff order kept as written:\n{text}"
        );
    }

    #[test]
    fn the_name_depends_on_the_replies_only() {
        let case = |r: &str| Case {
            replies: vec![r.into()],
            overrides: Vec::new(),
        };
        let name = |c: &Case| regression("{}", "s", c, "why").unwrap().0;
        assert_eq!(name(&case("a")), name(&case("a")));
        assert_ne!(name(&case("a")), name(&case("b")));
    }
}
