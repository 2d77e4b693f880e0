//! The app cancels the run (a scenario's `cancel`), as each framework takes it
//! ([`Cancellation`]): at the model call in flight, or after the result.

use super::Core;
use crate::design::AgentId;
use crate::engine::cancel::{Cancel, Cancellation, Cancelled};
use crate::engine::{Outcome, Visibility};

impl Core {
    /// Right after the answer to model call number [`Core::model_calls`] of `agent` is logged,
    /// before any of its calls is made: if the app cancelled while the call was in flight,
    /// says so and returns `true` when the answer is never read (the run is over).
    pub(super) fn cancel_in_flight(&mut self, agent: AgentId) -> bool {
        let Some(Cancel::AtCall(call)) = self.settings.cancel else {
            return false;
        };
        let Some(way) = Cancellation::of(self.settings.profile).filter(|_| call == self.model_calls) else {
            return false;
        };
        match way {
            Cancellation::Immediate { error, leaves } => {
                // Nothing of the answer runs: its calls are not made.
                self.outputs.clear();
                self.effects.clear();
                (self.stop, self.handoffs_last) = (None, None);
                self.notes.clear();
                self.note(
                    agent,
                    format!("the app cancelled the run while this model call was in flight: the framework never reads the answer, nothing more runs ({error}); {leaves}"),
                );
                self.finish(Outcome::Cancelled {
                    agent,
                    call,
                    error: error.into(),
                    background: None,
                });
                true
            }
            Cancellation::Background { error, .. } => {
                self.note(
                    agent,
                    format!("the app cancelled the run while this model call was in flight: its result raises {error}; {} goes on in the background (the runtime stops when idle), and what it says and hears until its next handoff reaches no other agent", self.design.agent(agent).name),
                );
                self.cancelled = Some(Cancelled {
                    agent,
                    call,
                    token: true,
                });
                false
            }
        }
    }

    /// Who reads a text reply of `agent` (`human`: the human's answer to it) that the profile
    /// or the caller would show as `usual`, while the agent still carries the cancelled token:
    /// no other agent (`usual` itself otherwise).
    pub(super) fn cancelled_visibility(
        &self,
        agent: AgentId,
        human: bool,
        usual: Option<Visibility>,
    ) -> Option<Visibility> {
        if !self.cancelled_token() {
            return usual;
        }
        Some(match usual {
            _ if human => Visibility::Only(agent),
            Some(Visibility::Others(_) | Visibility::Nobody) => Visibility::Nobody,
            Some(Visibility::Only(a)) if a != agent => Visibility::Nobody,
            _ => Visibility::Only(agent),
        })
    }

    /// Appends the human's answer `text`: under a cancelled token it reaches only the agent
    /// that asked (then its event).
    pub(super) fn append_human(&mut self, text: String) -> crate::engine::EventIndex {
        let visibility = self.cancelled_visibility(self.active, true, None);
        let asked = visibility.map(|_| self.active);
        self.append_seen(asked, crate::engine::EventKind::Human { text }, visibility)
    }

    /// At a handoff: it is published without the cancelled token, so the target runs as before.
    pub(super) fn cancelled_token_handed_off(&mut self) {
        if let Some(cancelled) = self.cancelled.as_mut() {
            cancelled.token = false;
        }
    }

    /// Whether the agent in control still carries the app's cancelled token.
    pub(super) fn cancelled_token(&self) -> bool {
        self.cancelled.is_some_and(|c| c.token)
    }

    /// The run ends with `outcome`: what the app gets, given its cancellation.
    pub(super) fn as_cancelled(&mut self, outcome: Outcome) -> Outcome {
        // A call in flight answered with an error (or a refusal the framework raises on) ends
        // the run before its answer is read: the app had cancelled it.
        if let Some(Cancel::AtCall(call)) = self.settings.cancel
            && self.cancelled.is_none()
            && call == self.model_calls
            && matches!(
                outcome,
                Outcome::ModelFailed { .. } | Outcome::FrameworkError { guard: false, .. }
            )
            && let Some(way) = Cancellation::of(self.settings.profile)
        {
            let agent = self.active;
            self.note(
                agent,
                format!(
                    "the app cancelled the run while this model call was in flight; its answer ends the run unread: {}",
                    outcome.kind()
                ),
            );
            let (error, background) = match way {
                Cancellation::Immediate { error, .. } => (error, None),
                Cancellation::Background { error, .. } => (error, Some(Box::new(outcome))),
            };
            return Outcome::Cancelled {
                agent,
                call,
                error: error.into(),
                background,
            };
        }
        if let Some(Cancelled { agent, call, .. }) = self.cancelled.take() {
            let error = match Cancellation::of(self.settings.profile) {
                Some(Cancellation::Background { error, .. }) => error,
                _ => "",
            };
            return Outcome::Cancelled {
                agent,
                call,
                error: error.into(),
                background: Some(Box::new(outcome)),
            };
        }
        if self.settings.cancel == Some(Cancel::AfterResult)
            && !matches!(outcome, Outcome::Cancelled { .. })
            && let Some(way) = Cancellation::of(self.settings.profile)
        {
            let agent = self.active;
            self.note(agent, way.after_result());
        }
        outcome
    }
}
