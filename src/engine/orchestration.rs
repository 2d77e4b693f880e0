//! The async face of the library: [`Orchestration`] drives the routing [`Core`] with a
//! [`Model`] and a [`Human`], like Semantic Kernel's `HandoffOrchestration` on an
//! `InProcessRuntime`, and reports every event to an [`Observer`] (its response callback).

use std::collections::VecDeque;
use std::future::{Future, ready};
use std::sync::Arc;

use super::approval::{Approval, ApprovalRequest};
use super::core::{Core, Next};
use super::event::{Event, EventLog};
use super::model::{HumanRequest, Model};
use super::profile::Profile;
use super::run::Run;
use super::settings::{Limits, Policy, Settings};
use crate::design::{Design, DesignError};

/// The person who answers when an agent replies in text.
pub trait Human {
    /// The answer to `request`, or `None` when the human has nothing more to say.
    fn answer(&mut self, request: HumanRequest<'_>) -> impl Future<Output = Option<String>> + Send;

    /// Whether a human takes part at all. Without one, a text reply ends the run.
    fn is_present(&self) -> bool {
        true
    }

    /// The agent the app's host runs for the answer just given, by name, where it picks one
    /// instead of the framework's loop (the OpenAI Agents SDK's `Runner.run(other_agent,
    /// ...)`); `None`: the framework's own choice.
    fn host_agent(&self) -> Option<&str> {
        None
    }

    /// The decision on a call that waits for the human's approval (the OpenAI Agents SDK's
    /// `needs_approval`), or `None` when the human has none: the run ends waiting.
    fn approve(&mut self, _request: ApprovalRequest<'_>) -> impl Future<Output = Option<Approval>> + Send {
        ready(None)
    }
}

/// A human who gives the replies of a script, in order, then has nothing more to say.
#[derive(Debug, Clone, Default)]
pub struct ScriptedHuman {
    replies: VecDeque<String>,
    /// The replies the host gives to another agent: by index, the agent's name.
    hosts: Vec<(usize, String)>,
    /// How many replies were given.
    given: usize,
    /// The decisions on calls that wait for approval, in the order they are asked.
    approvals: VecDeque<Approval>,
    /// Whether the human answers text replies (else only approvals).
    present: bool,
}

impl ScriptedHuman {
    /// A human who will say `replies`, one per question.
    pub fn new<S: Into<String>>(replies: impl IntoIterator<Item = S>) -> ScriptedHuman {
        ScriptedHuman {
            replies: replies.into_iter().map(Into::into).collect(),
            hosts: Vec::new(),
            given: 0,
            approvals: VecDeque::new(),
            present: true,
        }
    }

    /// A human who answers no text reply (a text reply ends the run, as with [`NoHuman`]) but
    /// decides on calls that wait for approval, as the OpenAI Agents SDK's
    /// `human_in_the_loop.py` host asks: give the decisions with [`ScriptedHuman::with_approvals`].
    pub fn silent() -> ScriptedHuman {
        ScriptedHuman {
            present: false,
            ..ScriptedHuman::new(Vec::<String>::new())
        }
    }

    /// The same human, deciding the calls that wait for approval with `approvals`, in order,
    /// then with no decision (the run ends waiting).
    pub fn with_approvals(mut self, approvals: impl IntoIterator<Item = Approval>) -> ScriptedHuman {
        self.approvals = approvals.into_iter().collect();
        self
    }

    /// The same human, whose replies numbered `i` (from 0) the app's host gives to the agent
    /// named beside it ([`Human::host_agent`]).
    pub fn with_hosts(mut self, hosts: impl IntoIterator<Item = (usize, String)>) -> ScriptedHuman {
        self.hosts = hosts.into_iter().collect();
        self
    }
    /// Replies not given yet.
    pub fn remaining(&self) -> usize {
        self.replies.len()
    }
}

impl Human for ScriptedHuman {
    fn answer(&mut self, _request: HumanRequest<'_>) -> impl Future<Output = Option<String>> + Send {
        let reply = self.replies.pop_front();
        self.given += usize::from(reply.is_some());
        ready(reply)
    }

    fn host_agent(&self) -> Option<&str> {
        let last = self.given.checked_sub(1)?;
        self.hosts
            .iter()
            .find(|(i, _)| *i == last)
            .map(|(_, name)| name.as_str())
    }

    fn is_present(&self) -> bool {
        self.present
    }

    fn approve(&mut self, _request: ApprovalRequest<'_>) -> impl Future<Output = Option<Approval>> + Send {
        ready(self.approvals.pop_front())
    }
}

/// No human: a text reply ends the run (Semantic Kernel without `human_response_function`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHuman;

impl Human for NoHuman {
    fn answer(&mut self, _request: HumanRequest<'_>) -> impl Future<Output = Option<String>> + Send {
        ready(None)
    }
    fn is_present(&self) -> bool {
        false
    }
}

/// Sees every event of a run as it is appended (Semantic Kernel's response callback, but
/// also for the task, human replies, handoffs and the end).
pub trait Observer {
    /// Called once per event, in order, with the log it was appended to (where a reply's
    /// calls are: [`EventLog::calls_of`]).
    fn on_event(&mut self, event: &Event, log: &EventLog, design: &Design);
}

impl Observer for () {
    fn on_event(&mut self, _event: &Event, _log: &EventLog, _design: &Design) {}
}

impl<F: FnMut(&Event, &EventLog, &Design)> Observer for F {
    fn on_event(&mut self, event: &Event, log: &EventLog, design: &Design) {
        self(event, log, design)
    }
}

/// A handoff orchestration ready to run: a design, a task, limits and policy.
///
/// Runs are independent: each gets a fresh event log, like `invoke()` in Semantic Kernel.
#[derive(Debug, Clone)]
pub struct Orchestration {
    design: Arc<Design>,
    task: String,
    settings: Settings,
}

impl Orchestration {
    /// An orchestration of `design` with an empty task, default limits and Semantic Kernel
    /// Python's policy.
    pub fn new(design: impl Into<Arc<Design>>) -> Orchestration {
        Orchestration {
            design: design.into(),
            task: String::new(),
            settings: Settings::default(),
        }
    }
    /// Sets the task: the first user message every agent sees.
    pub fn task(mut self, task: impl Into<String>) -> Orchestration {
        self.task = task.into();
        self
    }
    /// Sets the limits.
    pub fn limits(mut self, limits: Limits) -> Orchestration {
        self.settings.limits = limits;
        self
    }
    /// Sets the policy.
    pub fn policy(mut self, policy: Policy) -> Orchestration {
        self.settings.policy = policy;
        self
    }
    /// Runs under `profile`: its framework's semantics, the design's functions named as it
    /// names them. `Err` if the framework refuses the design.
    pub fn profile(mut self, profile: &'static Profile) -> Result<Orchestration, DesignError> {
        if *self.design.surface() != profile.tools {
            self.design = Arc::new(self.design.under(profile.tools)?);
        }
        self.settings.profile = profile;
        Ok(self)
    }
    /// Sets limits, policy and profile at once (the design must already be built under the
    /// profile's surface, as a scenario's is).
    pub fn settings(mut self, settings: Settings) -> Orchestration {
        self.settings = settings;
        self
    }
    /// The design.
    pub fn design(&self) -> &Arc<Design> {
        &self.design
    }

    /// A routing core for one run, to drive by hand (fuzzers, benchmarks, step debuggers).
    pub fn core(&self, has_human: bool, model_state: Option<u64>) -> Core {
        Core::new(
            self.design.clone(),
            self.task.clone(),
            self.settings.clone(),
            has_human,
            model_state,
        )
    }

    /// Runs to the end.
    pub async fn run<M: Model, H: Human>(&self, model: &mut M, human: &mut H) -> Run {
        self.run_observed(model, human, &mut ()).await
    }

    /// Runs to the end, showing every event to `observer` as it happens.
    pub async fn run_observed<M: Model, H: Human, O: Observer>(
        &self,
        model: &mut M,
        human: &mut H,
        observer: &mut O,
    ) -> Run {
        let mut core = self.core(human.is_present(), model.state());
        let mut reported = 0;
        let (budget, mut steps) = (core.step_budget(), 0u64);
        loop {
            for event in &core.log().events()[reported..] {
                observer.on_event(event, core.log(), &self.design);
            }
            reported = core.log().len();
            if steps == budget {
                core.stop_at_ceiling();
            } else if steps > budget {
                break; // only a core that does not stop when told gets here
            }
            // A decision is no step: a response makes finitely many calls to decide.
            steps += u64::from(core.next() != Next::Approve);
            match core.next() {
                Next::CallModel => {
                    let reply = model.respond(&core.request()).await;
                    core.model_replied(reply, model.state());
                }
                Next::AskHuman => {
                    let answer = human.answer(core.human_request()).await;
                    let host = answer
                        .as_ref()
                        .and(human.host_agent())
                        .and_then(|name| self.design.find(name));
                    core.human_answered_to(answer, host);
                }
                Next::Approve => {
                    let decision = match core.approval_request() {
                        Some(request) => human.approve(request).await,
                        None => None,
                    };
                    core.approval_answered(decision);
                }
                Next::Done => break,
            }
        }
        core.into_run()
            .expect("the routing core ended no run within its step budget")
    }
}

/// Runs `future` to the end on a current-thread runtime, for callers that are not async. Fails
/// only if the operating system refuses the runtime's resources.
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    Ok(runtime.block_on(future))
}
