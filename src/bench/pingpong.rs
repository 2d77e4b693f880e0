//! The ping-pong workload: the script other frameworks' routing overhead is measured with,
//! so our figure can be set beside theirs. Agents stand in a ring, each allowed to hand off
//! to the next; a zero-cost model hands off `handoffs` times, then calls `complete_task`.
//! With two agents that is two agents handing control back and forth.
//!
//! ```
//! use handoff_harness::bench::PingPong;
//!
//! let report = PingPong::new(2, 1_000)?.run();
//! assert_eq!(report.model_calls, 1_001);
//! // Task, 3 events a handoff, the completion; and a note per agent: under the default
//! // profile (Semantic Kernel Python) an agent whose turns are handoffs keeps no thread.
//! assert_eq!(report.events, 3 * 1_000 + 4 + 2);
//! println!("{:.3} µs per handoff", report.micros_per_handoff());
//! # Ok::<(), handoff_harness::DesignError>(())
//! ```

use std::future::{Future, ready};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Map;

use crate::design::{Agent, Design, DesignError};
use crate::engine::Outcome;
use crate::engine::profile::Guards;
use crate::engine::{Limits, MAX_CEILING, Profile, Settings};
use crate::engine::{Model, ModelError, ModelRequest, Response};
use crate::engine::{NoHuman, Orchestration};

/// Every profile, in [`Profile::ALL`]'s order, without the guards that stop a conversation
/// of many model calls and no human.
static UNGUARDED: [Profile; 5] = [
    unguarded(Profile::SEMANTIC_KERNEL),
    unguarded(Profile::SEMANTIC_KERNEL_FIXED),
    unguarded(Profile::SEMANTIC_KERNEL_DOTNET),
    unguarded(Profile::AGENT_FRAMEWORK),
    unguarded(Profile::OPENAI_AGENTS),
];

const fn unguarded(profile: Profile) -> Profile {
    Profile {
        guards: Guards {
            calls_per_human_turn: None,
            supersteps: None,
            ..profile.guards
        },
        ..profile
    }
}

/// A ring of agents handing off a fixed number of times.
#[derive(Debug, Clone)]
pub struct PingPong {
    design: Arc<Design>,
    handoffs: u64,
    profile: &'static Profile,
}

/// The model of the ping-pong: the function each agent calls is prepared in advance, so a
/// call costs building one small response and measures routing, not the model. The names
/// sit in one buffer, in ring order, so a ring of many agents does not make the model slower.
#[derive(Debug, Clone)]
pub struct RingModel {
    /// Per agent, the name of its function that transfers to the next, shared with the
    /// design (a call clones it: no allocation).
    names: Vec<Arc<str>>,
    left: u64,
    /// The completion function's name and parameter, if the profile has one (else the last
    /// answer is a final text reply).
    complete: Option<(Arc<str>, &'static str)>,
}

/// What one ping-pong run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct PingPongReport {
    /// Agents in the ring.
    pub agents: usize,
    /// Handoffs made.
    pub handoffs: u64,
    /// Model calls made (the handoffs, plus the call that completes).
    pub model_calls: u64,
    /// Events in the log.
    pub events: usize,
    /// Wall time of the run (the design is built beforehand and not counted).
    pub elapsed: Duration,
    /// How the run ended.
    pub outcome: Outcome,
    /// Peak resident memory of the whole process so far, in bytes (`VmHWM`); `None` where
    /// the system does not tell (only Linux does).
    pub peak_memory: Option<u64>,
}

impl PingPong {
    /// The most handoffs a run makes: its event log then takes about 2.1 GB. A workload of
    /// more stops there, with [`Outcome::CeilingReached`].
    pub const MAX_HANDOFFS: u64 = 10_000_000;

    /// A ring of `agents` agents (at least two: an agent may not hand off to itself) that
    /// hands off `handoffs` times.
    pub fn new(agents: usize, handoffs: u64) -> Result<PingPong, DesignError> {
        let names: Vec<String> = (0..agents).map(|i| format!("Agent{i}")).collect();
        let mut builder = Design::builder();
        for name in &names {
            builder = builder.agent(Agent::new(name.clone()).description("An agent of the ring."));
        }
        for (i, name) in names.iter().enumerate() {
            builder = builder.handoff(
                name,
                &names[(i + 1) % agents],
                "Transfer to the next agent of the ring.",
            );
        }
        Ok(PingPong {
            design: builder.build()?.shared(),
            handoffs,
            profile: &Profile::SEMANTIC_KERNEL,
        })
    }

    /// The same workload under `profile`: its framework's names and semantics. The
    /// framework's own guards on calls without a human (the OpenAI Agents SDK's `max_turns`,
    /// Agent Framework's superstep limit) are lifted: the ping-pong is an endless bounce by
    /// design, and what it measures is the routing, the same under every profile.
    pub fn under(self, profile: &'static Profile) -> Result<PingPong, DesignError> {
        let position = Profile::ALL.iter().position(|p| *p == profile);
        Ok(PingPong {
            design: self.design.under(profile.tools)?.shared(),
            profile: position.map_or(profile, |i| &UNGUARDED[i]),
            ..self
        })
    }

    /// The profile the workload runs under (with the guards on calls without a human
    /// lifted, see [`PingPong::under`]).
    pub fn profile(&self) -> &'static Profile {
        self.profile
    }

    /// The design: `Agent0` → `Agent1` → … → `Agent0`, starting at `Agent0`.
    pub fn design(&self) -> &Arc<Design> {
        &self.design
    }

    /// A fresh model for one run.
    pub fn model(&self) -> RingModel {
        let design = &self.design;
        let surface = design.surface();
        // The name each call is made by: the plain one where that reaches the function.
        let shared = |tool: &crate::design::ToolSpec| {
            if surface.reaches(&tool.name, &tool.name, &tool.qualified_name) {
                tool.name.clone()
            } else {
                tool.qualified_name.clone()
            }
        };
        let names = design
            .ids()
            .map(|agent| {
                let target = design.handoffs(agent)[0].target;
                shared(
                    design
                        .transfer_tool(agent, target)
                        .expect("every agent hands off to the next"),
                )
            })
            .collect();
        let complete = design
            .tools(design.start())
            .iter()
            .find(|t| t.kind == crate::design::ToolKind::Complete);
        let complete = complete.map(|t| (shared(t), surface.complete.map_or("", |c| c.parameter)));
        RingModel {
            names,
            left: self.handoffs,
            complete,
        }
    }

    /// The orchestration the run uses: no limits, so only the script ends it, and a ceiling
    /// just above the run's events (three per handoff).
    pub fn orchestration(&self) -> Orchestration {
        let events = self.handoffs.min(Self::MAX_HANDOFFS) * 3 + 8 + self.design.agents().len() as u64;
        Orchestration::new(self.design.clone())
            .task("Ping-pong.")
            .settings(Settings {
                limits: Limits::none().ceiling(events.min(u64::from(MAX_CEILING)) as u32),
                profile: self.profile,
                ..Settings::default()
            })
    }

    /// Runs the workload once through [`Orchestration::run`] on a current-thread tokio runtime.
    pub fn run(&self) -> PingPongReport {
        let orchestration = self.orchestration();
        let mut model = self.model();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime needs no I/O driver and cannot fail to build");
        let start = Instant::now();
        let run = runtime.block_on(orchestration.run(&mut model, &mut NoHuman));
        let elapsed = start.elapsed();
        PingPongReport {
            agents: self.design.agents().len(),
            handoffs: run.handoffs() as u64,
            model_calls: run.model_calls() as u64,
            events: run.log().len(),
            elapsed,
            outcome: run.outcome().clone(),
            peak_memory: peak_memory(),
        }
    }
}

impl RingModel {
    /// Answers one call: a handoff to the next agent while handoffs are left, then `complete_task`.
    pub fn answer(&mut self, request: &ModelRequest<'_>) -> Response {
        if self.left == 0 {
            let summary = serde_json::Value::String("Ping-pong done.".into());
            return match &self.complete {
                Some((name, parameter)) => {
                    Response::call(name.clone(), Map::from_iter([(parameter.to_string(), summary)]))
                }
                None => Response {
                    text: Some("Ping-pong done.".into()),
                    ends_conversation: true,
                    ..Response::default()
                },
            };
        }
        self.left -= 1;
        Response::call(self.names[request.agent().index()].clone(), Map::new())
    }
}

impl Model for RingModel {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        ready(Ok(self.answer(request)))
    }
}

impl PingPongReport {
    /// Wall time per handoff, in microseconds.
    pub fn micros_per_handoff(&self) -> f64 {
        self.elapsed.as_secs_f64() * 1e6 / self.handoffs.max(1) as f64
    }
}

/// The process's peak resident memory in bytes, from `/proc/self/status` (Linux).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
