//! Handoffs that rewrite the conversation (the OpenAI Agents SDK 0.24's nested handoff
//! history and the input filters a scenario names), as `run_internal/turn_resolution.py`
//! and `handoffs/history.py` do it.
//!
//! The SDK keeps the conversation as a list of items: a user message, a response's text, each
//! of its calls, each call's output. One `Runner.run` reads its input (`original_input`) and
//! the items it generates. At a handoff that nests or filters, the next agent's input becomes
//! a rewritten list; when the run ends, the host's next run starts from `result.to_input_list()`,
//! the rewritten input followed by the run's items (without those the nested input already
//! holds verbatim). The log stays append-only: a rewrite starts every thread anew and appends
//! the new list, summaries as [`EventKind::Summary`], everything else as
//! [`EventKind::Carried`] references to the events it came from.

use super::Core;
use super::carried::{Item, Part};
use crate::design::AgentId;
use crate::engine::{
    EventIndex, EventKind, HistorySummary, InputFilter, InputRole, ItemPart, Outcome, Rewrite, SummaryRecord,
    ToolOutput, Visibility, summary_line, summary_records,
};

/// One item of a nested input: a summary of items, or an item forwarded as it is.
enum Nested {
    Summary(Vec<Item>),
    Forward(Item),
}

const PREAMBLE: &str = "For context, here is the conversation so far between the user and the previous agent:";

impl Core {
    /// Rewrites the conversation at the handoff from `source` to `target` (just logged), if
    /// the run's settings say so.
    pub(super) fn rewrite_at_handoff(&mut self, source: AgentId, target: AgentId) {
        // A server-managed conversation is not rewritten (`session.rs`).
        if self.server_refuses_handoff(source, target) {
            return;
        }
        let Some(rewrite) = self
            .settings
            .history
            .rewrite(source, target)
            .filter(|_| !self.settings.server_managed)
        else {
            return;
        };
        let run_start = self.latest_user.unwrap_or(0);
        let reply = self.rewrites.reply;
        let base = match self.rewrites.base.take() {
            Some(base) => base,
            None => {
                self.rewrites.since = run_start + 1;
                self.items(0, run_start + 1)
            }
        };
        // On resume (after the human's approvals) the SDK hands the interrupted response's
        // items over as items before the handoff.
        let step = if self.rewrites.resumed { EventIndex::MAX } else { reply };
        let natural = self.items(self.rewrites.since, step);
        let mut pre = std::mem::take(&mut self.rewrites.generated);
        pre.extend_from_slice(&natural);
        let new = self.items(step, EventIndex::MAX);
        self.rewrites.session.extend_from_slice(&natural);
        let nested = match rewrite {
            Rewrite::Nest => {
                self.rewrites.session.extend_from_slice(&new);
                let base: Vec<Nested> = self.taken_apart(base).into_iter().map(Nested::Forward).collect();
                nest(
                    &base,
                    &pre,
                    &new,
                    &self.rewrites.summaries,
                    self.settings.history.whole_mapper,
                )
            }
            Rewrite::Filter(filters) => self.filter(source, target, &filters, base, pre, new),
        };
        let Some(base) = self.rebuild(source, nested) else {
            return;
        };
        self.rewrites.owned = base.iter().filter_map(|item| self.rewrites.owned_in(item)).collect();
        self.rewrites.base = Some(base);
    }

    /// The handoff's filters applied in order to `HandoffInputData` (`base`: `input_history`,
    /// `pre`: `pre_handoff_items`, `new`: `new_items`); returns the next agent's input and
    /// keeps what it reads after it (`pre_handoff_items`, then `input_items` when a nesting
    /// set them, else `new_items`) and what the result keeps (`new_items`).
    fn filter(
        &mut self,
        source: AgentId,
        target: AgentId,
        filters: &[InputFilter],
        base: Vec<Item>,
        mut pre: Vec<Item>,
        mut new: Vec<Item>,
    ) -> Vec<Nested> {
        let mut base: Vec<Nested> = base.into_iter().map(Nested::Forward).collect();
        let mut input_items: Option<Vec<Item>> = None;
        for filter in filters {
            match filter {
                InputFilter::Identity => {}
                InputFilter::RemoveAllTools => {
                    base.retain(|n| match n {
                        Nested::Forward(item) => is_kept(&self.log, item),
                        Nested::Summary(_) => true,
                    });
                    pre.retain(|item| is_kept(&self.log, item));
                    new.retain(|item| is_kept(&self.log, item));
                    if let Some(items) = &mut input_items {
                        items.retain(|item| is_kept(&self.log, item));
                    }
                }
                InputFilter::RemoveNewItems => {
                    pre.clear();
                    new.clear();
                    input_items = None;
                }
                InputFilter::NestHandoffHistory => {
                    // A summary given in the task is taken apart, as by nesting.
                    let whole = base.iter().map(|n| match n {
                        Nested::Forward(item) => {
                            self.taken_apart(vec![*item]).into_iter().map(Nested::Forward).collect()
                        }
                        Nested::Summary(items) => vec![Nested::Summary(items.clone())],
                    });
                    base = whole.flatten().collect();
                    base = nest(&base, &pre, &new, &self.rewrites.summaries, false);
                    pre.clear();
                    input_items = Some(Vec::new());
                }
            }
        }
        self.rewrites.session.extend_from_slice(&new);
        self.rewrites.generated = pre;
        self.rewrites.generated.extend(input_items.unwrap_or(new));
        let reads = base.len() + self.rewrites.generated.len();
        let names: Vec<&str> = filters.iter().map(|f| f.name()).collect();
        let what = match filters {
            [InputFilter::RemoveAllTools] => ", without function calls and their outputs",
            [InputFilter::RemoveNewItems] => ", the run's input alone",
            _ => "",
        };
        self.note(
            source,
            format!(
                "the handoff's input filter {}: {} reads {reads} item{}{what}",
                names.join(" then "),
                self.design.agent(target).name,
                if reads == 1 { "" } else { "s" }
            ),
        );
        base
    }

    /// At the start of the host's next `Runner.run`: the conversation goes on from the
    /// rewritten input and the run's items (`result.to_input_list()`).
    pub(super) fn carry_on(&mut self) {
        let Some(mut carried) = self.rewrites.base.take() else {
            return;
        };
        if let Some(stored) = self.session_to_carry() {
            // The host keeps a session: the next run reads it, not the rewritten input.
            self.rewrites.session.clear();
            self.rewrites.owned.clear();
            self.rewrites.generated.clear();
            self.rebuild(self.active, stored.into_iter().map(Nested::Forward).collect());
            return;
        }
        // `normalized`: what the last model read after the input, then what followed;
        // `preserve_all`: the run's items, without those the input holds verbatim.
        let session = std::mem::take(&mut self.rewrites.session);
        let generated = std::mem::take(&mut self.rewrites.generated);
        let owned = std::mem::take(&mut self.rewrites.owned);
        let after = self.items(self.rewrites.since, EventIndex::MAX);
        match self.settings.history.normalized {
            true => carried.extend(generated.into_iter().chain(after)),
            false => carried.extend(session.into_iter().chain(after).filter(|item| !owned.contains(item))),
        }
        let agent = self.active;
        self.rebuild(agent, carried.into_iter().map(Nested::Forward).collect());
        self.rewrites.base = None;
    }

    /// Starts every thread anew with `nested` (summaries written at `agent`'s handoff), and
    /// returns the items it holds; `None` when that would pass the run's ceiling (it ends).
    /// Each item a summary quotes counts as an event towards the ceiling: summaries of
    /// summaries grow with the conversation, and memory stays bounded by the ceiling.
    fn rebuild(&mut self, agent: AgentId, nested: Vec<Nested>) -> Option<Vec<Item>> {
        let ceiling = self.settings.limits.max_events as usize;
        let quoted: usize = nested
            .iter()
            .map(|n| match n {
                Nested::Summary(items) => items.len(),
                Nested::Forward(_) => 0,
            })
            .sum();
        self.rewrites.quoted = self.rewrites.quoted.saturating_add(quoted);
        if self.log.len() + nested.len() + self.rewrites.generated.len() + self.rewrites.quoted >= ceiling {
            self.finish(Outcome::CeilingReached {
                events: self.settings.limits.max_events,
                agent,
            });
            return None;
        }
        for a in 0..self.design.agents().len() {
            self.log.restart_thread(AgentId(a as u32));
        }

        let mut base = Vec::with_capacity(nested.len());
        for n in nested {
            let item = match n {
                Nested::Summary(items) => {
                    let (text, chat) = (summary_text(self, &items, false), summary_text(self, &items, true));
                    let summary = EventKind::Summary(Box::new(HistorySummary { text, chat }));
                    let event = self.append_seen(Some(agent), summary, Some(Visibility::All));
                    self.rewrites.summaries.push((event, items));
                    Item {
                        event,
                        part: Part::Whole,
                    }
                }
                Nested::Forward(item) => {
                    self.carry(item);
                    item
                }
            };
            base.push(item);
        }
        for item in self.rewrites.generated.clone() {
            self.carry(item);
        }

        self.rewrites.since = self.log.len() as EventIndex;
        Some(base)
    }

    /// Carries `item` on. A response's calls go on together, and with its text when they
    /// follow it: the SDK's output message takes the calls after it into one message (on
    /// either API), and a rewrite keeps or drops a response's calls all at once.
    fn carry(&mut self, item: Item) {
        let last = self.log.events().last().map(|e| &e.kind);
        let part = match (item.part, last) {
            (Part::Call(_), Some(EventKind::Carried { of, part }))
                if *of == item.event && *part != ItemPart::Reasoning =>
            {
                if *part == ItemPart::Text {
                    self.log.widen_carried_text();
                }
                return;
            }
            // A record is only ever quoted in a summary, never carried alone.
            (Part::Whole | Part::Record(_), _) => ItemPart::Whole,
            (Part::Text, _) => ItemPart::Text,
            (Part::Call(_), _) => ItemPart::Calls,
            (Part::Reasoning, _) => ItemPart::Reasoning,
        };
        let author = self.log.get(item.event).agent;
        self.append_seen(
            author,
            EventKind::Carried { of: item.event, part },
            Some(Visibility::All),
        );
    }

    /// `items` with each message of the task that is a summary (an assistant message an earlier
    /// handoff, or an older SDK, wrote) replaced by its records, as the SDK flattens its input.
    fn taken_apart(&self, items: Vec<Item>) -> Vec<Item> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match self.records(item.event) {
                Some(records) => out.extend((0..records.len() as u32).map(|i| Item {
                    event: item.event,
                    part: Part::Record(i),
                })),
                None => out.push(item),
            }
        }
        out
    }

    /// The records of event `event` when it is an assistant message of the task holding a summary.
    fn records(&self, event: EventIndex) -> Option<Vec<SummaryRecord>> {
        match &self.log.get(event).kind {
            EventKind::Input(input) if input.role == InputRole::Assistant => {
                summary_records(input.content.as_deref()?, self.settings.history.wrappers())
            }
            _ => None,
        }
    }

    /// The items of the thread's events at log positions `from..to`.
    pub(super) fn items(&self, from: EventIndex, to: EventIndex) -> Vec<Item> {
        let mut thread = self.log.thread(AgentId(0));
        let mut items = Vec::new();
        while let Some(index) = thread.next_index() {
            if index < from || index >= to {
                continue;
            }
            let (event, part) = match self.log.get(index).kind {
                EventKind::Carried { of, part } => (of, part),
                _ => (index, ItemPart::Whole),
            };
            let EventKind::Reply { text, calls } = &self.log.get(event).kind else {
                items.push(Item {
                    event,
                    part: Part::Whole,
                });
                continue;
            };
            // The SDK keeps a response's reasoning as an item before its text and calls.
            if matches!(part, ItemPart::Whole | ItemPart::Reasoning) && self.log.reasoning(event).is_some() {
                items.push(Item {
                    event,
                    part: Part::Reasoning,
                });
            }
            if part == ItemPart::Reasoning {
                continue;
            }
            if part != ItemPart::Calls && text.as_deref().is_some_and(|t| !t.is_empty()) {
                items.push(Item {
                    event,
                    part: Part::Text,
                });
            }
            if part != ItemPart::Text {
                items.extend((0..calls.len() as u32).map(|i| Item {
                    event,
                    part: Part::Call(i),
                }));
            }
        }
        items
    }
}

/// The SDK's default history mapper in order (`_build_ordered_default_history`): the input
/// (earlier summaries taken apart) and every item of the run before the handoff go into a
/// summary; the handoff response's own text goes on as it is, between summaries. `whole`: the
/// mapper given explicitly, which summarizes the whole transcript in one message.
fn nest(
    base: &[Nested],
    pre: &[Item],
    new: &[Item],
    summaries: &[(EventIndex, Vec<Item>)],
    whole: bool,
) -> Vec<Nested> {
    let mut pending: Vec<Item> = Vec::new();
    for n in base {
        match n {
            Nested::Summary(items) => pending.extend_from_slice(items),
            Nested::Forward(item) => match summaries.iter().find(|(event, _)| *event == item.event) {
                Some((_, items)) => pending.extend_from_slice(items),
                None => pending.push(*item),
            },
        }
    }
    pending.extend_from_slice(pre);
    if whole {
        pending.extend_from_slice(new);
        return vec![Nested::Summary(pending)];
    }
    let mut nested = Vec::new();
    for item in new {
        if item.part != Part::Text {
            pending.push(*item);
            continue;
        }
        if !pending.is_empty() || nested.is_empty() {
            nested.push(Nested::Summary(std::mem::take(&mut pending)));
        }
        nested.push(Nested::Forward(*item));
    }
    if !pending.is_empty() || nested.is_empty() {
        nested.push(Nested::Summary(pending));
    }
    nested
}

/// Whether `remove_all_tools` keeps `item`: not a function call, a function's output nor a
/// reasoning item.
fn is_kept(log: &crate::engine::EventLog, item: &Item) -> bool {
    !matches!(item.part, Part::Call(_) | Part::Reasoning)
        && !matches!(log.get(item.event).kind, EventKind::ToolResult { .. })
}

/// The summary message of `items` (`_build_summary_message`); `chat`: as the SDK writes it
/// over Chat Completions.
fn summary_text(core: &Core, items: &[Item], chat: bool) -> String {
    let (start, end) = core.settings.history.wrappers();
    let replies: Vec<EventIndex> = (0..core.log.len() as EventIndex)
        .filter(|&i| matches!(core.log.get(i).kind, EventKind::Reply { .. }))
        .collect();
    let mut text = format!("{PREAMBLE}\n{start}\n");
    if items.is_empty() {
        text.push_str("(no previous turns recorded)\n");
    }
    for (i, item) in items.iter().enumerate() {
        text.push_str(&format!("{}. ", i + 1));
        format_item(core, &replies, *item, chat, &mut text);
        text.push('\n');
    }
    text.push_str(end);
    text
}

/// One item as the summary writes it (`_format_transcript_item`): a user message without a
/// line break as `user: text`, anything else as its JSON (Python's `json.dumps`, fields in
/// the SDK's order). Over the Responses API the ids are the ones `handoff serve` gives: `msg_`
/// and the number of the model call, `fc_` and the call's number; over Chat Completions
/// (`chat`) the SDK's converter makes the items: `__fake_id__`, no call status, `logprobs`.
fn format_item(core: &Core, replies: &[EventIndex], item: Item, chat: bool, out: &mut String) {
    let log = &core.log;
    let event = log.get(item.event);
    let s = |text: &str| serde_json::to_string(text).expect("a string always serialises");
    match (&event.kind, item.part) {
        (EventKind::Task { text } | EventKind::Human { text }, _) => {
            if text.contains(['\n', '\r']) {
                out.push_str(&format!("{{\"content\": {}, \"role\": \"user\"}}", s(text)));
            } else {
                out.push_str(&format!("user: {text}"));
            }
        }
        (EventKind::Reply { text, .. }, Part::Text | Part::Whole) => {
            let (id, logprobs) = match chat {
                true => ("__fake_id__".to_string(), ", \"logprobs\": []"),
                false => (format!("msg_{:04}", replies.partition_point(|&r| r <= item.event)), ""),
            };
            out.push_str(&format!(
                "{{\"id\": \"{id}\", \"content\": [{{\"annotations\": [], \"text\": {}, \"type\": \"output_text\"{logprobs}}}], \"role\": \"assistant\", \"status\": \"completed\", \"type\": \"message\"}}",
                s(text.as_deref().unwrap_or(""))
            ));
        }
        // A reasoning item: `rs_` and the number of the model call, as `handoff serve` would
        // give it (over Chat Completions, where `handoff serve` sends no reasoning, the same).
        (EventKind::Reply { .. }, Part::Reasoning) => out.push_str(&format!(
            "{{\"id\": \"rs_{:04}\", \"summary\": [{{\"text\": {}, \"type\": \"summary_text\"}}], \"type\": \"reasoning\"}}",
            replies.partition_point(|&r| r <= item.event),
            s(log.reasoning(item.event).unwrap_or(""))
        )),
        (EventKind::Reply { calls, .. }, Part::Call(i)) => {
            let Some(call) = log.calls(*calls).get(i as usize) else {
                return;
            };
            let arguments = crate::engine::arguments_text(&call.arguments);
            let id_status = match chat {
                true => "\"id\": \"__fake_id__\"".to_string(),
                false => format!("\"id\": \"fc_{:04}\", \"status\": \"completed\"", call.id.0),
            };
            out.push_str(&format!(
                "{{\"arguments\": {}, \"call_id\": \"{}\", \"name\": {}, \"type\": \"function_call\", {id_status}}}",
                s(&arguments),
                call.id,
                s(&call.name),
            ));
        }
        (EventKind::ToolResult { call, output }, _) => {
            let output = match output {
                ToolOutput::Text(t) | ToolOutput::Error(t) => t.as_str(),
                ToolOutput::Nothing => core.settings.profile.wire.nothing,
            };
            out.push_str(&format!(
                "{{\"call_id\": \"{call}\", \"output\": {}, \"type\": \"function_call_output\"}}",
                s(output)
            ));
        }
        // Text no model said that the conversation carries: a `max_turns` error handler's
        // final output, the SDK's own message item (`create_message_output_item`).
        (EventKind::Broadcast { text }, _) => out.push_str(&format!(
            "{{\"id\": \"__fake_id__\", \"content\": [{{\"annotations\": [], \"text\": {}, \"type\": \"output_text\", \"logprobs\": []}}], \"role\": \"assistant\", \"status\": \"completed\", \"type\": \"message\"}}",
            s(text)
        )),
        (EventKind::Summary(summary), _) => out.push_str(&format!("assistant: {}", summary.text)),
        (EventKind::Input(_), Part::Record(i)) => match core.records(item.event).and_then(|r| r.into_iter().nth(i as usize)) {
            Some(SummaryRecord::Message(message)) => out.push_str(&summary_line(&message, true)),
            Some(SummaryRecord::Quoted(text)) => out.push_str(&text),
            None => {}
        },
        (EventKind::Input(input), _) => out.push_str(&summary_line(input, false)),
        _ => {}
    }
}
