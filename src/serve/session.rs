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

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::answer::{Answer, Body};
use super::extract::ObservedDesign;
use super::request::{Api, AppRequest};
use crate::design::{AgentId, Design};
use crate::engine::{Model, ModelError, ModelRequest, Response, Run};
use crate::wire::chat::MessageParts;
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
    /// The last request answered and its answer: a retry gets it again.
    last: Option<(Arc<AppRequest>, Body)>,
    /// A request received before the run started (the first of a new conversation).
    pending: Option<Exchange>,
    /// The first request answered: an equal one after the end starts anew.
    first: Option<Arc<AppRequest>>,
    /// The design the requests show, if it is being noted.
    observed: Option<ObservedDesign>,
    /// Each agent's functions as the wire declares them, made at its first call.
    tools: Vec<Option<Vec<Value>>>,
}

/// What the run expects the next request to be.
struct Expected {
    agent: AgentId,
    name: String,
    call: u32,
}

impl<M: Model> Lockstep<M> {
    /// A lockstep answering with `inner`, noting the observed design if `observe`.
    pub(super) fn new(inner: M, incoming: Incoming, matching: Matching, observe: bool) -> Lockstep<M> {
        Lockstep {
            inner,
            incoming,
            matching,
            traffic: Traffic::default(),
            next_call_id: 1,
            calls: 0,
            last: None,
            pending: None,
            first: None,
            observed: observe.then(ObservedDesign::default),
            tools: Vec::new(),
        }
    }

    /// The first request of the conversation.
    pub(super) fn first_request(&self) -> Option<Arc<AppRequest>> {
        self.first.clone()
    }

    /// Starts the next conversation with a fresh `inner` model; returns the last one's model,
    /// traffic and observed design.
    pub(super) fn restart(&mut self, inner: M) -> (M, Traffic, ObservedDesign) {
        self.next_call_id = 1;
        self.calls = 0;
        self.last = None;
        self.first = None;
        let observed = self.observed.as_mut().map(std::mem::take).unwrap_or_default();
        (
            std::mem::replace(&mut self.inner, inner),
            std::mem::take(&mut self.traffic),
            observed,
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

    fn answer(&mut self, exchange: Exchange, body: Body) {
        self.traffic.answered += 1;
        let _ = exchange.reply.send(body.clone());
        let request = Arc::new(exchange.request);
        if self.first.is_none() {
            self.first = Some(request.clone());
        }
        self.last = Some((request, body));
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
        let agent = request.agent().index();
        if self.tools.len() <= agent {
            self.tools.resize(agent + 1, None);
        }
        let tools = self.tools[agent].get_or_insert_with(|| {
            request
                .tools()
                .iter()
                .map(|tool| super::request::wire_tool(&tool.json_schema()))
                .collect()
        });
        let same_tools = tools.len() == sent.tools.len()
            && tools
                .iter()
                .zip(sent.tools.iter())
                .all(|(ours, theirs)| tool_key(ours) == tool_key(theirs));
        let mut thread = request.thread();
        let same_messages = sent.messages.iter().all(|message| {
            thread
                .next()
                .is_some_and(|ours| MessageParts::of(request, ours).is(message))
        }) && thread.next().is_none();
        let exact = sent.system.as_deref() == Some(request.instructions()) && same_tools && same_messages;
        exact || request_lines_of(request) == sent.lines()
    }

    /// Whether `sent` is the request of `request`'s model call, a retry, or a divergence.
    fn check(&mut self, request: &ModelRequest<'_>, expected: &Expected, sent: &AppRequest) -> Check {
        let design = request.design();
        match attribute(design, sent, Some(expected.agent)) {
            Attributed::Agent(agent) if agent == expected.agent => {
                if self.matching == Matching::Agent || self.is_expected(request, sent) {
                    return Check::Expected;
                }
                if self.last.as_ref().is_some_and(|(last, _)| last.same_content(sent)) {
                    return Check::Retry;
                }
                let diff = line_diff(&request_lines_of(request), &sent.lines());
                Check::Diverged("the request differs from the one the framework sends here".into(), diff)
            }
            _ if self.last.as_ref().is_some_and(|(last, _)| last.same_content(sent)) => Check::Retry,
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
        };
        let exchange = loop {
            let Some(exchange) = self.next_exchange().await else {
                return Err(ModelError::new(format!(
                    "no request came for {}'s model call {}: the app stopped asking (it exited, was stopped, or never connected) before the conversation ended",
                    expected.name, expected.call
                )));
            };
            if let Some(observed) = &mut self.observed {
                observed.observe(attribute_name(request.design(), &exchange.request), &exchange.request);
            }
            match self.check(request, &expected, &exchange.request) {
                Check::Expected => break exchange,
                Check::Retry => self.answer_again(exchange),
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
                self.answer(exchange, body);
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
    pub(super) async fn after(&mut self, run: &Run, first: Option<&AppRequest>, wait: Duration) -> Option<Exchange> {
        let ending = run.outcome().is_bounce().then(|| run.outcome_line());
        let mut to_close = ending.is_some();
        loop {
            // Waiting is for a request that is expected: one to close, or a next conversation.
            // Otherwise a moment is enough to answer a lost final answer again.
            let expecting = to_close || first.is_some();
            let idle = if expecting { wait } else { wait.min(LINGER) };
            let exchange = match tokio::time::timeout(idle, self.next_exchange()).await {
                Ok(Some(exchange)) => exchange,
                Ok(None) | Err(_) => return None,
            };
            if first.is_some_and(|first| first.same_content(&exchange.request)) {
                return Some(exchange);
            }
            // The last answer lost on its way (the final one, or the one that closed a bounce).
            if self
                .last
                .as_ref()
                .is_some_and(|(last, _)| last.same_content(&exchange.request))
            {
                self.answer_again(exchange);
                continue;
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
                        self.answer(exchange, body);
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
            // An app that keeps asking after the end is not followed for ever.
            if self.traffic.unexpected.len() >= MAX_UNEXPECTED {
                return None;
            }
        }
    }
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

/// The body of `answer` to `request`, the `number`-th request answered, in the request's API.
pub fn render(answer: &Answer, request: &AppRequest, number: u32) -> Body {
    match (request.api, request.stream) {
        (Api::ChatCompletions, false) => answer.chat_completion(request, number),
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
        "the app's request diverges from the run at {} call {} (model call {} of the run): {}",
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

/// What a strict serve compares of a function: its name, its description (a missing one
/// reads as empty), its parameters' properties (their schemas exactly, types, enums, titles
/// and defaults included; none reads as an empty list), which of them are required (in any
/// order) and the definitions they refer to (`$defs`).
fn tool_key(tool: &Value) -> ToolKey<'_> {
    let function = &tool["function"];
    let parameters = &function["parameters"];
    let properties = parameters["properties"].as_object().filter(|p| !p.is_empty());
    let mut required: Vec<&str> = parameters["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    required.sort_unstable();
    let definitions = parameters["$defs"].as_object().filter(|d| !d.is_empty());
    (
        &function["name"],
        function["description"].as_str().unwrap_or(""),
        properties,
        required,
        definitions,
    )
}

/// A function as [`tool_key`] compares it.
type ToolKey<'a> = (
    &'a Value,
    &'a str,
    Option<&'a serde_json::Map<String, Value>>,
    Vec<&'a str>,
    Option<&'a serde_json::Map<String, Value>>,
);

/// Which agent of a design a request is for.
enum Attributed {
    Agent(AgentId),
    /// None: why, naming what the request showed and the closest agent.
    Unknown(String),
}

/// The agent a request is for: the one whose instructions are its system message (of
/// several, `expected`, else the one whose functions it offers most); else the one that
/// offers exactly its functions, in order (an agent whose instructions changed: the diff then
/// shows how); else none, with what the request showed and the closest agent.
fn attribute(design: &Design, request: &AppRequest, expected: Option<AgentId>) -> Attributed {
    let system = request.system.as_deref();
    let offered: Vec<&str> = request.offered().collect();
    let tools = |agent: AgentId| design.tools(agent).iter().map(|tool| &*tool.qualified_name);
    let overlap = |agent: AgentId| tools(agent).filter(|name| offered.contains(name)).count();
    let ids = (0..design.agents().len()).map(|i| AgentId(i as u32));
    let pick = |candidates: Vec<AgentId>| {
        candidates.iter().copied().find(|&a| Some(a) == expected).or_else(|| {
            candidates
                .iter()
                .copied()
                .max_by_key(|&a| (overlap(a), std::cmp::Reverse(a.index())))
        })
    };
    let same_system = ids
        .clone()
        .filter(|&a| Some(design.agent(a).instructions.as_str()) == system)
        .collect();
    if let Some(agent) = pick(same_system) {
        return Attributed::Agent(agent);
    }
    let same_functions = ids
        .clone()
        .filter(|&a| !offered.is_empty() && tools(a).eq(offered.iter().copied()))
        .collect();
    if let Some(agent) = pick(same_functions) {
        return Attributed::Agent(agent);
    }
    let closest = ids
        .map(|a| {
            let likeness = strsim::normalized_levenshtein(&design.agent(a).instructions, system.unwrap_or(""));
            (a, likeness + overlap(a) as f64)
        })
        .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.index().cmp(&x.0.index())))
        .map(|(a, _)| design.agent(a));
    let seen = match system {
        Some(system) => format!("the system message {:?}", crate::files::escape_controls(system)),
        None => "no system message".to_string(),
    };
    let offers = if offered.is_empty() {
        "no functions".to_string()
    } else {
        offered.join(", ")
    };
    let mut why = format!("no agent of the design has {seen} and offers {offers}");
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
    match attribute(design, request, None) {
        Attributed::Agent(agent) => Some(&design.agent(agent).name),
        Attributed::Unknown(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::tool_key;
    use serde_json::{Value, json};

    fn tool(properties: Value, required: Value) -> Value {
        json!({"type": "function", "function": {"name": "random_number_tool", "description": "d",
            "parameters": {"type": "object", "properties": properties, "required": required}}})
    }

    #[test]
    fn typed_parameters_are_compared_exactly_and_required_in_any_order() {
        let int = tool(
            json!({"max": {"type": "integer"}, "n": {"type": "string"}}),
            json!(["max", "n"]),
        );
        let string = tool(
            json!({"max": {"type": "string"}, "n": {"type": "string"}}),
            json!(["max", "n"]),
        );
        let reordered = tool(
            json!({"n": {"type": "string"}, "max": {"type": "integer"}}),
            json!(["n", "max"]),
        );
        let optional = tool(
            json!({"max": {"type": "integer"}, "n": {"type": "string"}}),
            json!(["max"]),
        );
        assert_ne!(tool_key(&int), tool_key(&string));
        assert_eq!(tool_key(&int), tool_key(&reordered));
        assert_ne!(tool_key(&int), tool_key(&optional));
        let mut defs = int.clone();
        defs["function"]["parameters"]["$defs"] = json!({"Label": {"enum": ["bug"], "type": "string"}});
        assert_ne!(tool_key(&int), tool_key(&defs));
    }
}
