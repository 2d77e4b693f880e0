//! Every shipped scenario meets its own `expect` block; the customer-support run prints the
//! tutorial's sample output; fuzzing the IT helpdesk finds its planted bounce.

use handoff_harness::fuzz::Violation;
use handoff_harness::{Fuzzer, Outcome, Scenario};

use crate::support::root;

fn scenario_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().ends_with(".recording.json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_meets_its_expectations() {
    let files = scenario_files();
    assert!(files.len() >= 4, "{files:?}");
    for file in files {
        let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(
            scenario.expect,
            Default::default(),
            "{}: a shipped scenario states what it expects",
            file.display()
        );
        let run = scenario.run_blocking().unwrap();
        let verdict = scenario.verdict(&run);
        assert!(
            verdict.passed,
            "{}: {:#?}\n{}",
            file.display(),
            verdict.checks,
            run.text()
        );
    }
}

/// The Python tutorial's "Sample Output" (Microsoft Learn, "Handoff Orchestration"), word
/// for word.
pub const TUTORIAL_SAMPLE_OUTPUT: &str = "\
TriageAgent: Hello! Thank you for reaching out. How can I assist you today?
User: I'd like to track the status of my order
OrderStatusAgent: Sure, I can help you with that. Could you please provide me with your order ID?
User: My order ID is 123
OrderStatusAgent: Your order with ID 123 has been shipped and is expected to arrive in 2-3 days. Is there anything else I can assist you with?
User: I want to return another order of mine
OrderReturnAgent: I can help you with returning your order. Could you please provide the order ID for the return and the reason you'd like to return it?
User: Order ID 321
OrderReturnAgent: Please provide the reason for returning the order with ID 321.
User: Broken item
OrderReturnAgent: The return for your order with ID 321 has been successfully processed due to the broken item. Is there anything else I can assist you with?
User: No, bye
Task is completed with summary: Handled order return for order ID 321 due to a broken item, and successfully processed the return.";

#[test]
fn customer_support_prints_every_line_of_the_tutorial_sample_output_in_order() {
    let run = Scenario::load(root().join("scenarios/customer_support.json"))
        .unwrap()
        .run_blocking()
        .unwrap();
    let text = run.text();
    let mut lines = text.lines();
    for expected in TUTORIAL_SAMPLE_OUTPUT.lines() {
        assert!(
            lines.any(|line| line == expected),
            "missing, or out of order: {expected}\n---\n{text}"
        );
    }
    assert_eq!(
        text.lines().last(),
        TUTORIAL_SAMPLE_OUTPUT.lines().last(),
        "the summary is the last line"
    );
    // Handoffs and tool calls stand on their own lines.
    assert!(text.contains("\n[handoff] TriageAgent -> OrderStatusAgent\n"));
    assert!(text.contains(
        "\n[tool] OrderStatusAgent: check_order_status({\"order_id\":\"123\"}) -> Order 123 is shipped and will arrive in 2-3 days.\n"
    ));
}

#[test]
fn the_json_rendering_lists_every_event_with_a_counter_id() {
    let run = Scenario::load(root().join("scenarios/customer_support.json"))
        .unwrap()
        .run_blocking()
        .unwrap();
    let json = run.to_json();
    let events = json["events"].as_array().unwrap();
    assert_eq!(events.len(), run.log().len());
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["id"], i, "{event}");
        assert!(event["kind"].is_string(), "{event}");
    }
    assert_eq!(events[0]["kind"], "task");
    assert_eq!(json["outcome"]["kind"], "completed");
    assert_eq!(json["outcome"]["agent"], "OrderReturnAgent");
    assert_eq!(
        json["path"],
        serde_json::json!(["TriageAgent", "OrderStatusAgent", "TriageAgent", "OrderReturnAgent"])
    );
    let handoff = events.iter().find(|e| e["kind"] == "handoff").unwrap();
    assert_eq!(
        (handoff["agent"].as_str(), handoff["to"].as_str()),
        (Some("TriageAgent"), Some("OrderStatusAgent"))
    );
}

#[test]
fn fuzzing_the_it_helpdesk_finds_the_planted_bounce_and_shrinks_it_to_one_reply() {
    let scenario = Scenario::load(root().join("scenarios/it_helpdesk.json")).unwrap();
    for seed in [1, 2, 3] {
        let found = Fuzzer::new(&scenario)
            .unwrap()
            .search(1_000, seed)
            .expect("the planted bounce is found");
        assert!(matches!(found.violation, Violation::Bounce(_)), "{}", found.violation);
        assert!(
            matches!(found.run.outcome(), Outcome::LoopDetected { .. }),
            "seed {seed}"
        );
        assert!(
            found
                .violation
                .to_string()
                .contains("NetworkAgent -> AccountsAgent -> NetworkAgent would hand off forever"),
            "seed {seed}: {}",
            found.violation
        );
        assert_eq!(found.case.replies.len(), 1, "seed {seed}: {}", found.case);
        let reply = found.case.replies[0].to_lowercase();
        assert!(
            (reply.contains("vpn") || reply.contains("wi")) && (reply.contains("login") || reply.contains("password")),
            "seed {seed}: the reply is about both: {reply:?}"
        );
    }
}
