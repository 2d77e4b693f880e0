//! Criterion benchmarks of a user's scenarios (feature `criterion`): one benchmark per file,
//! named after the scenario, each iteration one whole run on the core with its scripted
//! model. A `benches/scenarios.rs` of three lines (and `harness = false` in Cargo.toml):
//!
//! ```no_run
//! fn scenarios(c: &mut criterion::Criterion) {
//!     handoff_harness::bench::criterion(c, ["scenarios/customer_support.json"]).unwrap()
//! }
//! criterion::criterion_group!(benches, scenarios);
//! criterion::criterion_main!(benches);
//! ```

use std::path::Path;

use criterion::{Criterion, Throughput};

use super::ScenarioBench;
use crate::scenario::{Scenario, ScenarioError};

/// Adds a benchmark `scenario/<name>` to `c` for each scenario file of `files`, its
/// throughput counted in model calls. Fails, naming the file, on the first that does not
/// load or has no scripted model; then no benchmark is added.
pub fn criterion<P: AsRef<Path>>(c: &mut Criterion, files: impl IntoIterator<Item = P>) -> Result<(), ScenarioError> {
    let benches = files
        .into_iter()
        .map(|file| ScenarioBench::new(&Scenario::load(file)?))
        .collect::<Result<Vec<_>, _>>()?;
    let mut group = c.benchmark_group("scenario");
    for mut bench in benches {
        let calls = bench.run().model_calls() as u64;
        group.throughput(Throughput::Elements(calls.max(1)));
        let name = bench.name().to_string();
        // The run's log is dropped outside the timing.
        group.bench_function(name, |b| b.iter_with_large_drop(|| bench.run()));
    }
    group.finish();
    Ok(())
}
