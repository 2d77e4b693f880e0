//! `handoff run`: one scenario, its conversation printed, its expectations checked.

use std::path::PathBuf;

use clap::Args;
use handoff_harness::Scenario;

use super::output::{Color, Format, Status, bad_input, json_text, print, run_json, text_report, use_color};
use super::profile::ProfileArg;

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The scenario file (JSON).
    file: PathBuf,
    /// Output format: `text`, the conversation as people read it, or `json`: outcome,
    /// expectations and every event.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    #[command(flatten)]
    profile: ProfileArg,
}

/// Runs the scenario of `args` and prints its conversation and verdict.
pub(crate) fn run(args: &RunArgs) -> Status {
    let outcome = Scenario::load_under(&args.file, args.profile.profile).and_then(|scenario| {
        let (run, verdict) = scenario.run_checked_blocking()?;
        Ok((scenario, run, verdict))
    });
    let (scenario, run, verdict) = match outcome {
        Ok(done) => done,
        Err(error) => return bad_input(error),
    };
    let text = match args.format {
        Format::Json => json_text(&run_json(&scenario, &run, &verdict)),
        Format::Text => text_report(&run, &verdict, use_color(args.color)),
    };
    print(&text);
    if verdict.passed { Status::Passed } else { Status::Failed }
}
