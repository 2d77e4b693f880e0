//! The `handoff` command line. Exit codes mean one thing each: 0 the check passed (the run
//! went as expected, no error findings), 1 it did not (limit hit, proven loop, script
//! exhausted, expectation unmet, error findings), 2 bad input or usage.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod analyze;
mod bench;
mod compare;
mod fuzz;
mod import;
mod output;
mod profile;
mod record;
mod replay;
mod run;
mod serve;
mod test;

/// Test and simulate multi-agent handoff orchestrations.
#[derive(Debug, Parser)]
#[command(name = "handoff", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario with its scripted model and human, print the conversation and check
    /// its `expect` block.
    Run(run::RunArgs),
    /// Run every scenario in a directory: expectations, determinism (each runs twice) and
    /// snapshots in insta's `.snap` format. Ends with a line `N passed, M failed` (design
    /// files are counted as ignored).
    Test(test::TestArgs),
    /// Analyse the handoff graph of designs: unreachable agents, endless cycles, ambiguous
    /// routing.
    ///
    /// Reports, before any model call: unknown agents and self-handoffs (errors); unreachable
    /// agents, cycles without a human turn, agents with no way back, repeated edges, and
    /// duplicate or empty descriptions (warnings). Also draws the graph (`--format
    /// dot|mermaid`), measures which handoffs scenarios take (`--coverage DIR`) and compares
    /// two versions of a design (`--diff OLD NEW`).
    Analyze(analyze::AnalyzeArgs),
    /// Measure what the orchestration itself costs: `handoff bench pingpong --handoffs N
    /// [--agents K]` prints microseconds per handoff, model calls and peak memory.
    Bench(bench::BenchArgs),
    /// Search a scenario's human inputs for endless bouncing: generated from its own phrases,
    /// shrunk to the smallest case, written as a regression scenario. Exit 1 on a bounce.
    Fuzz(fuzz::FuzzArgs),
    /// Run a scenario against a live OpenAI-compatible endpoint and record every model call,
    /// human reply and tool result, to replay offline with `handoff replay`.
    Record(record::RecordArgs),
    /// Run a scenario with a recording instead of a live model: offline, free, identical.
    /// Exit 1 where the run no longer asks what was recorded, with a diff of the requests.
    Replay(replay::ReplayArgs),
    /// Run a scenario under several frameworks' semantics (`--profiles
    /// semantic-kernel,agent-framework`) and report where the conversations differ: the
    /// first differing event, what each model call saw under each profile, the outcomes.
    /// Exit 0 when identical, 1 when they differ.
    Compare(compare::CompareArgs),
    /// Stand where the model stands: an OpenAI-compatible endpoint that answers your real
    /// app from the scenario (`handoff serve FILE -- python app.py`), checks every request
    /// against what its framework sends, and reports the conversation as `handoff run` does.
    /// Exit 0 when the app exited 0 and every expectation held, 1 otherwise.
    Serve(serve::ServeArgs),
    /// Build a recording from a Chat Completions log (request and response bodies), so that a
    /// production conversation replays against the design.
    Import(import::ImportArgs),
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Test(args) => test::test(&args),
        Command::Analyze(args) => analyze::analyze(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Fuzz(args) => fuzz::fuzz(&args),
        Command::Record(args) => record::record(&args),
        Command::Replay(args) => replay::replay(&args),
        Command::Import(args) => import::import_log(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Serve(args) => serve::serve(&args),
    };
    ExitCode::from(status as u8)
}
