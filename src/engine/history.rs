//! What a handoff does to the conversation the next agent reads, where the framework can
//! rewrite it: the OpenAI Agents SDK's nested handoff history (`RunConfig.nest_handoff_history`,
//! `handoff(..., nest_handoff_history=...)`) and its built-in handoff input filter
//! (`handoff_filters.remove_all_tools`, per handoff or run-wide as
//! `RunConfig.handoff_input_filter`) and the filters an app writes most (the identity, the
//! public `nest_handoff_history` given as a filter, one that drops the run's items), and how
//! the app's host goes on after a run (`result.to_input_list(mode=...)`). The routing core
//! applies them (`core/rewrite.rs`).

use crate::design::AgentId;

/// A handoff input filter of the OpenAI Agents SDK that a scenario can name: a built-in one,
/// or one whose whole code is a line an app writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFilter {
    /// `agents.extensions.handoff_filters.remove_all_tools`: the function calls and their
    /// outputs leave the history, the items of the run before the handoff and its own items.
    RemoveAllTools,
    /// `lambda data: data`: the next agent reads the conversation as the SDK holds it, item
    /// by item (an earlier nesting's summaries included); as any filter, it replaces nesting.
    Identity,
    /// `handoff_filters.nest_handoff_history` given as the filter: the SDK's default nesting
    /// (its ordered summaries; `RunConfig.handoff_history_mapper` does not reach it).
    NestHandoffHistory,
    /// `HandoffInputData(input_history=data.input_history, pre_handoff_items=(), new_items=())`:
    /// the next agent reads the run's input alone; the handoff's own items leave the result too.
    RemoveNewItems,
}

impl InputFilter {
    /// The names a scenario may give.
    pub const NAMES: [&'static str; 4] = [
        "remove_all_tools",
        "identity",
        "nest_handoff_history",
        "remove_new_items",
    ];

    /// The filter `name` names.
    pub fn named(name: &str) -> Option<InputFilter> {
        match name {
            "remove_all_tools" => Some(InputFilter::RemoveAllTools),
            "identity" => Some(InputFilter::Identity),
            "nest_handoff_history" => Some(InputFilter::NestHandoffHistory),
            "remove_new_items" => Some(InputFilter::RemoveNewItems),
            _ => None,
        }
    }

    /// Its name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            InputFilter::RemoveAllTools => "remove_all_tools",
            InputFilter::Identity => "identity",
            InputFilter::NestHandoffHistory => "nest_handoff_history",
            InputFilter::RemoveNewItems => "remove_new_items",
        }
    }
}

/// What one handoff does to the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    /// The next agent reads the conversation so far as ordered summary messages around the
    /// handoff's own text (the SDK's default history mapper).
    Nest,
    /// The next agent reads the conversation through the filters, each applied to the
    /// previous one's result (one filter: a list of one).
    Filter(Vec<InputFilter>),
}

/// The options of one handoff edge (`None`: the run-wide setting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeHistory {
    /// The agent that hands off.
    pub source: AgentId,
    /// The agent it hands off to.
    pub target: AgentId,
    /// `handoff(..., nest_handoff_history=...)`.
    pub nest: Option<bool>,
    /// `handoff(..., input_filter=...)`: the filters in the order the app's filter applies them.
    pub filter: Option<Vec<InputFilter>>,
}

/// How handoffs rewrite the conversation: the run-wide settings and each edge's own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandoffHistory {
    /// `RunConfig.nest_handoff_history` (default `false`).
    pub nest: bool,
    /// `RunConfig.handoff_input_filter`: the filters in the order it applies them.
    pub filter: Option<Vec<InputFilter>>,
    /// The edges that set their own.
    pub edges: Vec<EdgeHistory>,
    /// The lines that wrap a summary where the app changed them
    /// (`agents.handoffs.set_conversation_history_wrappers`); `None`: the SDK's.
    pub wrappers: Option<Box<(String, String)>>,
    /// Whether `RunConfig.handoff_history_mapper` is the SDK's `default_handoff_history_mapper`
    /// given explicitly: the mapper then writes the whole transcript into one summary, the
    /// handoff's own text included (left unset, the runner forwards that text as it is).
    pub whole_mapper: bool,
    /// Whether the app's host goes on after a run from `result.to_input_list(mode="normalized")`
    /// (what the last model read, then what followed) rather than the default `preserve_all`.
    pub normalized: bool,
}

impl HandoffHistory {
    /// The SDK's lines around a summary.
    pub const WRAPPERS: (&'static str, &'static str) = ("<CONVERSATION HISTORY>", "</CONVERSATION HISTORY>");

    /// The lines around a summary: the app's, else the SDK's.
    pub fn wrappers(&self) -> (&str, &str) {
        match &self.wrappers {
            Some(wrappers) => (&wrappers.0, &wrappers.1),
            None => Self::WRAPPERS,
        }
    }

    /// Whether any handoff may rewrite the conversation.
    pub fn rewrites(&self) -> bool {
        self.nest || self.filter.is_some() || self.edges.iter().any(|e| e.nest == Some(true) || e.filter.is_some())
    }

    /// What the handoff from `source` to `target` does, as the SDK decides: the edge's filter,
    /// else the run's; a filter replaces nesting; else the edge's nesting, else the run's.
    pub fn rewrite(&self, source: AgentId, target: AgentId) -> Option<Rewrite> {
        let edge = self.edges.iter().find(|e| e.source == source && e.target == target);
        let filter = edge.and_then(|e| e.filter.as_ref()).or(self.filter.as_ref());
        if let Some(filter) = filter {
            return Some(Rewrite::Filter(filter.clone()));
        }
        edge.and_then(|e| e.nest).unwrap_or(self.nest).then_some(Rewrite::Nest)
    }
}

/// A nested handoff history's summary: an assistant message the SDK writes, in the two forms
/// its model's API gives the items it quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySummary {
    /// The message when the SDK's model speaks the Responses API (its default): the items
    /// carry the ids that `handoff serve` gives them (`msg_0002`, `fc_0001`).
    pub text: String,
    /// The message when its model speaks Chat Completions: the SDK's converter gives every
    /// item the id `__fake_id__`, a call no status, a text `logprobs`.
    pub chat: String,
}

/// Which part of an earlier event an [`EventKind::Carried`](crate::engine::EventKind::Carried)
/// event carries (the SDK keeps a response as one item for its text and one per call, and
/// a rewrite may keep the text without the calls, or the calls without the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemPart {
    /// The whole event (a user message, a response, a tool result, a summary).
    Whole,
    /// A response's text alone.
    Text,
    /// A response's calls alone.
    Calls,
    /// A response's reasoning summary alone (the SDK's `reasoning` item).
    Reasoning,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edge_filter_wins_then_the_runs_filter_then_nesting() {
        let (a, b) = (AgentId(0), AgentId(1));
        let mut history = HandoffHistory {
            nest: true,
            ..HandoffHistory::default()
        };
        assert_eq!(history.rewrite(a, b), Some(Rewrite::Nest));
        history.edges.push(EdgeHistory {
            source: a,
            target: b,
            nest: Some(false),
            filter: None,
        });
        assert_eq!(history.rewrite(a, b), None, "the edge's own setting");
        assert_eq!(history.rewrite(b, a), Some(Rewrite::Nest));
        history.filter = Some(vec![InputFilter::RemoveAllTools]);
        assert_eq!(
            history.rewrite(a, b),
            Some(Rewrite::Filter(vec![InputFilter::RemoveAllTools]))
        );
        assert!(history.rewrites());
        assert!(!HandoffHistory::default().rewrites());
    }
}
