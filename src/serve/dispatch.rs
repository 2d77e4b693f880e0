//! The dispatcher: the app drives, and each of its requests is given to the conversation it
//! belongs to. Every conversation is a run of a scenario on a task of its own
//! ([`Lockstep`](super::session::Lockstep)); a request is offered to them in turn:
//!
//! 1. to each conversation held, in the order they started, to take if it is the request its
//!    run expects next; then to a fresh run of each scenario (a *spare*), to take if it is
//!    the request a conversation starts with: that starts a conversation, and a new spare
//!    waits for the next one (when the serve holds all the conversations it may, the spare
//!    only says whether it would);
//! 2. to each conversation held, to take if it is the last request it answered, sent again;
//! 3. a request that would start one conversation more than the serve holds is refused;
//!    any other goes to the one it is most like ([`Likeness`]), which takes it as its
//!    divergence (or, after its end, as a request after the end).
//!
//! So two conversations that overlap in time are never mixed (each request extends one
//! conversation's thread), equal conversations held at once are several conversations, not
//! retries, and a request is a retry only when no conversation expects it: a conversation's
//! first request sent again (its answer lost) while the serve may start another starts
//! another. Refusals are counted without end but kept up to [`MAX_UNEXPECTED`]; they never
//! stop the conversations held.
//!
//! Step 1 is made first with only the conversations that may take the request, by what each
//! publishes it waits for ([`Waiting`]): the one that takes it is the one the whole step
//! would have found, without a round trip to every other (with 100 conversations held, most
//! requests are offered once). Only a request none of them takes goes through the steps with
//! every conversation.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use super::answer::Body;
use super::conversation::{Conversation, Served};
use super::offer::{Exchange, Incoming, Key, Likeness, Mode, Offer, Offers, Verdict, Waiting};
use super::session::MAX_UNEXPECTED;

/// A conversation's task, by which requests are offered to it.
struct Slot {
    /// Which task (the key of its result).
    task: u64,
    /// The runtime's id of the task (to find the slot of a task that panicked).
    id: tokio::task::Id,
    /// Its scenario, by index.
    scenario: usize,
    /// Its number, in the order conversations started (0: a spare, not started).
    number: u32,
    offers: mpsc::Sender<Offer>,
    /// What it would take.
    waiting: Waiting,
}

/// A conversation's task: how it is started, for [`Dispatcher::spawn`].
pub(super) type Hold = Arc<dyn Fn(usize, Offers) -> HeldFuture + Send + Sync>;

/// What a conversation's task gives back: its conversation, and whether it started at all
/// (a spare that never took a request did not).
pub(super) type HeldFuture = std::pin::Pin<Box<dyn Future<Output = (bool, Conversation)> + Send>>;

/// Gives each request of the app to its conversation.
pub(super) struct Dispatcher {
    hold: Hold,
    scenarios: usize,
    /// How many conversations the serve holds at most (`Options::conversations`).
    most: u32,
    /// Conversations started and not yet over, in the order they started.
    held: Vec<Slot>,
    /// A fresh run of each scenario, waiting for a request that starts a conversation.
    spares: Vec<Slot>,
    tasks: JoinSet<(u64, bool, Conversation)>,
    next_task: u64,
    started: u32,
    /// The numbers of the conversations started and not yet over, by task.
    numbers: HashMap<u64, u32>,
    /// Requests no conversation could take, each as the error the app was sent (the first
    /// [`MAX_UNEXPECTED`]), and how many in all.
    refused: Vec<String>,
    refused_count: usize,
}

impl Dispatcher {
    /// A dispatcher for `scenarios` scenarios, holding at most `most` conversations, whose
    /// conversations `hold` runs.
    pub(super) fn new(scenarios: usize, most: u32, hold: Hold) -> Dispatcher {
        let mut dispatcher = Dispatcher {
            hold,
            scenarios,
            most,
            held: Vec::new(),
            spares: Vec::new(),
            tasks: JoinSet::new(),
            next_task: 0,
            started: 0,
            numbers: HashMap::new(),
            refused: Vec::new(),
            refused_count: 0,
        };
        for scenario in 0..scenarios {
            let spare = dispatcher.spawn(scenario);
            dispatcher.spares.push(spare);
        }
        dispatcher
    }

    fn spawn(&mut self, scenario: usize) -> Slot {
        let (offers, waiting, receiver) = super::offer::channel();
        let task = self.next_task;
        self.next_task += 1;
        let held = (self.hold)(scenario, receiver);
        let id = self
            .tasks
            .spawn(async move {
                let (started, conversation) = held.await;
                (task, started, conversation)
            })
            .id();
        Slot {
            task,
            id,
            scenario,
            number: 0,
            offers,
            waiting,
        }
    }

    /// Routes the app's requests from `incoming` until every conversation the serve holds is
    /// over, or the app stops sending and every conversation has ended; shows each
    /// conversation to `done` as it ends (numbered in the order they started).
    pub(super) async fn run(mut self, mut incoming: Incoming, done: &mut (dyn FnMut(Conversation) + Send)) -> Served {
        let mut served = Served::default();
        let mut open = true;
        loop {
            if self.started >= self.most && self.held.is_empty() {
                break;
            }
            if !open && self.held.is_empty() {
                break;
            }
            tokio::select! {
                exchange = incoming.recv(), if open => match exchange {
                    Some(exchange) => self.route(exchange).await,
                    None => {
                        open = false;
                        self.close();
                    }
                },
                Some(joined) = self.tasks.join_next() => {
                    let (task, started, mut conversation) = match joined {
                        Ok(ended) => ended,
                        // A conversation whose task failed is over (its requests are refused
                        // as no conversation's from now on).
                        Err(error) => {
                            self.held.retain(|slot| slot.id != error.id());
                            continue;
                        }
                    };
                    self.held.retain(|slot| slot.task != task);
                    if !started {
                        continue;
                    }
                    conversation.number = self.numbers.remove(&task).unwrap_or(0);
                    served.conversations += 1;
                    served.passed += u32::from(conversation.verdict.passed);
                    done(conversation);
                }
                else => break,
            }
        }
        self.close();
        // The conversations still running when the app stopped sending end as they are; of an
        // app that never asked, the first scenario's run is the conversation, waiting for its
        // first request.
        let mut waiting = None;
        while let Some(joined) = self.tasks.join_next().await {
            match joined {
                Ok((task, true, mut conversation)) => {
                    conversation.number = self.numbers.remove(&task).unwrap_or(0);
                    served.conversations += 1;
                    served.passed += u32::from(conversation.verdict.passed);
                    done(conversation);
                }
                Ok((task, false, conversation)) if waiting.as_ref().is_none_or(|(t, _)| task < *t) => {
                    waiting = Some((task, conversation));
                }
                _ => {}
            }
        }
        if let Some((_, mut conversation)) = waiting.filter(|_| served.conversations == 0) {
            conversation.number = 1;
            served.conversations = 1;
            served.passed = u32::from(conversation.verdict.passed);
            done(conversation);
        }
        served.refused_count = self.refused_count;
        served.refused = self.refused;
        served
    }

    /// Stops offering: every conversation sees no more requests come.
    fn close(&mut self) {
        for slot in self.held.iter_mut().chain(self.spares.iter_mut()) {
            let (closed, _) = mpsc::channel(1);
            slot.offers = closed;
        }
        self.spares.clear();
    }

    /// Offers `exchange` to `slot`; the request back if it was declined.
    async fn offer(slot: &Slot, exchange: Exchange, mode: Mode) -> Result<(), (Exchange, Likeness)> {
        let (verdict, answer) = oneshot::channel();
        if let Err(mpsc::error::SendError(offer)) = slot
            .offers
            .send(Offer {
                exchange,
                mode,
                verdict,
            })
            .await
        {
            return Err((offer.exchange, Likeness::NONE));
        }
        match answer.await {
            Ok(Verdict::Taken) | Err(_) => Ok(()),
            Ok(Verdict::Declined(exchange, likeness)) => Err((*exchange, likeness)),
        }
    }

    /// Gives `exchange` to the conversation it belongs to (module docs).
    async fn route(&mut self, exchange: Exchange) {
        let key = Key::of(&exchange.request);
        let mut extra = false;
        let Some(exchange) = self.take(exchange, Some(key), &mut None, &mut extra).await else {
            return;
        };
        // The most alike conversation so far: a spare (by scenario) or a held one (by index).
        let mut best: Option<(Likeness, Place)> = None;
        let Some(mut exchange) = self.take(exchange, None, &mut best, &mut extra).await else {
            return;
        };
        for i in 0..self.held.len() {
            match Self::offer(&self.held[i], exchange, Mode::Retry).await {
                Ok(()) => return,
                Err((back, _)) => exchange = back,
            }
        }
        if extra {
            let message = format!(
                "the app started conversation {} and this serve holds {} (--conversations {}): give --conversations N for an app that holds more",
                self.started + 1,
                self.most,
                self.most
            );
            return self.refuse(exchange, &message);
        }
        let full = self.started >= self.most;
        match best {
            Some((_, Place::Held(i))) => {
                if let Err((back, _)) = Self::offer(&self.held[i], exchange, Mode::Force).await {
                    self.refuse(back, "the conversation this request belongs to is over");
                }
            }
            Some((_, Place::Spare(i))) if !full => {
                if let Err((back, _)) = Self::offer(&self.spares[i], exchange, Mode::Force).await {
                    return self.refuse(back, "handoff serve could not start a conversation for this request");
                }
                self.start(i);
            }
            _ => self.refuse(
                exchange,
                &format!(
                    "this request continues no conversation and starts none of the scenario's, and this serve holds {} conversation(s) (--conversations {})",
                    self.most, self.most
                ),
            ),
        }
    }

    /// Step 1 (module docs): offers `exchange` to the conversations held, then to the spares,
    /// to take if it is what they expect (only to those that may take it, with `only`), noting
    /// the most alike in `best` and, in `extra`, that it would start a conversation more than
    /// the serve holds; the request back if none took it.
    async fn take(
        &mut self,
        mut exchange: Exchange,
        only: Option<Key>,
        best: &mut Option<(Likeness, Place)>,
        extra: &mut bool,
    ) -> Option<Exchange> {
        // A request that shares as much with a held conversation as with a fresh one is
        // most like the fresh one (a new user's first request is like no held thread).
        let note = |likeness: Likeness, place: Place, best: &mut Option<(Likeness, Place)>| {
            let better = match (best.as_ref(), place) {
                (None, _) => true,
                (Some((b, _)), Place::Spare(_)) => likeness >= *b,
                (Some((b, _)), Place::Held(_)) => likeness > *b,
            };
            if better {
                *best = Some((likeness, place));
            }
        };
        let may_take = |slot: &Slot| only.is_none_or(|key| slot.waiting.may_take(key));
        for i in 0..self.held.len() {
            if !may_take(&self.held[i]) {
                continue;
            }
            match Self::offer(&self.held[i], exchange, Mode::Take).await {
                Ok(()) => return None,
                Err((back, likeness)) => {
                    exchange = back;
                    note(likeness, Place::Held(i), best);
                }
            }
        }
        let full = self.started >= self.most;
        for i in 0..self.spares.len() {
            if !may_take(&self.spares[i]) {
                continue;
            }
            let mode = if full { Mode::Probe } else { Mode::Take };
            match Self::offer(&self.spares[i], exchange, mode).await {
                Ok(()) => {
                    self.start(i);
                    return None;
                }
                Err((back, likeness)) => {
                    exchange = back;
                    *extra |= likeness.expected;
                    note(likeness, Place::Spare(i), best);
                }
            }
        }
        Some(exchange)
    }

    /// The spare of scenario `i` has taken its first request: it is a conversation now, and
    /// a new spare waits.
    fn start(&mut self, i: usize) {
        self.started += 1;
        let fresh = self.spawn(self.spares[i].scenario);
        let mut slot = std::mem::replace(&mut self.spares[i], fresh);
        slot.number = self.started;
        self.numbers.insert(slot.task, slot.number);
        self.held.push(slot);
        debug_assert!(self.spares.len() == self.scenarios);
    }

    fn refuse(&mut self, exchange: Exchange, message: &str) {
        let _ = exchange
            .reply
            .send(Body::error(400, "handoff_no_conversation", message));
        self.refused_count += 1;
        if self.refused.len() < MAX_UNEXPECTED {
            self.refused.push(message.to_string());
        }
    }
}

/// Where a conversation an offer went to is.
#[derive(Debug, Clone, Copy)]
enum Place {
    Spare(usize),
    Held(usize),
}
