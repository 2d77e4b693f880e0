//! A user's own scenario as a benchmark (`handoff bench FILE`): its design and task run on the
//! sans-IO [`Core`] with its scripted model and human, and what the run costs is split in
//! two: the scripted model's own time (matching rules, rendering replies) and the routing
//! around it (everything the orchestration does).
//!
//! ```
//! use handoff_harness::Scenario;
//! use handoff_harness::bench::ScenarioBench;
//!
//! let scenario = Scenario::load("scenarios/customer_support.json")?;
//! let mut bench = ScenarioBench::new(&scenario)?;
//! let report = bench.measure(5);
//! assert_eq!((report.model_calls, report.handoffs, report.human_turns), (12, 3, 6));
//! println!("{:.2} µs of routing per handoff", report.routing_micros_per_handoff().unwrap());
//! # Ok::<(), handoff_harness::ScenarioError>(())
//! ```

use std::time::{Duration, Instant};

use crate::engine::{Core, Outcome, Run};
use crate::scenario::{Scenario, ScenarioError};
use crate::scripted::ScriptedModel;

use super::pingpong::peak_memory;

/// A scenario prepared for timing: its scripted model compiled once, reset before each run.
#[derive(Debug, Clone)]
pub struct ScenarioBench {
    scenario: Scenario,
    model: ScriptedModel,
}

/// One run of a [`ScenarioBench`]: what it did and how long it took.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// The finished run.
    pub run: Run,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Of it, the time spent in the scripted model (`None`: calls were not timed).
    pub model_time: Option<Duration>,
}

/// What [`ScenarioBench::measure`] found over several runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub scenario: String,
    /// Runs measured (each twice: once whole, once with its model calls timed).
    pub runs: u32,
    /// Model calls of one run.
    pub model_calls: u64,
    /// Handoffs of one run.
    pub handoffs: u64,
    /// Human turns of one run.
    pub human_turns: u64,
    /// Events in one run's log.
    pub events: usize,
    /// How the run ended.
    pub outcome: Outcome,
    /// Median wall time of a whole run (model calls not timed one by one).
    pub run_time: Duration,
    /// The fastest whole run.
    pub fastest_run: Duration,
    /// Median time one run spends in its scripted model, the clock's own cost taken out.
    pub model_time: Duration,
    /// Peak resident memory of the whole process, in bytes (`None` where the system does not tell).
    pub peak_memory: Option<u64>,
}

impl ScenarioBench {
    /// Prepares `scenario`. Fails, naming the file and the field, if it has no task or no
    /// scripted model (a recording or a design file has no model to time).
    pub fn new(scenario: &Scenario) -> Result<ScenarioBench, ScenarioError> {
        let (_, model) = scenario.orchestration()?;
        Ok(ScenarioBench {
            scenario: scenario.clone(),
            model,
        })
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.scenario.name
    }

    /// Runs the scenario once on the core, its model calls not timed: what a criterion
    /// benchmark of the scenario measures.
    pub fn run(&mut self) -> Run {
        self.drive(false).run
    }

    /// Runs the scenario once; with `time_model`, the scripted model's calls are timed one
    /// by one (which costs two clock reads a call).
    pub fn drive(&mut self, time_model: bool) -> ScenarioRun {
        self.model.reset();
        let model = &mut self.model;
        let scenario = &self.scenario;
        let mut replies = scenario.user.iter().flatten();
        let mut in_model = Duration::ZERO;
        let core = Core::new(
            scenario.design.clone(),
            scenario.task.clone().unwrap_or_default(),
            scenario.settings.clone(),
            scenario.user.is_some(),
            crate::engine::Model::state(model),
        );
        let start = Instant::now();
        let run = core.drive(
            |request| {
                let reply = if time_model {
                    let at = Instant::now();
                    let reply = model.reply(request);
                    in_model += at.elapsed();
                    reply
                } else {
                    model.reply(request)
                };
                (reply, crate::engine::Model::state(model))
            },
            |_| replies.next().cloned(),
        );
        ScenarioRun {
            run,
            elapsed: start.elapsed(),
            model_time: time_model.then_some(in_model),
        }
    }

    /// Runs the scenario `runs` times whole and `runs` times with its model calls timed, and
    /// reports the medians.
    pub fn measure(&mut self, runs: u32) -> ScenarioReport {
        let runs = runs.max(1);
        let clock = clock_cost();
        let mut whole: Vec<Duration> = Vec::with_capacity(runs as usize);
        let mut in_model: Vec<Duration> = Vec::with_capacity(runs as usize);
        let mut last = None;
        for _ in 0..runs {
            whole.push(self.drive(false).elapsed);
            let timed = self.drive(true);
            let calls = timed.run.model_calls() as u32;
            let model = timed.model_time.unwrap_or_default();
            in_model.push(model.saturating_sub(clock * calls));
            last = Some(timed.run);
        }
        let run = last.expect("at least one run");
        whole.sort_unstable();
        in_model.sort_unstable();
        ScenarioReport {
            scenario: self.scenario.name.clone(),
            runs,
            model_calls: run.model_calls() as u64,
            handoffs: run.handoffs() as u64,
            human_turns: run.human_turns() as u64,
            events: run.log().len(),
            outcome: run.outcome().clone(),
            run_time: whole[whole.len() / 2],
            fastest_run: whole[0],
            model_time: in_model[in_model.len() / 2],
            peak_memory: peak_memory(),
        }
    }
}

impl ScenarioReport {
    /// Median time of a run spent routing: the whole run less its scripted model's time.
    pub fn routing_time(&self) -> Duration {
        self.run_time.saturating_sub(self.model_time)
    }
    /// Routing time per handoff, in microseconds; `None` for a run without handoffs.
    pub fn routing_micros_per_handoff(&self) -> Option<f64> {
        per(self.routing_time(), self.handoffs)
    }
    /// Routing time per model call, in microseconds; `None` for a run without model calls.
    pub fn routing_micros_per_model_call(&self) -> Option<f64> {
        per(self.routing_time(), self.model_calls)
    }
    /// The scripted model's time per call, in microseconds; `None` without model calls.
    pub fn model_micros_per_call(&self) -> Option<f64> {
        per(self.model_time, self.model_calls)
    }
}

fn per(time: Duration, count: u64) -> Option<f64> {
    (count > 0).then(|| time.as_secs_f64() * 1e6 / count as f64)
}

/// What timing one call costs: one `Instant::now` and one `elapsed`, the least of a few
/// rounds of 1,000 (so a scheduler pause does not count).
fn clock_cost() -> Duration {
    const ROUNDS: u32 = 1_000;
    (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut sum = Duration::ZERO;
            for _ in 0..ROUNDS {
                let at = Instant::now();
                sum += std::hint::black_box(at).elapsed();
            }
            std::hint::black_box(sum);
            start.elapsed() / ROUNDS
        })
        .min()
        .unwrap_or_default()
}

/// The CPU the process runs on, as `/proc/cpuinfo`'s first `model name` says (Linux); `None`
/// where the system does not tell.
pub fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
        .filter(|m| !m.is_empty())
}
