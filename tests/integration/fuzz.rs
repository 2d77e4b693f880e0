//! Fuzzing: the planted ping-pong is found and shrunk, the tutorial design stays clean, the
//! same seed gives the same result, and confused mode is always bounded.

use handoff_harness::{Case, EventKind, Fuzzer, Limit, Outcome, Scenario, Violation};
use proptest::prop_assert;
use proptest::test_runner::{Config, RngSeed, TestRunner};

use crate::support::root;

fn fuzzer(file: &str) -> Fuzzer {
    Fuzzer::new(&Scenario::load(root().join("scenarios").join(file)).unwrap()).unwrap()
}

#[test]
fn a_mixed_request_bounces_and_shrinks_to_one_turn() {
    let found = fuzzer("mixed_requests.json")
        .search(1_000, 1)
        .expect("the planted ping-pong is found");
    assert!(matches!(found.violation, Violation::Bounce(_)), "{}", found.violation);
    assert!(found.case.replies.len() <= 2, "{}", found.case);
    assert!(matches!(found.run.outcome(), Outcome::LoopDetected { .. }));
    let reply = found.case.replies.last().unwrap().to_lowercase();
    assert!(
        (reply.contains("refund") || reply.contains("bill")) && (reply.contains("ship") || reply.contains("deliver")),
        "the last reply mixes both intents: {reply:?}"
    );
}

#[test]
fn the_same_seed_finds_the_same_counterexample() {
    let a = fuzzer("mixed_requests.json").search(1_000, 7).unwrap();
    let b = fuzzer("mixed_requests.json").search(1_000, 7).unwrap();
    assert_eq!(a.case, b.case);
    assert_eq!(a.violation, b.violation);
}

#[test]
fn the_tutorial_design_stays_clean() {
    let fuzzer = fuzzer("customer_support.json");
    assert!(
        fuzzer.phrases().phrases().iter().any(|p| p == "order id is"),
        "{:?}",
        fuzzer.phrases()
    );
    if let Some(found) = fuzzer.search(2_000, 11) {
        panic!("{}: {}\n{}", found.violation, found.case, found.run.text());
    }
}

#[test]
fn a_confused_model_that_always_hands_off_is_stopped_by_the_limit() {
    let fuzzer = fuzzer("customer_support.json").confused(true);
    let case = Case {
        replies: vec!["hello".into()],
        overrides: vec![Some(0); 32],
    };
    let run = fuzzer.run(&case);
    assert!(
        matches!(
            run.outcome(),
            Outcome::LimitReached {
                limit: Limit::HandoffsPerTurn,
                ..
            }
        ),
        "the model changes state at every override, so only the limit can stop it: {}",
        run.text()
    );
    assert!(matches!(fuzzer.check(&case), Err(Violation::Bounce(_))));
}

#[test]
fn confused_runs_all_end_and_some_are_overridden() {
    let fuzzer = fuzzer("customer_support.json").confused(true);
    let mut runner = TestRunner::new(Config {
        cases: 300,
        rng_seed: RngSeed::Fixed(5),
        ..Config::default()
    });
    let overridden = std::cell::Cell::new(0);
    let result = runner.run(&fuzzer.strategy(), |case| {
        if case.overrides.iter().any(Option::is_some) {
            overridden.set(overridden.get() + 1);
        }
        let run = fuzzer.run(&case);
        let mut in_turn = 0;
        for event in run.log().events() {
            match event.kind {
                EventKind::Human { .. } => in_turn = 0,
                EventKind::Handoff { .. } => in_turn += 1,
                _ => {}
            }
            prop_assert!(
                in_turn <= 10,
                "more handoffs in one turn than the limit allows:\n{}",
                run.text()
            );
        }
        Ok(())
    });
    assert!(result.is_ok(), "{result:?}");
    assert!(overridden.get() > 30, "overrides are drawn: {}", overridden.get());
}
