//! Routing overhead of the engine: what the orchestration itself costs on top of the model.
//! The workload is [`PingPong`]: agents in a ring hand off to the next one with a zero-cost
//! model whose answers are prepared in advance.
//!
//! - `handoff/pingpong`: two agents handing off to each other, per handoff, driving the
//!   sans-IO [`Core`] directly;
//! - `handoff/text_turns`: the same number of plain text turns answered by a human, for comparison;
//! - `handoff/orchestration`: the ping-pong through the async [`Orchestration`](handoff_harness::Orchestration);
//! - `handoff/ring`: rings of 10, 1,000 and 100,000 agents, per handoff (flat is the goal);
//! - `history/at`: 10,000 handoffs starting at the 10th, against 10,000 starting at the
//!   100,000th (flat is the goal: nothing a handoff does grows with the log);
//! - `scenario/customer_support`: the tutorial scenario end to end (12 model calls, 6 human turns).
//!
//! `cargo bench --bench routing`; figures and machine in BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Bencher, Criterion, Throughput, criterion_group, criterion_main};
use handoff_harness::bench::{PingPong, RingModel};
use handoff_harness::engine::{Core, Next, NoHuman};
use handoff_harness::{Response, Scenario};

const HANDOFFS: u64 = 1_000;
const WINDOW: u64 = 10_000;

/// A fresh run of `workload`: its core and its model.
fn start(workload: &PingPong) -> (Core, RingModel) {
    (workload.orchestration().core(false, None), workload.model())
}

/// Drives `core` with `model` until it is done or `handoffs` more model calls were answered.
fn drive(core: &mut Core, model: &mut RingModel, handoffs: u64) {
    let mut done = 0;
    while done < handoffs && core.next() == Next::CallModel {
        let reply = model.answer(&core.request());
        core.model_replied(Ok(reply), None);
        done += 1;
    }
}

/// Times whole runs of `workload` through the core; preparing and dropping them is not timed.
fn whole_runs(b: &mut Bencher<'_>, workload: &PingPong, size: BatchSize) {
    b.iter_batched(
        || start(workload),
        |(mut core, mut model)| {
            drive(&mut core, &mut model, u64::MAX);
            // Returned, so that criterion drops them outside the timing.
            black_box((core, model))
        },
        size,
    )
}

fn handoffs(c: &mut Criterion) {
    let mut group = c.benchmark_group("handoff");
    group.throughput(Throughput::Elements(HANDOFFS));
    let two = PingPong::new(2, HANDOFFS).unwrap();
    group.bench_function("pingpong", |b| whole_runs(b, &two, BatchSize::SmallInput));
    group.bench_function("text_turns", |b| {
        let hello = Response::text("hello");
        b.iter_batched(
            || two.orchestration().core(true, None),
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
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let orchestration = two.orchestration();
    group.bench_function("orchestration", |b| {
        b.iter_batched(
            || two.model(),
            |mut model| black_box(runtime.block_on(orchestration.run(&mut model, &mut NoHuman))),
            BatchSize::SmallInput,
        )
    });
    for agents in [10usize, 1_000, 100_000] {
        let ring = PingPong::new(agents, HANDOFFS).unwrap();
        group.bench_function(format!("ring/{agents}"), |b| {
            whole_runs(b, &ring, BatchSize::LargeInput)
        });
    }
    group.finish();
}

/// The cost of a window of handoffs late in a long run against the same window early in it.
/// Preparing a run to the 100,000th handoff is not timed, so each sample takes a while.
fn history(c: &mut Criterion) {
    let mut group = c.benchmark_group("history");
    group.throughput(Throughput::Elements(WINDOW)).sample_size(10);
    for at in [10u64, 100_000] {
        let workload = PingPong::new(2, at + WINDOW).unwrap();
        group.bench_function(format!("at/{at}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (mut core, mut model) = start(&workload);
                    drive(&mut core, &mut model, at);
                    let started = Instant::now();
                    drive(&mut core, &mut model, WINDOW);
                    total += started.elapsed();
                    assert_eq!(core.model_calls() as u64, at + WINDOW);
                    drop(black_box(core));
                }
                total
            })
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

criterion_group!(benches, handoffs, history, scenario);
criterion_main!(benches);
