//! What fuzz cases reach: the effectiveness figures of `handoff fuzz` (distinct agent states
//! and handoff edges, how the runs ended, how many got past the first human reply) and the
//! script gaps it reports apart from the design's findings.

use handoff_harness::fuzz::{Campaign, Shard};
use handoff_harness::{Fuzzer, Scenario};

use crate::support::{arg, handoff, root};

fn fuzzer(file: &str) -> Fuzzer {
    Fuzzer::new(&Scenario::load(root().join("scenarios").join(file)).unwrap()).unwrap()
}

/// `handoff fuzz FILE --cases N --seed S --format json` (plus `extra`), regressions written
/// to a temporary folder: the exit code and the report.
fn fuzz_json(file: &str, cases: &str, seed: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = format!("scenarios/{file}");
    let mut args = vec![
        "fuzz",
        path.as_str(),
        "--cases",
        cases,
        "--seed",
        seed,
        "--format",
        "json",
        "--regressions",
        arg(dir.path()),
    ];
    args.extend_from_slice(extra);
    let out = handoff(&args);
    let value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), value)
}

fn u(value: &serde_json::Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is a count: {value:#}"))
}

#[test]
fn the_report_says_what_the_cases_reached_and_the_shares_add_up() {
    let (code, report) = fuzz_json("customer_support.json", "3000", "3", &[]);
    assert_eq!(code, Some(0), "{report:#}");
    let passing = u(&report, "passing_runs");
    assert_eq!(passing, 3000, "no failure, so every case passed");
    let edges = u(&report, "distinct_edges");
    assert!(edges > 0, "{report:#}");
    assert!(edges <= u(&report, "design_edges"), "{report:#}");
    assert_eq!(
        u(&report, "design_edges"),
        report["edges"].as_array().unwrap().len() as u64
    );
    let taken = report["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["taken"] != 0)
        .count() as u64;
    assert_eq!(edges, taken, "the distinct edges are those taken");
    let states = u(&report, "distinct_agent_states");
    assert!(
        states >= edges,
        "each handoff is an answered call of its source: {report:#}"
    );
    let past = u(&report, "past_first_turn");
    assert!(past > 0 && past <= passing, "{report:#}");
    let share = report["past_first_turn_share"].as_f64().unwrap();
    assert!((share - past as f64 / passing as f64).abs() < 1e-12, "{report:#}");
    for key in ["distinct_agent_states_per_second", "distinct_edges_per_second"] {
        assert!(report[key].as_f64().unwrap() > 0.0, "{key}: {report:#}");
    }
    let shares = report["outcome_shares"].as_object().unwrap();
    let keys: Vec<&str> = shares.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    for kind in ["completed", "human-exhausted", "model-failed", "other"] {
        assert!(shares.contains_key(kind), "{kind}: {keys:?}");
    }
    let sum: f64 = shares.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-9, "the shares add up to 1: {sum}");
    let failed = report["outcomes"]["model-failed"].as_u64().unwrap();
    assert!((shares["model-failed"].as_f64().unwrap() - failed as f64 / passing as f64).abs() < 1e-12);
    // The old keys are all still there.
    for key in [
        "cases",
        "seconds",
        "cases_per_second",
        "passed",
        "outcomes",
        "edges",
        "failure",
    ] {
        assert!(report.get(key).is_some(), "{key}");
    }
}

#[test]
fn script_gaps_are_counted_once_per_agent_with_an_example() {
    let (_, report) = fuzz_json("customer_support.json", "2000", "5", &[]);
    let gaps = report["script_gaps"].as_array().unwrap();
    let agents: Vec<&str> = gaps.iter().map(|g| g["agent"].as_str().unwrap()).collect();
    let unique: std::collections::BTreeSet<&str> = agents.iter().copied().collect();
    assert_eq!(agents.len(), unique.len(), "one entry per agent: {agents:?}");
    assert!(agents.contains(&"RefundAgent"), "RefundAgent has no script: {report:#}");
    let cases: u64 = gaps.iter().map(|g| u(g, "cases")).sum();
    assert_eq!(Some(cases), report["outcomes"]["model-failed"].as_u64(), "{report:#}");
    for gap in gaps {
        assert!(!gap["example"].as_str().unwrap().is_empty(), "{gap}");
        assert!(
            gap["message"]
                .as_str()
                .unwrap()
                .contains(gap["agent"].as_str().unwrap()),
            "{gap}"
        );
    }
    // The text shows them in a section of their own, apart from the design's verdict.
    let dir = tempfile::tempdir().unwrap();
    let out = handoff(&[
        "fuzz",
        "scenarios/customer_support.json",
        "--cases",
        "2000",
        "--seed",
        "5",
        "--regressions",
        arg(dir.path()),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("no bounce"), "{text}");
    let section = text.split("script gaps (").nth(1).unwrap_or_else(|| panic!("{text}"));
    assert!(section.contains("not a finding of the design"), "{text}");
    assert!(section.contains("\n  RefundAgent: "), "{text}");
    assert!(
        text.contains("reached: ") && text.contains(" handoff edges ("),
        "{text}"
    );
    assert!(text.contains("% model-failed"), "{text}");
}

#[test]
fn the_figures_are_the_same_for_any_number_of_jobs_and_from_the_library() {
    let without_time = |mut report: serde_json::Value| {
        for key in [
            "seconds",
            "cases_per_second",
            "distinct_agent_states_per_second",
            "distinct_edges_per_second",
            "jobs",
        ] {
            report[key].take();
        }
        report
    };
    let one = without_time(fuzz_json("customer_support.json", "3000", "8", &["--jobs", "1"]).1);
    let two = without_time(fuzz_json("customer_support.json", "3000", "8", &["--jobs", "2"]).1);
    assert_eq!(one, two);
    let report = fuzzer("customer_support.json").campaign(
        Campaign {
            cases: 3000,
            seed: 8,
            jobs: 2,
            shard: Shard::ALL,
        },
        &|_| {},
    );
    assert_eq!(report.states.len() as u64, u(&one, "distinct_agent_states"));
    assert_eq!(report.past_first_turn, u(&one, "past_first_turn"));
    assert_eq!(report.passed(), 3000);
    assert_eq!(
        report.gaps.values().map(|g| g.cases).sum::<u64>(),
        report.outcomes["model-failed"]
    );
}

/// The campaign `handoff fuzz FILE --cases 1000 --seed SEED --jobs 1` runs.
fn campaign_of(fuzzer: &Fuzzer, cases: u64, seed: u64) -> handoff_harness::fuzz::CampaignReport {
    let campaign = Campaign {
        cases,
        seed,
        jobs: 1,
        shard: Shard::ALL,
    };
    fuzzer.campaign(campaign, &|_| {})
}

#[test]
fn the_planted_ping_pong_is_found_within_10_cases_for_seeds_1_to_10() {
    let fuzzer = fuzzer("mixed_requests.json");
    for seed in 1..=10 {
        let report = campaign_of(&fuzzer, 1000, seed);
        let found = report
            .failure
            .as_ref()
            .unwrap_or_else(|| panic!("seed {seed}: the ping-pong is not found in 1000 cases"));
        assert!(
            report.cases <= 10,
            "seed {seed}: found after {} cases, more than 10 ({})",
            report.cases,
            found.case
        );
        let reply = found.case.replies.last().unwrap().to_lowercase();
        assert!(
            reply.contains("refund") || reply.contains("bill"),
            "seed {seed}: {reply:?}"
        );
        assert!(
            reply.contains("ship") || reply.contains("deliver"),
            "seed {seed}: {reply:?}"
        );
    }
}

#[test]
fn at_least_half_the_cases_get_past_the_first_human_reply() {
    let fuzzer = fuzzer("customer_support.json");
    for seed in [1, 2, 3] {
        let report = campaign_of(&fuzzer, 5000, seed);
        assert!(report.failure.is_none(), "seed {seed}");
        assert!(
            2 * report.past_first_turn >= report.passed(),
            "seed {seed}: {} of {} got past the first human reply",
            report.past_first_turn,
            report.passed()
        );
        let failed = report.outcomes.get("model-failed").copied().unwrap_or(0);
        assert!(failed * 10 < report.passed() * 8, "seed {seed}: {failed} model-failed");
        assert!(
            report.outcomes.get("completed").copied().unwrap_or(0) > 0,
            "seed {seed}"
        );
    }
}

#[test]
fn replies_aim_at_the_texts_the_rules_match() {
    let fuzzer = fuzzer("customer_support.json");
    let texts: Vec<&str> = fuzzer
        .phrases()
        .rule_texts()
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    for text in [
        "status",
        "track",
        "return",
        "refund",
        "order id is 123",
        "broken",
        "damaged",
        "wrong",
        "bye",
    ] {
        assert!(texts.contains(&text), "{text}: {texts:?}");
    }
    assert!(fuzzer.phrases().phrases().iter().any(|p| p == "order id is 123"));
}

#[test]
fn most_cases_follow_the_scripted_conversation() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    let scenario = Scenario::load(root().join("scenarios/customer_support.json")).unwrap();
    let scripted = scenario.user.clone().unwrap();
    let fuzzer = Fuzzer::new(&scenario).unwrap();
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(3),
        ..Config::default()
    });
    let strategy = fuzzer.strategy();
    let (mut kept, mut whole, mut longer) = (0, 0, 0);
    for _ in 0..1000 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        assert!(!case.replies.is_empty() && case.replies.len() <= scripted.len());
        kept += usize::from(case.replies[0].contains(scripted[0].as_str()));
        whole += usize::from(case.replies.len() == scripted.len());
        longer += usize::from(
            case.replies
                .iter()
                .zip(&scripted)
                .filter(|(a, b)| a.contains(b.as_str()))
                .count()
                >= 3,
        );
    }
    assert!(
        kept >= 450,
        "the first scripted reply, kept or extended: {kept} of 1000"
    );
    assert!(whole >= 400, "as many turns as the script: {whole} of 1000");
    assert!(
        longer >= 300,
        "three scripted replies or more in place: {longer} of 1000"
    );
}
