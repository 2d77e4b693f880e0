//! Graph analysis of large designs: `analysis/declared/100000x10` builds the handoff graph
//! of a declared design of 100,000 agents and 1,000,000 handoffs and computes every finding
//! (the goal: under a second). Smaller designs show how the cost grows.
//!
//! `cargo bench --bench analysis`; figures and machine in BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handoff_harness::analysis::{Analysis, HandoffGraph};
use handoff_harness::design::DesignBuilder;
use handoff_harness::{Agent, Design};

/// `agents` agents, each handing off to `per_agent` others picked by a fixed xorshift
/// sequence (distinct targets, no self-handoffs). Agent 0 starts; one agent in a thousand
/// has no description, so some handoffs fall back to an empty one.
pub fn design(agents: usize, per_agent: usize) -> DesignBuilder {
    let mut builder = Design::builder();
    for i in 0..agents {
        let description = if i % 1000 == 999 {
            String::new()
        } else {
            format!("Handles topic {i}.")
        };
        builder = builder.agent(Agent::new(format!("Agent{i}")).description(description));
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut targets = Vec::with_capacity(per_agent);
    for source in 0..agents {
        targets.clear();
        while targets.len() < per_agent.min(agents - 1) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let target = (state % agents as u64) as usize;
            if target != source && !targets.contains(&target) {
                targets.push(target);
            }
        }
        for (k, &target) in targets.iter().enumerate() {
            let source_name = format!("Agent{source}");
            let target_name = format!("Agent{target}");
            builder = if k == 0 {
                builder.handoff_to(&source_name, &target_name)
            } else {
                builder.handoff(&source_name, &target_name, format!("Transfer for topic {target}"))
            };
        }
    }
    builder
}

fn analysis(c: &mut Criterion) {
    let mut group = c.benchmark_group("analysis/declared");
    for (agents, per_agent) in [(1_000, 10), (10_000, 10), (100_000, 10)] {
        let declared = design(agents, per_agent);
        let handoffs = declared.edges().len() as u64;
        group.throughput(Throughput::Elements(handoffs));
        if agents >= 100_000 {
            group.sample_size(10).measurement_time(Duration::from_secs(20));
        }
        group.bench_function(format!("{agents}x{per_agent}"), |b| {
            b.iter(|| {
                let analysis = Analysis::new(HandoffGraph::declared(black_box(&declared)), None);
                black_box(analysis.findings().len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
