//! Recording a run: a [`Recorder`] wraps any [`Model`] (the live client of `handoff record`,
//! or a scripted model) and writes down every call as a [`Transcript`] entry: the agent, what
//! is new in its request, the request's fingerprint and the response.
//!
//! Given an earlier recording ([`Recorder::reusing`]), a call whose request was recorded
//! before is answered from it without calling the model (`handoff record --mode new`). Given a
//! partial file ([`Recorder::saving_to`]), the transcript so far is written there after every
//! call, so a run that fails half-way keeps what was already paid for.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::engine::{EventKind, EventLog, ToolOutput};
use crate::engine::{Model, ModelError, ModelRequest, Response};
use crate::engine::{Profile, Run};
use crate::wire::{
    Fingerprint, Fingerprinter, RecordedAgent, RecordedApproval, RecordedCall, RecordedHost, RecordedToolResult,
    Transcript,
};

/// A model that records every call it answers.
#[derive(Debug)]
pub struct Recorder<M> {
    inner: M,
    transcript: Transcript,
    fingerprints: Fingerprinter,
    /// Earlier recorded responses by request fingerprint, each usable once, in order.
    reusable: HashMap<Fingerprint, Vec<Response>>,
    partial: Option<PathBuf>,
    /// Calls answered from the earlier recording.
    reused: usize,
    /// An error writing the partial file, kept to report after the run.
    save_error: Option<String>,
}

impl<M: Model> Recorder<M> {
    /// A recorder of `inner`'s answers in a run of `scenario`.
    pub fn new(inner: M, scenario: impl Into<String>) -> Recorder<M> {
        Recorder {
            inner,
            transcript: Transcript::new(scenario),
            fingerprints: Fingerprinter::new(),
            reusable: HashMap::new(),
            partial: None,
            reused: 0,
            save_error: None,
        }
    }

    /// Names the model recorded against (written to the transcript).
    pub fn model_name(mut self, name: impl Into<String>) -> Recorder<M> {
        self.transcript.model = Some(name.into());
        self
    }

    /// Answers requests recorded in `earlier` from it, without calling the model.
    pub fn reusing(mut self, earlier: &Transcript) -> Recorder<M> {
        for call in earlier.calls.iter().rev() {
            self.reusable
                .entry(call.fingerprint)
                .or_default()
                .push(Response::from(&call.response));
        }
        self
    }

    /// Writes the transcript so far to `path` after every call.
    pub fn saving_to(mut self, path: impl Into<PathBuf>) -> Recorder<M> {
        self.partial = Some(path.into());
        self
    }

    /// The model recorded.
    pub fn inner(&self) -> &M {
        &self.inner
    }

    /// How many calls were answered from the earlier recording.
    pub fn reused(&self) -> usize {
        self.reused
    }

    /// The transcript so far (human replies and tool results are added by [`Recorder::finish`]).
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// An error met writing the partial file, if any.
    pub fn save_error(&self) -> Option<&str> {
        self.save_error.as_deref()
    }

    /// The transcript of the finished `run`.
    pub fn finish(mut self, run: &Run) -> Transcript {
        absorb(&mut self.transcript, run.log(), run.design(), run.settings().profile);
        self.transcript.no_human = !run.has_human();
        self.transcript.cancel = run.settings().cancel;
        self.transcript
    }

    async fn record(&mut self, request: &ModelRequest<'_>) -> Result<Response, ModelError> {
        let (fingerprint, messages, restarted) = self.fingerprints.fingerprint(request);
        self.transcript.profile = request.profile().name.to_string();
        let earlier = self.reusable.get_mut(&fingerprint).and_then(Vec::pop);
        let response = match earlier {
            Some(response) => {
                self.reused += 1;
                response
            }
            None => self.inner.respond(request).await?,
        };
        let agent = request.agent_name();
        if self.transcript.agent(agent).is_none() {
            self.transcript.agents.push(RecordedAgent {
                name: agent.to_string(),
                instructions: request.instructions().to_string(),
                tools: request.tools().iter().map(|t| t.json_schema()).collect(),
            });
        }
        self.transcript.calls.push(RecordedCall {
            agent: agent.to_string(),
            call: request.call_number(),
            fingerprint,
            restarted,
            messages,
            response: (&response).into(),
        });
        if let Some(path) = &self.partial {
            absorb(&mut self.transcript, request.log, request.design(), request.profile());
            if let Err(e) = self.transcript.save(path) {
                self.save_error = Some(format!("{}: cannot write: {e}", path.display()));
            }
        }
        Ok(response)
    }
}

/// Sets the transcript's human replies and tool results from `log`, results written as
/// `profile`'s framework sends them.
fn absorb(transcript: &mut Transcript, log: &EventLog, design: &crate::design::Design, profile: &Profile) {
    transcript.human.clear();
    transcript.hosts.clear();
    transcript.approvals.clear();
    transcript.tool_results.clear();
    // The rejected calls not answered yet: their decision's index, to keep a human's own text.
    let mut rejected: Vec<(crate::engine::CallId, usize)> = Vec::new();
    for (index, event) in log.events().iter().enumerate() {
        match (&event.kind, event.agent) {
            (EventKind::Human { text }, _) => transcript.human.push(text.clone()),
            (EventKind::Host { to }, _) => transcript.hosts.push(RecordedHost {
                reply: transcript.human.len().saturating_sub(1),
                agent: design.agent(*to).name.clone(),
            }),
            (EventKind::Approval { call, approved }, _) => {
                if !approved {
                    rejected.push((*call, transcript.approvals.len()));
                }
                transcript.approvals.push(RecordedApproval {
                    approved: *approved,
                    rejection: None,
                });
            }
            (EventKind::ToolResult { call, output }, Some(agent)) => {
                if let Some(at) = rejected.iter().position(|(c, _)| c == call) {
                    let text = output.text().unwrap_or_default();
                    if Some(text) != profile.texts.approval_rejected {
                        transcript.approvals[rejected[at].1].rejection = Some(text.to_string());
                    }
                    rejected.swap_remove(at);
                }
                let name = log
                    .tool_call(index as u32)
                    .map_or(String::new(), |c| design.offered_name(agent, &c.name).to_string());
                transcript.tool_results.push(RecordedToolResult {
                    agent: design.agent(agent).name.clone(),
                    id: call.to_string(),
                    name,
                    result: output.text().unwrap_or(profile.wire.nothing).to_string(),
                    error: matches!(output, ToolOutput::Error(_)),
                });
            }
            _ => {}
        }
    }
}

impl<M: Model + Send> Model for Recorder<M> {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        self.record(request)
    }

    /// The recorded model's state, so that recording keeps the loop proof; none while
    /// answers may come from an earlier recording instead.
    fn state(&self) -> Option<u64> {
        if self.reusable.is_empty() {
            self.inner.state()
        } else {
            None
        }
    }
}
