//! Agent Framework's `termination_condition` on the last message's author
//! (`conversation[-1].author_name == name`, the framework's `test_simple_handoff_workflow`):
//! the task and the human's replies are no agent's, text beside a handoff is its speaker's,
//! and the workflow ends after the named agent's reply. `conformance/traces/af/termination_last_author.json`.

use handoff_harness::Scenario;

use crate::framework_options::refused;
use crate::support::temp_file;

fn desk(author: &str) -> String {
    format!(
        r#"{{"task": "I want to get a refund", "start": "triage_agent",
            "profile": {{"name": "agent-framework", "termination_condition": {{"last_author": "{author}"}}}},
            "agents": [{{"name": "triage_agent"}}, {{"name": "refund_agent"}}],
            "user": ["My order is 12345", "never read"],
            "model": {{"scripted": {{
              "triage_agent": {{"responses": [{{"say": "Let me get the refund team.", "handoff": "refund_agent"}}]}},
              "refund_agent": {{"responses": [{{"say": "Which order?"}}, {{"say": "Refunded."}}]}}}}}}}}"#
    )
}

#[test]
fn the_workflow_ends_after_the_named_agents_text_and_not_before() {
    let refund = Scenario::parse(&desk("refund_agent"), "a.json", None)
        .unwrap()
        .run_blocking()
        .unwrap();
    assert_eq!(
        (refund.outcome().kind(), refund.model_calls(), refund.human_turns()),
        ("completed", 2, 0)
    );
    assert!(
        refund.outcome_line().contains("Which order?"),
        "{}",
        refund.outcome_line()
    );
    // Triage's text beside its handoff is the last message when refund_agent would run: the
    // condition on triage_agent holds before refund_agent is called.
    let triage = Scenario::parse(&desk("triage_agent"), "b.json", None)
        .unwrap()
        .run_blocking()
        .unwrap();
    assert_eq!((triage.outcome().kind(), triage.model_calls()), ("completed", 1));
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "ghost.json", desk("ghost").as_bytes());
    refused(
        &file,
        "profile.termination_condition.last_author: `ghost` is no agent of the design",
    );
}
