//! Workloads that measure routing overhead: the ping-pong of `handoff bench pingpong`.

mod pingpong;

pub use pingpong::{PingPong, PingPongReport, RingModel, peak_memory};
