//! One conversation: the scenario's run, under its profile, and the app's requests that
//! belong to it. The dispatcher (`dispatch.rs`) offers each request of the app to the
//! conversations it may belong to; a conversation takes it when it is the one the framework
//! would send at that point of its run (the agent, its instructions, its functions and every
//! message of its thread), and the scenario's model answers it with the call ids and function
//! names the run gives it.
//!
//! So the run *is* the conversation the traffic shows: printed as `handoff run` prints it,
//! checked against `expect` and `invariants`, bounded by the limits and the loop proof. A
//! request that is not what the profile expects is a divergence: the app is answered with an
//! error and the report shows the diff, expected (`-`) against sent (`+`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::answer::{Answer, Body};
use super::attribute::{attribute, attribute_name, tool_key, unattributed};
use super::divergence::{describe, divergence_text, likely_cause, line_diff};
use super::extract::ObservedDesign;
use super::offer::{Exchange, Key, Likeness, Mode, Offer, Offers, Verdict};
use super::request::{Api, AppRequest, wire_tool};
use super::responses::render;
use crate::design::{AgentId, Design};
use crate::engine::{Model, ModelError, ModelRequest, Response, Run};
use crate::wire::Divergence;

/// How long serve goes on answering after a conversation that expects nothing more: long
/// enough for a client to send a lost final request again.
const LINGER: Duration = Duration::from_millis(500);

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
    /// Requests after the conversation had ended, each as the error the app was sent (at most
    /// [`MAX_UNEXPECTED`]: then serve stops waiting).
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

/// A model that answers the engine's calls with the app's requests offered to it.
pub(super) struct Lockstep<M> {
    pub(super) inner: M,
    pub(super) offers: Offers,
    pub(super) matching: Matching,
    pub(super) traffic: Traffic,
    /// The next call id the run gives (`call_0001` first).
    next_call_id: u32,
    /// The model calls answered from the scenario (a retry is not one).
    model_calls: u32,
    /// The run's model calls so far.
    calls: u32,
    /// The last request answered and its answer: a retry gets it again.
    last: Option<(Arc<AppRequest>, Body)>,
    /// Whether it has taken a request (a conversation that has not is a spare, waiting for
    /// its first).
    started: bool,
    /// The design the requests show, if it is being noted.
    observed: Option<ObservedDesign>,
    /// Each agent's functions as the wire declares them, with the bits of those disabled then.
    tools: Vec<Option<(u64, Vec<Value>)>>,
    /// Whether the scenario's conversation is server-managed ([`super::chain::unchained`]).
    server_managed: bool,
    /// The Responses answers of the serve so far, all conversations' (their ids are unique
    /// in a serve, as `previous_response_id` needs).
    responses: Arc<AtomicU32>,
}

/// What the run expects the next request to be.
struct Expected {
    agent: AgentId,
    name: String,
    call: u32,
}

impl<M: Model> Lockstep<M> {
    /// A lockstep answering with `inner`, noting the observed design if `observe`, and
    /// expecting every request after the first answer chained (`previous_response_id`) if
    /// `server_managed`.
    pub(super) fn new(
        inner: M,
        offers: Offers,
        (matching, observe, server_managed): (Matching, bool, bool),
        responses: Arc<AtomicU32>,
    ) -> Lockstep<M> {
        Lockstep {
            inner,
            offers,
            matching,
            traffic: Traffic::default(),
            next_call_id: 1,
            model_calls: 0,
            calls: 0,
            last: None,
            started: false,
            observed: observe.then(ObservedDesign::default),
            tools: Vec::new(),
            server_managed,
            responses,
        }
    }

    /// Whether it has taken a request of the app.
    pub(super) fn started(&self) -> bool {
        self.started
    }

    /// Its model, traffic and observed design, at the end. An offer that came as it ended
    /// goes back, declined.
    pub(super) fn finish(mut self) -> (M, Traffic, ObservedDesign) {
        self.offers.close();
        while let Some(offer) = self.offers.try_recv() {
            let _ = offer
                .verdict
                .send(Verdict::Declined(Box::new(offer.exchange), Likeness::NONE));
        }
        (self.inner, self.traffic, self.observed.unwrap_or_default())
    }

    /// The number of the answer to `request`: its place in the conversation (`chatcmpl-0003`),
    /// or for the Responses API in the serve (`resp_0007`).
    fn number(&self, request: &AppRequest) -> u32 {
        match request.api {
            Api::ChatCompletions => self.traffic.answered + 1,
            Api::Responses => self.responses.fetch_add(1, Ordering::Relaxed) + 1,
        }
    }

    fn answer(&mut self, exchange: Exchange, body: Body) {
        self.traffic.answered += 1;
        let _ = exchange.reply.send(body.clone());
        self.last = Some((Arc::new(exchange.request), body));
    }

    /// Answers a request sent again after its answer (a lost connection) with that answer.
    fn answer_again(&mut self, exchange: Exchange) {
        self.traffic.retries += 1;
        if let Some((_, body)) = &self.last {
            self.traffic.answered += 1;
            let _ = exchange.reply.send(body.clone());
        }
    }

    fn refuse(&mut self, exchange: Exchange, code: &str, message: &str) {
        let _ = exchange.reply.send(Body::error(400, code, message));
    }

    /// Whether `sent` is the request of `request`'s model call: its system message, its
    /// functions and every message, as `handoff replay` compares them. Field by field first
    /// (no allocation); only a request that differs there is compared as lines.
    fn is_expected(&mut self, request: &ModelRequest<'_>, sent: &AppRequest) -> bool {
        let tools = self.wire_tools(request);
        let same_tools = tools.len() == sent.tools.len()
            && tools
                .iter()
                .zip(sent.tools.iter())
                .all(|(ours, theirs)| tool_key(ours) == tool_key(theirs));
        let mut thread = request.thread();
        let same_messages = sent.messages.iter().all(|message| {
            thread
                .next()
                .is_some_and(|ours| super::expected::message(request, ours, sent.api).is(message))
        }) && thread.next().is_none();
        let same = same_tools && same_messages && super::expected::same_output_type(request, sent);
        let exact = sent.system.as_deref() == Some(request.instructions()) && same;
        // Lines are equal only for as many functions and messages (a line each).
        let same_counts = tools.len() == sent.tools.len() && request.thread().count() == sent.messages.len();
        let unchained = super::chain::unchained(self.server_managed, self.model_calls == 0, sent).is_some();
        !unchained && (exact || (same_counts && super::expected::lines(request, sent.api) == sent.lines()))
    }

    /// Whether `sent` is the request of `request`'s model call, a retry of the last one, or
    /// another request (and how like the expected one it is). Cheap: what a divergence
    /// shows is made only when the conversation is made to take it ([`Lockstep::diverge`]).
    fn check(&mut self, request: &ModelRequest<'_>, expected: &Expected, sent: &AppRequest) -> Check {
        let design = request.design();
        let same_agent = attribute(design, sent, Some(expected.agent)) == Some(expected.agent);
        // Under `--match agent` a conversation starts only with a request as long as its first
        // (a later request to the start agent is a held conversation's).
        let agent_only =
            self.matching == Matching::Agent && (self.started || request.thread().count() == sent.messages.len());
        if same_agent && (agent_only || self.is_expected(request, sent)) {
            return Check::Expected;
        }
        if self.last.as_ref().is_some_and(|(last, _)| last.same_content(sent)) {
            return Check::Retry;
        }
        let mut thread = request.thread();
        let prefix = sent
            .messages
            .iter()
            .take_while(|message| {
                thread
                    .next()
                    .is_some_and(|ours| super::expected::message(request, ours, sent.api).is(message))
            })
            .count();
        let expected_length = request.thread().count();
        Check::Other(Likeness {
            expected: false,
            prefix,
            gap: std::cmp::Reverse(expected_length.abs_diff(sent.messages.len())),
            same_agent,
            running: true,
        })
    }

    /// Makes `sent` this conversation's divergence: the reason and the diff, noted and
    /// answered to the app with an error.
    fn diverge(&mut self, request: &ModelRequest<'_>, expected: &Expected, exchange: Exchange) -> ModelError {
        let design = request.design();
        let sent = &exchange.request;
        let (code, reason, diff) = match attribute(design, sent, Some(expected.agent)) {
            Some(agent) if agent == expected.agent => {
                let mut reason = "the request differs from the one the framework sends here".to_string();
                let unchained = super::chain::unchained(self.server_managed, self.model_calls == 0, sent);
                if let Some(cause) = unchained.or_else(|| likely_cause(self.wire_tools(request), request, sent)) {
                    reason.push_str("; ");
                    reason.push_str(&cause);
                }
                (
                    "handoff_divergence",
                    reason,
                    line_diff(&super::expected::lines(request, sent.api), &sent.lines()),
                )
            }
            Some(other) => (
                "handoff_divergence",
                format!(
                    "the app called {}'s model, and the run expects {}'s",
                    design.agent(other).name,
                    expected.name
                ),
                String::new(),
            ),
            None => ("handoff_unattributable", unattributed(design, sent), String::new()),
        };
        let divergence = Divergence {
            agent: expected.name.clone(),
            call: expected.call,
            run_call: self.calls,
            reason,
            diff,
        };
        self.traffic.divergence.get_or_insert(divergence.clone());
        self.refuse(exchange, code, &divergence_text(&divergence));
        ModelError::new(describe(&divergence))
    }

    /// `request`'s functions as the wire declares them, made again when its enabled ones change.
    fn wire_tools(&mut self, request: &ModelRequest<'_>) -> &[Value] {
        let agent = request.agent().index();
        self.tools.resize(self.tools.len().max(agent + 1), None);
        let slot = &mut self.tools[agent];
        if slot.as_ref().is_none_or(|(disabled, _)| *disabled != request.disabled) {
            let wire: Vec<Value> = request.tools().iter().map(|t| wire_tool(&t.json_schema())).collect();
            *slot = Some((request.disabled, wire));
        }
        slot.as_ref().map_or(&[], |(_, wire)| wire)
    }

    /// Notes `exchange`'s request in the observed design, if one is noted.
    fn observe(&mut self, design: &Design, exchange: &Exchange) {
        if let Some(observed) = &mut self.observed {
            observed.observe(attribute_name(design, &exchange.request), &exchange.request);
        }
    }

    async fn respond_to(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        self.calls += 1;
        let expected = Expected {
            agent: request.agent(),
            name: request.agent_name().to_string(),
            call: request.call_number(),
        };
        // What it takes, for the dispatcher: under `--match agent`, any request may be for
        // the expected agent.
        match self.matching {
            Matching::Strict => {
                let key = Key::new(request.instructions(), request.tools().len(), request.thread().count());
                self.offers.waiting.only(key);
            }
            Matching::Agent => self.offers.waiting.any(),
        }
        let exchange = loop {
            let Some(offer) = self.offers.recv().await else {
                return Err(ModelError::new(format!(
                    "no request came for {}'s model call {}: the app stopped asking (it exited, was stopped, or never connected) before the conversation ended",
                    expected.name, expected.call
                )));
            };
            let Offer {
                exchange,
                mode,
                verdict,
            } = offer;
            match (mode, self.check(request, &expected, &exchange.request)) {
                (Mode::Take | Mode::Force, Check::Expected) => {
                    self.offers.waiting.any();
                    let _ = verdict.send(Verdict::Taken);
                    self.started = true;
                    self.observe(request.design(), &exchange);
                    break exchange;
                }
                (Mode::Probe | Mode::Retry, Check::Expected) => {
                    let likeness = Likeness {
                        expected: true,
                        prefix: exchange.request.messages.len(),
                        gap: std::cmp::Reverse(0),
                        same_agent: true,
                        running: true,
                    };
                    let _ = verdict.send(Verdict::Declined(Box::new(exchange), likeness));
                }
                (Mode::Retry | Mode::Force, Check::Retry) => {
                    let _ = verdict.send(Verdict::Taken);
                    self.answer_again(exchange);
                }
                (Mode::Force, Check::Other(_)) => {
                    self.offers.waiting.any();
                    let _ = verdict.send(Verdict::Taken);
                    self.started = true;
                    self.observe(request.design(), &exchange);
                    return Err(self.diverge(request, &expected, exchange));
                }
                (_, Check::Retry) => {
                    let likeness = Likeness {
                        prefix: exchange.request.messages.len(),
                        running: true,
                        ..Likeness::NONE
                    };
                    let _ = verdict.send(Verdict::Declined(Box::new(exchange), likeness));
                }
                (_, Check::Other(likeness)) => {
                    let _ = verdict.send(Verdict::Declined(Box::new(exchange), likeness));
                }
            }
        };
        match self.inner.respond(request).await {
            // Not served yet: a refusal (each framework's own shape), a reasoning item.
            Ok(response) if response.refusal.is_some() || response.reasoning.is_some() => {
                let what = response.refusal.as_ref().map_or("reasoning", |_| "refusal");
                let message = format!(
                    "{}'s script answers call {} with a {what}, which handoff serve does not serve yet (run it with `handoff run`)",
                    expected.name, expected.call
                );
                self.refuse(exchange, &format!("handoff_{what}_not_served"), &message);
                Err(ModelError::new(message))
            }
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
                let mut answer = Answer::of(&answered, self.next_call_id);
                self.next_call_id += answered.calls.len() as u32;
                self.model_calls += 1;
                answer.call = self.model_calls;
                let body = render(&answer, &exchange.request, self.number(&exchange.request));
                self.answer(exchange, body);
                response.text_in_call_chunk &= !request.tools_off();
                Ok(response)
            }
            // The script's error of the model's API goes to the app as the API sends it: its
            // client may try the same request again, which the run's next call takes.
            Err(error) => {
                match error.api.as_deref() {
                    Some(api) => {
                        self.traffic.answered += 1;
                        let _ = exchange.reply.send(Body::api_error(api));
                    }
                    None => self.refuse(exchange, "handoff_no_answer", &error.message),
                }
                Err(error)
            }
        }
    }

    /// After the run: answers what the app still asks of this conversation, until it stops,
    /// or `wait` passes without an offer. A run the harness ended (a loop, a limit) is closed
    /// the way the framework allows: `complete_task` where offered, else an error. A request
    /// it is made to take that is neither is one after the end, refused.
    pub(super) async fn after(&mut self, run: &Run, wait: Duration) {
        let ending = run.outcome().is_bounce().then(|| run.outcome_line());
        let mut to_close = ending.is_some();
        loop {
            // Only a request that closes the run is taken unasked.
            match to_close {
                true => self.offers.waiting.any(),
                false => self.offers.waiting.none(),
            }
            // Waiting is for a request that is expected: one to close the run. Otherwise a
            // moment is enough to answer a lost final answer again.
            let idle = if to_close { wait } else { wait.min(LINGER) };
            let Offer {
                exchange,
                mode,
                verdict,
            } = match tokio::time::timeout(idle, self.offers.recv()).await {
                Ok(Some(offer)) => offer,
                Ok(None) | Err(_) => return,
            };
            let sent = &exchange.request;
            let retry = self.last.as_ref().is_some_and(|(last, _)| last.same_content(sent));
            // A request that extends the last one answered goes on from this conversation.
            let (prefix, extends) = match &self.last {
                Some((last, _)) => {
                    let prefix = common_prefix(&last.messages, &sent.messages);
                    (prefix, prefix == last.messages.len() && sent.messages.len() > prefix)
                }
                None => (0, false),
            };
            let closes = to_close && extends;
            let take = match mode {
                Mode::Take => closes,
                Mode::Probe => false,
                Mode::Retry => retry,
                Mode::Force => true,
            };
            if !take {
                let length = self.last.as_ref().map_or(0, |(last, _)| last.messages.len());
                let likeness = Likeness {
                    prefix,
                    gap: std::cmp::Reverse(length.abs_diff(sent.messages.len())),
                    ..Likeness::NONE
                };
                let _ = verdict.send(Verdict::Declined(Box::new(exchange), likeness));
                continue;
            }
            let _ = verdict.send(Verdict::Taken);
            // The last answer lost on its way (the final one, or the one that closed a bounce).
            if retry {
                self.answer_again(exchange);
                continue;
            }
            if let (true, Some(ending)) = (to_close, &ending) {
                to_close = false;
                self.close(exchange, ending);
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
            // An app that keeps asking after the end is not followed for ever.
            if self.traffic.unexpected.len() >= MAX_UNEXPECTED {
                return;
            }
        }
    }

    /// Answers the request after a run the harness `ending`: with `complete_task` where the
    /// request offers it, else with an error.
    fn close(&mut self, exchange: Exchange, ending: &str) {
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
                let body = render(&answer, &exchange.request, self.number(&exchange.request));
                self.traffic.closed = Some(format!("answered with {name}: {message}"));
                self.answer(exchange, body);
            }
            None => {
                self.traffic.closed = Some(format!("answered with an error: {message}"));
                self.refuse(exchange, "handoff_ended", &message);
            }
        }
    }
}

/// How many of the first messages of `a` and `b` are equal.
fn common_prefix(a: &[crate::wire::chat::ChatMessage], b: &[crate::wire::chat::ChatMessage]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// How many requests after the end of a conversation serve answers (each with an error)
/// before it stops waiting: an app that keeps asking cannot keep it running.
pub const MAX_UNEXPECTED: usize = 100;

impl<M: Model + Send> Model for Lockstep<M> {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        self.respond_to(request)
    }

    /// The answering model's state: the run proves a loop as the scenario's does.
    fn state(&self) -> Option<u64> {
        self.inner.state()
    }
}

/// What an offered request is to a conversation's run.
enum Check {
    Expected,
    Retry,
    Other(Likeness),
}
