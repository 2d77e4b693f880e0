//! `handoff bench`: workloads that measure what the orchestration itself costs, printed so
//! the figure can be set beside other frameworks' running the same script.

use std::io::Write;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use super::output::{Format, Status, bad_input, json_text};
use handoff_harness::bench::{PingPong, PingPongReport};
use handoff_harness::engine::{Outcome, Profile};

/// Arguments of `handoff bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    workload: Workload,
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
    let Workload::Pingpong {
        handoffs,
        agents,
        runs,
        format,
        profile,
    } = args.workload;
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
        })),
        Format::Text => {
            let memory = peak.map_or("unknown on this system".into(), |b| {
                format!("{:.1} MiB (whole process)", b as f64 / 1_048_576.0)
            });
            format!(
                "ping-pong: {} agents, {} handoffs, zero-cost model, median of {runs} run{}\n\
                 \x20 per handoff  {:.3} µs (fastest run {:.3} µs)\n\
                 \x20 run          {:.1} ms\n\
                 \x20 model calls  {}\n\
                 \x20 events       {}\n\
                 \x20 peak memory  {memory}\n",
                median.agents,
                median.handoffs,
                if runs == 1 { "" } else { "s" },
                per_handoff(median.elapsed),
                per_handoff(fastest),
                median.elapsed.as_secs_f64() * 1e3,
                median.model_calls,
                median.events,
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
