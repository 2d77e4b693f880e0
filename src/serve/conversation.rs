//! What a serve held: each conversation with the app, and the serve as a whole.

use super::app::AppEnd;
use super::extract::ObservedDesign;
use super::session::Traffic;
use crate::engine::Run;
use crate::scenario::Verdict;
use crate::wire::{Divergence, Transcript};

/// One conversation the app had with the harness.
#[derive(Debug)]
pub struct Conversation {
    /// Which conversation of the serve (1 for the first).
    pub number: u32,
    /// The scenario it is a run of, by its index among the serve's scenarios.
    pub scenario: usize,
    /// The run the traffic followed: what `handoff run` prints.
    pub run: Run,
    /// What the traffic showed besides: divergence, retries, requests after the end.
    pub traffic: Traffic,
    /// The scenario's expectations and invariants, and whether the traffic was the expected one.
    pub verdict: Verdict,
    /// The conversation as a recording, if [`Options::record`](super::Options::record) asked for one.
    pub transcript: Option<Transcript>,
    /// Where a scenario's recording stopped answering, if it did.
    pub replay_divergence: Option<Divergence>,
    /// The requests, as the design they show, if [`Options::observe`](super::Options::observe) asked (empty otherwise).
    pub observed: ObservedDesign,
    /// Why the recording in progress ([`Options::partial`](super::Options::partial)) could
    /// not be written, if a write of it failed: worth a warning (the recording itself is
    /// written at the end).
    pub partial_error: Option<String>,
}

/// What a serve did: its conversations and how the app ended.
#[derive(Debug, Default)]
pub struct Served {
    /// Conversations held.
    pub conversations: u32,
    /// Conversations whose every check passed.
    pub passed: u32,
    /// How the wrapped app ended, if there was one.
    pub app: Option<AppEnd>,
    /// Whether the serve, without an app, was stopped by [`Options::timeout`](super::Options::timeout).
    pub timed_out: bool,
    /// Whether it was stopped by Ctrl-C, SIGTERM, SIGHUP or SIGQUIT ([`Options::stop_on_signals`](super::Options::stop_on_signals)).
    pub interrupted: bool,
    /// Requests that belonged to no conversation the serve could hold, each as the error the
    /// app was sent (a conversation beyond [`Options::conversations`](super::Options::conversations), or none of the
    /// scenario's), or by the HTTP side (an unknown route, an unreadable body): the first
    /// [`MAX_UNEXPECTED`](super::MAX_UNEXPECTED) of each.
    pub refused: Vec<String>,
    /// How many requests were refused in all (`refused` keeps the first few).
    pub refused_count: usize,
}

impl Served {
    /// Whether at least one conversation was held, all passed, and the app (if any) exited 0.
    pub fn passed(&self) -> bool {
        self.conversations > 0
            && self.passed == self.conversations
            && self.refused.is_empty()
            && self.app.as_ref().is_none_or(AppEnd::succeeded)
    }
}
