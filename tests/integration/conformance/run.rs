//! The harness's side: a trace's scenario run with a model that records every request in
//! the neutral shape, and the comparison with the trace, call by call.

use std::future::Future;

use handoff_harness::engine::{EventKind, ModelError};
use handoff_harness::wire::chat::request_body;
use handoff_harness::wire::items::{input_items, item_text, new_items_start};
use handoff_harness::{Model, ModelRequest, Outcome, Response, Run, Scenario, ScriptedModel};
use serde_json::Value;

use super::trace::{Framework, OutcomeView, Trace, handoff};
use super::view::{CallRecord, CallView, Msg, ReplyView, arguments, tool_view};

/// A model that records each request as the framework would show it, then lets the
/// scenario's script answer.
struct Capture {
    framework: Framework,
    inner: ScriptedModel,
    seen: Vec<CallRecord>,
    /// Per request: whether the model's API answered it with an error (a try the
    /// framework's client makes again, or the last one, on which the run fails).
    failed_tries: Vec<bool>,
    /// Where the model's API keeps the conversation (`profile.server_managed`): the previous
    /// request's whole input, of which each request sends only what follows.
    server_kept: Option<Vec<Value>>,
}

impl Model for Capture {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        self.seen
            .push(request_record(self.framework, request, self.server_kept.as_mut()));
        let reply = self.inner.reply(request);
        self.failed_tries.push(matches!(&reply, Err(e) if e.api.is_some()));
        std::future::ready(reply)
    }
    fn state(&self) -> Option<u64> {
        self.inner.state()
    }
}

/// What the harness sent: the Chat Completions body it builds for the request (the wire of
/// `handoff record`), neutral. For the OpenAI Agents SDK, whose model reads Responses input
/// items, the messages after the system message are the library's items of them
/// (`wire::items`): each assistant message's text, then one item per call.
fn request_record(
    framework: Framework,
    request: &ModelRequest<'_>,
    server_kept: Option<&mut Vec<Value>>,
) -> CallRecord {
    let body: Value = serde_json::from_str(&request_body("conformance", request)).unwrap();
    let text = |v: &Value| v.as_str().map(String::from);
    let sent = body["messages"].as_array().unwrap();
    let input = match framework {
        Framework::OpenAiAgents => input_items(&sent[1..]),
        _ => sent[1..].to_vec(),
    };
    // Where the server keeps the conversation, only the items it does not hold yet.
    let input = match server_kept {
        Some(previous) => {
            let start = new_items_start(previous, &input);
            let new = input[start..].to_vec();
            *previous = input;
            new
        }
        None => input,
    };
    let messages: Vec<Msg> = sent[..1].iter().chain(&input).map(message).collect();
    let attempt = (framework == Framework::SemanticKernel).then(|| u64::from(request.round()));
    CallRecord {
        output_type: body.get("response_format").map(|format| format["json_schema"].clone()),
        agent: request.agent_name().to_string(),
        attempt,
        tool_choice: text(&body["tool_choice"]),
        parallel_tool_calls: body["parallel_tool_calls"].as_bool(),
        tools: request.tools().iter().map(|t| tool_view(&t.json_schema())).collect(),
        messages,
        elided: None,
        reply: ReplyView {
            text: None,
            calls: Vec::new(),
        },
    }
}

/// A Chat Completions message, or a Responses input item, neutral.
fn message(m: &Value) -> Msg {
    let text = |v: &Value| v.as_str().map(String::from);
    let call = |id: &Value, name: &Value, args: &Value| CallView {
        id: text(id),
        name: name.as_str().unwrap().to_string(),
        arguments: arguments(args),
    };
    let msg = |role: &str, text: Option<String>, calls: Vec<CallView>, call_id: Option<String>| Msg {
        role: role.into(),
        name: None,
        text,
        calls,
        call_id,
    };
    match m["type"].as_str() {
        Some("message") => msg(m["role"].as_str().unwrap(), item_text(m), Vec::new(), None),
        Some("function_call") => msg(
            "assistant",
            None,
            vec![call(&m["call_id"], &m["name"], &m["arguments"])],
            None,
        ),
        Some("function_call_output") => msg("tool", item_text(m), Vec::new(), text(&m["call_id"])),
        Some("reasoning") => msg("reasoning", item_text(m), Vec::new(), None),
        Some(other) => panic!("an item of type `{other}` is not modelled"),
        None => Msg {
            name: text(&m["name"]),
            ..msg(
                m["role"].as_str().unwrap(),
                text(&m["content"]),
                m["tool_calls"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(|c| call(&c["id"], &c["function"]["name"], &c["function"]["arguments"]))
                    .collect(),
                text(&m["tool_call_id"]),
            )
        },
    }
}

/// A finished harness run of a scenario: each call as recorded, and the run.
pub struct HarnessRun {
    /// Each model call, its reply filled in from the run's log.
    pub calls: Vec<CallRecord>,
    /// The run.
    pub run: Run,
    /// The scenario's `expect` checks that failed (what `handoff run` would report).
    pub failed_checks: Vec<String>,
}

/// Runs the scenario of `trace` (the committed file), recording every model call.
pub fn run(trace: &Trace) -> HarnessRun {
    let path = super::scenario::path(trace);
    let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", trace.label()));
    record_run(&scenario, trace.framework)
}

/// Runs `scenario`, recording every model call as `framework` would show it.
pub fn record_run(scenario: &Scenario, framework: Framework) -> HarnessRun {
    let (_, model) = scenario.orchestration().unwrap();
    let mut capture = Capture {
        framework,
        inner: model,
        seen: Vec::new(),
        failed_tries: Vec::new(),
        server_kept: scenario.settings.server_managed.then(Vec::new),
    };
    let run = handoff_harness::engine::block_on(scenario.run_with(&mut capture))
        .unwrap()
        .unwrap();
    let design = run.design().clone();
    let replies = run.log().events().iter().filter_map(|e| match &e.kind {
        EventKind::Reply { text, calls } => Some((e.agent.unwrap(), text, run.log().calls(*calls))),
        _ => None,
    });
    // A try the client made again is the same call: only the last try of a call that
    // failed is one (the trace's calls are the framework's).
    let last = capture.seen.len().saturating_sub(1);
    let failed_run = matches!(run.outcome(), Outcome::ModelFailed { .. });
    let mut calls: Vec<CallRecord> = capture
        .seen
        .into_iter()
        .zip(capture.failed_tries)
        .enumerate()
        .filter(|(i, (_, failed))| !failed || (*i == last && failed_run))
        .map(|(_, (record, _))| record)
        .collect();
    for (record, (agent, text, made)) in calls.iter_mut().zip(replies) {
        record.reply = ReplyView {
            text: text.as_deref().map(String::from),
            calls: made
                .iter()
                .map(|c| CallView {
                    id: None,
                    name: design.offered_name(agent, &c.name).to_string(),
                    arguments: match &c.raw {
                        Some(raw) => arguments(&Value::String(raw.to_string())),
                        None => Value::Object(c.arguments.clone()),
                    },
                })
                .collect(),
        };
    }
    let failed_checks = scenario
        .verdict(&run)
        .checks
        .into_iter()
        .filter(|c| !c.passed)
        .map(|c| format!("{}: expected {}, got {}", c.name, c.expected, c.actual))
        .collect();
    HarnessRun {
        calls,
        run,
        failed_checks,
    }
}

/// How the harness run ended, in the trace's terms: SK's result is the message its
/// `get()` returns (the harness's last line); AF's and the Agents SDK's the final output.
/// The handoffs are given where the trace records them (`with_handoffs`).
pub fn outcome(framework: Framework, harness: &HarnessRun, with_handoffs: bool) -> OutcomeView {
    let run = &harness.run;
    let text = match (run.outcome(), framework) {
        (Outcome::Completed { .. } | Outcome::EndedWithoutHuman { .. }, Framework::SemanticKernel) => {
            run.outcome_line()
        }
        // The Agents SDK's `final_output`, a structured one as JSON.
        (Outcome::Completed { .. } | Outcome::EndedWithoutHuman { .. }, Framework::OpenAiAgents) => {
            match run.final_output() {
                Some(Value::String(s)) => s,
                other => other.map(|v| v.to_string()).unwrap_or_default(),
            }
        }
        (Outcome::Completed { summary, .. }, _) => summary.clone(),
        (Outcome::EndedWithoutHuman { text, .. }, _) => text.clone(),
        (Outcome::FrameworkError { error, .. }, _) => error.clone(),
        (Outcome::ModelFailed { message, .. }, _) => message.clone(),
        (Outcome::LimitReached { limit, value, .. }, _) => format!("{} {value}", limit.name()),
        (Outcome::AwaitingApproval { calls, .. }, _) => calls.join(", "),
        (Outcome::Cancelled { error, .. }, _) => error.clone(),
        _ => run.outcome_line(),
    };
    OutcomeView {
        kind: run.outcome().kind().to_string(),
        text,
        model_calls: run.model_calls() as u64,
        path: harness.calls.iter().fold(Vec::new(), |mut path, call| {
            if path.last() != Some(&call.agent) {
                path.push(call.agent.clone());
            }
            path
        }),
        handoffs: with_handoffs.then(|| {
            run.log()
                .events()
                .iter()
                .filter_map(|e| match e.kind {
                    EventKind::Handoff { to } => Some(handoff(run.name(e.agent.unwrap()), run.name(to))),
                    _ => None,
                })
                .collect()
        }),
    }
}

/// The harness's record shaped like an elided trace call: the system message and the
/// messages of the last two units, and the count of units (a framework's tool message holds
/// all results of one response, so consecutive tool messages are one unit).
pub fn elide(record: &mut CallRecord) {
    let mut units: Vec<Vec<Msg>> = Vec::new();
    for message in record.messages.drain(1..) {
        match units.last_mut() {
            Some(unit) if message.role == "tool" && unit[0].role == "tool" => unit.push(message),
            _ => units.push(vec![message]),
        }
    }
    record.elided = Some(units.len());
    let keep = units.len().saturating_sub(2);
    record.messages.extend(units.drain(keep..).flatten());
}
