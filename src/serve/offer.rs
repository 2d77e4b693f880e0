//! The protocol between the dispatcher and a conversation: a request offered with what the
//! conversation may do with it, and its answer, taken or declined with how alike it is; and
//! what each conversation waits for ([`Waiting`]), so that a request is offered first to the
//! conversations that may take it.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::answer::Body;
use super::request::AppRequest;
use crate::files::escape_controls;

/// One request of the app, waiting for its answer.
#[derive(Debug)]
pub struct Exchange {
    /// What the app sent.
    pub request: AppRequest,
    /// Where its answer goes.
    pub reply: oneshot::Sender<Body>,
}

/// The requests of the app, in arrival order.
pub type Incoming = mpsc::Receiver<Exchange>;

/// How a conversation may take a request the dispatcher offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Take it if it is the request the run expects next (or, after the run, the one that
    /// closes a run the harness ended).
    Take,
    /// Say whether it is the request the run expects next, without taking it.
    Probe,
    /// Take it if it is the last request answered, sent again (a lost answer).
    Retry,
    /// Take it whatever it is: a divergence of this conversation (or, after the run, a request
    /// after its end).
    Force,
}

/// A request offered to one conversation.
#[derive(Debug)]
pub(super) struct Offer {
    pub(super) exchange: Exchange,
    pub(super) mode: Mode,
    pub(super) verdict: oneshot::Sender<Verdict>,
}

/// A conversation's answer to an [`Offer`].
#[derive(Debug)]
pub(super) enum Verdict {
    /// It took the request (and answers it).
    Taken,
    /// Not its request: the request back, and how like its expected one it is.
    Declined(Box<Exchange>, Likeness),
}

/// How like a conversation's expected request an offered one is, for a request no
/// conversation takes: the most alike is the one it diverges from. Ordered: more alike is
/// greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Likeness {
    /// It is exactly the expected request (only a [`Mode::Probe`] declines it).
    pub(super) expected: bool,
    /// How many of its first messages are the expected thread's.
    pub(super) prefix: usize,
    /// How far its number of messages is from the expected thread's (nearer is more alike).
    pub(super) gap: std::cmp::Reverse<usize>,
    /// It is for the expected agent.
    pub(super) same_agent: bool,
    /// The conversation is still running (not after its end).
    pub(super) running: bool,
}

impl Likeness {
    /// Nothing alike: a conversation that is gone.
    pub(super) const NONE: Likeness = Likeness {
        expected: false,
        prefix: 0,
        gap: std::cmp::Reverse(usize::MAX),
        same_agent: false,
        running: false,
    };
}

/// The offers made to one conversation, and what it waits for.
#[derive(Debug)]
pub(super) struct Offers {
    receiver: mpsc::Receiver<Offer>,
    /// What it would take, as the dispatcher sees it.
    pub(super) waiting: Waiting,
}

impl Offers {
    /// The next offer; `None` once no more will come.
    pub(super) async fn recv(&mut self) -> Option<Offer> {
        self.receiver.recv().await
    }

    /// An offer already made, if one is.
    pub(super) fn try_recv(&mut self) -> Option<Offer> {
        self.receiver.try_recv().ok()
    }

    /// Refuses further offers.
    pub(super) fn close(&mut self) {
        self.receiver.close();
    }
}

/// A way to offer requests to a conversation: the sender of its offers, what it waits for,
/// and its end.
pub(super) fn channel() -> (mpsc::Sender<Offer>, Waiting, Offers) {
    // One offer waits at a time: the dispatcher waits for each verdict.
    let (sender, receiver) = mpsc::channel(1);
    let waiting = Waiting::default();
    (sender, waiting.clone(), Offers { receiver, waiting })
}

/// What a request is, in the terms every conversation that could take it to extend its run
/// agrees with: the system message (as the lines of a diff write it), how many functions and
/// how many messages. A request the run expects has the key of the expected request, whether
/// it is equal field by field or as lines (`Lockstep::is_expected`): equal lines are equal in
/// number and kind (one for the system message, one per function, one per message), so the
/// key of a request says which conversations cannot take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Key(u64);

impl Key {
    /// The key of a request with `system` message, `tools` functions and `messages` messages.
    pub(super) fn new(system: &str, tools: usize, messages: usize) -> Key {
        let mut hasher = rustc_hash::FxHasher::default();
        escape_controls(system).hash(&mut hasher);
        (tools, messages).hash(&mut hasher);
        // 0 and 1 are the states of `Waiting`.
        Key(hasher.finish() | 2)
    }

    /// The key of the app's request.
    pub(super) fn of(request: &AppRequest) -> Key {
        Key::new(
            request.system.as_deref().unwrap_or(""),
            request.tools.len(),
            request.messages.len(),
        )
    }
}

/// What a conversation would take if offered to take it ([`Mode::Take`]), published as it
/// starts to wait: any request (while it is busy, and whenever it cannot tell), none (after
/// its end, with nothing to close), or only a request of one [`Key`]. The dispatcher offers
/// a request to take only to the conversations that may take it, then, if none did, to every
/// one as before, so it is the conversation that would have taken it anyway, found without
/// asking every other.
#[derive(Debug, Clone, Default)]
pub(super) struct Waiting(Arc<AtomicU64>);

impl Waiting {
    const ANY: u64 = 0;
    const NONE: u64 = 1;

    /// It may take any request.
    pub(super) fn any(&self) {
        self.0.store(Waiting::ANY, Ordering::Release);
    }

    /// It takes no request offered to take.
    pub(super) fn none(&self) {
        self.0.store(Waiting::NONE, Ordering::Release);
    }

    /// It takes only a request of `key`.
    pub(super) fn only(&self, key: Key) {
        self.0.store(key.0, Ordering::Release);
    }

    /// Whether it may take a request of `key`.
    pub(super) fn may_take(&self, key: Key) -> bool {
        match self.0.load(Ordering::Acquire) {
            Waiting::ANY => true,
            state => state == key.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Model, ModelError, ModelRequest, Response};
    use crate::scripted::ScriptedModel;
    use crate::serve::{Api, MODEL, Reader};

    /// The scripted model, checking at each call that the request the harness would send
    /// there has the key a conversation waiting for that call publishes.
    struct Keyed {
        inner: ScriptedModel,
        calls: usize,
    }

    impl Model for Keyed {
        fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
            let body = crate::wire::chat::request_body(MODEL, request);
            let sent = Reader::default().read(Api::ChatCompletions, body.as_bytes()).unwrap();
            let published = Key::new(request.instructions(), request.tools().len(), request.thread().count());
            assert_eq!(Key::of(&sent), published, "call {}", self.calls + 1);
            self.calls += 1;
            self.inner.respond(request)
        }
    }

    #[test]
    fn each_request_of_the_tutorial_has_the_key_its_conversation_waits_for() {
        let scenario = crate::Scenario::load("scenarios/customer_support.json").unwrap();
        let mut model = Keyed {
            inner: scenario.orchestration().unwrap().1,
            calls: 0,
        };
        crate::engine::block_on(scenario.run_with(&mut model)).unwrap().unwrap();
        assert_eq!(model.calls, 12);
    }

    #[test]
    fn a_conversation_may_take_what_it_waits_for() {
        let (first, second) = (Key::new("Handle it.", 1, 1), Key::new("Handle it.", 1, 2));
        let waiting = Waiting::default();
        // Busy (as it starts): any request.
        assert!(waiting.may_take(first) && waiting.may_take(second));
        waiting.only(first);
        assert!(waiting.may_take(first) && !waiting.may_take(second));
        waiting.none();
        assert!(!waiting.may_take(first) && !waiting.may_take(second));
        waiting.any();
        assert!(waiting.may_take(second));
        // A system message is keyed as the lines of a diff write it, where a line break and
        // a written `\n` are the same.
        assert_eq!(Key::new("a\nb", 0, 0), Key::new("a\\nb", 0, 0));
        assert_ne!(Key::new("a", 0, 0), Key::new("b", 0, 0));
    }
}
