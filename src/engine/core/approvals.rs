//! Calls that wait for the human's approval. Agent Framework (`approval_mode="always_require"`)
//! runs none of the response's calls until every approval is answered, then all of them, in
//! call order, and the response goes on. The OpenAI Agents SDK's `needs_approval`, as the
//! SDK 0.24 runs them (`run_internal/turn_resolution.py`). A response that calls such a tool
//! runs its other own tools first (their results are appended at once), then `Runner.run`
//! returns with the waiting calls in `result.interruptions`; no handoff of the response is made
//! yet. The app's host asks the human about each, in call order, then resumes
//! (`Runner.run(agent, state)`): an approved call runs, a rejected one returns the rejection
//! text, both after the results already appended; then the response's handoff results, and the
//! response goes on as any other (a handoff, or the model asked again). The resumed run keeps
//! counting `max_turns` from the interrupted one. A human with no decision leaves the run
//! waiting: it ends [`Outcome::AwaitingApproval`].

use super::{Core, Effect, Next};
use crate::design::{AgentId, ToolKind};
use crate::engine::approval::{Approval, ApprovalRequest, Interrupted};
use crate::engine::loops::ToolRounds;
use crate::engine::{CallId, EventIndex, EventKind, HumanRequest, ModelError, ModelRequest, Outcome, Response};
use crate::engine::{ToolOutput, Visibility};

impl Core {
    /// [`Core::drive`], `approve` deciding each call that waits for the human's approval
    /// (`None`: no decision, the run ends waiting).
    pub fn drive_approving(
        mut self,
        mut model: impl FnMut(&ModelRequest<'_>) -> (Result<Response, ModelError>, Option<u64>),
        mut human: impl FnMut(HumanRequest<'_>) -> Option<String>,
        mut approve: impl FnMut(ApprovalRequest<'_>) -> Option<Approval>,
    ) -> crate::engine::Run {
        let (budget, mut steps) = (self.step_budget(), 0u64);
        loop {
            if steps == budget {
                self.stop_at_ceiling();
            } else if steps > budget {
                break; // only a core that does not stop when told gets here
            }
            // A decision is no step: a response makes finitely many calls to decide.
            steps += u64::from(self.next != Next::Approve);
            match self.next {
                Next::CallModel => {
                    let (reply, state) = model(&self.request());
                    self.model_replied(reply, state);
                }
                Next::AskHuman => {
                    let answer = human(self.human_request());
                    self.human_answered(answer);
                }
                Next::Approve => {
                    let decision = self.approval_request().and_then(&mut approve);
                    self.approval_answered(decision);
                }
                Next::Done => break,
            }
        }
        self.into_run()
            .expect("the routing core ended no run within its step budget")
    }

    /// Before the results of the response just logged at `reply` (its calls numbered from
    /// `first`) are appended: if the framework lets tools wait for approval and a call of one
    /// that does is among them, takes those calls' results and the handoff calls' results out
    /// of `outputs` (only the other results are appended now) and returns `true`.
    pub(super) fn hold_for_approval(&mut self, agent: AgentId, reply: EventIndex, first: u32) -> bool {
        if self.settings.profile.texts.approval_rejected.is_none()
            || self.stop.is_some()
            || !self.design.agent(agent).tools.iter().any(|t| t.needs_approval)
        {
            return false;
        }
        let design = self.design.clone();
        let calls = self.log.calls_of(self.log.get(reply));
        let waits = |i: usize| match design.resolve_tool(agent, &calls[i].name).map(|t| t.kind) {
            Some(ToolKind::Own(tool)) => design.agent(agent).tools[tool].needs_approval,
            _ => false,
        };
        let handoff = |i: usize| {
            design
                .resolve_tool(agent, &calls[i].name)
                .is_some_and(|t| matches!(t.kind, ToolKind::Transfer(_) | ToolKind::Complete))
        };
        if !(0..calls.len()).any(|i| waits(i) && self.outputs.get(i).is_some_and(Option::is_some)) {
            return false;
        }
        let winner = self.handoffs_last.take();
        let whole = crate::engine::approval::whole_response_waits(self.settings.profile);
        let mut asked = Vec::new();
        let mut handoffs = Vec::new();
        for i in 0..calls.len() {
            let id = CallId(first + i as u32);
            if waits(i) {
                if let Some(output) = self.outputs[i].take() {
                    asked.push((id, output));
                }
            } else if (whole || handoff(i))
                && let Some(output) = self.outputs[i].take()
            {
                handoffs.push((i, id, output));
            }
        }
        // The handoffs that lost, then the winner (the SDK's order).
        handoffs.sort_by_key(|(i, _, _)| Some(*i) == winner);
        self.pending = Some(Box::new(Interrupted {
            agent,
            reply,
            asked,
            decided: 0,
            results: Vec::new(),
            handoffs: handoffs.into_iter().map(|(_, id, output)| (id, output)).collect(),
            effect: None,
            any_error: false,
        }));
        true
    }

    /// The response's results so far are appended: the run waits for the human's decisions.
    pub(super) fn ask_approval(&mut self, effect: Option<Effect>, any_error: bool) {
        if let Some(pending) = self.pending.as_mut() {
            pending.effect = effect;
            pending.any_error = any_error;
            self.next = Next::Approve;
            // Agent Framework's `workflow.run` returns with the request pending: the agent's
            // invocation so far ends there (signed if the run did not stream).
            let agent = pending.agent;
            if crate::engine::approval::whole_response_waits(self.settings.profile) {
                self.end_invocation(agent);
            }
        }
    }

    /// The call the human is asked about (meaningful when [`Next::Approve`]).
    pub fn approval_request(&self) -> Option<ApprovalRequest<'_>> {
        let pending = self.pending.as_deref()?;
        let (id, _) = pending.asked.get(pending.decided)?;
        let call = self
            .log
            .calls_of(self.log.get(pending.reply))
            .iter()
            .find(|c| c.id == *id)?;
        Some(ApprovalRequest {
            agent: pending.agent,
            agent_name: &self.design.agent(pending.agent).name,
            tool: &call.name,
            arguments: &call.arguments,
        })
    }

    /// Feeds the human's decision on [`Core::approval_request`]; `None`: the human has no
    /// decision, and the run ends with the calls waiting. Ignored unless [`Next::Approve`].
    pub fn approval_answered(&mut self, decision: Option<Approval>) {
        if self.next != Next::Approve {
            return;
        }
        let Some(mut pending) = self.pending.take() else {
            return;
        };
        let agent = pending.agent;
        let Some(decision) = decision else {
            let calls = self.log.calls_of(self.log.get(pending.reply));
            let names = pending.asked[pending.decided..]
                .iter()
                .filter_map(|(id, _)| calls.iter().find(|c| c.id == *id))
                .map(|c| c.name.to_string())
                .collect();
            return self.finish(Outcome::AwaitingApproval { agent, calls: names });
        };
        let (call, approved) = (pending.asked[pending.decided].0, decision.approved());
        self.append_seen(
            Some(agent),
            EventKind::Approval { call, approved },
            Some(Visibility::Nobody),
        );
        let output = match decision {
            Approval::Approve => std::mem::replace(&mut pending.asked[pending.decided].1, ToolOutput::Nothing),
            Approval::Reject { message } => ToolOutput::Text(message.unwrap_or_else(|| {
                let text = self.settings.profile.texts.approval_rejected.unwrap_or_default();
                text.to_string()
            })),
        };
        pending.results.push((call, output));
        pending.decided += 1;
        if pending.decided < pending.asked.len() {
            self.pending = Some(pending);
            return;
        }
        self.resume(*pending);
    }

    /// Every waiting call is decided: `Runner.run(agent, state)` goes on with the response.
    fn resume(&mut self, pending: Interrupted<Effect>) {
        let agent = pending.agent;
        let visibility = self.result_visibility(agent);
        let mut results: Vec<_> = pending.results.into_iter().chain(pending.handoffs).collect();
        if crate::engine::approval::whole_response_waits(self.settings.profile) {
            results.sort_by_key(|(call, _)| *call);
            // The run that answers the approvals goes on with the agent's invocation anew.
            self.resumed_runs += 1;
            self.turn_start = self.log.len() as EventIndex;
        }
        for (call, output) in results {
            let kind = EventKind::ToolResult { call, output };
            self.tool_result = Some(self.append_seen(Some(agent), kind, visibility));
        }
        // The human's decisions are new input: what came before proves no loop.
        self.loops.restart(agent, self.model_state);
        self.rounds = ToolRounds::default();
        self.next = Next::CallModel;
        match pending.effect {
            Some(Effect::Transfer(target)) => {
                // A resumed run hands the interrupted response's items to the handoff as
                // items before it (`original_pre_step_items`): a nested history summarizes them.
                self.rewrites.resumed = true;
                self.hand_off(target);
                self.rewrites.resumed = false;
            }
            Some(Effect::Complete(summary)) => self.complete(agent, summary),
            None => self.tool_round(agent, pending.reply, pending.any_error),
        }
    }
}
