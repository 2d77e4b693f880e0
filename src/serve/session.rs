//! The lockstep: the scenario's run, under its profile, drives the conversation, and each of
//! its model calls is answered by the application's next request. The request must be the
//! one the framework would send at that point (the agent, its instructions, its functions and
//! every message of its thread); then the scenario's model answers it, and the answer goes
//! back to the app with the call ids and function names the run gives it.
//!
//! So the run *is* the conversation the traffic shows: printed as `handoff run` prints it,
//! checked against `expect` and `invariants`, bounded by the limits and the loop proof. A
//! request that is not what the profile expects is a divergence: the app is answered with an
//! error and the report shows the diff, expected (`-`) against sent (`+`).

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::answer::{Answer, Body};
use super::extract::ObservedDesign;
use super::request::{Api, AppRequest};
use crate::design::{AgentId, Design};
use crate::engine::{Model, ModelError, ModelRequest, Response, Run};
use crate::wire::{Divergence, request_lines_of};

/// One request of the app, waiting for its answer.
#[derive(Debug)]
pub struct Exchange {
    /// What the app sent.
    pub request: AppRequest,
    /// Where its answer goes.
    pub reply: oneshot::Sender<Body>,
}

/// The requests of the app, in arrival order.
pub type Incoming = mpsc::Receiver<Exchange>;

/// How much of a request must be what the profile expects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Matching {
    /// The agent, its instructions, its functions and every message of its thread.
    #[default]
    Strict,
    /// Only the agent: for a framework the profiles do not model message for message.
    Agent,
}

/// What the traffic of one conversation showed besides the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Model requests answered (retries included).
    pub answered: u32,
    /// Requests the app sent again after their answer (a lost connection), answered again.
    pub retries: u32,
    /// The first request that was not what the profile expects.
    pub divergence: Option<Divergence>,
    /// Requests after the conversation had ended, each as the error the app was sent.
    pub unexpected: Vec<String>,
    /// How the harness ended the app's run, if it had to (a loop or a limit).
    pub closed: Option<String>,
}

impl Traffic {
    /// Whether every request was the expected one.
    pub fn is_clean(&self) -> bool {
        self.divergence.is_none() && self.unexpected.is_empty()
    }
}

/// A model that answers the engine's calls with the app's requests.
pub(super) struct Lockstep<M> {
    pub(super) inner: M,
    pub(super) incoming: Incoming,
    pub(super) matching: Matching,
    pub(super) traffic: Traffic,
    /// The next call id the run gives (`call_0001` first).
    next_call_id: u32,
    /// The run's model calls so far.
    calls: u32,
    /// The last request answered, as lines, and its answer: a retry gets it again.
    last: Option<(Vec<String>, Body)>,
    /// A request received before the run started (the first of a new conversation).
    pending: Option<Exchange>,
    /// The first request answered, as lines: an equal one after the end starts anew.
    first: Option<Vec<String>>,
    /// The design the requests show.
    observed: ObservedDesign,
}

/// What the run expects the next request to be.
struct Expected {
    agent: AgentId,
    name: String,
    call: u32,
    lines: Vec<String>,
}

impl<M: Model> Lockstep<M> {
    pub(super) fn new(inner: M, incoming: Incoming, matching: Matching, pending: Option<Exchange>) -> Lockstep<M> {
        Lockstep {
            inner,
            incoming,
            matching,
            traffic: Traffic::default(),
            next_call_id: 1,
            calls: 0,
            last: None,
            pending,
            first: None,
            observed: ObservedDesign::default(),
        }
    }

    /// The first request of the conversation, as lines.
    pub(super) fn first_lines(&self) -> Option<&[String]> {
        self.first.as_deref()
    }

    /// Starts the next conversation with a fresh `inner` model; returns the last one's model,
    /// traffic and observed design.
    pub(super) fn restart(&mut self, inner: M) -> (M, Traffic, ObservedDesign) {
        self.next_call_id = 1;
        self.calls = 0;
        self.last = None;
        self.first = None;
        (
            std::mem::replace(&mut self.inner, inner),
            std::mem::take(&mut self.traffic),
            std::mem::take(&mut self.observed),
        )
    }

    /// Makes `exchange` the next request answered.
    pub(super) fn push(&mut self, exchange: Exchange) {
        self.pending = Some(exchange);
    }

    async fn next_exchange(&mut self) -> Option<Exchange> {
        match self.pending.take() {
            Some(exchange) => Some(exchange),
            None => self.incoming.recv().await,
        }
    }

    fn answer(&mut self, exchange: Exchange, lines: Vec<String>, body: Body) {
        self.traffic.answered += 1;
        if self.first.is_none() {
            self.first = Some(lines.clone());
        }
        let _ = exchange.reply.send(body.clone());
        self.last = Some((lines, body));
    }

    fn refuse(&mut self, exchange: Exchange, code: &str, message: &str) {
        let _ = exchange.reply.send(Body::error(400, code, message));
    }

    /// The request the run expects now, or the divergence of `sent`.
    fn check(&self, design: &Design, expected: &Expected, sent: &AppRequest, lines: &[String]) -> Check {
        if self.last.as_ref().is_some_and(|(last, _)| last == lines) && *lines != expected.lines {
            return Check::Retry;
        }
        let agent = attribute(design, sent);
        match agent {
            Attributed::Agent(agent) if agent == expected.agent => {
                if self.matching == Matching::Agent || *lines == expected.lines {
                    return Check::Expected;
                }
                let diff = line_diff(&expected.lines, lines);
                Check::Diverged("the request differs from the one the framework sends here".into(), diff)
            }
            Attributed::Agent(other) => Check::Diverged(
                format!(
                    "the app called {}'s model, and the run expects {}'s",
                    design.agent(other).name,
                    expected.name
                ),
                String::new(),
            ),
            Attributed::Unknown(why) => Check::Unattributed(why),
        }
    }

    fn diverged(&mut self, expected: &Expected, reason: String, diff: String) -> Divergence {
        let divergence = Divergence {
            agent: expected.name.clone(),
            call: expected.call,
            run_call: self.calls,
            reason,
            diff,
        };
        self.traffic.divergence.get_or_insert(divergence.clone());
        divergence
    }

    async fn respond_to(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        self.calls += 1;
        let expected = Expected {
            agent: request.agent(),
            name: request.agent_name().to_string(),
            call: request.call_number(),
            lines: request_lines_of(request),
        };
        let (exchange, lines) = loop {
            let Some(exchange) = self.next_exchange().await else {
                return Err(ModelError::new(format!(
                    "the app sent no request for {}'s model call {}: it stopped before the conversation ended",
                    expected.name, expected.call
                )));
            };
            let lines = exchange.request.lines();
            self.observed
                .observe(attribute_name(request.design(), &exchange.request), &exchange.request);
            match self.check(request.design(), &expected, &exchange.request, &lines) {
                Check::Expected => break (exchange, lines),
                Check::Retry => {
                    self.traffic.retries += 1;
                    let body = self.last.as_ref().map(|(_, body)| body.clone());
                    if let Some(body) = body {
                        self.traffic.answered += 1;
                        let _ = exchange.reply.send(body);
                    }
                }
                Check::Diverged(reason, diff) => {
                    let divergence = self.diverged(&expected, reason, diff);
                    self.refuse(exchange, "handoff_divergence", &divergence_text(&divergence));
                    return Err(ModelError::new(describe(&divergence)));
                }
                Check::Unattributed(why) => {
                    let divergence = self.diverged(&expected, why, String::new());
                    self.refuse(exchange, "handoff_unattributable", &describe(&divergence));
                    return Err(ModelError::new(describe(&divergence)));
                }
            }
        };
        match self.inner.respond(request).await {
            Ok(mut response) => {
                // Calls go back named as the request offered them (a script may name a
                // function plainly); a call made without tools is not made at all.
                let mut answered = response.clone();
                if request.tools_off() {
                    answered.calls.clear();
                }
                for call in &mut answered.calls {
                    let offered = request.design().offered_name(request.agent(), &call.name);
                    if *offered != *call.name {
                        call.name = offered.into();
                    }
                }
                let answer = Answer::of(&answered, self.next_call_id);
                self.next_call_id += answered.calls.len() as u32;
                let body = render(&answer, &exchange.request, self.traffic.answered + 1);
                self.answer(exchange, lines, body);
                response.text_in_call_chunk &= !request.tools_off();
                Ok(response)
            }
            Err(error) => {
                self.refuse(exchange, "handoff_no_answer", &error.message);
                Err(error)
            }
        }
    }

    /// After the run: answers what the app still asks, until it stops or `wait` passes
    /// without a request. A run the harness ended (a loop, a limit) is closed the way the
    /// framework allows: `complete_task` where offered, else an error. Returns the first
    /// request that starts the conversation anew (`first` lines), if one comes.
    pub(super) async fn after(&mut self, run: &Run, first: Option<&[String]>, wait: Duration) -> Option<Exchange> {
        let ending = run.outcome().is_bounce().then(|| run.outcome_line());
        let mut to_close = ending.is_some();
        loop {
            let exchange = match tokio::time::timeout(wait, self.next_exchange()).await {
                Ok(Some(exchange)) => exchange,
                Ok(None) | Err(_) => return None,
            };
            let lines = exchange.request.lines();
            if first.is_some_and(|first| first == lines) {
                return Some(exchange);
            }
            if let (true, Some(ending)) = (to_close, &ending) {
                to_close = false;
                let message = format!("handoff serve ended the conversation: {ending}");
                let complete = exchange
                    .request
                    .offered()
                    .find(|name| name.ends_with("complete_task"))
                    .map(String::from);
                match complete {
                    Some(name) => {
                        let mut arguments = serde_json::Map::new();
                        arguments.insert(crate::design::TASK_SUMMARY.into(), message.clone().into());
                        let answer = Answer::of(&Response::call(name.as_str(), arguments), self.next_call_id);
                        let body = render(&answer, &exchange.request, self.traffic.answered + 1);
                        self.traffic.closed = Some(format!("answered with {name}: {message}"));
                        self.answer(exchange, lines, body);
                    }
                    None => {
                        self.traffic.closed = Some(format!("answered with an error: {message}"));
                        self.refuse(exchange, "handoff_ended", &message);
                    }
                }
                continue;
            }
            let agent = match attribute_name(run.design(), &exchange.request) {
                Some(name) => format!("{name}'s model"),
                None => "a model".into(),
            };
            let message = format!(
                "the conversation is over ({}), and the app called {agent} again",
                run.outcome_line()
            );
            self.refuse(exchange, "handoff_conversation_over", &message);
            self.traffic.unexpected.push(message);
        }
    }
}

impl<M: Model + Send> Model for Lockstep<M> {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        self.respond_to(request)
    }
}

/// The body of `answer` to `request`, the `number`-th request answered, in the request's API.
pub fn render(answer: &Answer, request: &AppRequest, number: u32) -> Body {
    match (request.api, request.stream) {
        (Api::ChatCompletions, false) => Body::json(&answer.chat_completion(request, number)),
        (Api::ChatCompletions, true) => Body::events(answer.chat_chunks(request, number)),
        (Api::Responses, false) => Body::json(&super::responses::response(answer, request, number)),
        (Api::Responses, true) => Body::events(super::responses::events(answer, request, number)),
    }
}

enum Check {
    Expected,
    Retry,
    Diverged(String, String),
    Unattributed(String),
}

/// A divergence of the app's traffic, in one line.
pub fn describe(divergence: &Divergence) -> String {
    format!(
        "the app's request diverges from the scenario at {} call {} (model call {} of the run): {}",
        divergence.agent, divergence.call, divergence.run_call, divergence.reason
    )
}

/// A divergence as the app reads it: the reason and the diff.
fn divergence_text(divergence: &Divergence) -> String {
    if divergence.diff.is_empty() {
        return describe(divergence);
    }
    format!(
        "{}\n--- expected (what the framework sends here)\n+++ sent by the app\n{}",
        describe(divergence),
        divergence.diff
    )
}

fn line_diff(expected: &[String], sent: &[String]) -> String {
    let (expected, sent) = (expected.join("\n") + "\n", sent.join("\n") + "\n");
    similar::TextDiff::from_lines(&expected, &sent)
        .unified_diff()
        .context_radius(2)
        .to_string()
}

/// Which agent of a design a request is for.
enum Attributed {
    Agent(AgentId),
    /// None: why, naming what the request showed and the closest agent.
    Unknown(String),
}

/// The agent whose instructions are the request's system message; of several, the one
/// whose functions the request offers.
fn attribute(design: &Design, request: &AppRequest) -> Attributed {
    let system = request.system.as_deref().unwrap_or("");
    let offered: Vec<&str> = request.offered().collect();
    let overlap = |agent: AgentId| {
        design
            .tools(agent)
            .iter()
            .filter(|tool| offered.contains(&&*tool.name))
            .count()
    };
    let same: Vec<AgentId> = design
        .agents()
        .iter()
        .enumerate()
        .filter(|(_, agent)| agent.instructions == system)
        .map(|(i, _)| AgentId(i as u32))
        .collect();
    if let Some(best) = same
        .iter()
        .copied()
        .max_by_key(|&a| (overlap(a), std::cmp::Reverse(a.index())))
    {
        return Attributed::Agent(best);
    }
    let closest = design
        .agents()
        .iter()
        .enumerate()
        .map(|(i, agent)| {
            let likeness = strsim::normalized_levenshtein(&agent.instructions, system);
            (i, likeness + overlap(AgentId(i as u32)) as f64)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| design.agent(AgentId(i as u32)));
    let shown = crate::files::escape_controls(system);
    let mut why = format!(
        "no agent of the design has the system message {:?} (the request offers {})",
        shown,
        if offered.is_empty() {
            "no functions".to_string()
        } else {
            offered.join(", ")
        }
    );
    if let Some(agent) = closest {
        why.push_str(&format!(
            "; the closest agent is {}, whose instructions are {:?}",
            agent.name,
            crate::files::escape_controls(&agent.instructions)
        ));
    }
    Attributed::Unknown(why)
}

/// The name of the agent a request is for, if it can be told.
pub(super) fn attribute_name<'d>(design: &'d Design, request: &AppRequest) -> Option<&'d str> {
    match attribute(design, request) {
        Attributed::Agent(agent) => Some(&design.agent(agent).name),
        Attributed::Unknown(_) => None,
    }
}
