//! Fuzzing: the planted ping-pong is found and shrunk, the tutorial design stays clean, the
//! same seed gives the same result, and confused mode is always bounded.

use handoff_harness::engine::{EventKind, Limit};
use handoff_harness::fuzz::{Case, Violation};
use handoff_harness::{Fuzzer, Outcome, Scenario};
use proptest::prop_assert;
use proptest::test_runner::{Config, RngSeed, TestRunner};

use crate::support::{arg, handoff, root};

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

fn json(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = handoff(args);
    let value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), value)
}

#[test]
fn handoff_fuzz_writes_a_regression_that_handoff_run_reproduces_and_tries_it_first_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let regressions = dir.path().join("regressions");
    let args = [
        "fuzz",
        "scenarios/mixed_requests.json",
        "--cases",
        "1000",
        "--seed",
        "1",
        "--regressions",
        arg(&regressions),
    ];
    let out = handoff(&args);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("FAILED after ") && text.contains("bounce: Run stopped: endless loop"),
        "{text}"
    );
    assert!(
        text.contains("or: handoff fuzz scenarios/mixed_requests.json --cases 1000 --seed 1\n"),
        "{text}"
    );
    let written: Vec<_> = std::fs::read_dir(&regressions)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        text.contains(&format!("reproduce: handoff run {}\n", written[0].display())),
        "{text}"
    );

    let replay = handoff(&["run", arg(&written[0])]);
    assert_eq!(replay.status.code(), Some(1), "the regression reproduces the bounce");
    let replayed = String::from_utf8(replay.stdout).unwrap();
    assert!(
        replayed.contains("FAILED no_bounce: expected no loop, limit or ambiguous handoff"),
        "{replayed}"
    );

    let again = handoff(&args);
    assert_eq!(again.status.code(), Some(1));
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(
        again.starts_with(&format!("FAILED {}: still fails: bounce", written[0].display())),
        "{again}"
    );
}

#[test]
fn the_tutorial_design_stays_clean_for_100000_cases() {
    // A regression, if the code ever finds one, goes to a temporary folder, not the tree.
    let dir = tempfile::tempdir().unwrap();
    let (code, report) = json(&[
        "fuzz",
        "scenarios/customer_support.json",
        "--cases",
        "100000",
        "--regressions",
        arg(dir.path()),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["cases"], 100_000);
    assert_eq!(report["passed"], true);
    let taken = |from: &str, to: &str| {
        report["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["from"] == from && e["to"] == to)
            .unwrap()["taken"]
            .as_u64()
            .unwrap()
    };
    assert!(taken("TriageAgent", "OrderStatusAgent") > 0);
    assert_eq!(
        taken("RefundAgent", "TriageAgent"),
        0,
        "RefundAgent has no script, so it never hands back"
    );
}

#[test]
fn one_job_and_two_jobs_give_the_same_result_and_shards_split_the_campaign() {
    let run = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![
            "fuzz",
            "scenarios/mixed_requests.json",
            "--cases",
            "3000",
            "--seed",
            "9",
            "--format",
            "json",
            "--regressions",
        ];
        args.push(arg(dir.path()));
        args.extend_from_slice(extra);
        json(&args).1
    };
    let mut one = run(&["--jobs", "1"]);
    let mut two = run(&["--jobs", "2"]);
    assert_eq!(one["failure"]["replies"], serde_json::json!(["ship refund"]));
    // Written to a different temporary directory each time.
    one["failure"]["regression"].take();
    two["failure"]["regression"].take();
    for key in ["cases", "failure", "outcomes", "edges"] {
        assert_eq!(one[key], two[key], "{key}");
    }
    let whole = json(&[
        "fuzz",
        "scenarios/customer_support.json",
        "--cases",
        "5000",
        "--format",
        "json",
    ])
    .1;
    let first = json(&[
        "fuzz",
        "scenarios/customer_support.json",
        "--cases",
        "5000",
        "--shard",
        "1/2",
        "--format",
        "json",
    ])
    .1;
    let second = json(&[
        "fuzz",
        "scenarios/customer_support.json",
        "--cases",
        "5000",
        "--shard",
        "2/2",
        "--format",
        "json",
    ])
    .1;
    assert_eq!(
        (first["cases"].as_u64(), second["cases"].as_u64()),
        (Some(3000), Some(2000))
    );
    for kind in ["completed", "human-exhausted", "model-failed"] {
        let sum = first["outcomes"][kind].as_u64().unwrap_or(0) + second["outcomes"][kind].as_u64().unwrap_or(0);
        assert_eq!(Some(sum), whole["outcomes"][kind].as_u64().or(Some(0)), "{kind}");
    }
}

#[test]
fn bad_fuzz_input_exits_2_and_names_the_problem() {
    for (args, needle) in [
        (
            vec!["fuzz", "scenarios/designs/customer_support_v2.json"],
            "customer_support_v2.json",
        ),
        (vec!["fuzz", "scenarios/nope.json"], "nope.json"),
        (
            vec!["fuzz", "scenarios/refund.json", "--shard", "0/2"],
            "I must be from 1 to N",
        ),
        (vec!["fuzz", "scenarios/refund.json", "--shard", "2"], "write I/N"),
    ] {
        let out = handoff(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

/// The customer-support scenario with `invariants` added at the end.
fn with_invariants(dir: &tempfile::TempDir, invariants: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("scenarios/customer_support.json")).unwrap();
    let body = text.trim_end().strip_suffix('}').unwrap();
    let path = dir.path().join("support_invariants.json");
    std::fs::write(&path, format!("{body},\n  \"invariants\": {invariants}\n}}\n")).unwrap();
    path
}

#[test]
fn a_refund_request_that_never_reaches_the_refund_agent_breaks_the_invariant() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_invariants(&dir, r#"[{ "when_user": "(?i)refund", "visits": ["RefundAgent"] }]"#);
    let fuzzer = Fuzzer::new(&Scenario::load(&path).unwrap()).unwrap();
    let found = fuzzer
        .search(2_000, 4)
        .expect("a request that mentions a refund and something else first");
    let Violation::Invariant(message) = &found.violation else {
        panic!("{}", found.violation)
    };
    assert!(
        message.starts_with("invariants[0]: `RefundAgent` was never in control after "),
        "{message}"
    );
    let said = found.case.replies.join(" ").to_lowercase();
    assert!(said.contains("refund"), "{said}");
    assert!(!found.run.path().iter().any(|a| found.run.name(*a) == "RefundAgent"));
}

#[test]
fn an_invariant_without_a_condition_always_holds_or_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_invariants(&dir, r#"[{ "avoids": ["OrderReturnAgent"] }]"#);
    let found = Fuzzer::new(&Scenario::load(&path).unwrap())
        .unwrap()
        .search(1_000, 2)
        .unwrap();
    assert!(
        found
            .violation
            .to_string()
            .starts_with("invariant broken: invariants[0]: `OrderReturnAgent` was in control"),
        "{}",
        found.violation
    );
}

#[test]
fn bad_invariants_name_their_place() {
    let dir = tempfile::tempdir().unwrap();
    for (invariants, place) in [
        (
            r#"[{ "visits": ["RefundAgnet"] }]"#,
            "invariants[0].visits[0]: `RefundAgnet` is not an agent of the design (did you mean `RefundAgent`?)",
        ),
        (
            r#"[{}, { "when_user": "(refund" }]"#,
            "invariants[1].when_user: invalid regular expression",
        ),
        (r#"[{ "unless": "x" }]"#, "invariants[0].unless: unknown field `unless`"),
    ] {
        let path = with_invariants(&dir, invariants);
        let out = handoff(&["fuzz", arg(&path)]);
        assert_eq!(out.status.code(), Some(2), "{invariants}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(place), "{stderr}");
    }
}

#[test]
fn an_invariant_regression_is_reproduced_by_handoff_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_invariants(&dir, r#"[{ "when_user": "(?i)refund", "visits": ["RefundAgent"] }]"#);
    assert_eq!(
        handoff(&["run", arg(&path)]).status.code(),
        Some(0),
        "the scripted conversation keeps it"
    );
    let out = handoff(&["fuzz", arg(&path), "--cases", "2000"]);
    assert_eq!(out.status.code(), Some(1));
    let written: Vec<_> = std::fs::read_dir(dir.path().join("regressions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let replay = handoff(&["run", arg(&written[0])]);
    assert_eq!(replay.status.code(), Some(1));
    let text = String::from_utf8(replay.stdout).unwrap();
    assert!(
        text.contains("FAILED invariant: expected invariants[0] holds, got `RefundAgent` was never in control after"),
        "{text}"
    );
}

#[test]
fn without_a_human_in_the_scenario_the_fuzzer_adds_none() {
    let dir = tempfile::tempdir().unwrap();
    let regressions = arg(dir.path());
    let (code, report) = json(&[
        "fuzz",
        "scenarios/no_human.json",
        "--cases",
        "500",
        "--regressions",
        regressions,
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["outcomes"], serde_json::json!({ "ended-without-human": 500 }));
}

/// The first handoff of `run`: its model call (1 for the first) and its target.
fn first_handoff(run: &handoff_harness::Run) -> Option<(u32, String)> {
    let mut calls = 0;
    for event in run.log().events() {
        match &event.kind {
            EventKind::Reply { .. } => calls += 1,
            EventKind::Handoff { to } => return Some((calls, run.name(*to).to_string())),
            _ => {}
        }
    }
    None
}

#[test]
fn a_confused_override_forces_the_model_call_at_its_own_index() {
    let fuzzer = fuzzer("customer_support.json").confused(true);
    let replies = vec!["Hi there".to_string(), "Just looking".to_string()];
    // TriageAgent's targets, in order: RefundAgent, OrderStatusAgent, OrderReturnAgent.
    for (overrides, expected) in [
        (vec![Some(2)], (1, "OrderReturnAgent")),
        (vec![None, Some(1)], (2, "OrderStatusAgent")),
        (vec![None, Some(3)], (2, "RefundAgent")),
    ] {
        let case = Case {
            replies: replies.clone(),
            overrides: overrides.clone(),
        };
        let run = fuzzer.run(&case);
        assert_eq!(
            first_handoff(&run),
            Some((expected.0, expected.1.to_string())),
            "{overrides:?}:\n{}",
            run.text()
        );
    }
    // Without an override the script decides: the greeting, then no rule for small talk.
    let plain = fuzzer.run(&Case {
        replies,
        overrides: Vec::new(),
    });
    assert_eq!(first_handoff(&plain), None, "{}", plain.text());
}
