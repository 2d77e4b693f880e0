//! `handoff replay`: runs a scenario with a recording instead of a live model, and reports
//! the first call where the run no longer asks what was recorded.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::output::{Color, Format, Status, bad_input, json_text, print, run_json, text_report, use_color};
use super::profile::ProfileArg;
use handoff_harness::engine::block_on;
use handoff_harness::scenario::{Capture, Check, Scenario, ScenarioError};
use handoff_harness::wire::Transcript;
use handoff_harness::wire::{Divergence, Matching, Replay, Unused};

/// Arguments of `handoff replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The scenario file (JSON): the design to run, and its task.
    file: PathBuf,
    /// The recording (default: the one the scenario's `model` names).
    #[arg(long, value_name = "PATH")]
    transcript: Option<PathBuf>,
    /// How calls are matched to recorded ones: `strict` (the request must equal the recorded
    /// one) or `sequence` (each agent's calls in order; content ignored).
    #[arg(long = "match", value_enum)]
    matching: Option<Matching>,
    /// Do not fail when recorded calls or human replies are left unused.
    #[arg(long)]
    allow_unused: bool,
    /// Replay under --profile (or the scenario's `profile`) even when the recording was made
    /// under another: the replay diverges wherever the frameworks show a model different
    /// messages (`--match sequence` ignores content).
    #[arg(long)]
    allow_profile_mismatch: bool,
    /// Output format: `text`, the replayed conversation and the replay check, or `json`:
    /// outcome, expectations, every event and the check.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    profile: ProfileArg,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

pub(super) fn replay(args: &ReplayArgs) -> Status {
    let loaded = match (args.profile.profile, args.allow_profile_mismatch) {
        (Some(profile), true) => Scenario::load_mismatched(&args.file, profile),
        (profile, _) => Scenario::load_under(&args.file, profile),
    };
    let mut scenario = match loaded {
        Ok(scenario) => scenario,
        Err(error) => return bad_input(error),
    };
    // A recording given here fixes the profile as the scenario's own would.
    if let Some(path) = &args.transcript
        && let Ok(transcript) = Transcript::load(path)
        && transcript.profile() != scenario.profile()
    {
        let made_under = transcript.profile();
        if !scenario.profile_given {
            scenario = match Scenario::load_mismatched(&args.file, made_under) {
                Ok(scenario) => Scenario {
                    profile_given: false,
                    ..scenario
                },
                Err(error) => return bad_input(error),
            };
        } else if !args.allow_profile_mismatch {
            return bad_input(format!(
                "{}: profile: the scenario runs under `{}`, but the recording {} was made under `{}`: a replay would diverge wherever the two frameworks show a model different messages; drop the profile to replay under the recording's, or pass --allow-profile-mismatch",
                scenario.file,
                scenario.profile().name,
                path.display(),
                made_under.name
            ));
        }
    }
    let replay = match (&args.transcript, scenario.recording.take()) {
        (Some(path), earlier) => match Transcript::load(path) {
            Ok(transcript) => Replay::new(
                transcript,
                path.display().to_string(),
                earlier.map(|r| r.matching).unwrap_or_default(),
            ),
            Err(error) => return bad_input(error),
        },
        (None, Some(replay)) => replay,
        (None, None) => {
            return bad_input(format!(
                "{}: model: names no recording; give one with --transcript PATH",
                scenario.file
            ));
        }
    };
    let replay = Replay {
        matching: args.matching.unwrap_or(replay.matching),
        allow_unused: args.allow_unused,
        ..replay
    };
    let recorded_under = replay.transcript.profile();
    if recorded_under != scenario.profile() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "note: replaying {} (recorded under `{}`) under `{}`: the run diverges wherever the two frameworks show a model different messages",
            replay.file,
            recorded_under.name,
            scenario.profile().name
        );
    }
    // A design file has no task: replay it on the recorded one.
    if scenario.task.is_none() {
        scenario.task = replay.transcript.task().map(String::from);
    }
    let orchestration = match scenario.orchestration_only() {
        Ok(orchestration) => orchestration,
        Err(error) => return bad_input(error),
    };
    let mut inputs = scenario.inputs_to_capture();
    let mut model = replay.model(orchestration.design());
    let run = match block_on(replay.run_with(&orchestration, &mut Capture::new(&mut model, inputs.as_mut()))) {
        Ok(run) => run,
        Err(error) => return bad_input(ScenarioError::Runtime(error)),
    };
    let divergence = model.divergence().cloned();
    let unused = Unused::of(&replay.transcript, &run);
    // The scenario's own checks, then the replay's (the recording was taken out above).
    let mut verdict = scenario.verdict_with(&run, inputs.as_ref());
    verdict.add(Check::replay(&replay, &run));
    let text = match args.format {
        Format::Json => {
            let mut value = run_json(&scenario, &run, &verdict);
            value["replay"] = json!({
                "transcript": &replay.file,
                "recorded_under": recorded_under.name,
                "match": replay.matching,
                "recorded_calls": replay.transcript.calls.len(),
                "divergence": divergence.as_ref().map(divergence_json),
                "unused_calls": unused.calls.iter().map(|(agent, call)| json!({ "agent": agent, "call": call })).collect::<Vec<_>>(),
                "unused_human_replies": unused.human,
            });
            json_text(&value)
        }
        Format::Text => {
            let mut text = text_report(&run, &verdict, use_color(args.color));
            text.push_str(&summary(&replay, &run, divergence.as_ref(), &unused));
            text
        }
    };
    print(&text);
    if verdict.passed { Status::Passed } else { Status::Failed }
}

pub(crate) fn divergence_json(divergence: &Divergence) -> serde_json::Value {
    json!({
        "agent": divergence.agent,
        "call": divergence.call,
        "run_call": divergence.run_call,
        "reason": divergence.reason,
        "diff": divergence.diff,
    })
}

/// The closing line: what was replayed, and what was not.
fn summary(replay: &Replay, run: &handoff_harness::Run, divergence: Option<&Divergence>, unused: &Unused) -> String {
    let recorded = replay.transcript.calls.len();
    match divergence {
        Some(d) if d.diff.is_empty() => format!(
            "\nreplay: diverged at {} call {} (model call {} of {recorded} recorded): {}\n",
            d.agent, d.call, d.run_call, d.reason
        ),
        Some(d) => format!(
            "\nreplay: diverged at {} call {} (model call {} of {recorded} recorded): {}\n--- recorded\n+++ this run\n{}",
            d.agent, d.call, d.run_call, d.reason, d.diff
        ),
        None if unused.is_empty() => format!(
            "\nreplay: {} of {recorded} recorded calls replayed, every one as recorded\n",
            run.model_calls()
        ),
        None => format!(
            "\nreplay: {} of {recorded} recorded calls replayed; {unused}\n",
            run.model_calls()
        ),
    }
}
