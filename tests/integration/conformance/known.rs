//! The differences between the harness and a real framework that the harness does not
//! reproduce (`conformance/README.md`, "What the harness does not reproduce"). Each is
//! stated as an edit of the trace's calls into what the harness shows instead, so the
//! comparison stays exact everywhere else, and each must still occur: a known difference
//! that no trace shows any more fails the test, to be removed.

use super::trace::{Framework, Trace};
use super::view::{CallRecord, Msg};

/// A difference the harness does not reproduce.
pub struct Known {
    /// Its name, as the README's section names it.
    pub name: &'static str,
    /// Edits the trace's calls into what the harness shows; whether it changed anything.
    edit: fn(&Trace, &mut [CallRecord]) -> bool,
}

/// Every known difference.
pub const KNOWN: [Known; 1] = [Known {
    name: "a response's items in the model's order",
    edit: text_before_calls,
}];

/// Edits `calls`, the trace's, into what the harness shows; the names of the known
/// differences that changed them.
pub fn expect(trace: &Trace, calls: &mut [CallRecord]) -> Vec<&'static str> {
    KNOWN
        .iter()
        .filter(|known| (known.edit)(trace, calls))
        .map(|known| known.name)
        .collect()
}

/// The OpenAI Agents SDK keeps the output items of a response in the model's order, and
/// every later input shows them so: a model that puts its `function_call` item before its
/// `message` item is read back calls first. A harness response is its text, then its calls
/// (a Chat Completions message has no order between `content` and `tool_calls`), so the
/// harness shows the text item first. Edit: in every input, the text item of such a
/// response moves before the response's first call item.
fn text_before_calls(trace: &Trace, calls: &mut [CallRecord]) -> bool {
    if trace.framework != Framework::OpenAiAgents {
        return false;
    }
    let mut changed = false;
    for (call, ids) in trace.calls().iter().zip(trace.reply_ids()) {
        let items = call["reply"]["output_items"].as_array().unwrap();
        let position = |kind: &str| items.iter().position(|i| i["type"] == kind);
        let (Some(first_call), Some(text_at)) = (position("function_call"), position("message")) else {
            continue;
        };
        if text_at < first_call {
            continue;
        }
        let text: String = items[text_at]["content"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect();
        for record in calls.iter_mut() {
            changed |= move_text_first(&mut record.messages, &ids, &text);
        }
    }
    changed
}

/// Moves the assistant item saying `text` that follows the first call item of `ids` to just
/// before it.
fn move_text_first(messages: &mut Vec<Msg>, ids: &[String], text: &str) -> bool {
    let is_call = |m: &Msg| m.calls.iter().any(|c| c.id.as_ref().is_some_and(|id| ids.contains(id)));
    let Some(first) = messages.iter().position(is_call) else {
        return false;
    };
    let said = |m: &Msg| m.role == "assistant" && m.calls.is_empty() && m.text.as_deref() == Some(text);
    let Some(offset) = messages[first..].iter().position(said) else {
        return false;
    };
    let item = messages.remove(first + offset);
    messages.insert(first, item);
    true
}
