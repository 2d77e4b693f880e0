//! Scenario files: a handoff design, the human's replies, each agent's scripted model, limits,
//! policy and expectations, in one JSON file (format in `scenarios/README.md`). Loading checks
//! everything; every error names the file and the place (JSON path, and line and column
//! where the parser knows them).

use std::path::Path;
use std::sync::Arc;

use crate::design::Design;
use crate::engine::{Model, NoHuman, Observer, Orchestration, Profile, Run, ScriptedHuman, Settings, block_on};
use crate::files::{FileError, read_text, stem};
use crate::scripted::ScriptedModel;
use crate::wire::Replay;

mod approvals;
mod autonomous_form;
mod based;
mod borrowed;
mod cancel_form;
mod design_file;
mod edge_form;
mod enablement_form;
mod expect;
mod file;
mod forms;
mod input_type_form;
mod inputs;
mod invariant;
mod output_type_form;
mod parameters;
mod received;
mod replies;
mod schema;
mod sdk_options;
mod session_form;
mod shared;
mod task_form;
mod termination_form;

pub(crate) use borrowed::{BorrowedDesign, BorrowedEdge, BorrowedEdges};
pub use design_file::DesignFile;
pub use expect::{Check, Expect, Verdict};
pub use inputs::{InputCheck, ItemCheck, Needle, SessionCheck};
pub use invariant::Invariant;
pub use received::{CallInput, Capture, ModelInputs};
pub use schema::FileKind;

/// A scenario that cannot be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file, or a file it names, is unreadable or invalid: the message names the file
    /// and the place.
    #[error(transparent)]
    File(#[from] FileError),
    /// The async runtime could not start (an operating system error).
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its name (the file's `name`, else the file name).
    pub name: String,
    /// Where it was loaded from.
    pub file: String,
    /// The design.
    pub design: Arc<Design>,
    /// The task, if the file has one.
    pub task: Option<String>,
    /// The human's replies; `None`: no human takes part.
    pub user: Option<Vec<String>>,
    /// The replies the app's host gives to another agent than the framework's loop would,
    /// by their index in `user`, with that agent's name (`{"say": ..., "agent": ...}`).
    pub hosts: Vec<(usize, String)>,
    /// The human's decisions on calls that wait for approval (`approvals`), in the order they
    /// are asked; once they run out, a call that waits leaves the run waiting.
    pub approvals: Vec<crate::engine::Approval>,
    /// The scripted model, if the file has one.
    pub model: Option<ScriptedModel>,
    /// The recording its model replays, if the file names one instead of scripted rules.
    pub recording: Option<Replay>,
    /// Limits, policy and profile.
    pub settings: Settings,
    /// Whether the profile was chosen (by the file or the caller), rather than the default or
    /// the recording's.
    pub profile_given: bool,
    /// What the run must look like.
    pub expect: Expect,
    /// What must hold in every run the design could have (`handoff fuzz` checks them).
    pub invariants: Vec<Invariant>,
    /// The shared design file the scenario names (`design`), if it names one.
    pub design_file: Option<String>,
    /// The scenario this one runs with its own replies and expectations (`scenario`: a
    /// regression `handoff fuzz` wrote), if it names one.
    pub base: Option<Base>,
}

/// The scenario a regression runs with its own replies, and what found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The named scenario's file.
    pub file: String,
    /// Its path as the regression names it (relative to the regression).
    pub named: String,
    /// The seed of the `handoff fuzz` campaign that found the regression, if it says.
    pub seed: Option<u64>,
}

impl Scenario {
    /// Loads and validates the scenario file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        Scenario::load_under(path, None)
    }

    /// Loads the scenario at `path` under `profile` instead of the one it names (`None`: the
    /// file's). Scripts mean the same under every profile; one that a profile cannot express
    /// is an error naming the rule.
    pub fn load_under(path: impl AsRef<Path>, profile: Option<&'static Profile>) -> Result<Scenario, ScenarioError> {
        let (text, file) = read_text(path.as_ref())?;
        Scenario::parse_under(&text, &file, Some(&stem(path.as_ref())), profile)
    }

    /// [`Scenario::load_under`], even if the scenario's recording was made under another
    /// profile than `profile` (a replay then diverges wherever the frameworks differ: what
    /// `handoff replay --allow-profile-mismatch` asks for).
    pub fn load_mismatched(path: impl AsRef<Path>, profile: &'static Profile) -> Result<Scenario, ScenarioError> {
        let (text, file) = read_text(path.as_ref())?;
        Scenario::parse_checked(&text, &file, Some(&stem(path.as_ref())), Some(profile), false)
    }

    /// The other files the scenario is read from: the shared design file it names, and the
    /// scenario a regression names. A command never writes to them.
    pub fn files_read(&self) -> Vec<&Path> {
        let base = self.base.as_ref().map(|b| b.file.as_str());
        self.design_file
            .as_deref()
            .into_iter()
            .chain(base)
            .map(Path::new)
            .collect()
    }

    /// The framework semantics the scenario runs under.
    pub fn profile(&self) -> &'static Profile {
        self.settings.profile
    }

    /// Whether the file is a design file: no task, model, human replies or expectations, so
    /// there is nothing to run (`handoff test` ignores it; `handoff analyze` reads it).
    pub fn is_design_only(&self) -> bool {
        self.task.is_none()
            && self.model.is_none()
            && self.recording.is_none()
            && self.user.is_none()
            && self.expect == Expect::default()
    }

    /// The orchestration this scenario describes and its scripted model. Fails if the file
    /// has no `task` or no scripted `model` (a design file is for analysis, not for running).
    pub fn orchestration(&self) -> Result<(Orchestration, ScriptedModel), ScenarioError> {
        let orchestration = self.orchestration_only()?;
        let why = match self.recording {
            Some(_) => "its `model` is a recording, and this needs scripted rules",
            None => "missing: a run needs each agent's scripted model",
        };
        let model = self.model.clone().ok_or_else(|| self.invalid("model", why))?;
        Ok((orchestration, model))
    }

    /// The orchestration this scenario describes, for any model. Fails if the file has no
    /// `task`.
    pub fn orchestration_only(&self) -> Result<Orchestration, ScenarioError> {
        let task = self
            .task
            .as_ref()
            .ok_or_else(|| self.invalid("task", "missing: a run needs the task its first agent is given"))?;
        Ok(Orchestration::new(self.design.clone())
            .task(task.clone())
            .settings(self.settings.clone()))
    }

    fn invalid(&self, place: &str, message: &str) -> ScenarioError {
        FileError::invalid(&self.file, place, message).into()
    }

    /// Runs the scenario to the end: with its scripted model and human, or, when its `model`
    /// names a recording, with the recorded responses and human replies.
    pub async fn run(&self) -> Result<Run, ScenarioError> {
        self.run_capturing(None).await
    }

    /// [`Scenario::run`], recording what each model call receives into `inputs` if given.
    async fn run_capturing(&self, inputs: Option<&mut ModelInputs>) -> Result<Run, ScenarioError> {
        if let Some(replay) = &self.recording {
            let orchestration = self.orchestration_only()?;
            let mut model = replay.model(orchestration.design());
            return Ok(replay
                .run_with(&orchestration, &mut Capture::new(&mut model, inputs))
                .await);
        }
        let (_, mut model) = self.orchestration()?;
        self.run_with(&mut Capture::new(&mut model, inputs)).await
    }

    /// Runs the scenario and checks it, as `handoff run` and `handoff test` do: when `expect`
    /// has `inputs` checks, what each model call receives is captured as the run goes (else
    /// nothing is), and checked with the rest ([`Scenario::verdict_with`]).
    pub async fn run_checked(&self) -> Result<(Run, Verdict), ScenarioError> {
        let mut inputs = self.inputs_to_capture();
        let run = self.run_capturing(inputs.as_mut()).await?;
        let verdict = self.verdict_with(&run, inputs.as_ref());
        Ok((run, verdict))
    }

    /// [`Scenario::run_checked`] on a current-thread runtime, for callers that are not async.
    pub fn run_checked_blocking(&self) -> Result<(Run, Verdict), ScenarioError> {
        block_on(self.run_checked()).map_err(ScenarioError::Runtime)?
    }

    /// Empty [`ModelInputs`] to fill with a [`Capture`] when `expect` checks what model calls
    /// receive; `None` when it does not (then capturing costs nothing).
    pub fn inputs_to_capture(&self) -> Option<ModelInputs> {
        (!self.expect.inputs.is_empty()).then(|| ModelInputs::kept_by_server(self.settings.server_managed))
    }

    /// Runs the scenario's task and human with `model` instead of the file's (a live model,
    /// a recorder around one).
    pub async fn run_with<M: Model>(&self, model: &mut M) -> Result<Run, ScenarioError> {
        self.run_observed(model, &mut ()).await
    }

    /// [`Scenario::run_with`], showing every event to `observer` as it happens (to print a
    /// long or paid run as it goes).
    pub async fn run_observed<M: Model, O: Observer>(
        &self,
        model: &mut M,
        observer: &mut O,
    ) -> Result<Run, ScenarioError> {
        let orchestration = self.orchestration_only()?;
        let approvals = self.approvals.iter().cloned();
        Ok(match &self.user {
            Some(replies) => {
                let mut human = ScriptedHuman::new(replies.iter().cloned())
                    .with_hosts(self.hosts.iter().cloned())
                    .with_approvals(approvals);
                orchestration.run_observed(model, &mut human, observer).await
            }
            // The app's host still asks about calls that wait for approval.
            None if !self.approvals.is_empty() => {
                let mut human = ScriptedHuman::silent().with_approvals(approvals);
                orchestration.run_observed(model, &mut human, observer).await
            }
            None => orchestration.run_observed(model, &mut NoHuman, observer).await,
        })
    }

    /// Checks `run` against `expect` and the `invariants`. Its `inputs` checks need what the
    /// model calls received, captured during the run ([`Scenario::run_checked`],
    /// [`Scenario::verdict_with`]): here each fails, saying so.
    pub fn verdict(&self, run: &Run) -> Verdict {
        let mut verdict = self.verdict_with(run, None);
        for check in &self.expect.inputs {
            verdict.add(Check {
                name: "inputs",
                expected: check.describe(),
                actual: "not checked: the inputs of the run's model calls were not captured (Scenario::run_checked captures them)".into(),
                passed: false,
                detail: Vec::new(),
            });
        }
        verdict
    }

    /// Checks `run` against `expect` and the `invariants`, and `expect.inputs` against
    /// `inputs`, what its model calls received ([`Capture`]): what `handoff run` and `handoff
    /// test` report. With `inputs` `None`, the `inputs` checks are left out (`handoff serve`
    /// compares each request of the app whole instead).
    pub fn verdict_with(&self, run: &Run, inputs: Option<&ModelInputs>) -> Verdict {
        let mut verdict = self.expect.check(run);
        if let Some(session) = &self.expect.session {
            verdict.add(session.check(run));
        }
        if let Some(inputs) = inputs {
            for check in &self.expect.inputs {
                verdict.add(inputs.check(check));
            }
        }
        for (i, invariant) in self.invariants.iter().enumerate() {
            let broken = invariant.check(run).err();
            verdict.add(Check {
                name: "invariant",
                expected: format!("invariants[{i}] holds"),
                passed: broken.is_none(),
                actual: broken.unwrap_or_else(|| "it holds".into()),
                detail: Vec::new(),
            });
        }
        if let Some(replay) = &self.recording {
            verdict.add(Check::replay(replay, run));
        }
        if let Some(base) = &self.base {
            // A regression that still bounces: say where the fix goes.
            for check in verdict.checks.iter_mut().filter(|c| c.name == "no_bounce" && !c.passed) {
                check.actual.push_str(&format!(
                    " (the bounce `handoff fuzz` found; fix {} or the design it names, and this passes)",
                    base.named
                ));
            }
        }
        verdict
    }

    /// Runs the scenario on a current-thread runtime, for callers that are not async.
    pub fn run_blocking(&self) -> Result<Run, ScenarioError> {
        block_on(self.run()).map_err(ScenarioError::Runtime)?
    }
}
