//! `handoff import`: builds a recording from a Chat Completions log, to replay a production
//! conversation against the design.

use std::path::PathBuf;

use clap::Args;

use super::output::{Status, bad_input, print};
use handoff_harness::files::{read_text, same_file};
use handoff_harness::scenario::Scenario;
use handoff_harness::wire::Transcript;
use handoff_harness::wire::log_entries;

/// Arguments of `handoff import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The log: a JSON array or JSON Lines of `{"request": ..., "response": ...}` entries.
    log: PathBuf,
    /// The scenario or design file whose agents made the calls.
    #[arg(long, value_name = "FILE")]
    design: PathBuf,
    /// Where to write the recording (default: `<LOG stem>.recording.json` beside LOG).
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Overwrite an existing recording.
    #[arg(long)]
    force: bool,
}

pub(super) fn import_log(args: &ImportArgs) -> Status {
    let scenario = match Scenario::load(&args.design) {
        Ok(scenario) => scenario,
        Err(error) => return bad_input(error),
    };
    let (text, file) = match read_text(&args.log) {
        Ok(pair) => pair,
        Err(error) => return bad_input(error),
    };
    let out = match super::record::out_path(args.out.as_deref(), &args.log) {
        Ok(out) => out,
        Err(message) => return bad_input(message),
    };
    for (input, what) in [(&args.log, "the log being imported"), (&args.design, "the design")] {
        if same_file(&out, input) {
            return bad_input(format!(
                "{}: is {what}; --out must name another file (--force overwrites only an earlier recording)",
                out.display()
            ));
        }
    }
    if out.exists() && !args.force {
        return bad_input(format!("{}: exists; --force overwrites it", out.display()));
    }
    let transcript = match log_entries(&text)
        .and_then(|entries| Transcript::import(&scenario.design, scenario.profile(), &scenario.name, &entries))
    {
        Ok(transcript) => transcript,
        Err(error) => return bad_input(format!("{file}: {error}")),
    };
    if let Err(error) = transcript.save(&out) {
        return bad_input(format!("{}: cannot write: {error}", out.display()));
    }
    print(&format!(
        "imported {} calls of {} agents and {} human replies to {}\nreplay it: handoff replay {} --transcript {}\n",
        transcript.calls.len(),
        transcript.agents.len(),
        transcript.human.len(),
        out.display(),
        args.design.display(),
        out.display()
    ));
    Status::Passed
}
