//! Replaying recordings: what a replayed call costs on top of the orchestration.
//!
//! The workload is the two-agent [`PingPong`] of 1,000,000 handoffs, recorded once with a
//! [`Recorder`] (not timed), then replayed:
//!
//! - `replay/strict`: each request's fingerprint computed (incrementally: only the messages
//!   the agent read since its previous call are hashed) and compared with the recorded one;
//! - `replay/sequence`: recorded responses in order, requests not compared;
//! - `replay/live_model`: the same run answered by the zero-cost ring model, for comparison.
//!
//! Throughput is per model call. `cargo bench --bench replay`; figures in BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use handoff_harness::bench::PingPong;
use handoff_harness::engine::NoHuman;
use handoff_harness::wire::{Matching, Recorder, Replay};

const CALLS: u64 = 1_000_000;

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn replay(c: &mut Criterion) {
    // CALLS - 1 handoffs, then complete_task: CALLS model calls.
    let workload = PingPong::new(2, CALLS - 1).unwrap();
    let orchestration = workload.orchestration();
    let mut recorder = Recorder::new(workload.model(), "pingpong");
    let run = block_on(orchestration.run(&mut recorder, &mut NoHuman));
    assert_eq!(run.model_calls() as u64, CALLS);
    let transcript = recorder.finish(&run);
    drop(run);

    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Elements(CALLS));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for (name, matching) in [("strict", Matching::Strict), ("sequence", Matching::Sequence)] {
        let replay = Replay::new(transcript.clone(), "pingpong", matching);
        group.bench_function(name, |b| {
            b.iter_batched(
                || replay.model(workload.design()),
                |mut model| {
                    let run = block_on(orchestration.run(&mut model, &mut NoHuman));
                    assert!(model.divergence().is_none());
                    // Returned, so that criterion drops them outside the timing.
                    black_box((run, model))
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.bench_function("live_model", |b| {
        b.iter_batched(
            || workload.model(),
            |mut model| black_box(block_on(orchestration.run(&mut model, &mut NoHuman))),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
