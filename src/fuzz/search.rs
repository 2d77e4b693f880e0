//! One block of cases: proptest's runner with a fixed seed, counting what passed and
//! shrinking the first failure.

use std::cell::RefCell;

use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use super::campaign::{CampaignReport, ScriptGap};
use super::minimum::local_minimum;
use super::{Counterexample, Fuzzer, Reach, Violation};
use crate::engine::EventKind;
use crate::engine::Outcome;

impl Fuzzer {
    /// `found`, taken to a local minimum ([`local_minimum`]) among the cases that fail the
    /// same way (a bounce stays a bounce); a case that is not deterministic is kept as found.
    fn minimize(&self, found: Counterexample) -> Counterexample {
        if matches!(found.violation, Violation::Nondeterministic(_)) {
            return found;
        }
        let kind = std::mem::discriminant(&found.violation);
        let mut smallest: Option<Counterexample> = None;
        let case = local_minimum(found.case.clone(), |case| match self.verify(case) {
            (run, Some(violation)) if std::mem::discriminant(&violation) == kind => {
                smallest = Some(Counterexample {
                    case: case.clone(),
                    violation,
                    run,
                });
                true
            }
            _ => false,
        });
        match smallest {
            Some(smaller) if smaller.case == case => smaller,
            _ => found,
        }
    }

    /// Runs up to `cases` cases from `seed` (the same seed gives the same cases on every
    /// machine) and returns the first failure, shrunk, or `None` if all passed.
    pub fn search(&self, cases: u32, seed: u64) -> Option<Counterexample> {
        self.search_block(u64::from(cases), seed).failure
    }

    /// [`Fuzzer::search`], also counting the handoffs taken, the outcomes, the (agent,
    /// deciding state) pairs reached and the script gaps met by the cases that passed (not
    /// those tried while shrinking).
    pub fn search_block(&self, cases: u64, seed: u64) -> CampaignReport {
        let config = Config {
            cases: u32::try_from(cases).unwrap_or(u32::MAX),
            rng_seed: RngSeed::Fixed(seed),
            failure_persistence: None,
            max_shrink_iters: 4096,
            ..Config::default()
        };
        let report = RefCell::new(CampaignReport::default());
        // The latest failing case, its violation and its run: the shrunk case proptest
        // returns is the last one that failed, so its run need not be repeated.
        let latest: RefCell<Option<Counterexample>> = RefCell::new(None);
        let mut runner = TestRunner::new(config);
        let result = runner.run(&self.strategy(), |case| {
            let mut reach = Reach::default();
            let (run, violation) = self.verify_reaching(&case, &mut reach);
            if let Some(violation) = violation {
                let message = violation.to_string();
                *latest.borrow_mut() = Some(Counterexample { case, violation, run });
                return Err(TestCaseError::fail(message));
            }
            if latest.borrow().is_some() {
                return Ok(()); // a simpler case tried while shrinking, which passes
            }
            let mut report = report.borrow_mut();
            report.cases += 1;
            *report.outcomes.entry(run.outcome().kind()).or_default() += 1;
            report.past_first_turn += u64::from(reach.past_first_turn(run.outcome()));
            report.states.extend(reach.states);
            if let Outcome::ModelFailed { agent, message, .. } = run.outcome() {
                let gap = report.gaps.entry(*agent).or_insert_with(|| ScriptGap {
                    example: reach.latest_reply,
                    message: message.lines().next().unwrap_or_default().to_string(),
                    ..ScriptGap::default()
                });
                gap.cases += 1;
            }
            for event in run.log().events() {
                if let (EventKind::Handoff { to }, Some(from)) = (&event.kind, event.agent) {
                    *report.edges.entry((from, *to)).or_default() += 1;
                }
            }
            Ok(())
        });
        let mut report = report.into_inner();
        match result {
            Ok(()) => {}
            Err(TestError::Fail(reason, case)) => {
                report.cases += 1; // the failing case itself
                let found = match latest.into_inner() {
                    Some(found) if found.case == case => found,
                    // Not the latest failure (a proptest change?): run it again; if it now
                    // passes, the check itself was not deterministic.
                    _ => {
                        let (run, violation) = self.verify(&case);
                        let violation = violation.unwrap_or(Violation::Nondeterministic(reason.to_string()));
                        Counterexample { case, violation, run }
                    }
                };
                report.failure = Some(self.minimize(found));
            }
            Err(TestError::Abort(reason)) => unreachable!("no case is rejected, so none aborts: {reason}"),
        }
        report
    }
}
