//! The `handoff` command line. Exit codes mean one thing each: 0 the check passed (the run
//! went as expected, no error findings), 1 it did not (limit hit, proven loop, script
//! exhausted, expectation unmet, error findings), 2 bad input or usage.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use handoff_harness::scenario::FileKind;
use output::{Status, bad_input};

mod analyze;
mod bench;
mod compare;
mod discover;
mod fuzz;
mod help;
mod import;
mod lint;
mod output;
mod profile;
mod record;
mod replay;
mod run;
mod serve;
mod serve_snapshot;
mod test;

/// Test and simulate multi-agent handoff orchestrations.
#[derive(Debug, Parser)]
#[command(name = "handoff", version, about, propagate_version = true, after_help = help::HANDOFF)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario with its scripted model and human, print the conversation and check
    /// its `expect` block.
    #[command(after_help = help::RUN)]
    Run(run::RunArgs),
    /// Run every scenario in a directory: expectations, determinism (each runs twice) and
    /// snapshots in insta's `.snap` format. Ends with a line `N passed, M failed` (design
    /// files are counted as ignored).
    #[command(after_help = help::TEST)]
    Test(test::TestArgs),
    /// Analyse the handoff graph of designs: unreachable agents, endless cycles, ambiguous
    /// routing.
    ///
    /// Reports, before any model call: unknown agents and self-handoffs (errors); unreachable
    /// agents, cycles without a human turn, agents with no way back, repeated edges, and
    /// duplicate or empty descriptions (warnings). Also draws the graph (`--format
    /// dot|mermaid`), measures which handoffs scenarios take (`--coverage DIR`) and compares
    /// two versions of a design (`--diff OLD NEW`).
    #[command(after_help = help::ANALYZE)]
    Analyze(analyze::AnalyzeArgs),
    /// Find the mistakes of scenario files without running them: rules that can never match
    /// (after a catch-all, past the call limit, a regex that matches nothing), calls of
    /// functions the agent does not have, human replies no rule listens for, expectations
    /// naming unknown agents. Each finding names its file, line:column and JSON path.
    #[command(after_help = help::LINT)]
    Lint(lint::LintArgs),
    /// Measure what the orchestration itself costs: `handoff bench FILE` on your scenario
    /// (routing per handoff and per model call, the scripted model's time apart), or
    /// `handoff bench pingpong --handoffs N [--agents K]` on a zero-cost ring.
    #[command(after_help = help::BENCH)]
    Bench(bench::BenchArgs),
    /// Search a scenario's human inputs for endless bouncing: its scripted conversation with
    /// turns kept, extended with texts its rules match, mutated or replaced; shrunk to the
    /// smallest case, written as a regression scenario. Exit 1 on a bounce.
    #[command(after_help = help::FUZZ)]
    Fuzz(fuzz::FuzzArgs),
    /// Run a scenario against a live OpenAI-compatible endpoint and record every model call,
    /// human reply and tool result, to replay offline with `handoff replay`.
    #[command(after_help = help::RECORD)]
    Record(record::RecordArgs),
    /// Run a scenario with a recording instead of a live model: offline, free, identical.
    /// Exit 1 where the run no longer asks what was recorded, with a diff of the requests.
    #[command(after_help = help::REPLAY)]
    Replay(replay::ReplayArgs),
    /// Run a scenario under several frameworks' semantics (`--profiles
    /// semantic-kernel,agent-framework`) and report where the conversations differ: the
    /// first differing event, what each model call saw under each profile, the outcomes.
    /// Exit 0 when identical, 1 when they differ.
    #[command(after_help = help::COMPARE)]
    Compare(compare::CompareArgs),
    /// Stand where the model stands: an OpenAI-compatible endpoint that answers your real
    /// app from the scenario (`handoff serve FILE -- python app.py`), checks every request
    /// against what its framework sends, and reports the conversation as `handoff run` does.
    /// Exit 0 when the app exited 0 and every expectation held, 1 otherwise.
    #[command(after_help = help::SERVE)]
    Serve(serve::ServeArgs),
    /// Write the design of your app from its own traffic, with no live model: run it (as
    /// many times as it takes, at most `--runs`) against a model that takes every handoff and
    /// calls every tool once, then write the design (`--write-design`), a scenario that replays
    /// one run (`--write-scenario`), and print the analysis. Exit 0 when every function the
    /// agents offer was tried, 1 when some were not, 2 bad input.
    #[command(after_help = help::DISCOVER)]
    Discover(discover::DiscoverArgs),
    /// Build a recording from a Chat Completions log (request and response bodies), so that a
    /// production conversation replays against the design.
    #[command(after_help = help::IMPORT)]
    Import(import::ImportArgs),
    /// Print the JSON Schema of a file kind (`scenario`, `design`, `recording`), for editors
    /// and validators; `schemas/` in the repository holds the same files.
    #[command(after_help = help::SCHEMA)]
    Schema {
        /// The file kind.
        kind: SchemaKind,
    },
    /// Print a shell completion script for `handoff` (bash, zsh, fish, elvish, powershell).
    #[command(after_help = help::COMPLETIONS)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page of `handoff` (roff), or write one page per command to a folder.
    #[command(after_help = help::MAN)]
    Man {
        /// Write `handoff.1` and `handoff-COMMAND.1` for every command here instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<std::path::PathBuf>,
    },
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Test(args) => test::test(&args),
        Command::Analyze(args) => analyze::analyze(&args),
        Command::Lint(args) => lint::lint(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Fuzz(args) => fuzz::fuzz(&args),
        Command::Record(args) => record::record(&args),
        Command::Replay(args) => replay::replay(&args),
        Command::Import(args) => import::import_log(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Discover(args) => discover::discover_app(&args),
        Command::Schema { kind } => {
            output::print(&kind.0.json_schema());
            Status::Passed
        }
        Command::Completions { shell } => completions(shell),
        Command::Man { out_dir } => man(out_dir.as_deref()),
    };
    ExitCode::from(status as u8)
}

/// A file kind as `handoff schema` names it.
#[derive(Debug, Clone, Copy)]
struct SchemaKind(FileKind);

impl clap::ValueEnum for SchemaKind {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            SchemaKind(FileKind::Scenario),
            SchemaKind(FileKind::Design),
            SchemaKind(FileKind::Recording),
        ]
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.name()))
    }
}

/// `handoff completions SHELL`: the script on standard output.
fn completions(shell: clap_complete::Shell) -> Status {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "handoff", &mut out);
    output::print(&String::from_utf8_lossy(&out));
    Status::Passed
}

/// `handoff man [--out-dir DIR]`: the top-level page on standard output, or every page
/// written to DIR.
fn man(out_dir: Option<&std::path::Path>) -> Status {
    let command = Cli::command();
    let Some(dir) = out_dir else {
        let mut out = Vec::new();
        return match clap_mangen::Man::new(command).render(&mut out) {
            Ok(()) => {
                output::print(&String::from_utf8_lossy(&out));
                Status::Passed
            }
            Err(e) => bad_input(format!("cannot render the manual page: {e}")),
        };
    };
    match std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(command, dir)) {
        Ok(()) => Status::Passed,
        Err(e) => bad_input(format!("{}: cannot write the manual pages: {e}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ handoff ...` line of every command's help parses as the command it shows.
    #[test]
    fn every_example_in_the_help_parses() {
        let command = Cli::command();
        let mut examples = 0;
        let mut all = vec![&command];
        all.extend(command.get_subcommands());
        for sub in all {
            let help = sub.get_after_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(
                help.contains("Exit status:"),
                "{} --help names no exit status",
                sub.get_name()
            );
            for line in help.lines().filter_map(|l| l.trim().strip_prefix("$ ")) {
                let words: Vec<&str> = line
                    .split(" | ")
                    .find(|part| part.starts_with("handoff"))
                    .unwrap()
                    .split(" > ")
                    .next()
                    .unwrap()
                    .split_whitespace()
                    .collect();
                if let Err(e) = Cli::try_parse_from(&words) {
                    panic!("`{line}` does not parse: {e}");
                }
                examples += 1;
            }
        }
        assert!(examples >= 20, "{examples}");
    }
}
