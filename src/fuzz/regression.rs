//! A counterexample as a scenario: it names the scenario it was found in (`"scenario":
//! "../helpdesk.json"`) and keeps the shrunk replies as its `user`, the campaign's seed, and
//! `expect: {"no_bounce": true}`. It runs the named scenario's design and model as they are
//! now, so `handoff run` reproduces the bounce (exit 1) until the design is fixed, and
//! `handoff test` passes it afterwards and fails it again if the bounce comes back. (A
//! scenario read from standard input has no file to name: its regression is a copy of it,
//! [`frozen_regression`].)

use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use super::Case;
use crate::engine::Profile;
use crate::files::OrderedMap;

/// The regression scenario for `case`, found by a campaign seeded `seed` in the scenario
/// named `stem`, at `scenario` (from the folder the regression goes to, `/`-separated); under
/// `profile` when the caller chose one (`--profile`), so the file bounces under the semantics
/// it was found under. Returns its name and its JSON text.
pub fn regression(
    scenario: &str,
    stem: &str,
    case: &Case,
    (found, seed): (&str, u64),
    profile: Option<&Profile>,
) -> Result<(String, String), serde_json::Error> {
    let name = format!("{stem}-{:08x}", fnv(&case.replies));
    let mut fields = vec![
        ("name", serde_json::to_string(&name)?),
        ("description", serde_json::to_string(&description(stem, case, found))?),
        ("scenario", serde_json::to_string(scenario)?),
        ("seed", seed.to_string()),
    ];
    if let Some(profile) = profile {
        fields.push(("profile", serde_json::to_string(profile.name)?));
    }
    fields.push((
        "user",
        serde_json::to_string_pretty(&case.replies)?.replace('\n', "\n  "),
    ));
    fields.push(("expect", r#"{ "no_bounce": true }"#.to_string()));
    let body: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("  \"{key}\": {value}"))
        .collect();
    Ok((name, format!("{{\n{}\n}}\n", body.join(",\n"))))
}

fn description(stem: &str, case: &Case, found: &str) -> String {
    format!(
        "Found by `handoff fuzz` in {stem}: {found}. Shrunk to {} human repl{}.",
        case.replies.len(),
        if case.replies.len() == 1 { "y" } else { "ies" }
    )
}

/// `file` as a path from the folder `dir` (both exist), `/`-separated: what a regression
/// written to `dir` names its scenario by.
pub fn path_from(dir: &Path, file: &Path) -> std::io::Result<String> {
    let (dir, file) = (dir.canonicalize()?, file.canonicalize()?);
    let common = dir
        .components()
        .zip(file.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = dir.components().skip(common).map(|_| "..".to_string()).collect();
    parts.extend(
        file.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

/// The regression scenario for `case`, found in the scenario file whose text is `original`:
/// every field as written (key order too: it orders the handoffs offered), but `name`,
/// `description`, `user` and `expect`, and `profile` when the campaign ran under one the
/// caller chose (`--profile`), so the file bounces under the semantics it was found under.
/// Returns its name and its JSON text.
pub fn frozen_regression(
    original: &str,
    stem: &str,
    case: &Case,
    found: &str,
    profile: Option<&Profile>,
) -> Result<(String, String), serde_json::Error> {
    let fields: OrderedMap<Box<RawValue>> = serde_json::from_str(original)?;
    let name = format!("{stem}-{:08x}", fnv(&case.replies));
    let description = description(stem, case, found);
    let profile = match profile {
        Some(p) => serde_json::to_string(p.name)?,
        None => String::new(),
    };
    let ours = [
        ("name", serde_json::to_string(&name)?),
        ("description", serde_json::to_string(&description)?),
        ("profile", profile),
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
    for (key, value) in ours[..3].iter().filter(|(_, value)| !value.is_empty()) {
        write(key, value);
    }
    for (key, value) in &fields.0 {
        let replaced = ours.iter().any(|(k, v)| k == key && !v.is_empty());
        if !replaced {
            write(key, value.get());
        }
    }
    for (key, value) in &ours[3..] {
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

    /// The top-level keys of a pretty-printed file, in order.
    fn top_keys(text: &str) -> Vec<&str> {
        text.lines()
            .filter_map(|l| l.strip_prefix("  \""))
            .map(|l| &l[..l.find('"').unwrap()])
            .collect()
    }

    #[test]
    fn keeps_every_other_field_in_its_order_and_replaces_the_conversation() {
        let original = r#"{"name": "x", "agents": [1], "handoffs": {"B": 1, "A": 2}, "user": ["hi"], "expect": {"outcome": "completed"}, "model": {}}"#;
        let case = Case {
            replies: vec!["refund the shipping".into()],
            overrides: Vec::new(),
        };
        let (name, text) = frozen_regression(original, "x", &case, "bounce", None).unwrap();
        assert!(name.starts_with("x-") && name.len() == 10, "{name}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["name"], name.as_str());
        assert_eq!(value["user"], serde_json::json!(["refund the shipping"]));
        assert_eq!(value["expect"], serde_json::json!({ "no_bounce": true }));
        let keys = top_keys(&text);
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
    fn a_chosen_profile_replaces_the_files_and_an_unchosen_one_is_kept() {
        let original = r#"{"profile": "semantic-kernel-fixed", "agents": []}"#;
        let case = Case {
            replies: vec!["hi".into()],
            overrides: Vec::new(),
        };
        let profile_of = |chosen| {
            let (_, text) = frozen_regression(original, "x", &case, "bounce", chosen).unwrap();
            assert_eq!(text.matches("\"profile\"").count(), 1, "{text}");
            serde_json::from_str::<serde_json::Value>(&text).unwrap()["profile"].clone()
        };
        assert_eq!(profile_of(None), "semantic-kernel-fixed");
        assert_eq!(profile_of(Some(&Profile::AGENT_FRAMEWORK)), "agent-framework");
    }

    #[test]
    fn names_its_scenario_and_keeps_the_replies_the_seed_and_what_it_proves() {
        let case = Case {
            replies: vec!["wifi".into()],
            overrides: Vec::new(),
        };
        let found = ("bounce: endless loop", 7);
        let (name, text) = regression("../helpdesk.json", "helpdesk", &case, found, None).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys = top_keys(&text);
        assert_eq!(
            keys,
            ["name", "description", "scenario", "seed", "user", "expect"],
            "{text}"
        );
        assert_eq!(value["name"], name.as_str());
        assert_eq!(value["scenario"], "../helpdesk.json");
        assert_eq!(value["seed"], 7);
        assert_eq!(value["user"], serde_json::json!(["wifi"]));
        assert_eq!(value["expect"], serde_json::json!({ "no_bounce": true }));
        assert!(
            value["description"]
                .as_str()
                .unwrap()
                .ends_with("Shrunk to 1 human reply.")
        );
        let (_, text) = regression(
            "../helpdesk.json",
            "helpdesk",
            &case,
            found,
            Some(&Profile::AGENT_FRAMEWORK),
        )
        .unwrap();
        assert!(text.contains(r#""profile": "agent-framework""#), "{text}");
    }

    #[test]
    fn paths_from_the_regressions_folder() {
        let dir = tempfile::tempdir().unwrap();
        let (scenarios, regressions) = (dir.path().join("s"), dir.path().join("s/regressions"));
        std::fs::create_dir_all(&regressions).unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        std::fs::write(scenarios.join("a.json"), "{}").unwrap();
        assert_eq!(path_from(&regressions, &scenarios.join("a.json")).unwrap(), "../a.json");
        assert_eq!(path_from(&scenarios, &scenarios.join("a.json")).unwrap(), "a.json");
        assert_eq!(
            path_from(&dir.path().join("elsewhere"), &scenarios.join("a.json")).unwrap(),
            "../s/a.json"
        );
    }

    #[test]
    fn the_name_depends_on_the_replies_only() {
        let case = |r: &str| Case {
            replies: vec![r.into()],
            overrides: Vec::new(),
        };
        let name = |c: &Case| regression("../s.json", "s", c, ("why", 1), None).unwrap().0;
        assert_eq!(name(&case("a")), name(&case("a")));
        assert_ne!(name(&case("a")), name(&case("b")));
    }
}
