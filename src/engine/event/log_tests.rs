//! Tests of the event log and its threads.
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
        raw: None,
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
                reasoning: None,
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
                Message::Tool { .. } | Message::Input { .. } => unreachable!(),
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
