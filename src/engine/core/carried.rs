//! The state of handoffs that rewrite the conversation in the current `Runner.run` of the
//! app (`rewrite.rs` does the rewriting): the SDK's items, as parts of the log's events.

use crate::engine::EventIndex;

/// One item of the SDK's conversation: a part of an event of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Item {
    pub(super) event: EventIndex,
    pub(super) part: Part,
}

/// Which item of an event: the whole event, a response's reasoning, its text, one of its calls, or a
/// record of the summary a message of the task holds (the SDK takes such a summary apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Whole,
    Text,
    Call(u32),
    Record(u32),
    Reasoning,
}

/// The rewrites of the current `Runner.run`.
#[derive(Debug, Default)]
pub(super) struct Rewrites {
    /// The run's input since its latest rewrite (`original_input`); `None` before one.
    pub(super) base: Option<Vec<Item>>,
    /// What the model reads after `base` that the rewrite put there (filtered items).
    pub(super) generated: Vec<Item>,
    /// The run's items as its result keeps them (`new_items`), up to `since`.
    pub(super) session: Vec<Item>,
    /// Items a nested input holds verbatim, which the continuation does not repeat.
    pub(super) owned: Vec<Item>,
    /// From this event on, events reach the threads as they are appended.
    pub(super) since: EventIndex,
    /// The latest response of the run.
    pub(super) reply: EventIndex,
    /// Each summary event with the items it summarizes, for a later summary to take in.
    pub(super) summaries: Vec<(EventIndex, Vec<Item>)>,
    /// The items every summary of the run quoted, summed (they count towards the ceiling).
    pub(super) quoted: usize,
    /// Whether the handoff being made resumes an interrupted response (its items are then
    /// items before the handoff, not the handoff's own).
    pub(super) resumed: bool,
}

impl Rewrites {
    /// Notes the latest response (appended at `reply`).
    pub(super) fn replied(&mut self, reply: EventIndex) {
        self.reply = reply;
    }

    /// The item a nested input holds verbatim that the run generated (a response's text).
    pub(super) fn owned_in(&self, item: &Item) -> Option<Item> {
        (item.part == Part::Text && self.session.contains(item)).then_some(*item)
    }
}
