//! The ping-pong workload and `handoff bench pingpong`; a user's scenario and `handoff bench FILE`.

use std::time::Duration;

use handoff_harness::bench::{PingPong, ScenarioBench};
use handoff_harness::engine::{EventKind, NoHuman};
use handoff_harness::{Outcome, Scenario};
use serde_json::Value;

use crate::support::{handoff, run};

#[test]
fn the_ring_hands_off_to_the_next_agent_the_given_number_of_times_then_completes() {
    let workload = PingPong::new(3, 7).unwrap();
    let run = run(&workload.orchestration(), &mut workload.model(), &mut NoHuman);
    let path: Vec<&str> = run.path().iter().map(|a| run.name(*a)).collect();
    assert_eq!(
        path,
        [
            "Agent0", "Agent1", "Agent2", "Agent0", "Agent1", "Agent2", "Agent0", "Agent1"
        ]
    );
    assert!(matches!(run.outcome(), Outcome::Completed { agent, .. } if run.name(*agent) == "Agent1"));
    assert_eq!(run.model_calls(), 8);
    let results = run
        .log()
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ToolResult { .. }));
    assert_eq!(results.count(), 8, "every call is answered, the completing one too");
}

#[test]
fn the_report_counts_what_the_run_did() {
    let report = PingPong::new(2, 250).unwrap().run();
    assert_eq!((report.agents, report.handoffs, report.model_calls), (2, 250, 251));
    assert_eq!(
        report.events,
        3 * 250 + 4 + 2,
        "task, 3 per handoff, then reply, result, completion; and under Semantic Kernel Python a note per agent: its first turn was a handoff, so it lost its thread"
    );
    assert!(matches!(report.outcome, Outcome::Completed { .. }));
    assert!(report.micros_per_handoff() > 0.0);
    if cfg!(target_os = "linux") {
        assert!(
            report.peak_memory.is_some_and(|bytes| bytes > 1 << 20),
            "{:?}",
            report.peak_memory
        );
    }
}

#[test]
fn a_ring_of_one_agent_is_refused() {
    let error = PingPong::new(1, 10).unwrap_err();
    assert!(error.to_string().contains("Agent0"), "{error}");
}

#[test]
fn bench_pingpong_prints_the_figures_as_json() {
    let out = handoff(&[
        "bench",
        "pingpong",
        "--handoffs",
        "500",
        "--agents",
        "3",
        "--runs",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["workload"], "pingpong");
    assert_eq!(report["agents"], 3);
    assert_eq!(report["handoffs"], 500);
    assert_eq!(report["runs"], 2);
    assert_eq!(report["model_calls"], 501);
    assert_eq!(
        report["events"],
        1504 + 3,
        "with a note per agent (each loses its thread)"
    );
    assert_eq!(report["completed"], true);
    let median = report["micros_per_handoff"].as_f64().unwrap();
    let fastest = report["fastest_micros_per_handoff"].as_f64().unwrap();
    assert!(fastest > 0.0 && fastest <= median, "{fastest} {median}");
}

#[test]
fn bench_pingpong_prints_the_figures_as_text() {
    let out = handoff(&["bench", "pingpong", "--handoffs", "100", "--runs", "1"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("ping-pong: 2 agents, 100 handoffs, zero-cost model, median of 1 run\n"),
        "{text}"
    );
    for line in [
        "  per handoff  ",
        "  model calls  101\n",
        "  events       306\n",
        "  peak memory  ",
    ] {
        assert!(text.contains(line), "{line:?} missing in\n{text}");
    }
}

#[test]
fn bench_pingpong_refuses_fewer_than_two_agents_or_no_handoffs() {
    for (flag, value) in [("--agents", "1"), ("--handoffs", "0"), ("--runs", "0")] {
        let out = handoff(&["bench", "pingpong", flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag) && stderr.contains("not in"), "{stderr}");
    }
}

/// The counts a plain run of the scenario at `path` has: model calls, handoffs, human turns, events.
fn counts_of(path: &str) -> (u64, u64, u64, usize) {
    let run = Scenario::load(crate::support::root().join(path))
        .unwrap()
        .run_blocking()
        .unwrap();
    let handoffs = run
        .log()
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Handoff { .. }))
        .count();
    (
        run.model_calls() as u64,
        handoffs as u64,
        run.human_turns() as u64,
        run.log().len(),
    )
}

#[test]
fn a_scenario_bench_runs_what_a_plain_run_runs_and_splits_its_time() {
    let path = "scenarios/customer_support.json";
    let scenario = Scenario::load(crate::support::root().join(path)).unwrap();
    let mut bench = ScenarioBench::new(&scenario).unwrap();
    let report = bench.measure(7);
    let (calls, handoffs, turns, events) = counts_of(path);
    assert!(handoffs > 0 && turns > 0, "the tutorial hands off and asks the human");
    assert_eq!(
        (report.model_calls, report.handoffs, report.human_turns, report.events),
        (calls, handoffs, turns, events)
    );
    assert_eq!(report.runs, 7);
    assert!(
        matches!(report.outcome, Outcome::Completed { .. }),
        "{:?}",
        report.outcome
    );
    assert!(report.model_time > Duration::ZERO, "the scripted model matched regexes");
    assert!(report.fastest_run <= report.run_time);
    assert_eq!(report.routing_time(), report.run_time.saturating_sub(report.model_time));
    let per_handoff = report.routing_micros_per_handoff().unwrap();
    let per_call = report.routing_micros_per_model_call().unwrap();
    assert!(
        (per_handoff * handoffs as f64 - per_call * calls as f64).abs() < 1e-6,
        "both divide the same routing time: {per_handoff} {per_call}"
    );
    // Every run starts afresh: the second of two runs is the first again.
    let (first, second) = (bench.run(), bench.run());
    assert_eq!(first.log(), second.log());
    assert_eq!(first.outcome(), second.outcome());
}

#[test]
fn bench_file_prints_the_figures_as_json() {
    let path = "scenarios/customer_support.json";
    let out = handoff(&["bench", path, "--runs", "5", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (calls, handoffs, turns, events) = counts_of(path);
    assert_eq!(report["workload"], "scenario");
    assert_eq!(report["scenario"], "customer-support");
    assert_eq!(report["file"], path);
    assert_eq!(report["runs"], 5);
    assert_eq!(report["model_calls"], calls);
    assert_eq!(report["handoffs"], handoffs);
    assert_eq!(report["human_turns"], turns);
    assert_eq!(report["events"], events);
    assert_eq!(report["outcome"], "completed");
    let number = |key: &str| {
        report[key]
            .as_f64()
            .unwrap_or_else(|| panic!("`{key}` is no number in {report:#}"))
    };
    let (run, routing, model) = (number("run_micros"), number("routing_micros"), number("model_micros"));
    assert!(run > 0.0 && model > 0.0, "{report:#}");
    assert!((routing - (run - model).max(0.0)).abs() < 0.01, "{report:#}");
    assert!(number("fastest_run_micros") <= run);
    assert!((number("routing_micros_per_handoff") * handoffs as f64 - routing).abs() < 0.01);
    assert!((number("routing_micros_per_model_call") * calls as f64 - routing).abs() < 0.01);
    assert!((number("model_micros_per_call") * calls as f64 - model).abs() < 0.01);
    if cfg!(target_os = "linux") {
        assert!(number("peak_memory_bytes") > 1e6);
        assert!(report["cpu"].as_str().is_some_and(|c| !c.is_empty()), "{report:#}");
    }
}

#[test]
fn bench_file_prints_the_figures_as_text() {
    let out = handoff(&["bench", "scenarios/refund.json", "--runs", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let (calls, handoffs, turns, events) = counts_of("scenarios/refund.json");
    let head = format!(
        "{calls} model calls, {handoffs} handoffs, {turns} human turns, {events} events (completed), median of 3 runs\n"
    );
    assert!(
        text.lines().next().is_some_and(|l| l.ends_with(head.trim_end())),
        "{text}"
    );
    for line in [
        "  routing per handoff     ",
        "  routing per model call  ",
        "  scripted model per call ",
        "  run                     ",
        "  peak memory             ",
        "  cpu                     ",
    ] {
        assert!(text.contains(line), "{line:?} missing in\n{text}");
    }
}

#[test]
fn bench_file_refuses_a_scenario_without_a_scripted_model() {
    let dir = tempfile::tempdir().unwrap();
    let root = crate::support::root();
    let mut scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("scenarios/customer_support.json")).unwrap()).unwrap();
    scenario["model"] = serde_json::json!({ "recording": "customer_support.recording.json" });
    let replayed = dir.path().join("replayed.json");
    std::fs::write(&replayed, scenario.to_string()).unwrap();
    std::fs::copy(
        root.join("scenarios/customer_support.recording.json"),
        dir.path().join("customer_support.recording.json"),
    )
    .unwrap();
    let design = root.join("scenarios/designs/customer_support_v2.json");
    for (file, place) in [(&replayed, "model"), (&design, "task")] {
        let out = handoff(&["bench", file.to_str().unwrap(), "--runs", "1"]);
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&*file.to_string_lossy()) && stderr.contains(&format!(": {place}: ")),
            "{stderr}"
        );
        assert!(out.stdout.is_empty(), "no figures for a refused scenario");
    }
}

#[test]
fn bench_without_a_file_or_workload_is_a_usage_error() {
    let out = handoff(&["bench"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<FILE>"));
}
