//! Workloads that measure routing overhead: the ping-pong of `handoff bench pingpong`, a
//! user's own scenario ([`ScenarioBench`], `handoff bench FILE`), and with the feature
//! `criterion`, `criterion()` for a three-line `benches/` file.

#[cfg(feature = "criterion")]
mod criterion;
mod pingpong;
mod scenario;

#[cfg(feature = "criterion")]
pub use criterion::criterion;
pub use pingpong::{PingPong, PingPongReport, RingModel, peak_memory};
pub use scenario::{ScenarioBench, ScenarioReport, ScenarioRun, cpu_model};
