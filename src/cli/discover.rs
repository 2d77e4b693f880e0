//! `handoff discover -- COMMAND`: runs the app against a model that explores its handoff
//! graph, and writes the design the traffic showed and a scenario that replays one run.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::output::{Color, Status, bad_input, use_color};
use super::record::positive_seconds;
use handoff_harness::files::plural;
use handoff_harness::files::{check_outputs, write_atomic};
use handoff_harness::serve::{AppCommand, Discovery, Step, run_discovery};

/// Arguments of `handoff discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Write the design the traffic showed (agents with their instructions, typed tools with
    /// the results seen, handoff edges with their descriptions, the profile) here.
    #[arg(long, value_name = "PATH")]
    write_design: Option<PathBuf>,
    /// Write a scenario that replays one discovered run here (`handoff serve` passes it
    /// strict against the same app).
    #[arg(long, value_name = "PATH")]
    write_scenario: Option<PathBuf>,
    /// The design's name [default: the design file's stem, else `discovered`].
    #[arg(long)]
    name: Option<String>,
    /// At most this many runs of the app.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,
    /// A line the app reads on its input, each run (repeatable): a first message, for an app
    /// that reads it too.
    #[arg(long = "input", value_name = "LINE")]
    input: Vec<String>,
    /// Stop a run of the app that takes longer than this, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = positive_seconds)]
    timeout: Duration,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// The app, after `--`: it gets OPENAI_BASE_URL (and the Azure and Foundry settings) of a
    /// local endpoint, as under `handoff serve`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

/// Runs `handoff discover`.
pub(crate) fn discover_app(args: &DiscoverArgs) -> Status {
    let outputs: Vec<(&str, &std::path::Path)> = [
        ("--write-design", args.write_design.as_deref()),
        ("--write-scenario", args.write_scenario.as_deref()),
    ]
    .into_iter()
    .filter_map(|(option, path)| Some((option, path?)))
    .collect();
    if let Err(error) = check_outputs(&outputs, &[]) {
        return bad_input(error.to_string());
    }
    let Some((program, rest)) = args.command.split_first() else {
        return bad_input("discover: give the app to run after `--`");
    };
    let discovery = Discovery {
        app: AppCommand {
            program: program.clone(),
            args: rest.to_vec(),
            stdin: args.input.clone(),
            key_env: None,
        },
        runs: args.runs,
        timeout: args.timeout,
        wait: Duration::from_secs(5),
    };
    let found = match handoff_harness::serve::block_on(run_discovery(&discovery)) {
        Ok(Ok(found)) => found,
        Ok(Err(error)) => return bad_input(error),
        Err(error) => return bad_input(format!("cannot start the async runtime: {error}")),
    };
    if let Some(handoff_harness::serve::AppEnd::NotStarted(why)) = found.ends.first() {
        return bad_input(format!("the command after `--` could not be started: {why}"));
    }
    let explorer = &found.explorer;
    let mut err = std::io::stderr().lock();
    for (i, (run, end)) in explorer.runs().iter().zip(&found.ends).enumerate() {
        let transfers = run
            .answers
            .iter()
            .filter(|a| matches!(a.step, Step::Transfer { .. }))
            .count();
        let tools = run
            .answers
            .iter()
            .filter(|a| matches!(a.step, Step::Tool { .. }))
            .count();
        let _ = writeln!(
            err,
            "run {}: {} request(s), {transfers} transfer(s), {tools} tool call(s); app: {end}",
            i + 1,
            run.answers.len()
        );
    }
    if explorer.requests() == 0 {
        let _ = writeln!(err, "discover: the app sent no model request");
        return Status::Failed;
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.write_design
            .as_ref()
            .and_then(|p| p.file_stem())
            .map_or_else(|| "discovered".into(), |s| s.to_string_lossy().into_owned())
    });
    let design = found.design_file(&name);
    let complete = explorer.finished();
    let _ = writeln!(
        err,
        "discovered {} under `{}` in {} run(s), {} request(s){}",
        plural(explorer.design().agent_count(), "agent"),
        explorer.profile(),
        explorer.runs().len(),
        explorer.requests(),
        if complete {
            ""
        } else {
            "; some functions were never tried (more --runs?)"
        }
    );
    let mut written = Vec::new();
    if let Some(path) = &args.write_design {
        if let Err(e) = write_atomic(path, design.as_bytes()) {
            return bad_input(format!("{}: cannot write the design: {e}", path.display()));
        }
        let _ = writeln!(err, "wrote the design to {}", path.display());
        written.push(path.clone());
    }
    let unnamed: Vec<String> = (0..explorer.design().agent_count())
        .map(|agent| explorer.name(agent))
        .filter(|name| name.starts_with("UnknownAgent"))
        .collect();
    if !unnamed.is_empty() {
        let _ = writeln!(
            err,
            "note: {} could not be named: no transfer leads to them and the wire does not name them; rename them in the files written",
            unnamed.join(", ")
        );
    }
    if let Some(path) = &args.write_scenario {
        let Some(scenario) = found.scenario_file(&name) else {
            return bad_input("discover: no run to write a scenario of");
        };
        if let Err(e) = write_atomic(path, scenario.as_bytes()) {
            return bad_input(format!("{}: cannot write the scenario: {e}", path.display()));
        }
        let _ = writeln!(err, "wrote the scenario to {}", path.display());
        // The app read its first message from its input: serve gives it the task there.
        let task_first = args
            .input
            .first()
            .is_some_and(|line| Some(line) == found.replayed_task().as_ref());
        let command: Vec<String> = args.command.iter().map(|c| c.to_string_lossy().into_owned()).collect();
        let _ = writeln!(
            err,
            "replay it: handoff serve {}{} -- {}",
            if task_first { "--task-on-stdin " } else { "" },
            path.display(),
            command.join(" ")
        );
    }
    drop(err);
    // The analysis of what was found: of the design written, else of a temporary copy.
    let temporary;
    let analysed = match written.first() {
        Some(path) => path.clone(),
        None => {
            temporary = match tempfile::Builder::new().suffix(".json").tempfile() {
                Ok(file) => file,
                Err(e) => return bad_input(format!("cannot write a temporary design: {e}")),
            };
            if let Err(e) = std::fs::write(temporary.path(), design.as_bytes()) {
                return bad_input(format!("cannot write a temporary design: {e}"));
            }
            temporary.path().to_path_buf()
        }
    };
    let (text, _) = super::analyze::findings(
        &[analysed],
        None,
        super::analyze::AnalyzeFormat::Text,
        false,
        use_color(args.color),
    );
    super::output::print(&text);
    if complete { Status::Passed } else { Status::Failed }
}
