//! The Responses API's state: a client that sends `previous_response_id` sends only the new
//! items (Agent Framework's Responses and Foundry clients do), and serve puts the thread it
//! answered before them, so the request is checked and answered as the whole thread.
//!
//! Each kept response is a link to the one it went on from plus its own messages (the new
//! input and the answer), so a thread of n requests keeps O(n) messages, not O(n²).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::answer::Body;
use super::request::{AppRequest, output_messages};
use crate::wire::chat::ChatMessage;

/// How many responses are kept to be gone on from (then the oldest is forgotten).
pub const KEPT_RESPONSES: usize = 100_000;

/// One kept response: the one it went on from, and the messages it added.
#[derive(Debug)]
pub(super) struct Link {
    parent: Option<Arc<Link>>,
    messages: Vec<ChatMessage>,
}

/// The responses kept, by id, and their ids oldest first.
type Kept = (HashMap<String, Arc<Link>>, VecDeque<String>);

/// The responses serve answered, by id.
#[derive(Debug, Default)]
pub(super) struct Chains {
    kept: Mutex<Kept>,
}

impl Chains {
    /// Puts the thread of `request.previous_response_id` before its messages; the link to
    /// keep its answer under. An id serve did not give is an error to answer with.
    pub(super) fn expand(&self, request: &mut AppRequest) -> Result<Option<Arc<Link>>, String> {
        let Some(id) = &request.previous_response_id else {
            return Ok(None);
        };
        let link = self.lock().0.get(id).cloned().ok_or_else(|| {
            format!("previous_response_id `{id}` is not a response this serve gave (or it was not stored)")
        })?;
        let mut links = Vec::new();
        let mut at = Some(&link);
        while let Some(l) = at {
            links.push(l);
            at = l.parent.as_ref();
        }
        let mut thread: Vec<ChatMessage> = Vec::with_capacity(links.iter().map(|l| l.messages.len()).sum());
        for l in links.iter().rev() {
            thread.extend(l.messages.iter().cloned());
        }
        thread.append(&mut request.messages);
        request.messages = thread;
        Ok(Some(link))
    }

    /// Keeps the answer `body` to `request` (whose messages after `parent`'s thread are its
    /// own), if it is a stored Responses answer.
    pub(super) fn keep(&self, parent: Option<Arc<Link>>, request: &AppRequest, body: &Body) {
        if !request.store || body.status != 200 {
            return;
        }
        let Some(response) = response_of(body) else { return };
        let Some(id) = response["id"].as_str().map(String::from) else {
            return;
        };
        let Ok(answer) = output_messages(response["output"].as_array().cloned().unwrap_or_default()) else {
            return;
        };
        let inherited = parent.as_ref().map_or(0, |p| thread_length(p));
        let mut messages: Vec<ChatMessage> = request.messages.iter().skip(inherited).cloned().collect();
        messages.extend(answer);
        let link = Arc::new(Link { parent, messages });
        let mut kept = self.lock();
        if kept.1.len() >= KEPT_RESPONSES
            && let Some(oldest) = kept.1.pop_front()
        {
            kept.0.remove(&oldest);
        }
        if kept.0.insert(id.clone(), link).is_none() {
            kept.1.push_back(id);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How many messages the thread ending at `link` has.
fn thread_length(link: &Link) -> usize {
    let mut length = 0;
    let mut at = Some(link);
    while let Some(l) = at {
        length += l.messages.len();
        at = l.parent.as_deref();
    }
    length
}

/// The response object of a Responses answer: the JSON body, or a stream's
/// `response.completed` event.
fn response_of(body: &Body) -> Option<Value> {
    if body.content_type == "application/json" {
        return serde_json::from_slice(body.frames.first()?).ok();
    }
    let last = std::str::from_utf8(body.frames.last()?).ok()?;
    let data = last.lines().find_map(|line| line.strip_prefix("data: "))?;
    let mut event: Value = serde_json::from_str(data).ok()?;
    (event["type"] == "response.completed").then(|| event["response"].take())
}

/// Why `request` is not the one a server-managed conversation sends (`profile.server_managed`:
/// every request after the conversation's first goes on from the last answer with
/// `previous_response_id`), if it is not; `None` when the scenario's conversation is not
/// server-managed or serve has answered none of its requests yet (`first`).
pub(super) fn unchained(server_managed: bool, first: bool, request: &AppRequest) -> Option<String> {
    (server_managed && !first && request.previous_response_id.is_none()).then(|| {
        "the scenario's conversation is server-managed (`profile.server_managed`: the SDK goes on from the last answer with `previous_response_id`, Responses API), and the app sent the whole thread without it: pass `auto_previous_response_id=True` or `previous_response_id=result.last_response_id`, or leave `server_managed` out".into()
    })
}
