//! The protocol between the dispatcher and a conversation: a request offered with what the
//! conversation may do with it, and its answer, taken or declined with how alike it is.

use tokio::sync::{mpsc, oneshot};

use super::answer::Body;
use super::request::AppRequest;

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
    Declined(Exchange, Likeness),
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

/// The offers made to one conversation.
pub(super) type Offers = mpsc::Receiver<Offer>;
