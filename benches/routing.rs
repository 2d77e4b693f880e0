//! Routing overhead of the engine, with a zero-cost model driving the sans-IO core directly.
//!
//! - `handoff/pingpong`: two agents handing off to each other, per handoff;
//! - `handoff/text_turns`: the same number of plain text turns answered by a human, for comparison;
//! - `handoff/ring`: a ring of 10, 1,000 and 100,000 agents, per handoff (flat is the goal);
//! - `scenario/customer_support`: the tutorial scenario end to end (12 model calls, 6 human turns).
//!
//! `cargo bench --bench routing`; figures and machine in BENCHMARKS.md.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use handoff_harness::{Agent, Core, Design, Limits, Next, Response, Scenario, Settings};

const HANDOFFS: u64 = 1_000;

/// A ring of `n` agents, each allowed to hand off to the next.
fn ring(n: usize) -> Arc<Design> {
    let names: Vec<String> = (0..n).map(|i| format!("Agent{i}")).collect();
    let mut builder = Design::builder();
    for name in &names {
        builder = builder.agent(Agent::new(name.clone()).description("an agent"));
    }
    for i in 0..n {
        builder = builder.handoff(&names[i], &names[(i + 1) % n], "next");
    }
    builder.build().unwrap().shared()
}

/// Runs `handoffs` handoffs around the design's ring (each agent's first handoff target),
/// then completes. The model's answers are prepared in advance: only routing is measured.
fn drive(mut core: Core, answers: &[Response], handoffs: u64) -> Core {
    let mut done = 0;
    while core.next() == Next::CallModel {
        let reply = if done == handoffs {
            Response::complete("done")
        } else {
            answers[core.active().index()].clone()
        };
        core.model_replied(Ok(reply), None);
        done += 1;
    }
    core
}

fn answers(design: &Design) -> Vec<Response> {
    design
        .ids()
        .map(|a| Response::handoff(&design.agent(design.handoffs(a)[0].target).name))
        .collect()
}

fn settings() -> Settings {
    Settings {
        limits: Limits::none(),
        ..Settings::default()
    }
}

fn handoffs(c: &mut Criterion) {
    let mut group = c.benchmark_group("handoff");
    group.throughput(Throughput::Elements(HANDOFFS));
    let two = ring(2);
    let two_answers = answers(&two);
    group.bench_function("pingpong", |b| {
        b.iter_batched(
            || Core::new(two.clone(), "go", settings(), false, None),
            |core| black_box(drive(core, &two_answers, HANDOFFS)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("text_turns", |b| {
        let hello = Response::text("hello");
        b.iter_batched(
            || Core::new(two.clone(), "go", settings(), true, None),
            |mut core| {
                for _ in 0..HANDOFFS {
                    core.model_replied(Ok(hello.clone()), None);
                    core.human_answered(Some("more".into()));
                }
                black_box(core)
            },
            BatchSize::SmallInput,
        )
    });
    for n in [10usize, 1_000, 100_000] {
        let design = ring(n);
        let ring_answers = answers(&design);
        group.bench_function(format!("ring/{n}"), |b| {
            b.iter_batched(
                || Core::new(design.clone(), "go", settings(), false, None),
                |core| black_box(drive(core, &ring_answers, HANDOFFS)),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn scenario(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/customer_support.json");
    let scenario = Scenario::load(path).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    c.bench_function("scenario/customer_support", |b| {
        b.iter(|| black_box(runtime.block_on(scenario.run()).unwrap()))
    });
}

criterion_group!(benches, handoffs, scenario);
criterion_main!(benches);
