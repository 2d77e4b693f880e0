//! The app cancelling a run (a scenario's `cancel`), as each framework takes it: Semantic
//! Kernel Python's `OrchestrationResult.cancel()` (the result raises at once, the agent goes on
//! in the background with what it says reaching no one), the task of Agent Framework's
//! workflow or of the Agents SDK's `Runner.run` cancelled (the answer in flight never read),
//! and a cancel after the result. `conformance/traces/*/cancel_*.json` are the real frameworks.

use handoff_harness::Scenario;
use handoff_harness::engine::{Cancel, EventKind, Message, Outcome};
use serde_json::Value;

use crate::framework_options::{refused, stderr, stdout};
use crate::support::{arg, handoff, temp_file};

/// Triage answers, the human asks for a refund, Triage hands off, Refund completes (or, under
/// a profile without a completion function, replies); `profile` and `cancel` as given.
fn refund_desk(profile: &str, cancel: &str) -> String {
    format!(
        r#"{{"task": "A customer is on the line.", "profile": {profile}, "start": "TriageAgent", {cancel}
            "agents": [{{"name": "TriageAgent"}}, {{"name": "RefundAgent"}}],
            "handoffs": {{"TriageAgent": {{"RefundAgent": null}}}},
            "user": ["I want a refund"],
            "model": {{"scripted": {{
              "TriageAgent": {{"responses": [{{"say": "How can I help?"}}, {{"handoff": "RefundAgent"}}]}},
              "RefundAgent": {{"responses": [{{"complete": "Refunded."}}]}}}}}}}}"#
    )
}

fn run(text: &str) -> handoff_harness::Run {
    let scenario = Scenario::parse(text, "cancel.json", None).unwrap_or_else(|e| panic!("{e}"));
    scenario.run_blocking().unwrap()
}

/// The notes of a run, in order.
fn notes(run: &handoff_harness::Run) -> Vec<String> {
    run.log()
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Note { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Semantic Kernel: `get()` raises at once, but Triage goes on (its actor holds the message):
/// the human is asked, Triage hands off, and Refund, which never heard Triage or the human
/// (published with the cancelled token), runs and completes in the background.
#[test]
fn semantic_kernel_goes_on_in_the_background_and_its_cancelled_words_reach_no_one() {
    for profile in ["semantic-kernel", "semantic-kernel-fixed"] {
        let run = run(&refund_desk(&format!("\"{profile}\""), r#""cancel": {"at_call": 1},"#));
        let Outcome::Cancelled {
            call,
            error,
            background,
            ..
        } = run.outcome()
        else {
            panic!("{profile}: {:?}", run.outcome());
        };
        assert_eq!(*call, 1);
        assert_eq!(
            error,
            "RuntimeError: The invocation was canceled before it could complete."
        );
        assert_eq!(background.as_deref().map(Outcome::kind), Some("completed"), "{profile}");
        assert_eq!((run.model_calls(), run.human_turns()), (3, 1), "{profile}");
        let refund = run.design().find("RefundAgent").unwrap();
        let read: Vec<String> = run.log().thread(refund).map(|m| format!("{m:?}")).collect();
        assert!(
            read.iter()
                .all(|e| !e.contains("How can I help?") && !e.contains("I want a refund")),
            "{profile}: RefundAgent read {read:?}"
        );
        let triage = run.design().find("TriageAgent").unwrap();
        let heard = run
            .log()
            .thread(triage)
            .any(|m| matches!(m, Message::User { text } if text == "I want a refund"));
        assert!(heard, "{profile}: Triage reads the answer it asked for");
    }
}

/// Agent Framework and the Agents SDK: the host's task is cancelled while Triage's handoff
/// call is in flight; the answer is logged but never read: no handoff, no other call.
#[test]
fn agent_framework_and_the_agents_sdk_stop_at_the_call_in_flight() {
    for (profile, leaves) in [
        ("agent-framework", "Cannot start a new run with 'message'"),
        ("openai-agents", "to_input_list()"),
    ] {
        let run = run(&refund_desk(&format!("\"{profile}\""), r#""cancel": {"at_call": 2},"#));
        assert_eq!(
            run.outcome(),
            &Outcome::Cancelled {
                agent: run.design().find("TriageAgent").unwrap(),
                call: 2,
                error: "asyncio.CancelledError".into(),
                background: None
            },
            "{profile}"
        );
        assert_eq!(run.model_calls(), 2, "{profile}");
        assert!(
            !run.log()
                .events()
                .iter()
                .any(|e| matches!(e.kind, EventKind::Handoff { .. } | EventKind::ToolResult { .. })),
            "{profile}"
        );
        assert!(
            notes(&run)
                .iter()
                .any(|n| n.contains("never reads the answer") && n.contains(leaves)),
            "{profile}: {:?}",
            notes(&run)
        );
    }
}

/// After the result: Semantic Kernel's `cancel()` raises; a finished task ignores it. The run
/// ends as it ended.
#[test]
fn a_cancel_after_the_result_changes_nothing_and_semantic_kernel_raises() {
    for (profile, says) in [
        (
            "semantic-kernel",
            "cancel() raises RuntimeError: The invocation has already been completed.",
        ),
        ("agent-framework", "`task.cancel()` returns False, nothing happens"),
        ("openai-agents", "`task.cancel()` returns False, nothing happens"),
    ] {
        let run = run(&refund_desk(&format!("\"{profile}\""), r#""cancel": "after_result","#));
        assert_eq!(run.outcome().kind(), "completed", "{profile}");
        assert_eq!(run.model_calls(), 3, "{profile}");
        assert_eq!(
            notes(&run).last().map(String::as_str),
            Some(format!("the app cancels the finished run: {says}").as_str()),
            "{profile}"
        );
    }
}

/// `--format json` gives the cancellation in the outcome, and a scenario expects `cancelled`.
#[test]
fn the_json_outcome_says_where_and_what_the_app_got() {
    let dir = tempfile::tempdir().unwrap();
    let text = refund_desk(
        r#""semantic-kernel""#,
        r#""cancel": {"at_call": 1}, "expect": {"outcome": "cancelled", "model_calls": 3},"#,
    );
    let file = temp_file(&dir, "cancel.json", text.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let outcome = &json["outcome"];
    assert_eq!(
        (
            &outcome["kind"],
            &outcome["call"],
            &outcome["agent"],
            &outcome["background"]
        ),
        (
            &"cancelled".into(),
            &1.into(),
            &"TriageAgent".into(),
            &"completed".into()
        )
    );
    assert!(
        outcome["message"]
            .as_str()
            .unwrap()
            .starts_with("Run cancelled: the app cancelled it while model call 1")
    );
}

/// A profile whose cancellation is not traced refuses it, and a cancel that is no point of a
/// run is bad input, each naming the file and the place.
#[test]
fn untraced_profiles_and_bad_forms_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, profile, cancel, says) in [
        (
            "dotnet.json",
            "\"semantic-kernel-dotnet\"",
            r#""cancel": "after_result","#,
            "cancel: `semantic-kernel-dotnet` has no traced cancellation",
        ),
        (
            "zero.json",
            "\"semantic-kernel\"",
            r#""cancel": {"at_call": 0},"#,
            "a whole number from 1; got 0",
        ),
        (
            "word.json",
            "\"openai-agents\"",
            r#""cancel": "now","#,
            "`now` is no point to cancel at",
        ),
    ] {
        let file = temp_file(&dir, name, refund_desk(profile, cancel).as_bytes());
        refused(&file, name);
        refused(&file, says);
    }
}

/// `handoff record` keeps where the app cancelled, and a replay of the recording cancels
/// there again: the same calls, the same outcome.
#[test]
fn a_recording_keeps_the_cancel_and_its_replay_cancels_again() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = r#""cancel": {"at_call": 1}, "expect": {"outcome": "cancelled"},"#;
    let text = refund_desk(r#""semantic-kernel""#, cancel);
    let file = temp_file(&dir, "desk.json", text.as_bytes());
    let scripted = run(&text);
    let endpoint = crate::endpoint::Endpoint::start(crate::endpoint::answers_of(&scripted));
    let out = dir.path().join("desk.recording.json");
    let recorded = crate::record::record(&file, &endpoint, &out, &[]);
    assert_eq!(recorded.status.code(), Some(0), "{}", stderr(&recorded));
    let transcript = handoff_harness::wire::Transcript::load(&out).unwrap();
    assert_eq!(transcript.cancel, Some(Cancel::AtCall(1)));
    let replaying = r#"{"task": "A customer is on the line.",
        "agents": [{"name": "TriageAgent"}, {"name": "RefundAgent"}],
        "handoffs": {"TriageAgent": {"RefundAgent": null}},
        "model": {"recording": "desk.recording.json"}, "expect": {"outcome": "cancelled", "model_calls": 3}}"#;
    let replay_file = temp_file(&dir, "replay.json", replaying.as_bytes());
    let replayed = handoff(&["run", arg(&replay_file)]);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{}{}",
        stdout(&replayed),
        stderr(&replayed)
    );
    let again = Scenario::load(&replay_file).unwrap().run_blocking().unwrap();
    assert_eq!(again.outcome(), scripted.outcome());
}

/// A call in flight that the model's API answers with an error: the app had cancelled it, so
/// what it gets is the cancellation (Semantic Kernel's actor then fails in the background).
#[test]
fn a_call_answered_with_an_error_after_the_cancel_is_cancelled() {
    for (profile, background) in [("openai-agents", None), ("semantic-kernel", Some("model-failed"))] {
        let text = refund_desk(&format!("\"{profile}\""), r#""cancel": {"at_call": 1},"#).replace(
            r#"[{"say": "How can I help?"}, {"handoff": "RefundAgent"}]"#,
            r#"[{"error": {"status": 400}}]"#,
        );
        let run = run(&text);
        let Outcome::Cancelled {
            call, background: end, ..
        } = run.outcome()
        else {
            panic!("{profile}: {:?}", run.outcome());
        };
        assert_eq!((*call, end.as_deref().map(Outcome::kind)), (1, background), "{profile}");
    }
}
