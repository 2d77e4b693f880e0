//! The ping-pong workload and `handoff bench pingpong`.

use handoff_harness::Outcome;
use handoff_harness::bench::PingPong;
use handoff_harness::engine::{EventKind, NoHuman};
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
