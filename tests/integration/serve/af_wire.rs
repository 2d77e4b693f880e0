//! Agent Framework over the HTTP wire, without Python: the requests that
//! `conformance/af/record_wire.sh` recorded of `examples/agent-framework/support_desk.py`
//! (`conformance/traces/af-wire/`: the Responses API chained by `previous_response_id`, and
//! Chat Completions; the task's `workflow.run` streamed and the later ones not, or every run
//! streamed) are sent to `handoff serve` again, in order. Under the scenario with the matching
//! `streamed_runs` each is the request the `agent-framework` profile expects; under the other
//! setting Chat Completions diverges where the framework's names show it, and the Responses API,
//! which carries no names, does not.

use std::path::PathBuf;

use serde_json::Value;

use super::{Serve, client, exits, post};
use crate::support::{root, temp_file};

/// The recorded requests of `support_desk.<trace>.jsonl`: each one's path and body.
fn recorded(trace: &str) -> Vec<(String, Value)> {
    let path = root().join(format!("conformance/traces/af-wire/support_desk.{trace}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap();
            assert_eq!(row["status"], 200, "the recording itself was refused: {line}");
            (row["path"].as_str().unwrap().to_string(), row["request"].clone())
        })
        .collect()
}

/// The app's scenario with `streamed_runs` set to `runs`, in `dir`.
fn scenario(dir: &tempfile::TempDir, runs: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("examples/agent-framework/support_desk.json")).unwrap();
    let setting = r#""streamed_runs": "first""#;
    assert!(text.contains(setting), "the scenario's profile setting moved");
    let text = text.replace(setting, &format!(r#""streamed_runs": "{runs}""#));
    temp_file(dir, "support_desk.json", text.as_bytes())
}

/// Sends the requests of `trace` to a serve of the scenario under `runs`, until one is refused;
/// the number refused at (from 1), its error, and serve's report.
fn replay(trace: &str, runs: &str) -> (Option<(usize, String)>, String) {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&scenario(&dir, runs), &["--wait", "0.3", "--timeout", "5"]);
    let (agent, base) = (client(), format!("http://127.0.0.1:{}", serve.port));
    let mut refused = None;
    for (i, (path, body)) in recorded(trace).iter().enumerate() {
        let reply = post(&agent, &base, path, &body.to_string());
        if reply.status != 200 {
            refused = Some((i + 1, reply.error_message()));
            break;
        }
    }
    let output = serve.finish();
    exits(&output, if refused.is_some() { 1 } else { 0 });
    (refused, String::from_utf8(output.stdout).unwrap())
}

#[test]
fn every_recorded_request_is_the_one_the_profile_expects_under_its_own_setting() {
    for (trace, runs) in [
        ("responses-first", "first"),
        ("responses-all", "all"),
        ("chat-first", "first"),
        ("chat-all", "all"),
    ] {
        let (refused, report) = replay(trace, runs);
        assert_eq!(refused, None, "{trace}:\n{report}");
        assert!(
            report.contains("  ok     traffic: 9 requests, each the expected one\n"),
            "{trace}:\n{report}"
        );
        assert!(report.contains("path: front_desk -> exchange_agent -> billing_agent -> front_desk"));
    }
}

#[test]
fn over_chat_completions_an_unstreamed_run_signs_the_agent_s_own_messages_and_the_setting_must_say_so() {
    // The exchange agent's third request is the first after an invocation of its own ended:
    // after a run that did not stream, its call and its answer carry its name.
    let (refused, _) = replay("chat-first", "all");
    let (at, error) = refused.expect("the unstreamed trace passed as if every run streamed");
    assert_eq!(at, 5, "{error}");
    assert!(error.contains("at exchange_agent call 3"), "{error}");
    assert!(
        error.contains("differ only in their authors' names: Agent Framework names an agent's own earlier messages after a `workflow.run` that does not stream; say which runs stream with `profile.streamed_runs`"),
        "{error}"
    );
    assert!(
        error.contains("\n-message 5: assistant calls start_exchange({\"order_ref\":\"77\"}) [call_0002]\n+message 5: assistant exchange_agent calls start_exchange"),
        "{error}"
    );
    let (refused, _) = replay("chat-all", "first");
    let (at, error) = refused.expect("the streamed trace passed as if the later runs did not stream");
    assert_eq!(at, 5, "{error}");
    assert!(
        error.contains("\n-message 7: assistant exchange_agent: Done: the exchange for order 77"),
        "{error}"
    );
}

#[test]
fn the_responses_api_carries_no_names_so_either_setting_matches_it() {
    for (trace, runs) in [("responses-first", "all"), ("responses-all", "first")] {
        let (refused, report) = replay(trace, runs);
        assert_eq!(refused, None, "{trace} under {runs}:\n{report}");
    }
}
