//! A campaign: many cases, split into blocks of up to [`BLOCK`] cases with a seed each,
//! derived from the campaign's seed. The blocks, not the threads, fix which cases run, so a
//! seed gives the same result with any number of jobs, and `--shard I/N` takes every N-th
//! block: shards of one campaign never overlap, and together they are the whole campaign.
//! Blocks are made small enough that each of N shards gets one when there are at least N
//! cases (so a campaign's blocks depend on its number of shards; unsharded, they are
//! [`BLOCK`] cases each).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{Counterexample, Fuzzer};
use crate::design::AgentId;

/// Cases per block.
pub const BLOCK: u64 = 1_000;

/// Which part of a campaign to run: blocks `index`, `index + count`, ... (0-based `index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u64,
    /// How many shards the campaign is split into.
    pub count: u64,
}

impl Shard {
    /// The whole campaign.
    pub const ALL: Shard = Shard { index: 0, count: 1 };
}

/// What a campaign found.
#[derive(Debug, Clone, Default)]
pub struct CampaignReport {
    /// Cases run (whole blocks up to the failing one; shrinking not counted).
    pub cases: u64,
    /// The failure of the first failing block, if any, shrunk.
    pub failure: Option<Counterexample>,
    /// How often each handoff (source, target) was taken in passing runs.
    pub edges: BTreeMap<(AgentId, AgentId), u64>,
    /// How the passing runs ended, by outcome kind.
    pub outcomes: BTreeMap<&'static str, u64>,
    /// The distinct (agent, deciding state) pairs of the passing runs' answered model calls:
    /// the agent called, and the scripted model's [`state`](crate::engine::Model::state) it
    /// reported with its answer (the state loop proofs compare; in confused mode, plus the
    /// overrides so far).
    pub states: BTreeSet<(AgentId, u64)>,
    /// Passing runs that got past the human's first reply: the agents answered it and
    /// asked the human again, or completed the task.
    pub past_first_turn: u64,
    /// The passing runs that stopped because an agent's script had no answer for the input
    /// (`model-failed`), by that agent: gaps in the scenario's scripts, not findings of the
    /// design.
    pub gaps: BTreeMap<AgentId, ScriptGap>,
    /// Whether the campaign was stopped before its end ([`Fuzzer::campaign_until`]): the
    /// figures are those of the blocks that finished.
    pub interrupted: bool,
}

/// Runs whose model failed at one agent: its script had no rule for the input (or a rule
/// it chose could not be answered, such as a `{name}` nothing captured).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptGap {
    /// How many runs stopped there.
    pub cases: u64,
    /// The human's latest reply in the first of them (in the order the cases ran).
    pub example: String,
    /// The model's error in that run, its first line.
    pub message: String,
}

impl CampaignReport {
    /// Adds `other`'s figures, a later block's, to these: its failure only if these have
    /// none, and its examples of script gaps only for agents these have none for.
    pub fn merge(&mut self, other: CampaignReport) {
        self.cases += other.cases;
        for (edge, n) in other.edges {
            *self.edges.entry(edge).or_default() += n;
        }
        for (kind, n) in other.outcomes {
            *self.outcomes.entry(kind).or_default() += n;
        }
        self.states.extend(other.states);
        self.past_first_turn += other.past_first_turn;
        for (agent, gap) in other.gaps {
            match self.gaps.entry(agent) {
                std::collections::btree_map::Entry::Occupied(mut known) => known.get_mut().cases += gap.cases,
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(gap);
                }
            }
        }
        if self.failure.is_none() {
            self.failure = other.failure;
        }
    }

    /// The passing runs counted in [`CampaignReport::outcomes`]: `cases`, less the failing
    /// case if there is one.
    pub fn passed(&self) -> u64 {
        self.outcomes.values().sum()
    }
}

/// The seed of block `block` of a campaign seeded `seed` (splitmix64).
pub fn block_seed(seed: u64, block: u64) -> u64 {
    let mut z = seed ^ block.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How much of which campaign to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Campaign {
    /// Cases in the whole campaign.
    pub cases: u64,
    /// Its seed.
    pub seed: u64,
    /// Threads.
    pub jobs: usize,
    /// The part to run.
    pub shard: Shard,
}

impl Campaign {
    /// Cases per block: [`BLOCK`], or fewer, so that every shard gets a block when there are
    /// at least as many cases as shards.
    pub fn block_size(&self) -> u64 {
        BLOCK.min((self.cases / self.shard.count.max(1)).max(1))
    }

    /// The blocks of this campaign's shard, in order.
    pub fn blocks(&self) -> Vec<u64> {
        let count = self.shard.count.max(1);
        (0..self.cases.div_ceil(self.block_size()))
            .filter(|b| b % count == self.shard.index)
            .collect()
    }

    /// How many cases this campaign's shard runs: its blocks, the last one possibly short.
    pub fn shard_cases(&self) -> u64 {
        let size = self.block_size();
        self.blocks().iter().map(|b| size.min(self.cases - b * size)).sum()
    }

    /// Refuses a shard with nothing to run, saying how many cases the campaign needs.
    pub fn check(&self) -> Result<(), String> {
        if self.blocks().is_empty() {
            return Err(format!(
                "shard {}/{} of a campaign of {} case{} has no cases to run: a campaign in {} shards needs at least {} cases (--cases {})",
                self.shard.index + 1,
                self.shard.count,
                self.cases,
                if self.cases == 1 { "" } else { "s" },
                self.shard.count,
                self.shard.count,
                self.shard.count
            ));
        }
        Ok(())
    }
}

impl Fuzzer {
    /// Runs the blocks of `campaign.shard` (see the module docs) on `campaign.jobs` threads:
    /// the result is the same for any number of jobs. `progress(done)` is called after each
    /// block with the cases done so far.
    pub fn campaign(&self, campaign: Campaign, progress: &(dyn Fn(u64) + Sync)) -> CampaignReport {
        self.campaign_until(campaign, progress, &AtomicBool::new(false))
    }

    /// [`Fuzzer::campaign`], stopping before the next block once `stop` is set (an interrupt):
    /// the report then covers the blocks that finished and says it was interrupted.
    pub fn campaign_until(
        &self,
        campaign: Campaign,
        progress: &(dyn Fn(u64) + Sync),
        stop: &AtomicBool,
    ) -> CampaignReport {
        let blocks = campaign.blocks();
        let size_of_block = campaign.block_size();
        let Campaign { cases, seed, jobs, .. } = campaign;
        let next = AtomicU64::new(0);
        // The lowest failing block so far: blocks after it need not run.
        let first_failure = AtomicU64::new(u64::MAX);
        let done = AtomicU64::new(0);
        let results: Mutex<Vec<(u64, CampaignReport)>> = Mutex::new(Vec::new());
        let (blocks, next, first_failure, done, results) = (&blocks, &next, &first_failure, &done, &results);
        std::thread::scope(|scope| {
            for _ in 0..jobs.max(1) {
                // Each thread its own copy: the model keeps per-run state.
                let fuzzer = self.clone();
                scope.spawn(move || {
                    loop {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&block) = blocks.get(i as usize) else { break };
                        if block > first_failure.load(Ordering::Relaxed) {
                            break;
                        }
                        let size = size_of_block.min(cases - block * size_of_block);
                        let report = fuzzer.search_block(size, block_seed(seed, block));
                        if report.failure.is_some() {
                            first_failure.fetch_min(block, Ordering::Relaxed);
                        }
                        progress(done.fetch_add(size, Ordering::Relaxed) + size);
                        results
                            .lock()
                            .expect("no worker panics holding the lock")
                            .push((block, report));
                    }
                });
            }
        });
        let mut results = std::mem::take(&mut *results.lock().expect("no worker panicked"));
        results.sort_by_key(|(block, _)| *block);
        let last = first_failure.load(Ordering::Relaxed);
        let mut total = CampaignReport {
            interrupted: stop.load(Ordering::Relaxed),
            ..CampaignReport::default()
        };
        for (_, report) in results.into_iter().filter(|(block, _)| *block <= last) {
            total.merge(report);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(cases: u64, index: u64, count: u64) -> Campaign {
        Campaign {
            cases,
            seed: 0,
            jobs: 1,
            shard: Shard { index, count },
        }
    }

    #[test]
    fn every_shard_gets_work_when_there_are_as_many_cases_as_shards() {
        for (cases, count) in [(1000, 5), (5, 5), (7, 3), (1_000_000, 7), (10_000, 2000), (3, 1)] {
            let (mut covered, mut run) = (0, 0);
            for index in 0..count {
                let c = campaign(cases, index, count);
                assert!(c.check().is_ok(), "{cases} cases, shard {}/{count}", index + 1);
                covered += c.blocks().len() as u64;
                run += c.shard_cases();
            }
            assert_eq!(run, cases, "the shards run every case once");
            let size = campaign(cases, 0, count).block_size();
            assert_eq!(covered, cases.div_ceil(size), "the shards cover every block once");
        }
        assert_eq!(campaign(5000, 0, 1).block_size(), BLOCK, "unsharded: blocks as before");
        let error = campaign(3, 4, 5).check().unwrap_err();
        assert!(error.contains("needs at least 5 cases"), "{error}");
    }

    #[test]
    fn merging_adds_the_figures_and_keeps_the_first_example_of_each_gap() {
        let (a, b) = (AgentId(0), AgentId(1));
        let gap = |cases, example: &str| ScriptGap {
            cases,
            example: example.into(),
            message: format!("no rule for {example}"),
        };
        let mut first = CampaignReport {
            cases: 10,
            outcomes: BTreeMap::from([("model-failed", 4), ("completed", 6)]),
            states: BTreeSet::from([(a, 1), (b, 2)]),
            past_first_turn: 6,
            gaps: BTreeMap::from([(a, gap(4, "hi"))]),
            ..CampaignReport::default()
        };
        first.merge(CampaignReport {
            cases: 5,
            outcomes: BTreeMap::from([("model-failed", 5)]),
            states: BTreeSet::from([(a, 1), (a, 3)]),
            past_first_turn: 1,
            gaps: BTreeMap::from([(a, gap(2, "later")), (b, gap(3, "yo"))]),
            ..CampaignReport::default()
        });
        assert_eq!((first.cases, first.passed(), first.past_first_turn), (15, 15, 7));
        assert_eq!(first.states.len(), 3, "pairs are counted once");
        assert_eq!(first.gaps[&a], gap(6, "hi"), "the first block's example stays");
        assert_eq!(first.gaps[&b], gap(3, "yo"));
    }

    #[test]
    fn block_seeds_differ_and_repeat() {
        assert_eq!(block_seed(1, 2), block_seed(1, 2));
        assert_ne!(block_seed(1, 2), block_seed(1, 3));
        assert_ne!(block_seed(1, 2), block_seed(2, 2));
    }
}
