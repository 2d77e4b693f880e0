//! `handoff serve`: the harness stands where the model stands. An OpenAI-compatible endpoint
//! (Chat Completions streamed or not, the Responses API, `GET /v1/models`) answers the
//! user's *real* application from a scenario's scripted rules, a recording, or a real model
//! it forwards to, and checks every request against what the scenario's framework sends.
//!
//! - [`request`](AppRequest): a request of either API in one shape, a Responses chain
//!   (`previous_response_id`) put back together as its whole thread;
//! - [`Answer`] and [`Body`]: the answer and its bytes (events when streamed);
//! - the conversations ([`converse`]): the app drives; each of its requests goes to the
//!   conversation (a run of the scenario) whose run expects it next, which checks it is the
//!   request the framework sends there ([`Matching`]) and answers it; a request that starts
//!   none but is a fresh run's first starts one; a divergence is answered with an error and
//!   reported; many conversations are held at once, never mixed;
//! - [`Server`]: the HTTP server on tokio and hyper (OpenAI's, Azure OpenAI's and Foundry's
//!   routes), and the app it wraps ([`AppCommand`]);
//! - [`ObservedDesign`]: the design as the traffic shows it (`--write-design`).
//!
//! ```no_run
//! use handoff_harness::{Scenario, serve::{Options, Server}};
//!
//! let scenario = Scenario::load("scenarios/customer_support.json")?;
//! handoff_harness::serve::block_on(async {
//!     let server = Server::bind("127.0.0.1:0".parse()?).await?;
//!     println!("point the app at {}", server.url());
//!     let served = server.run(scenario, Options::default(), None, |c| println!("{}", c.run.text())).await?;
//!     assert!(served.passed());
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })??;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use std::sync::Arc;

use crate::engine::{Model, ModelError, ModelRequest, NoHuman, Orchestration, Response, Run, ScriptedHuman};
use crate::scenario::{Check, Scenario, ScenarioError};
use crate::scripted::ScriptedModel;
use crate::wire::{Divergence, LiveModel, Recorder, ReplayModel, Transcript};

use app::MODEL as MODEL_NAME;

mod answer;
mod app;
mod attribute;
mod chain;
mod conversation;
mod discover;
mod dispatch;
mod divergence;
mod expected;
mod explore;
mod extract;
mod http;
mod offer;
mod request;
mod responses;
mod session;

pub use answer::{Answer, AnswerCall, Body};
pub use app::{AppCommand, AppEnd, AppEnvironment, DEFAULT_TIMEOUT, MODEL};
pub use chain::KEPT_RESPONSES;
pub use conversation::{Conversation, Served};
pub use discover::{Discovered, Discovery, run_discovery};
pub use explore::{Explorer, RunLog, Step};
pub use extract::ObservedDesign;
pub use http::Server;
pub use offer::{Exchange, Incoming};
pub use request::{Api, AppRequest, Reader, RequestError};
pub use session::{MAX_UNEXPECTED, Matching, Traffic};

use session::Lockstep;

/// How `handoff serve` answers and how long it waits.
#[derive(Debug, Clone)]
pub struct Options {
    /// How much of each request must be what the framework sends.
    pub matching: Matching,
    /// How many conversations the app holds, at once or one after another (each a fresh run
    /// of the scenario, started by a request equal to its first); one more is refused.
    pub conversations: u32,
    /// After a conversation ends: how long to wait for the app's next request (to close a
    /// bounce it was stopped in, or to start the next conversation).
    pub wait: Duration,
    /// How long a serve may last in all: then the wrapped app, or without one the server, is
    /// stopped ([`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// Forward every request to a real model instead of the scenario's (`--upstream`).
    pub upstream: Option<LiveModel>,
    /// Keep each conversation as a recording ([`Conversation::transcript`]).
    pub record: bool,
    /// Where the recording so far is written after every call, when recording (for a
    /// forwarded, paid conversation that stops half-way: `handoff record`'s `.partial`).
    pub partial: Option<std::path::PathBuf>,
    /// Stop at Ctrl-C, SIGTERM, SIGHUP or SIGQUIT (the wrapped app too), reporting what was seen. Off by
    /// default: a library does not take over its host's signals.
    pub stop_on_signals: bool,
    /// Note the design the requests show ([`Conversation::observed`]).
    pub observe: bool,
    /// Turns true when the serve stops (its timeout, a signal, the app's end): a call to the
    /// upstream under way is then abandoned, so that a silent upstream cannot hold the serve.
    /// [`Server::run`] sets it; `None` lets every call run to its end.
    pub stopped: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            matching: Matching::Strict,
            conversations: 1,
            wait: Duration::from_secs(10),
            timeout: DEFAULT_TIMEOUT,
            upstream: None,
            record: false,
            partial: None,
            stop_on_signals: false,
            observe: false,
            stopped: None,
        }
    }
}

/// The model behind the answers: the scenario's scripted rules or recording, or a real model.
#[derive(Debug, Clone)]
enum Answerer {
    Scripted(ScriptedModel),
    Replay(ReplayModel),
    Live(LiveModel, Option<tokio::sync::watch::Receiver<bool>>),
}

impl Answerer {
    async fn answer(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        match self {
            Answerer::Scripted(model) => model.reply(request),
            Answerer::Replay(model) => model.reply(request),
            Answerer::Live(model, stopped) => forward(model, stopped.as_ref(), request).await,
        }
    }
}

/// Calls `live` for `request` on a thread of its own, abandoning the call when `stopped`
/// turns true (the thread is left to end by itself; its answer is not used).
async fn forward(
    live: &mut LiveModel,
    stopped: Option<&tokio::sync::watch::Receiver<bool>>,
    request: &ModelRequest<'_>,
) -> Result<Response, ModelError> {
    let Some(stopped) = stopped else {
        return live.call(request);
    };
    let body = live.body(request);
    let mut worker = live.clone();
    let (sender, answered) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("handoff-serve-upstream".into())
        .spawn(move || {
            let result = worker.send(&body);
            let _ = sender.send((worker, result));
        })
        .map_err(|e| ModelError::new(format!("cannot start the upstream call: {e}")))?;
    let mut stopped = stopped.clone();
    let stop = async move {
        // A sender gone is no stop.
        if stopped.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        answer = answered => match answer {
            Ok((worker, result)) => {
                *live = worker;
                result
            }
            Err(_) => Err(ModelError::new("the upstream call stopped without an answer")),
        },
        () = stop => Err(ModelError::new(
            "the upstream call was abandoned: serve stopped (--timeout, a signal, or the app's end) before it answered",
        )),
    }
}

impl Model for Answerer {
    async fn respond(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        self.answer(request).await
    }

    fn state(&self) -> Option<u64> {
        match self {
            Answerer::Scripted(model) => model.state(),
            Answerer::Replay(model) => model.state(),
            Answerer::Live(model, _) => model.state(),
        }
    }
}

impl Answerer {
    fn for_scenario(scenario: &Scenario, options: &Options) -> Result<Answerer, ScenarioError> {
        if let Some(live) = &options.upstream {
            return Ok(Answerer::Live(live.clone(), options.stopped.clone()));
        }
        if let Some(replay) = &scenario.recording {
            return Ok(Answerer::Replay(replay.model(&scenario.design)));
        }
        Ok(Answerer::Scripted(scenario.orchestration()?.1))
    }

    fn divergence(&self) -> Option<Divergence> {
        match self {
            Answerer::Replay(model) => model.divergence().cloned(),
            _ => None,
        }
    }
}

/// The answerer of one conversation, recorded or not.
#[derive(Debug)]
enum Answering {
    Recorded(Box<Recorder<Answerer>>),
    Plain(Box<Answerer>),
}

impl Answering {
    /// A fresh answerer of `scenario`'s conversations, from `answerer` (made once).
    fn new(answerer: Answerer, scenario: &Scenario, options: &Options) -> Answering {
        let model = options
            .upstream
            .as_ref()
            .map_or(MODEL_NAME, |live| &live.endpoint().model);
        if !options.record {
            return Answering::Plain(Box::new(answerer));
        }
        let mut recorder = Recorder::new(answerer, scenario.name.clone()).model_name(model);
        if let Some(partial) = &options.partial {
            recorder = recorder.saving_to(partial);
        }
        Answering::Recorded(Box::new(recorder))
    }

    /// Where a recording stopped answering, the transcript, and why the recording in
    /// progress could not be written, for the ended `run`.
    fn finish(self, run: &Run) -> (Option<Divergence>, Option<Transcript>, Option<String>) {
        match self {
            Answering::Recorded(recorder) => {
                let error = recorder.save_error().map(String::from);
                (recorder.inner().divergence(), Some((*recorder).finish(run)), error)
            }
            Answering::Plain(answerer) => (answerer.divergence(), None, None),
        }
    }
}

impl Model for Answering {
    async fn respond(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        match self {
            Answering::Recorded(recorder) => recorder.respond(request).await,
            Answering::Plain(answerer) => answerer.answer(request).await,
        }
    }

    fn state(&self) -> Option<u64> {
        match self {
            Answering::Recorded(recorder) => recorder.state(),
            Answering::Plain(answerer) => answerer.state(),
        }
    }
}

/// Runs `future` on a current-thread runtime with the network and timers a serve needs.
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    Ok(runtime.block_on(future))
}

/// The replies the scenario's human gives (the recording's, when it replays one), which are
/// also what a wrapped app reads on its standard input.
pub fn human_replies(scenario: &Scenario) -> Option<Vec<String>> {
    match &scenario.recording {
        Some(replay) => (!replay.transcript.no_human).then(|| replay.transcript.human.clone()),
        None => scenario.user.clone(),
    }
}

/// The replies of [`human_replies`] that the app's host gives to another agent (by index, the
/// agent's name): the recording's, when the scenario replays one.
pub fn human_hosts(scenario: &Scenario) -> Vec<(usize, String)> {
    match &scenario.recording {
        Some(replay) => replay.transcript.host_turns().collect(),
        None => scenario.hosts.clone(),
    }
}

/// The human's decisions on calls that wait for approval: the recording's, when the scenario
/// replays one.
pub fn human_approvals(scenario: &Scenario) -> Vec<crate::engine::Approval> {
    match &scenario.recording {
        Some(replay) => replay.transcript.approvals.iter().map(|a| a.decision()).collect(),
        None => scenario.approvals.clone(),
    }
}

/// What a wrapped app reads on its standard input, a line each: the human's replies, after
/// the task when `task_first`, for an app that reads its first message there too (the OpenAI
/// Agents SDK's chat loop asks `input()` before its first `Runner.run`).
pub fn app_input(scenario: &Scenario, task_first: bool) -> Vec<String> {
    let task = scenario.task.clone().filter(|_| task_first);
    task.into_iter()
        .chain(human_replies(scenario).unwrap_or_default())
        .collect()
}

/// Holds the conversations of the app's requests from `incoming`, at most
/// `options.conversations`, each a run of `scenario`, at once or one after another as the app
/// holds them; shows each to `done` as it ends. Ends when every conversation is over, or the
/// app stops sending (the channel closes) and every conversation has ended.
pub async fn converse(
    scenario: &Scenario,
    options: &Options,
    incoming: Incoming,
    done: impl FnMut(Conversation) + Send,
) -> Result<Served, ScenarioError> {
    converse_all(std::slice::from_ref(scenario), options, incoming, done).await
}

/// [`converse`] with several scenarios: each conversation is a run of the one whose first
/// request starts it (a web app's users, each with their own task).
pub async fn converse_all(
    scenarios: &[Scenario],
    options: &Options,
    incoming: Incoming,
    mut done: impl FnMut(Conversation) + Send,
) -> Result<Served, ScenarioError> {
    let mut plans = Vec::with_capacity(scenarios.len());
    for scenario in scenarios {
        let answerer = Answerer::for_scenario(scenario, options)?;
        let mut orchestration = scenario.orchestration_only()?;
        // The harness sends a usage chunk whenever a stream asks for one, as the OpenAI API
        // does; Semantic Kernel's thread dropping depends on it.
        let mut settings = scenario.settings.clone();
        settings.usage_chunk |= settings.profile.turns.drops_threads;
        orchestration = orchestration.settings(settings);
        plans.push(Arc::new((scenario.clone(), orchestration, answerer)));
    }
    let shared = Arc::new(options.clone());
    let responses = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let hold: dispatch::Hold = Arc::new(move |which, offers| {
        let plan = plans[which].clone();
        let (options, responses) = (shared.clone(), responses.clone());
        Box::pin(async move {
            let (started, mut conversation) =
                hold(&plan.0, &plan.1, plan.2.clone(), &options, (offers, responses)).await;
            conversation.scenario = which;
            (started, conversation)
        })
    });
    let dispatcher = dispatch::Dispatcher::new(scenarios.len(), options.conversations, hold);
    Ok(dispatcher.run(incoming, &mut done).await)
}

/// One conversation: a run of `scenario` answered by the requests offered to it; whether it
/// took any, and the conversation.
async fn hold(
    scenario: &Scenario,
    orchestration: &Orchestration,
    answerer: Answerer,
    options: &Options,
    (offers, responses): (offer::Offers, Arc<std::sync::atomic::AtomicU32>),
) -> (bool, Conversation) {
    let answering = Answering::new(answerer, scenario, options);
    let modes = (options.matching, options.observe, scenario.settings.server_managed);
    let mut lockstep = Lockstep::new(answering, offers, modes, responses);
    let approvals = human_approvals(scenario);
    let run = match human_replies(scenario) {
        Some(replies) => {
            let mut human = ScriptedHuman::new(replies)
                .with_hosts(human_hosts(scenario))
                .with_approvals(approvals);
            orchestration.run(&mut lockstep, &mut human).await
        }
        // The app's host still asks about calls that wait for approval.
        None if !approvals.is_empty() => {
            let mut human = ScriptedHuman::silent().with_approvals(approvals);
            orchestration.run(&mut lockstep, &mut human).await
        }
        None => orchestration.run(&mut lockstep, &mut NoHuman).await,
    };
    if lockstep.started() {
        lockstep.after(&run, options.wait).await;
    }
    let started = lockstep.started();
    let (answering, traffic, observed) = lockstep.finish();
    let (replay_divergence, transcript, partial_error) = answering.finish(&run);
    // `expect.inputs` is left out: the traffic check compares every request of the app whole
    // with the one its framework sends.
    let mut verdict = scenario.verdict_with(&run, None);
    verdict.add(traffic_check(&traffic, options.matching));
    let conversation = Conversation {
        number: 0,
        scenario: 0,
        transcript,
        run,
        traffic,
        verdict,
        replay_divergence,
        observed,
        partial_error,
    };
    (started, conversation)
}

/// The check that the app's requests were the ones its framework sends (under
/// [`Matching::Agent`], for the agent the run expects).
fn traffic_check(traffic: &Traffic, matching: Matching) -> Check {
    let each = match matching {
        Matching::Strict => "each the expected one",
        Matching::Agent => {
            "each for the expected agent (--match agent: instructions, functions and messages not compared)"
        }
    };
    let actual = match (&traffic.divergence, traffic.unexpected.first()) {
        (Some(divergence), _) => divergence::describe(divergence),
        (None, Some(unexpected)) => unexpected.clone(),
        (None, None) if traffic.answered == 0 => "no request of the app came".into(),
        (None, None) => format!(
            "{} request{}, {each}",
            traffic.answered,
            if traffic.answered == 1 { "" } else { "s" }
        ),
    };
    Check {
        name: "traffic",
        expected: "every request of the app is the one its framework sends at that point".into(),
        passed: traffic.is_clean() && traffic.answered > 0,
        actual,
        detail: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_without_a_request_does_not_pass() {
        let none = traffic_check(&Traffic::default(), Matching::Strict);
        assert_eq!(
            (none.passed, none.actual.as_str()),
            (false, "no request of the app came")
        );
        let traffic = Traffic {
            answered: 2,
            ..Traffic::default()
        };
        let some = traffic_check(&traffic, Matching::Strict);
        assert_eq!(
            (some.passed, some.actual.as_str()),
            (true, "2 requests, each the expected one")
        );
        let agent = traffic_check(&traffic, Matching::Agent);
        assert_eq!(
            agent.actual,
            "2 requests, each for the expected agent (--match agent: instructions, functions and messages not compared)"
        );
    }

    #[test]
    fn the_app_reads_the_task_first_only_when_asked() {
        let scenario = Scenario::load("scenarios/customer_support.json").unwrap();
        let replies = human_replies(&scenario).unwrap();
        assert_eq!(app_input(&scenario, false), replies);
        let input = app_input(&scenario, true);
        assert_eq!(input[0], "A customer is on the line.");
        assert_eq!(input[1..], replies[..]);
    }
}
