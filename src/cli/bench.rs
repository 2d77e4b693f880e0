//! `handoff bench`: workloads that measure what the orchestration itself costs, printed so
//! the figure can be set beside other frameworks' running the same script.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use super::output::{Format, Status, bad_input, json_text};
use super::profile::ProfileArg;
use handoff_harness::Scenario;
use handoff_harness::bench::{PingPong, PingPongReport, ScenarioBench, cpu_model};
use handoff_harness::engine::{Outcome, Profile};

/// Arguments of `handoff bench`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    workload: Option<Workload>,
    /// A scenario file with a scripted model: it runs on the routing core with its model and
    /// human, and the routing overhead is reported per handoff and per model call, the
    /// scripted model's own time apart.
    #[arg(value_name = "FILE", required = true)]
    file: Option<PathBuf>,
    /// Runs of the scenario; times are their medians (each run is made twice: once whole,
    /// once with its model calls timed).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    runs: u32,
    /// Output format: `text`, a table for people, or `json`, every figure for machines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    profile: ProfileArg,
}

#[derive(Debug, Subcommand)]
enum Workload {
    /// Agents in a ring (two by default) hand off to the next one N times, with a zero-cost
    /// model, then complete. Prints microseconds per handoff, model calls and peak memory.
    Pingpong {
        /// Handoffs per run (1 to 10,000,000: the event log of the most takes about 2.1 GB).
        #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=PingPong::MAX_HANDOFFS))]
        handoffs: u64,
        /// Agents in the ring (2 to 1,000,000).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..=1_000_000))]
        agents: u32,
        /// Runs; the time reported is their median (the fastest is shown too).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
        /// The framework semantics to route under (default: `semantic-kernel`).
        #[arg(long, value_name = "NAME", value_parser = super::profile::parse_profile)]
        profile: Option<&'static Profile>,
        /// Output format: `text`, a table for people, or `json`, every figure for machines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// Runs `handoff bench`.
pub(crate) fn bench(args: &BenchArgs) -> Status {
    match (&args.workload, &args.file) {
        (Some(workload), _) => pingpong(workload),
        (None, Some(file)) => scenario(file, args),
        // clap requires one of the two.
        (None, None) => bad_input("`handoff bench` needs a scenario FILE or the workload `pingpong`"),
    }
}

/// `handoff bench FILE`.
fn scenario(file: &Path, args: &BenchArgs) -> Status {
    let bench = Scenario::load_under(file, args.profile.profile).and_then(|s| ScenarioBench::new(&s));
    let mut bench = match bench {
        Ok(bench) => bench,
        Err(error) => return bad_input(error),
    };
    let report = bench.measure(args.runs);
    let cpu = cpu_model();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let text = match args.format {
        Format::Json => json_text(&json!({
            "workload": "scenario",
            "scenario": report.scenario,
            "file": file.display().to_string(),
            "runs": report.runs,
            "model_calls": report.model_calls,
            "handoffs": report.handoffs,
            "human_turns": report.human_turns,
            "events": report.events,
            "outcome": report.outcome.kind(),
            "run_micros": micros(report.run_time),
            "fastest_run_micros": micros(report.fastest_run),
            "model_micros": micros(report.model_time),
            "routing_micros": micros(report.routing_time()),
            "routing_micros_per_handoff": report.routing_micros_per_handoff(),
            "routing_micros_per_model_call": report.routing_micros_per_model_call(),
            "model_micros_per_call": report.model_micros_per_call(),
            "peak_memory_bytes": report.peak_memory,
            "cpu": cpu,
        })),
        Format::Text => {
            let each = |v: Option<f64>, what: &str| v.map_or(format!("no {what}"), |v| format!("{v:.3} µs"));
            format!(
                "{}: {} model calls, {} handoffs, {} human turns, {} events ({}), median of {} run{}\n\
                 \x20 routing per handoff     {}\n\
                 \x20 routing per model call  {}\n\
                 \x20 scripted model per call {}\n\
                 \x20 run                     {:.1} µs (fastest {:.1} µs; routing {:.1} µs, scripted model {:.1} µs)\n\
                 \x20 peak memory             {}\n\
                 \x20 cpu                     {}\n",
                report.scenario,
                report.model_calls,
                report.handoffs,
                report.human_turns,
                report.events,
                report.outcome.kind(),
                report.runs,
                if report.runs == 1 { "" } else { "s" },
                each(report.routing_micros_per_handoff(), "handoffs"),
                each(report.routing_micros_per_model_call(), "model calls"),
                each(report.model_micros_per_call(), "model calls"),
                micros(report.run_time),
                micros(report.fastest_run),
                micros(report.routing_time()),
                micros(report.model_time),
                memory(report.peak_memory),
                cpu.as_deref().unwrap_or("unknown on this system"),
            )
        }
    };
    super::output::print(&text);
    Status::Passed
}

fn memory(peak: Option<u64>) -> String {
    peak.map_or("unknown on this system".into(), |b| {
        format!("{:.1} MiB (whole process)", b as f64 / 1_048_576.0)
    })
}

/// `handoff bench pingpong`.
fn pingpong(workload: &Workload) -> Status {
    let Workload::Pingpong {
        handoffs,
        agents,
        runs,
        format,
        profile,
    } = *workload;
    let workload =
        PingPong::new(agents as usize, handoffs).and_then(|w| w.under(profile.unwrap_or(&Profile::SEMANTIC_KERNEL)));
    let workload = match workload {
        Ok(workload) => workload,
        Err(error) => return bad_input(format!("the ping-pong design: {error}")),
    };
    let mut reports: Vec<PingPongReport> = (0..runs).map(|_| workload.run()).collect();
    reports.sort_by_key(|r| r.elapsed);
    let fastest = reports[0].elapsed;
    // The peak only grows, so the last run read it highest.
    let peak = reports.iter().filter_map(|r| r.peak_memory).max();
    let median = reports.swap_remove(reports.len() / 2);
    let per_handoff = |elapsed: Duration| elapsed.as_secs_f64() * 1e6 / median.handoffs.max(1) as f64;
    let completed = matches!(median.outcome, Outcome::Completed { .. });
    let text = match format {
        Format::Json => json_text(&json!({
            "workload": "pingpong",
            "agents": median.agents,
            "handoffs": median.handoffs,
            "runs": runs,
            "model_calls": median.model_calls,
            "events": median.events,
            "seconds": median.elapsed.as_secs_f64(),
            "micros_per_handoff": per_handoff(median.elapsed),
            "fastest_micros_per_handoff": per_handoff(fastest),
            "peak_memory_bytes": peak,
            "completed": completed,
            "cpu": cpu_model(),
        })),
        Format::Text => {
            let memory = memory(peak);
            format!(
                "ping-pong: {} agents, {} handoffs, zero-cost model, median of {runs} run{}\n\
                 \x20 per handoff  {:.3} µs (fastest run {:.3} µs)\n\
                 \x20 run          {:.1} ms\n\
                 \x20 model calls  {}\n\
                 \x20 events       {}\n\
                 \x20 peak memory  {memory}\n\
                 \x20 cpu          {}\n",
                median.agents,
                median.handoffs,
                if runs == 1 { "" } else { "s" },
                per_handoff(median.elapsed),
                per_handoff(fastest),
                median.elapsed.as_secs_f64() * 1e3,
                median.model_calls,
                median.events,
                cpu_model().as_deref().unwrap_or("unknown on this system"),
            )
        }
    };
    super::output::print(&text);
    if completed {
        Status::Passed
    } else {
        let _ = writeln!(
            std::io::stderr().lock(),
            "error: the ping-pong run did not complete: {:?}",
            median.outcome
        );
        Status::Failed
    }
}
