//! The event log: one append-only record of a run. Each agent's thread (what its model reads)
//! is a view into it, never a copy: the log keeps one list of the events everyone sees, and
//! chains the events only one agent sees (each points to that agent's next one), so a thread
//! is a merge of a list and a chain, and appending costs O(1) and allocates nothing per agent,
//! whatever the number of agents.

use super::{CallSpan, Event, EventIndex, EventKind, Message, ToolCall, Visibility};
use crate::design::AgentId;

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
        }
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
            return Some(message(self.log, index));
        }
    }
}

fn message(log: &EventLog, index: EventIndex) -> Message<'_> {
    let event = log.get(index);
    let author = event.agent.unwrap_or(AgentId(0));
    match &event.kind {
        EventKind::Task { text } | EventKind::Human { text } => Message::User { text },
        EventKind::Reply { text, calls } => Message::Assistant {
            author,
            text: text.as_deref().unwrap_or(""),
            calls: log.calls(*calls),
            signed: log.is_signed(index),
        },
        EventKind::Broadcast { text } => Message::Assistant {
            author,
            text,
            calls: &[],
            signed: false,
        },
        EventKind::ToolResult { call, output } => Message::Tool {
            author,
            call: *call,
            name: log.tool_call(index).map_or("", |c| &c.name),
            output,
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
mod tests {
    use super::*;
    use crate::engine::{CallId, ToolOutput};
    use serde_json::Map;

    /// Appends with the default profile's sharing.
    fn push(log: &mut EventLog, event: Event) -> EventIndex {
        let visibility = crate::engine::Profile::SEMANTIC_KERNEL_FIXED.sharing.visibility(&event);
        log.push(event, visibility)
    }

    fn ev(agent: Option<u32>, kind: EventKind) -> Event {
        Event {
            agent: agent.map(AgentId),
            kind,
        }
    }

    #[test]
    fn threads_are_views_with_private_and_shared_events_interleaved() {
        let mut log = EventLog::new(2);
        push(&mut log, ev(None, EventKind::Task { text: "task".into() }));
        push(
            &mut log,
            ev(
                Some(0),
                EventKind::Reply {
                    text: Some("hi".into()),
                    calls: CallSpan::NONE,
                },
            ),
        );
        push(&mut log, ev(Some(0), EventKind::Broadcast { text: "hi".into() }));
        push(&mut log, ev(None, EventKind::Human { text: "help".into() }));
        let call = ToolCall {
            id: CallId(1),
            name: "transfer_to_B".into(),
            arguments: Map::new(),
        };
        let calls = log.add_calls([call]);
        push(
            &mut log,
            ev(
                Some(0),
                EventKind::Reply {
                    text: Some("private words".into()),
                    calls,
                },
            ),
        );
        push(
            &mut log,
            ev(
                Some(0),
                EventKind::ToolResult {
                    call: CallId(1),
                    output: ToolOutput::Nothing,
                },
            ),
        );
        push(&mut log, ev(Some(0), EventKind::Handoff { to: AgentId(1) }));

        let a: Vec<_> = log.thread(AgentId(0)).collect();
        assert_eq!(a.len(), 5, "{a:?}");
        assert!(matches!(a[1], Message::Assistant { text: "hi", .. }));
        assert!(matches!(a[3], Message::Assistant { text: "private words", calls, .. } if calls.len() == 1));
        assert!(matches!(
            a[4],
            Message::Tool {
                name: "transfer_to_B",
                output: ToolOutput::Nothing,
                ..
            }
        ));
        assert_eq!(log.tool_call(5).map(|c| c.id), Some(CallId(1)));
        assert_eq!(log.tool_call(4), None, "a reply is no tool result");

        let b: Vec<_> = log.thread(AgentId(1)).collect();
        assert_eq!(
            b,
            vec![
                Message::User { text: "task" },
                Message::Assistant {
                    author: AgentId(0),
                    text: "hi",
                    calls: &[],
                    signed: false,
                },
                Message::User { text: "help" },
            ]
        );
    }

    #[test]
    fn signing_marks_the_agent_s_replies_from_a_point_on_once() {
        let mut log = EventLog::new(2);
        let reply = |text: &str| EventKind::Reply {
            text: Some(text.into()),
            calls: CallSpan::NONE,
        };
        push(&mut log, ev(None, EventKind::Task { text: "task".into() }));
        push(&mut log, ev(Some(0), reply("streamed")));
        push(&mut log, ev(None, EventKind::Human { text: "more".into() }));
        let from = push(&mut log, ev(Some(0), reply("first")));
        push(&mut log, ev(Some(1), reply("other's")));
        push(&mut log, ev(Some(0), reply("second")));
        log.sign(AgentId(0), from);
        log.sign(AgentId(0), from);
        let signed = |agent: u32| -> Vec<(String, bool)> {
            let texts = log.thread(AgentId(agent)).filter_map(|m| match m {
                Message::Assistant { text, signed, .. } => Some((text.to_string(), signed)),
                _ => None,
            });
            texts.collect()
        };
        let own = |t: &str, s: bool| (t.to_string(), s);
        let expected = [own("streamed", false), own("first", true), own("second", true)];
        assert_eq!(signed(0), expected);
        assert_eq!(signed(1), [own("other's", false)], "another agent's stay unsigned");
        assert_eq!(log.signed, [from, from + 2], "signing again adds nothing");
    }

    #[test]
    fn a_thread_goes_on_from_its_cursor_after_more_events_are_appended() {
        let mut log = EventLog::new(2);
        let reply = |text: &str| EventKind::Reply {
            text: Some(text.into()),
            calls: CallSpan::NONE,
        };
        push(&mut log, ev(None, EventKind::Task { text: "task".into() }));
        let mut cursors = [ThreadCursor::START; 2];
        let mut seen: [Vec<String>; 2] = Default::default();
        let read = |log: &EventLog, cursors: &mut [ThreadCursor; 2], seen: &mut [Vec<String>; 2]| {
            for agent in 0..2 {
                let mut thread = log.thread_after(AgentId(agent), cursors[agent as usize]);
                for message in thread.by_ref() {
                    seen[agent as usize].push(format!("{message:?}"));
                }
                cursors[agent as usize] = thread.cursor();
            }
        };
        read(&log, &mut cursors, &mut seen);
        push(&mut log, ev(Some(0), reply("a1")));
        read(&log, &mut cursors, &mut seen);
        push(&mut log, ev(Some(1), reply("b1")));
        push(&mut log, ev(Some(0), reply("a2")));
        push(&mut log, ev(None, EventKind::Human { text: "h".into() }));
        read(&log, &mut cursors, &mut seen);
        read(&log, &mut cursors, &mut seen);
        push(&mut log, ev(Some(1), EventKind::Broadcast { text: "b2".into() }));
        push(&mut log, ev(Some(0), reply("a3")));
        read(&log, &mut cursors, &mut seen);
        for agent in 0..2 {
            let whole: Vec<String> = log.thread(AgentId(agent)).map(|m| format!("{m:?}")).collect();
            assert_eq!(seen[agent as usize], whole, "agent {agent}");
        }
        assert_eq!(seen[0].len(), 6, "task, a1, a2, h, b2, a3");
    }

    #[test]
    fn private_chains_of_several_agents_interleave_without_mixing() {
        let mut log = EventLog::new(3);
        push(&mut log, ev(None, EventKind::Task { text: "task".into() }));
        let reply = |text: &str| EventKind::Reply {
            text: Some(text.into()),
            calls: CallSpan::NONE,
        };
        for round in 0..3 {
            for agent in [0, 1, 0] {
                push(&mut log, ev(Some(agent), reply(&format!("{agent}.{round}"))));
            }
            push(
                &mut log,
                ev(
                    None,
                    EventKind::Human {
                        text: format!("h{round}"),
                    },
                ),
            );
        }
        let texts = |agent| -> Vec<String> {
            log.thread(AgentId(agent))
                .map(|m| match m {
                    Message::User { text } | Message::Assistant { text, .. } => text.to_string(),
                    Message::Tool { .. } => unreachable!(),
                })
                .collect()
        };
        assert_eq!(
            texts(0),
            ["task", "0.0", "0.0", "h0", "0.1", "0.1", "h1", "0.2", "0.2", "h2"]
        );
        assert_eq!(texts(1), ["task", "1.0", "h0", "1.1", "h1", "1.2", "h2"]);
        assert_eq!(texts(2), ["task", "h0", "h1", "h2"], "an agent with no private events");
    }

    #[test]
    fn a_restarted_thread_holds_only_what_came_after() {
        let mut log = EventLog::new(2);
        push(&mut log, ev(None, EventKind::Task { text: "task".into() }));
        let reply = |text: &str| EventKind::Reply {
            text: Some(text.into()),
            calls: CallSpan::NONE,
        };
        push(&mut log, ev(Some(0), reply("a1")));
        let before = log.thread(AgentId(0)).cursor();
        assert_eq!(log.thread(AgentId(0)).count(), 2);
        log.restart_thread(AgentId(0));
        assert!(log.restarted_since(AgentId(0), before));
        assert_eq!(log.thread(AgentId(0)).count(), 0, "nothing since");
        push(&mut log, ev(Some(1), EventKind::Broadcast { text: "b".into() }));
        push(&mut log, ev(Some(0), reply("a2")));
        push(&mut log, ev(None, EventKind::Human { text: "h".into() }));
        let texts: Vec<String> = log.thread(AgentId(0)).map(|m| format!("{m:?}")).collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(texts[0].contains("\"b\"") && texts[1].contains("a2") && texts[2].contains("\"h\""));
        let stale: Vec<String> = log.thread_after(AgentId(0), before).map(|m| format!("{m:?}")).collect();
        assert_eq!(stale, texts, "an old cursor reads the new thread whole");
        assert_eq!(
            log.thread(AgentId(1)).count(),
            2,
            "the other agent's thread is untouched: the task and h"
        );
        assert!(!log.restarted_since(AgentId(1), ThreadCursor::START));
    }

    #[test]
    fn the_log_remembers_who_sees_each_event() {
        let mut log = EventLog::new(2);
        let text = |t: &str| EventKind::Broadcast { text: t.into() };
        let all = log.push(ev(Some(1), text("all")), Visibility::All);
        let others = log.push(ev(Some(1), text("others")), Visibility::Others(AgentId(1)));
        let only = log.push(ev(Some(1), text("only")), Visibility::Only(AgentId(1)));
        let last = log.push(ev(Some(1), text("only, last")), Visibility::Only(AgentId(1)));
        let nobody = log.push(ev(Some(0), text("nobody")), Visibility::Nobody);
        assert_eq!(log.visibility(all), Visibility::All);
        assert_eq!(log.visibility(others), Visibility::Others(AgentId(1)));
        assert_eq!(log.visibility(only), Visibility::Only(AgentId(1)));
        assert_eq!(log.visibility(last), Visibility::Only(AgentId(1)), "the end of a chain");
        assert_eq!(log.visibility(nobody), Visibility::Nobody);
        assert_eq!(log.thread(AgentId(0)).count(), 2, "all and others");
        assert_eq!(log.thread(AgentId(1)).count(), 3, "all and its two own");
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn an_event_takes_48_bytes() {
        // A handoff appends three events: at 48 bytes each, plus its call, a run of
        // 1,000,000 handoffs fits in about 210 MiB (BENCHMARKS.md). Growing `Event` grows that.
        assert_eq!(size_of::<Event>(), 48);
    }

    #[test]
    fn call_ids_print_like_semantic_kernel_traces() {
        assert_eq!(CallId(7).to_string(), "call_0007");
    }
}
