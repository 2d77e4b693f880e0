//! The event log: one append-only record of a run. Each agent's thread (what its model reads)
//! is a view into it, never a copy: the log keeps one list of the events everyone sees, and
//! chains the events only one agent sees (each points to that agent's next one), so a thread
//! is a merge of a list and a chain, and appending costs O(1) and allocates nothing per agent,
//! whatever the number of agents.

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::design::AgentId;

/// Position of an event in its log; also its id in JSON output.
pub type EventIndex = u32;

/// Id of a tool call, from a per-run counter: `call_0001`, `call_0002`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub u32);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call_{:04}", self.0)
    }
}

/// A tool call as the model made it, with the id the run gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// Id from the run's counter.
    pub id: CallId,
    /// The function name the model used (plain or `<plugin>-<name>`), shared with the
    /// design's [`ToolSpec`](crate::design::ToolSpec) when the agent has the function.
    pub name: Arc<str>,
    /// The arguments object.
    pub arguments: Map<String, Value>,
}

/// What a tool call returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOutput {
    /// The tool's result text.
    Text(String),
    /// An error the model reads as the result (unknown tool, missing argument), then retries.
    Error(String),
    /// No value: what Semantic Kernel's handoff functions return (`None`).
    Nothing,
}

impl ToolOutput {
    /// The text the model reads, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            ToolOutput::Text(t) | ToolOutput::Error(t) => Some(t),
            ToolOutput::Nothing => None,
        }
    }
}

/// One event of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The agent the event belongs to (`None` for the task and the human).
    pub agent: Option<AgentId>,
    /// What happened.
    pub kind: EventKind,
}

/// What happened. Which threads an event enters is the run's profile's choice, made when it
/// is appended: see [`Visibility`] and [`EventLog::visibility`].
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The task the run starts with (a user message every agent sees).
    Task {
        /// Task text.
        text: String,
    },
    /// A model response of `agent`: text and/or tool calls. Only `agent` sees it.
    Reply {
        /// Text of the response, if any.
        text: Option<Box<str>>,
        /// Tool calls, in the order the model made them.
        calls: Box<[ToolCall]>,
    },
    /// The result of one tool call of `agent`. Only `agent` sees it. The results of a
    /// response follow it in the log, in the order of its calls; like the Chat Completions
    /// `tool` message, a result names only its call ([`EventLog::tool_call`] finds the call).
    ToolResult {
        /// The call it answers.
        call: CallId,
        /// What it returned.
        output: ToolOutput,
    },
    /// The text of a turn that ended without a handoff, sent to every other agent.
    Broadcast {
        /// The text of the whole turn.
        text: String,
    },
    /// A human reply; every agent sees it.
    Human {
        /// What the human said.
        text: String,
    },
    /// Control passed from `agent` to `to`.
    Handoff {
        /// The agent now active.
        to: AgentId,
    },
    /// A remark of the harness (a policy decision); no model sees it.
    Note {
        /// The remark.
        text: String,
    },
    /// `agent` called `complete_task`: the run is over.
    Completed {
        /// The task summary.
        summary: String,
    },
}

/// Who sees an event in their thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Every agent.
    All,
    /// Every agent except its author (who has the text in its own reply already).
    Others(AgentId),
    /// Only this agent.
    Only(AgentId),
    /// No agent: a control event.
    Nobody,
}

/// A message of an agent's thread, as its model reads it (after its system message).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Message<'a> {
    /// The task or a human reply.
    User {
        /// The text.
        text: &'a str,
    },
    /// An assistant message: the agent's own response, or another agent's broadcast text.
    Assistant {
        /// The agent that spoke.
        author: AgentId,
        /// The text (empty when the response was only tool calls).
        text: &'a str,
        /// Tool calls (only in the agent's own responses).
        calls: &'a [ToolCall],
    },
    /// The result of one of the agent's own tool calls.
    Tool {
        /// The agent whose call it answers.
        author: AgentId,
        /// The call it answers.
        call: CallId,
        /// The function name.
        name: &'a str,
        /// The result.
        output: &'a ToolOutput,
    },
}

/// The append-only log of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventLog {
    events: Vec<Event>,
    /// The events every agent sees (or all but their author), in order.
    shared: Vec<EventIndex>,
    /// Per event: for a private event, the next event private to the same agent ([`NONE`]
    /// for the last one); for any other, who sees it ([`ALL`], [`OTHERS`], [`NOBODY`]).
    next_private: Vec<EventIndex>,
    /// Per agent: its first and last private events ([`NONE`] while it has none).
    private: Vec<(EventIndex, EventIndex)>,
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
            shared: Vec::new(),
            next_private: Vec::new(),
            private: vec![(NONE, NONE); agents],
        }
    }

    /// Appends an event that `visibility` says who sees, and returns its index. The agent
    /// of `Only` and `Others` is the event's own.
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
            EventKind::ToolResult { .. } => None,
            EventKind::Reply { calls, .. } => Some(calls.iter().find(|c| c.id == call)),
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
        let private = match cursor.last_private {
            NONE => self.private[agent.index()].0,
            last => self.next_private[last as usize],
        };
        Thread {
            log: self,
            agent,
            shared: cursor.shared,
            private,
            last_private: cursor.last_private,
        }
    }
}

/// A place in an agent's thread, to go on from later with [`EventLog::thread_after`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadCursor {
    shared: usize,
    last_private: EventIndex,
}

impl ThreadCursor {
    /// The start of a thread.
    pub const START: ThreadCursor = ThreadCursor {
        shared: 0,
        last_private: NONE,
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
}

impl Thread<'_> {
    /// Where this view is: [`EventLog::thread_after`] goes on from here, also after more
    /// events were appended.
    pub fn cursor(&self) -> ThreadCursor {
        ThreadCursor {
            shared: self.shared,
            last_private: self.last_private,
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
            calls,
        },
        EventKind::Broadcast { text } => Message::Assistant {
            author,
            text,
            calls: &[],
        },
        EventKind::ToolResult { call, output } => Message::Tool {
            author,
            call: *call,
            name: log.tool_call(index).map_or("", |c| &c.name),
            output,
        },
        EventKind::Handoff { .. } | EventKind::Note { .. } | EventKind::Completed { .. } => {
            unreachable!("control events are in no thread")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends with the default profile's sharing.
    fn push(log: &mut EventLog, event: Event) -> EventIndex {
        let visibility = crate::engine::Profile::default().sharing.visibility(&event);
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
                    calls: Box::new([]),
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
        push(
            &mut log,
            ev(
                Some(0),
                EventKind::Reply {
                    text: Some("private words".into()),
                    calls: Box::new([call]),
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
                    calls: &[]
                },
                Message::User { text: "help" },
            ]
        );
    }

    #[test]
    fn a_thread_goes_on_from_its_cursor_after_more_events_are_appended() {
        let mut log = EventLog::new(2);
        let reply = |text: &str| EventKind::Reply {
            text: Some(text.into()),
            calls: Box::new([]),
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
            calls: Box::new([]),
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
