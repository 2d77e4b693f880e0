//! The event log: one append-only record of a run. Each agent's thread (what its model reads)
//! is a view into it, never a copy: the log keeps one list of the events everyone sees, and
//! chains the events only one agent sees (each points to that agent's next one), so a thread
//! is a merge of a list and a chain, and appending costs O(1) and allocates nothing per agent,
//! whatever the number of agents.

use super::{CallSpan, Event, EventIndex, EventKind, Message, ToolCall, Visibility};
use crate::design::AgentId;
use crate::engine::ItemPart;

/// The append-only log of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventLog {
    events: Vec<Event>,
    /// The tool calls of every reply, in order ([`CallSpan`]s index it).
    calls: Vec<ToolCall>,
    /// The events every agent sees (or all but their author), in order.
    shared: Vec<EventIndex>,
    /// Per event: for a private event, the next event private to the same agent ([`NONE`]
    /// for the last one); for any other, who sees it ([`ALL`], [`OTHERS`], [`NOBODY`]).
    next_private: Vec<EventIndex>,
    /// Per agent: its first and last private events ([`NONE`] while it has none).
    private: Vec<(EventIndex, EventIndex)>,
    /// Per agent: where its thread starts in the shared list, and how often it was
    /// restarted ([`EventLog::restart_thread`]).
    origin: Vec<(usize, u32)>,
    /// The replies that carry their author's name in the author's own later requests, in
    /// order ([`EventLog::sign`]).
    signed: Vec<EventIndex>,
    /// The replies that carry a reasoning summary, in order, with it ([`EventLog::reason`]).
    reasoning: Vec<(EventIndex, Box<str>)>,
}

/// No event: the end of a chain.
const NONE: EventIndex = EventIndex::MAX;
/// In `next_private`: a shared event every agent sees.
const ALL: EventIndex = EventIndex::MAX - 1;
/// In `next_private`: a shared event every agent but its author sees.
const OTHERS: EventIndex = EventIndex::MAX - 2;
/// In `next_private`: an event no agent sees.
const NOBODY: EventIndex = EventIndex::MAX - 3;

impl EventLog {
    /// An empty log for a design of `agents` agents.
    pub fn new(agents: usize) -> EventLog {
        EventLog {
            events: Vec::new(),
            calls: Vec::new(),
            shared: Vec::new(),
            next_private: Vec::new(),
            private: vec![(NONE, NONE); agents],
            origin: vec![(0, 0); agents],
            signed: Vec::new(),
            reasoning: Vec::new(),
        }
    }

    /// Notes that the reply at `index` (the latest event) carries the reasoning summary `text`.
    pub(crate) fn reason(&mut self, index: EventIndex, text: &str) {
        self.reasoning.push((index, text.into()));
    }

    /// The reasoning summary the reply at `index` carries, if any.
    pub fn reasoning(&self, index: EventIndex) -> Option<&str> {
        if self.reasoning.is_empty() {
            return None;
        }
        let found = self.reasoning.binary_search_by_key(&index, |(i, _)| *i).ok()?;
        Some(&self.reasoning[found].1)
    }

    /// Signs `agent`'s replies from `from` on with its name: in its own later requests they
    /// carry it (Agent Framework, after an invocation that did not stream). The events stay
    /// as they are; only how the author's thread shows them changes.
    pub(crate) fn sign(&mut self, agent: AgentId, from: EventIndex) {
        let from = self.signed.last().map_or(from, |&last| from.max(last + 1));
        for (index, event) in self.events.iter().enumerate().skip(from as usize) {
            if event.agent == Some(agent) && matches!(event.kind, EventKind::Reply { .. }) {
                self.signed.push(index as EventIndex);
            }
        }
    }

    /// Whether the reply at `index` carries its author's name in the author's own requests.
    #[inline(always)]
    fn is_signed(&self, index: EventIndex) -> bool {
        !self.signed.is_empty() && self.signed.binary_search(&index).is_ok()
    }

    /// Starts `agent`'s thread anew: from now on it holds only events appended after this
    /// point (Semantic Kernel Python's thread dropping). Costs O(1).
    pub(crate) fn restart_thread(&mut self, agent: AgentId) {
        let (_, epoch) = self.origin[agent.index()];
        self.origin[agent.index()] = (self.shared.len(), epoch + 1);
        self.private[agent.index()] = (NONE, NONE);
    }

    /// Widens the last event, a response's text carried on, to the whole response: its calls
    /// follow it ([`EventKind::Carried`]).
    pub(crate) fn widen_carried_text(&mut self) {
        if let Some(Event {
            kind: EventKind::Carried { part, .. },
            ..
        }) = self.events.last_mut()
        {
            *part = ItemPart::Whole;
        }
    }

    /// Keeps `calls` for a reply about to be appended, and says where they are.
    #[inline(always)]
    pub(crate) fn add_calls(&mut self, calls: impl IntoIterator<Item = ToolCall>) -> CallSpan {
        let start = self.calls.len();
        self.calls.extend(calls);
        let span = |n: usize| u32::try_from(n).expect("more than 4 billion tool calls in one run");
        CallSpan::new(span(start), span(self.calls.len() - start))
    }

    /// [`EventLog::add_calls`] for a reply of one call.
    #[inline(always)]
    pub(crate) fn add_call(&mut self, call: ToolCall) -> CallSpan {
        let start = u32::try_from(self.calls.len()).expect("more than 4 billion tool calls in one run");
        self.calls.push(call);
        CallSpan::new(start, 1)
    }

    /// The tool calls `span` (of a reply of this log) names.
    #[inline]
    pub fn calls(&self, span: CallSpan) -> &[ToolCall] {
        let start = span.start as usize;
        self.calls.get(start..start + span.len()).unwrap_or_default()
    }

    /// The tool calls of `event` (of this log): a reply's calls, none for any other event.
    pub fn calls_of(&self, event: &Event) -> &[ToolCall] {
        match event.kind {
            EventKind::Reply { calls, .. } => self.calls(calls),
            _ => &[],
        }
    }

    /// Whether `agent`'s thread was started anew since `cursor` was taken from it: then the
    /// thread after the cursor is the whole (new) thread.
    pub fn restarted_since(&self, agent: AgentId, cursor: ThreadCursor) -> bool {
        cursor.epoch != self.origin[agent.index()].1
    }

    /// Appends an event that `visibility` says who sees, and returns its index. The agent
    /// of `Only` and `Others` is the event's own.
    #[inline(always)]
    pub(crate) fn push(&mut self, event: Event, visibility: Visibility) -> EventIndex {
        let index = EventIndex::try_from(self.events.len())
            .ok()
            .filter(|&i| i < NOBODY)
            .expect("more than 4 billion events in one run");
        debug_assert!(match visibility {
            Visibility::Only(a) | Visibility::Others(a) => event.agent == Some(a),
            _ => true,
        });
        let link = match visibility {
            Visibility::All => ALL,
            Visibility::Others(_) => OTHERS,
            Visibility::Nobody => NOBODY,
            Visibility::Only(agent) => {
                let (first, last) = &mut self.private[agent.index()];
                if *last == NONE {
                    *first = index;
                } else {
                    self.next_private[*last as usize] = index;
                }
                *last = index;
                NONE
            }
        };
        if matches!(link, ALL | OTHERS) {
            self.shared.push(index);
        }
        self.next_private.push(link);
        self.events.push(event);
        index
    }

    /// Who sees the event at `index`, as decided when it was appended.
    pub fn visibility(&self, index: EventIndex) -> Visibility {
        let author = || self.events[index as usize].agent.unwrap_or(AgentId(0));
        match self.next_private[index as usize] {
            ALL => Visibility::All,
            OTHERS => Visibility::Others(author()),
            NOBODY => Visibility::Nobody,
            _ => Visibility::Only(author()),
        }
    }

    /// Every event, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The event at `index`.
    pub fn get(&self, index: EventIndex) -> &Event {
        &self.events[index as usize]
    }

    /// The call that the tool result at `index` answers; `None` if that event is no tool result.
    pub fn tool_call(&self, index: EventIndex) -> Option<&ToolCall> {
        let EventKind::ToolResult { call, .. } = self.get(index).kind else {
            return None;
        };
        // The response is the nearest event before its results that is not a result.
        self.events[..index as usize].iter().rev().find_map(|e| match &e.kind {
            // The human's decisions on calls that waited for approval come between results.
            EventKind::ToolResult { .. } | EventKind::Approval { .. } => None,
            EventKind::Reply { calls, .. } => Some(self.calls(*calls).iter().find(|c| c.id == call)),
            _ => Some(None),
        })?
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The thread of `agent`: every message its model reads, in order. Costs nothing until
    /// iterated; iterating costs the length of the thread.
    pub fn thread(&self, agent: AgentId) -> Thread<'_> {
        self.thread_after(agent, ThreadCursor::START)
    }

    /// The messages of `agent`'s thread after `cursor` (taken from [`Thread::cursor`] of an
    /// earlier view of the same agent's thread): what it has read since. Replay fingerprints
    /// requests this way, hashing each message once.
    pub fn thread_after(&self, agent: AgentId, cursor: ThreadCursor) -> Thread<'_> {
        let (start, epoch) = self.origin[agent.index()];
        let cursor = if cursor.epoch == epoch {
            cursor
        } else {
            ThreadCursor {
                shared: start,
                last_private: NONE,
                epoch,
            }
        };
        let private = match cursor.last_private {
            NONE => self.private[agent.index()].0,
            last => self.next_private[last as usize],
        };
        Thread {
            log: self,
            agent,
            shared: cursor.shared.max(start),
            private,
            last_private: cursor.last_private,
            epoch,
        }
    }
}

/// A place in an agent's thread, to go on from later with [`EventLog::thread_after`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadCursor {
    shared: usize,
    last_private: EventIndex,
    epoch: u32,
}

impl ThreadCursor {
    /// The start of a thread.
    pub const START: ThreadCursor = ThreadCursor {
        shared: 0,
        last_private: NONE,
        epoch: 0,
    };
}

/// A view of one agent's thread; iterate it for [`Message`]s.
#[derive(Debug, Clone)]
pub struct Thread<'a> {
    log: &'a EventLog,
    agent: AgentId,
    /// Position in the shared list.
    shared: usize,
    /// The next private event ([`NONE`] at the end of the chain).
    private: EventIndex,
    /// The last private event read ([`NONE`] before the first).
    last_private: EventIndex,
    /// How often the thread had been restarted when the view was taken.
    epoch: u32,
}

impl Thread<'_> {
    /// Where this view is: [`EventLog::thread_after`] goes on from here, also after more
    /// events were appended.
    pub fn cursor(&self) -> ThreadCursor {
        ThreadCursor {
            shared: self.shared,
            last_private: self.last_private,
            epoch: self.epoch,
        }
    }
}

impl<'a> Iterator for Thread<'a> {
    type Item = Message<'a>;

    fn next(&mut self) -> Option<Message<'a>> {
        self.next_index().map(|index| message(self.log, index))
    }
}

impl Thread<'_> {
    /// The log position of the thread's next message.
    pub(crate) fn next_index(&mut self) -> Option<EventIndex> {
        loop {
            let next_shared = self.log.shared.get(self.shared).copied();
            let next_own = Some(self.private).filter(|&o| o != NONE);
            let index = match (next_shared, next_own) {
                (Some(s), Some(o)) if s < o => {
                    self.shared += 1;
                    s
                }
                (_, Some(o)) => {
                    self.private = self.log.next_private[o as usize];
                    self.last_private = o;
                    o
                }
                (Some(s), None) => {
                    self.shared += 1;
                    s
                }
                (None, None) => return None,
            };
            if self.log.next_private[index as usize] == OTHERS && self.log.get(index).agent == Some(self.agent) {
                continue;
            }
            return Some(index);
        }
    }
}

fn message(log: &EventLog, index: EventIndex) -> Message<'_> {
    let event = log.get(index);
    let author = event.agent.unwrap_or(AgentId(0));
    match &event.kind {
        EventKind::Task { text } | EventKind::Human { text } | EventKind::Prompt { text } => Message::User { text },
        EventKind::Input(input) => Message::Input {
            role: input.role,
            content: input.content.as_deref(),
            name: input.name.as_deref(),
        },
        EventKind::Reply { text, calls } => Message::Assistant {
            author,
            text: text.as_deref().unwrap_or(""),
            calls: log.calls(*calls),
            signed: log.is_signed(index),
            reasoning: log.reasoning(index),
        },
        EventKind::Broadcast { text } => Message::Assistant {
            author,
            text,
            calls: &[],
            signed: false,
            reasoning: None,
        },
        EventKind::ToolResult { call, output } => Message::Tool {
            author,
            call: *call,
            name: log.tool_call(index).map_or("", |c| &c.name),
            output,
        },
        EventKind::Summary(summary) => Message::Assistant {
            author,
            text: &summary.text,
            calls: &[],
            signed: false,
            reasoning: None,
        },
        EventKind::Carried { of, part } => match (message(log, *of), part) {
            (
                Message::Assistant {
                    author, text, signed, ..
                },
                ItemPart::Text,
            ) => Message::Assistant {
                author,
                text,
                calls: &[],
                signed,
                reasoning: None,
            },
            (
                Message::Assistant {
                    author, calls, signed, ..
                },
                ItemPart::Calls,
            ) => Message::Assistant {
                author,
                text: "",
                calls,
                signed,
                reasoning: None,
            },
            (
                Message::Assistant {
                    author,
                    signed,
                    reasoning,
                    ..
                },
                ItemPart::Reasoning,
            ) => Message::Assistant {
                author,
                text: "",
                calls: &[],
                signed,
                reasoning,
            },
            (whole, _) => whole,
        },
        EventKind::Handoff { .. }
        | EventKind::Host { .. }
        | EventKind::Approval { .. }
        | EventKind::Note { .. }
        | EventKind::Completed { .. } => {
            unreachable!("control events are in no thread")
        }
    }
}

#[cfg(test)]
#[path = "log_tests.rs"]
mod tests;
