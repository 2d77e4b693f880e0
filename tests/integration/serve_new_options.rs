//! The Agents SDK options of a scenario's `openai-agents` profile traced at the SDK's fake-model
//! level, run with a real SDK app (`tests/apps/oai_nested_history.py`) under strict
//! `handoff serve`, answered from the conformance scenario of the real SDK's trace: the host's
//! session (`profile.session`), handoffs enabled turn by turn (an edge's `is_enabled`), a task
//! given as several messages, and server-managed conversations (`profile.server_managed`).
//! Each request of the app must be the one the run predicts, over the Responses API (the SDK's
//! default) and, where the SDK can, over Chat Completions.

use std::process::Output;

use crate::framework_options::stdout;
use crate::support::root;

/// `handoff serve` of the conformance scenario `name` with the app and its `flags`; the task
/// on its input unless the flags give it (`--messages`).
fn serve(name: &str, flags: &[&str]) -> Output {
    serve_file(&format!("conformance/scenarios/oai/{name}.json"), flags)
}

/// [`serve`] of the scenario at `file`.
fn serve_file(file: &str, flags: &[&str]) -> Output {
    crate::sdk_app::serve("oai_nested_history.py", file, flags)
}

/// Serves `name` to the app with `flags`, which must pass with `requests` requests, each the
/// expected one; the report.
fn passes(name: &str, flags: &[&str], requests: usize) -> String {
    crate::sdk_app::passes(
        "oai_nested_history.py",
        &format!("conformance/scenarios/oai/{name}.json"),
        flags,
        requests,
    )
}

/// The task of conformance scenario `name` (a list of messages) as JSON, for `--messages`.
fn task_of(name: &str) -> String {
    let path = root().join(format!("conformance/scenarios/oai/{name}.json"));
    let scenario: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(scenario["task"].is_array(), "{name}");
    scenario["task"].to_string()
}

/// `Runner.run(agent, reply, session=SQLiteSession(...))`: each run is given the new message
/// alone, the SDK reads the rest from the session; every request is the run's, and the session
/// holds what the trace's did: flat, nested (the next run reads the session's items, not the
/// summary), and with Triage's handoff filtered by `remove_all_tools`.
#[test]
fn a_real_app_keeping_a_session_is_what_the_run_predicts_over_both_apis() {
    for (name, flags, requests, items) in [
        ("session_flat", &["--plain"][..], 4, 9),
        ("session_nested", &[][..], 7, 16),
        (
            "session_remove_all_tools",
            &["--plain", "--edge", "TriageAgent,RefundAgent,remove_all_tools"][..],
            7,
            14,
        ),
    ] {
        for api in [&[][..], &["--chat"][..]] {
            let flags = [flags, &["--session"][..], api].concat();
            let text = passes(name, &flags, requests);
            let held = format!("  ok     session: it holds {items} items, as expected\n");
            assert!(text.contains(&held), "{name} {flags:?}:\n{text}");
        }
    }
}

/// Triage's handoffs enabled by callables reading `ctx.turn_input` (`is_enabled=...`): offered
/// on the third request, not before. Without the callables the app offers both handoffs at
/// once, and serve says so at Triage's first request.
#[test]
fn a_real_app_whose_handoffs_are_enabled_turn_by_turn_is_what_the_run_predicts() {
    for api in [&[][..], &["--chat"][..]] {
        passes("enablement_per_turn", &[&["--plain", "--enabled"][..], api].concat(), 4);
    }
    let out = serve("enablement_per_turn", &["--plain"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("traffic: diverged at TriageAgent call 1 (model call 1)"),
        "{text}"
    );
}

/// `Runner.run(agent, [messages])`: the first run's input is the scenario's task as a list.
/// Over Chat Completions the SDK's own converter refuses a user item with a `name` and one
/// whose content is `None` (`UserError`, `TypeError`) before any request: those tasks are the
/// Responses API's.
#[test]
fn a_real_app_giving_a_list_of_messages_is_what_the_run_predicts() {
    for (name, nested, requests) in [
        ("task_messages", false, 2),
        ("task_messages_nested", true, 3),
        ("task_messages_older_summary", true, 2),
    ] {
        let task = task_of(name);
        let mut flags = vec!["--messages", task.as_str()];
        if !nested {
            flags.push("--plain");
        }
        passes(name, &flags, requests);
        flags.push("--chat");
        if name == "task_messages_older_summary" {
            passes(name, &flags, requests);
        } else {
            let out = serve(name, &flags);
            let text = stdout(&out);
            assert_eq!(out.status.code(), Some(1), "{text}");
            assert!(text.contains("got no request of the app came"), "{text}");
        }
    }
}

/// `auto_previous_response_id=True` (Responses API): each request after the first sends the
/// new items and the answer's id, which serve puts back together; nesting is switched off with
/// the SDK's warning, and an edge's input filter makes the SDK raise at the handoff, as the
/// scenario expects (the app then exits 1, which fails the serve). An app that does not chain
/// diverges at its second request.
#[test]
fn a_real_app_on_server_managed_conversations_is_what_the_run_predicts() {
    passes("server_managed_flat", &["--plain", "--server-managed"], 3);
    let text = passes("server_managed_nested", &["--server-managed"], 3);
    assert!(text.contains("do not support nest_handoff_history"), "{text}");
    let out = serve(
        "server_managed_filter",
        &[
            "--plain",
            "--server-managed",
            "--edge",
            "TriageAgent,RefundAgent,remove_all_tools",
        ],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for line in [
        "  ok     outcome: framework-error\n",
        "  ok     traffic: 2 requests, each the expected one\n",
        "app: the app exited with status 1\n",
    ] {
        assert!(text.contains(line), "{text}");
    }
    // A second run, on the human's reply, chained by `previous_response_id=result.last_response_id`
    // (untraced: the SDK sends the reply alone, serve puts the thread before it).
    // (The file's text with three lines changed: JSON objects here would lose the key order.)
    let flat = std::fs::read_to_string(root().join("conformance/scenarios/oai/server_managed_flat.json")).unwrap();
    let two = flat
        .replace(r#""user": [],"#, r#""user": ["Order 42"],"#)
        .replace(
            r#"{"complete": "Refund team here."}"#,
            r#"{"say": "Refund team here. What is the order ID?"}, {"complete": "Refunded order 42."}"#,
        )
        .replace(r#""model_calls": 3"#, r#""model_calls": 4"#);
    for changed in [r#"["Order 42"]"#, "Refunded order 42.", r#""model_calls": 4"#] {
        assert!(two.contains(changed), "{two}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = crate::support::temp_file(&dir, "two_runs.json", two.as_bytes());
    let out = serve_file(file.to_str().unwrap(), &["--plain", "--server-managed"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("  ok     traffic: 4 requests, each the expected one\n"),
        "{text}"
    );
    assert!(
        text.contains("User: Order 42\nRefundAgent: Refunded order 42.\n"),
        "{text}"
    );
    // An app that sends whole threads instead is told at its second request, where the SDK
    // would have chained.
    let out = serve("server_managed_flat", &["--plain"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("diverges from the run at TriageAgent call 2 (model call 2 of the run): the request differs from the one the framework sends here; the scenario's conversation is server-managed"),
        "{}",
        stdout(&out)
    );
}
