//! Conversations at once: the app drives, and each request is answered from the conversation
//! whose thread it extends. Two clients step through their conversations in lockstep with each
//! other (a barrier between steps), so that their requests overlap in time.

use std::path::Path;
use std::sync::{Arc, Barrier};

use serde_json::Value;

use super::chat::{SMALL_ANSWERS, assert_chat_answer};
use super::{SMALL, Serve, chat, client, exits, expected_bodies, small_scenario};

/// Runs each conversation of `bodies` on a thread of its own, the threads taking each step
/// together; `first` decides which of them sends first at every step. Returns the answers.
fn at_once(url: &str, conversations: &[Vec<Value>], first: usize) -> Vec<Vec<Value>> {
    let steps = conversations.iter().map(Vec::len).max().unwrap();
    let barrier = Arc::new(Barrier::new(conversations.len()));
    let threads: Vec<_> = conversations
        .iter()
        .enumerate()
        .map(|(i, bodies)| {
            let (bodies, url, barrier) = (bodies.clone(), url.to_string(), barrier.clone());
            std::thread::spawn(move || {
                let agent = client();
                let mut answers = Vec::new();
                for step in 0..steps {
                    barrier.wait();
                    // The one that goes second waits for the first one's answer to begin.
                    if i != first {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    if let Some(body) = bodies.get(step) {
                        let reply = chat(&agent, &url, body);
                        assert_eq!(reply.status, 200, "conversation {i}, step {step}: {}", reply.text);
                        answers.push(reply.json());
                    }
                }
                answers
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

fn report(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn two_equal_conversations_at_once_are_two_conversations_not_retries() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, &["--conversations", "2", "--wait", "0.3"]);
    let answers = at_once(&serve.url(), &[bodies.clone(), bodies], 0);
    for conversation in &answers {
        let mut number = 0;
        for (answer, said) in conversation.iter().zip(&SMALL_ANSWERS) {
            number += 1;
            assert_chat_answer(answer, number, said);
        }
    }
    let output = serve.finish();
    exits(&output, 0);
    let report = report(&output);
    assert_eq!(
        report
            .matches("  ok     traffic: 5 requests, each the expected one\n")
            .count(),
        2,
        "{report}"
    );
    assert!(report.contains("conversation 2\n"), "{report}");
    assert!(!report.contains("sent again"), "{report}");
    assert!(report.ends_with("PASS\n"), "{report}");
}

/// The small scenario with another customer: another task, order 9.
fn other_customer(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let text = SMALL
        .replace("PROFILE", "")
        .replace("A customer is on the line.", "Another customer is on the line.")
        .replace("order 7", "order 9")
        .replace("Refunded order 7", "Refunded order 9")
        .replace("\"serve-small\"", "\"serve-small-other\"");
    crate::support::temp_file(dir, "other.json", text.as_bytes())
}

/// Serves `files` to two conversations at once, `first` sending first at each step; the report.
fn two_customers(files: [&Path; 2], first: usize) -> String {
    let conversations = [expected_bodies(files[0]), expected_bodies(files[1])];
    let serve = Serve::start(
        files[0],
        &[files[1].to_str().unwrap(), "--conversations", "2", "--wait", "0.3"],
    );
    let answers = at_once(&serve.url(), &conversations, first);
    // Each client got its own conversation's answers: order 7 for one, order 9 for the other.
    assert_eq!(
        answers[0][2]["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        r#"{"order_id":"7"}"#
    );
    assert_eq!(
        answers[1][2]["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        r#"{"order_id":"9"}"#
    );
    let output = serve.finish();
    exits(&output, 0);
    report(&output)
}

#[test]
fn two_customers_at_once_are_each_their_own_scenario_whichever_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let (one, other) = (small_scenario(&dir, None), other_customer(&dir));
    let report = two_customers([&one, &other], 0);
    for line in [
        "Task: A customer is on the line.\n",
        "Task: Another customer is on the line.\n",
        "Task is completed with summary: Refunded order 7.\n",
        "Task is completed with summary: Refunded order 9.\n",
    ] {
        assert!(report.contains(line), "`{line}` missing:\n{report}");
    }
    // The same app gives the same report, whichever conversation's requests come first.
    assert_eq!(two_customers([&one, &other], 1), report);
}

#[test]
fn fewer_conversations_than_asked_for_fail() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, &["--conversations", "2", "--wait", "0.3", "--timeout", "3"]);
    at_once(&serve.url(), &[bodies], 0);
    let output = serve.finish();
    exits(&output, 1);
    let report = report(&output);
    assert!(
        report.contains("  ok     traffic: 5 requests, each the expected one\n"),
        "{report}"
    );
    assert!(
        report.ends_with("FAIL: the app held 1 conversation(s), and --conversations 2 expects 2\n"),
        "{report}"
    );
}

#[test]
fn under_match_agent_a_conversation_s_later_requests_to_its_first_agent_are_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, &["--match", "agent", "--wait", "0.3"]);
    at_once(&serve.url(), &[bodies], 0);
    let output = serve.finish();
    exits(&output, 0);
    let report = report(&output);
    assert!(
        report.contains("  ok     traffic: 5 requests, each for the expected agent (--match agent: instructions, functions and messages not compared)\n"),
        "{report}"
    );
}

#[test]
fn a_first_request_sent_again_is_a_retry_when_the_serve_holds_no_more_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let agent = client();
    let first = chat(&agent, &serve.url(), &bodies[0]);
    let again = chat(&agent, &serve.url(), &bodies[0]);
    assert_eq!((first.status, again.status), (200, 200), "{}", again.text);
    assert_eq!(first.text, again.text, "the lost answer, given again");
    for body in &bodies[1..] {
        assert_eq!(chat(&agent, &serve.url(), body).status, 200);
    }
    let output = serve.finish();
    exits(&output, 0);
    assert!(report(&output).contains("traffic: 1 request(s) sent again and answered again\n"));
}

#[test]
fn each_conversation_is_reported_with_its_own_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let (one, other) = (small_scenario(&dir, None), other_customer(&dir));
    let conversations = [expected_bodies(&one), expected_bodies(&other)];
    let serve = Serve::start(
        &one,
        &[
            other.to_str().unwrap(),
            "--conversations",
            "2",
            "--wait",
            "0.3",
            "--format",
            "json",
        ],
    );
    at_once(&serve.url(), &conversations, 0);
    let output = serve.finish();
    exits(&output, 0);
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut names: Vec<&str> = value["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["scenario"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["serve-small", "serve-small-other"], "{value}");
}

#[test]
fn two_scenarios_that_start_alike_are_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let one = small_scenario(&dir, None);
    // The same customer's task, with another second reply.
    let text = SMALL.replace("PROFILE", "").replace("No, thanks", "No, thank you");
    let alike = crate::support::temp_file(&dir, "alike.json", text.as_bytes());
    let output = Serve::start(&one, &[alike.to_str().unwrap(), "--timeout", "0.5"]).finish();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("alike.json start alike (the same task, start agent and functions): every conversation that starts so is a run of"),
        "{stderr}"
    );
    let other = other_customer(&dir);
    let output = Serve::start(&one, &[other.to_str().unwrap(), "--timeout", "0.5"]).finish();
    assert!(!String::from_utf8_lossy(&output.stderr).contains("start alike"));
}
