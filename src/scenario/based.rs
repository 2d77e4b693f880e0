//! A scenario that runs another with its own replies: `"scenario": "../helpdesk.json"`, what
//! `handoff fuzz` writes as a regression. It keeps only the human's replies, what they prove
//! (`expect`) and the seed that found them; the design, task, model, limits, policy and
//! invariants are the named scenario's as it is now, so a fix to the design reaches it.

use super::file::{File, conversation};
use super::shared::{beside, keys, named_scenario};
use super::{Base, Scenario, ScenarioError, Verdict};
use crate::engine::Profile;
use crate::files::{FileError, stem as stem_of};

/// What a file that names a scenario may give itself.
const OWN: [&str; 8] = [
    "$schema",
    "name",
    "description",
    "scenario",
    "seed",
    "profile",
    "user",
    "expect",
];

impl Scenario {
    /// The scenario of `parsed` (read from `text` in `file`, named `stem` by default), which
    /// names another with `scenario`: that one, loaded under `profile` or else `parsed`'s
    /// profile, with `parsed`'s name, replies and expectations.
    pub(super) fn based(
        parsed: File,
        text: &str,
        (file, stem): (&str, Option<&str>),
        profile: Option<&'static Profile>,
        match_recording: bool,
    ) -> Result<Scenario, ScenarioError> {
        let relative = parsed.scenario.clone().unwrap_or_default();
        if let Some(key) = keys(text).iter().find(|k| !OWN.contains(&k.as_str())) {
            return Err(FileError::invalid(
                file,
                key.as_str(),
                format!(
                    "`scenario` names {relative}, whose design, task, model, limits, policy and invariants this file runs: it gives only `user`, `expect`, `seed`, `profile`, `name` and `description`; edit `{key}` in {relative}, or drop `scenario`"
                ),
            )
            .into());
        }
        let (base_text, base_file) =
            named_scenario(file, &relative, ": name the scenario that has the design and the model")?;
        let profile = profile.or(parsed.profile.as_ref().map(|p| p.profile));
        let base_stem = stem_of(&beside(file, &relative));
        let mut scenario = Scenario::parse_checked(&base_text, &base_file, Some(&base_stem), profile, match_recording)?;
        let (user, hosts, expect) = conversation(parsed.user, parsed.expect, &scenario.design)
            .map_err(|(place, message)| FileError::invalid(file, place, message))?;
        scenario.name = parsed
            .name
            .or(stem.map(String::from))
            .unwrap_or_else(|| "scenario".into());
        scenario.file = file.to_string();
        scenario.profile_given |= profile.is_some();
        scenario.user = user;
        scenario.hosts = hosts;
        scenario.expect = expect;
        scenario.base = Some(Base {
            file: base_file,
            named: relative,
            seed: parsed.seed,
        });
        Ok(scenario)
    }

    /// What `handoff test` adds to a passing regression's `ok`: that the bounce `handoff
    /// fuzz` found no longer happens under the design as it is now. `None` for any other
    /// scenario, or a verdict that failed.
    pub fn note(&self, verdict: &Verdict) -> Option<String> {
        let base = self.base.as_ref()?;
        if !verdict.passed || self.expect.no_bounce != Some(true) {
            return None;
        }
        let seed = base.seed.map(|s| format!(" with seed {s}")).unwrap_or_default();
        Some(format!(
            "the bounce `handoff fuzz` found{seed} no longer happens: {} is fixed; this fails again if it comes back",
            base.named
        ))
    }
}
