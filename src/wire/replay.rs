//! Replaying a recording: a [`Model`] that answers each call with the recorded response, as
//! long as the run asks what was recorded, and reports the first call where it does not.
//!
//! Calls are matched per agent, in order: the n-th call of an agent's model gets the n-th
//! recorded response of that agent. With [`Matching::Strict`] the request must also be the
//! recorded one (instructions, tools and thread: what its fingerprint covers); with
//! [`Matching::Sequence`] its content is not compared.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::design::{AgentId, Design};
use crate::engine::Run;
use crate::engine::{EventKind, ThreadCursor};
use crate::engine::{Model, ModelError, ModelRequest, Response};
use crate::engine::{Orchestration, ScriptedHuman};
use crate::wire::chat::{ChatMessage, MessageParts};
use crate::wire::{RecordedCall, Transcript, request_lines};

/// How a replayed call is matched to a recorded one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Matching {
    /// The request must equal the recorded one.
    #[default]
    Strict,
    /// Per agent, in order; the request's content is not compared.
    Sequence,
}

/// A scenario's recorded model: the recording, where it was read from, and how calls match.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The recording's file.
    pub file: String,
    /// The recording.
    pub transcript: Arc<Transcript>,
    /// How calls are matched.
    pub matching: Matching,
    /// Whether recorded calls and human replies a run never asks for are accepted.
    pub allow_unused: bool,
}

impl Replay {
    /// A replay of `transcript`, read from `file`.
    pub fn new(transcript: Transcript, file: impl Into<String>, matching: Matching) -> Replay {
        Replay {
            file: file.into(),
            transcript: Arc::new(transcript),
            matching,
            allow_unused: false,
        }
    }

    /// Runs `orchestration` with the recorded answers and human replies; also returns where
    /// the run diverged from the recording, if it did.
    pub async fn run(&self, orchestration: &Orchestration) -> (Run, Option<Divergence>) {
        let mut model = self.model(orchestration.design());
        let run = self.run_with(orchestration, &mut model).await;
        (run, model.divergence)
    }

    /// Runs `orchestration` with the recorded human replies and decisions and `model`: this
    /// recording's [`Replay::model`], or a model around it.
    pub async fn run_with<M: crate::engine::Model>(&self, orchestration: &Orchestration, model: &mut M) -> Run {
        let approvals = self.transcript.approvals.iter().map(|a| a.decision());
        match self.transcript.no_human {
            true if self.transcript.approvals.is_empty() => orchestration.run(model, &mut crate::engine::NoHuman).await,
            true => {
                let mut human = ScriptedHuman::silent().with_approvals(approvals);
                orchestration.run(model, &mut human).await
            }
            false => {
                let mut human = ScriptedHuman::new(self.transcript.human.iter().cloned())
                    .with_hosts(self.transcript.host_turns())
                    .with_approvals(approvals);
                orchestration.run(model, &mut human).await
            }
        }
    }

    /// A model answering from the recording, for a run of `design`.
    pub fn model(&self, design: &Design) -> ReplayModel {
        ReplayModel::new(
            self.transcript.clone(),
            self.matching,
            design.agents().iter().map(|a| a.name.as_str()),
        )
    }
}

/// The first call of a replay that the recording does not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The agent whose model was called.
    pub agent: String,
    /// Which call of that agent's model (1 for its first).
    pub call: u32,
    /// Which model call of the run (1 for the first).
    pub run_call: u32,
    /// Why the recording does not answer it.
    pub reason: String,
    /// The recorded request (`-`) against the actual one (`+`), as a unified diff of
    /// [`request_lines`]; empty when there is no recorded request to compare.
    pub diff: String,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the run diverges from the recording at {} call {} (model call {} of the run): {}",
            self.agent, self.call, self.run_call, self.reason
        )
    }
}

/// A model that answers from a recording.
#[derive(Debug, Clone)]
pub struct ReplayModel {
    transcript: Arc<Transcript>,
    matching: Matching,
    /// Per agent of the design: its recorded calls (indices into the transcript), in order.
    by_agent: Vec<Vec<usize>>,
    /// Per agent of the design: how many of its recorded calls were used.
    used: Vec<usize>,
    deltas: Deltas,
    /// The recorded answers, ready to clone: a compact array is read 45 % faster per call
    /// than converting each from the transcript (criterion, `replay/sequence`).
    responses: Vec<Response>,
    run_calls: u32,
    divergence: Option<Divergence>,
}

impl ReplayModel {
    /// A replay of `transcript` for runs of a design whose agents are `agents` (names in
    /// design order).
    pub fn new<'a>(
        transcript: Arc<Transcript>,
        matching: Matching,
        agents: impl IntoIterator<Item = &'a str>,
    ) -> ReplayModel {
        let names: Vec<&str> = agents.into_iter().collect();
        let mut by_agent = vec![Vec::new(); names.len()];
        for (i, call) in transcript.calls.iter().enumerate() {
            if let Some(agent) = names.iter().position(|n| *n == call.agent) {
                by_agent[agent].push(i);
            }
        }
        let responses = transcript.calls.iter().map(|c| Response::from(&c.response)).collect();
        ReplayModel {
            responses,
            used: vec![0; names.len()],
            by_agent,
            transcript,
            matching,
            deltas: Deltas::default(),
            run_calls: 0,
            divergence: None,
        }
    }

    /// The first call the recording did not answer, if any.
    pub fn divergence(&self) -> Option<&Divergence> {
        self.divergence.as_ref()
    }

    fn answer(&mut self, request: &ModelRequest<'_>) -> Result<Response, Divergence> {
        self.run_calls += 1;
        let agent = request.agent();
        let number = request.call_number();
        let recorded = self.by_agent[agent.index()].get(self.used[agent.index()]).copied();
        let Some(index) = recorded else {
            let count = self.by_agent[agent.index()].len();
            return Err(self.diverged(
                request,
                format!(
                    "the recording has {count} call{} of {}, and this is call {number}",
                    if count == 1 { "" } else { "s" },
                    request.agent_name(),
                ),
                None,
            ));
        };
        let recorded = &self.transcript.calls[index];
        if self.matching == Matching::Strict && !self.deltas.matches(request, &self.transcript, recorded) {
            return Err(self.diverged(request, "the request differs from the recorded one".into(), Some(index)));
        }
        self.used[agent.index()] += 1;
        Ok(self.responses[index].clone())
    }

    fn diverged(&self, request: &ModelRequest<'_>, reason: String, recorded: Option<usize>) -> Divergence {
        let diff = recorded.map_or_else(String::new, |index| {
            let recorded = self.transcript.request_lines(index).join("\n") + "\n";
            let actual = request_lines_of(request).join("\n") + "\n";
            similar::TextDiff::from_lines(&recorded, &actual)
                .unified_diff()
                .context_radius(2)
                .to_string()
        });
        Divergence {
            agent: request.agent_name().to_string(),
            call: request.call_number(),
            run_call: self.run_calls,
            reason,
            diff,
        }
    }
}

/// Strict matching without hashing on the hot path. An agent's request only grows, so it is
/// the recorded one when the agent's instructions and tools were at its first call and the
/// messages it read since its previous call are those recorded with this call, field for
/// field: what its fingerprint hashes (recorded fingerprints are checked on load).
#[derive(Debug, Default, Clone)]
struct Deltas {
    /// Per agent of the design: where its thread was at its previous call.
    cursors: Vec<Option<ThreadCursor>>,
}

impl Deltas {
    fn matches(&mut self, request: &ModelRequest<'_>, transcript: &Transcript, call: &RecordedCall) -> bool {
        let index = request.agent().index();
        if self.cursors.len() <= index {
            self.cursors.resize(index + 1, None);
        }
        let header_matches = || {
            let Some(agent) = transcript.agent(&call.agent).map(|a| &transcript.agents[a]) else {
                return false;
            };
            let tools = request.tools();
            agent.instructions == request.instructions()
                && agent.tools.len() == tools.len()
                && agent.tools.iter().zip(tools.iter()).all(|(r, t)| *r == t.json_schema())
        };
        let cursor = match self.cursors[index] {
            // The thread started anew (Semantic Kernel Python's thread dropping): so must the
            // recorded one.
            Some(cursor) if request.log.restarted_since(request.agent(), cursor) => {
                if !call.restarted {
                    return false;
                }
                ThreadCursor::START
            }
            Some(_) if call.restarted => return false,
            Some(cursor) => cursor,
            None => {
                if !header_matches() {
                    return false;
                }
                ThreadCursor::START
            }
        };
        let mut thread = request.log.thread_after(request.agent(), cursor);
        let mut recorded = call.messages.iter();
        let same = thread.by_ref().all(|message| {
            recorded
                .next()
                .is_some_and(|r| MessageParts::of(request, message).is(r))
        });
        if !same || recorded.next().is_some() {
            return false;
        }
        self.cursors[index] = Some(thread.cursor());
        true
    }
}

/// The lines of `request` for a diff.
/// The request of `request`'s model call as lines for a diff ([`request_lines`]).
pub fn request_lines_of(request: &ModelRequest<'_>) -> Vec<String> {
    let tools: Vec<serde_json::Value> = request.tools().iter().map(|t| t.json_schema()).collect();
    let messages: Vec<ChatMessage> = request.thread().map(|m| ChatMessage::from_thread(request, m)).collect();
    request_lines(request.instructions(), &tools, &messages)
}

impl ReplayModel {
    /// The recorded answer to `request`, or the divergence as an error (kept for
    /// [`ReplayModel::divergence`]).
    pub fn reply(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        match self.divergence {
            Some(_) => Err(ModelError::new("the replay has already diverged")),
            None => self.answer(request).map_err(|divergence| {
                let error = ModelError::new(divergence.to_string());
                self.divergence = Some(divergence);
                error
            }),
        }
    }
}

impl Model for ReplayModel {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        std::future::ready(self.reply(request))
    }
}

/// What a replayed run left of its recording.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unused {
    /// Recorded calls no model call asked for: agent and call number.
    pub calls: Vec<(String, u32)>,
    /// How many recorded human replies were never asked for.
    pub human: usize,
}

impl Unused {
    /// What `run`, a replay of `transcript`, did not use: the recorded calls after each
    /// agent's last answered call (an agent of the recording missing from the design used
    /// none), and the human replies after the last one given.
    pub fn of(transcript: &Transcript, run: &Run) -> Unused {
        let design = run.design();
        let mut answered = vec![0u32; design.agents().len()];
        let mut human = 0;
        for event in run.log().events() {
            match (&event.kind, event.agent) {
                (EventKind::Reply { .. }, Some(agent)) => answered[agent.index()] += 1,
                (EventKind::Human { .. }, _) => human += 1,
                _ => {}
            }
        }
        let calls = transcript
            .calls
            .iter()
            .filter(|c| {
                design
                    .find(&c.agent)
                    .is_none_or(|agent: AgentId| c.call > answered[agent.index()])
            })
            .map(|c| (c.agent.clone(), c.call))
            .collect();
        Unused {
            calls,
            human: transcript.human.len().saturating_sub(human),
        }
    }

    /// Whether everything was used.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty() && self.human == 0
    }
}

impl std::fmt::Display for Unused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.calls.is_empty() {
            let list: Vec<String> = self.calls.iter().map(|(a, n)| format!("{a} call {n}")).collect();
            parts.push(format!(
                "{} recorded call{} never used ({})",
                self.calls.len(),
                if self.calls.len() == 1 { "" } else { "s" },
                list.join(", ")
            ));
        }
        if self.human > 0 {
            parts.push(format!(
                "{} recorded human repl{} never asked for",
                self.human,
                if self.human == 1 { "y" } else { "ies" }
            ));
        }
        if parts.is_empty() {
            f.write_str("every recorded call and reply was used")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}
