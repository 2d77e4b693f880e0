//! What the traffic shows besides the run: a request sent again after a lost connection, a
//! request no agent sends, a thread the framework would not send, a bounce the harness ends,
//! and the files serve writes from the traffic.

use std::io::Read;
use std::path::PathBuf;

use serde_json::Value;

use super::chat::{SMALL_ANSWERS, assert_chat_answer};
use super::{
    Serve, chat, client, events, exits, expected_bodies, path_in, raw_request, small_scenario, small_serve, streamed,
};
use crate::support::{arg, handoff, root};

/// The report `handoff serve` printed.
fn report(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn a_client_that_drops_a_stream_sends_the_request_again_and_the_conversation_goes_on() {
    let (_dir, _file, bodies, serve) = small_serve(None, &["--wait", "0.3"]);
    let (agent, url) = (client(), serve.url());
    for (i, (body, said)) in bodies.iter().zip(&SMALL_ANSWERS).enumerate() {
        if i != 2 {
            let reply = chat(&agent, &url, body);
            assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
            assert_chat_answer(&reply.json(), if i < 2 { i + 1 } else { i + 2 }, said);
            continue;
        }
        // The tool call's stream is cut after a few bytes: the client drops the connection.
        let body = streamed(body, true);
        let mut stream = raw_request(serve.port, "POST", "/v1/chat/completions", &body.to_string());
        let mut first = [0; 16];
        stream.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"HTTP/1.1 200 OK\r");
        drop(stream);
        // Sent again, it is answered again: the same events.
        let reply = chat(&agent, &url, &body);
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.content_type, "text/event-stream");
        let data: Vec<String> = events(&reply.text).into_iter().map(|(_, data)| data).collect();
        assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
        let chunk: Value = serde_json::from_str(&data[0]).unwrap();
        assert_eq!(chunk["id"], "chatcmpl-0003");
        let call = &chunk["choices"][0]["delta"]["tool_calls"][0];
        assert_eq!(call["id"], "call_0002");
        assert_eq!(call["function"]["name"], "RefundPlugin-process_refund");
    }
    let report = passed_after_one_retry(serve);
    assert!(report.ends_with("PASS\n"), "{report}");
}

/// Waits for `serve`, which must pass with one request sent again among six; its report.
fn passed_after_one_retry(serve: Serve) -> String {
    let served = serve.finish();
    exits(&served, 0);
    let report = report(&served);
    for line in [
        "traffic: 1 request(s) sent again and answered again\n",
        "  ok     traffic: 6 requests, each the expected one\n",
    ] {
        assert!(report.contains(line), "{report}");
    }
    report
}

#[test]
fn the_final_request_sent_again_is_answered_again_too() {
    let (_dir, _file, bodies, serve) = small_serve(None, &["--wait", "1"]);
    let (agent, url) = (client(), serve.url());
    let mut last = None;
    for body in &bodies {
        let reply = chat(&agent, &url, body);
        assert_eq!(reply.status, 200, "{}", reply.text);
        last = Some(reply.text);
    }
    // The completing answer was lost on its way: the app asks again, and gets it again.
    let again = chat(&agent, &url, bodies.last().unwrap());
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(Some(again.text), last);
    passed_after_one_retry(serve);
}

#[test]
fn an_app_that_keeps_starting_conversations_is_refused_each_time_in_bounded_memory() {
    let (_dir, _file, bodies, serve) = small_serve(None, &[]);
    let (agent, url) = (client(), serve.url());
    for body in &bodies {
        assert_eq!(chat(&agent, &url, body).status, 200);
    }
    // The first request again, over and over: each would start a conversation more than the
    // serve holds (--conversations 1), and is refused; the report keeps the first
    // MAX_UNEXPECTED and counts them all.
    let mut refused = 0;
    for _ in 0..handoff_harness::serve::MAX_UNEXPECTED + 20 {
        match agent
            .post(format!("{url}/chat/completions"))
            .send(bodies[0].to_string())
        {
            Ok(mut answer) if answer.status() == 400 => {
                let text = answer.body_mut().read_to_string().unwrap();
                assert!(
                    text.contains("the app started conversation 2 and this serve holds 1 (--conversations 1)"),
                    "{text}"
                );
                refused += 1;
            }
            _ => break,
        }
    }
    assert_eq!(refused, handoff_harness::serve::MAX_UNEXPECTED + 20);
    let served = serve.finish();
    exits(&served, 1);
    let report = report(&served);
    assert!(
        report.contains("  ok     traffic: 5 requests, each the expected one\n"),
        "the conversation itself was right: {report}"
    );
    assert!(
        report.contains("serve: 120 request(s) of the app were refused; the first: the app started conversation 2"),
        "{report}"
    );
    assert!(report.ends_with("FAIL: 120 request(s) were refused\n"), "{report}");
}

#[test]
fn a_request_no_agent_sends_is_refused_naming_what_it_saw_and_the_closest_agent() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let mut body = expected_bodies(&file).swap_remove(0);
    // Neither its system message nor its functions are any agent's.
    body["messages"][0]["content"] = "Handle customer requests, politely.".into();
    body["tools"].as_array_mut().unwrap().truncate(1);
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let reply = chat(&client(), &serve.url(), &body);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json()["error"]["code"], "handoff_unattributable");
    let message = reply.error_message();
    for says in [
        r#"no agent of the design has the system message "Handle customer requests, politely." and offers Handoff-transfer_to_RefundAgent"#,
        r#"the closest agent is TriageAgent, whose instructions are "Handle customer requests.""#,
    ] {
        assert!(message.contains(says), "{says:?} not in {message:?}");
    }
    let served = serve.finish();
    exits(&served, 1);
    let report = report(&served);
    assert!(
        report.contains(
            "  FAILED traffic: expected every request of the app is the one its framework sends at that point, got the app's request diverges from the run at TriageAgent call 1 (model call 1 of the run): no agent of the design has the system message \"Handle customer requests, politely.\""
        ),
        "{report}"
    );
    assert!(report.contains("\nFAIL: "), "{report}");
}

#[test]
fn an_agent_whose_instructions_changed_is_told_by_its_functions_and_shown_as_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let mut body = expected_bodies(&file).swap_remove(0);
    body["messages"][0]["content"] = "Handle customer requests, politely.".into();
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let reply = chat(&client(), &serve.url(), &body);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json()["error"]["code"], "handoff_divergence");
    let message = reply.error_message();
    assert!(
        message.contains("-system: Handle customer requests.\n+system: Handle customer requests, politely.\n"),
        "{message}"
    );
    exits(&serve.finish(), 1);
}

#[test]
fn a_thread_the_framework_would_not_send_is_a_divergence_shown_as_a_diff() {
    let (_dir, _file, bodies, serve) = small_serve(None, &["--wait", "0.3"]);
    let (agent, url) = (client(), serve.url());
    let reply = chat(&agent, &url, &bodies[0]);
    assert_chat_answer(&reply.json(), 1, &SMALL_ANSWERS[0]);
    // The app heard another reply than the scenario's human gave.
    let mut body = bodies[1].clone();
    let messages = body["messages"].as_array_mut().unwrap();
    let reply_message = messages
        .iter_mut()
        .find(|m| m["content"] == "I want a refund for order 7");
    reply_message.unwrap()["content"] = "I want a refund for order 8".into();
    let reply = chat(&agent, &url, &body);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json()["error"]["code"], "handoff_divergence");
    let message = reply.error_message();
    let diff = |text: &str| -> (Vec<String>, Vec<String>) {
        let lines = text.lines().filter(|l| !l.starts_with("---") && !l.starts_with("+++"));
        let (minus, plus): (Vec<&str>, Vec<&str>) = lines
            .filter(|l| l.starts_with('-') || l.starts_with('+'))
            .partition(|l| l.starts_with('-'));
        let own = |v: Vec<&str>| v.into_iter().map(String::from).collect();
        (own(minus), own(plus))
    };
    let says = "the app's request diverges from the run at TriageAgent call 2 (model call 2 of the run): the request differs from the one the framework sends here\n--- expected (what the framework sends here)\n+++ sent by the app\n";
    assert!(message.starts_with(says), "{message}");
    assert!(
        !message.contains("recording"),
        "serve's scenario has no recording: {message}"
    );
    let (minus, plus) = diff(&message);
    assert_eq!(minus, ["-message 3: user: I want a refund for order 7"], "{message}");
    assert_eq!(plus, ["+message 3: user: I want a refund for order 8"], "{message}");
    let served = serve.finish();
    exits(&served, 1);
    let report = report(&served);
    assert!(
        report.contains(
            "traffic: diverged at TriageAgent call 2 (model call 2): the request differs from the one the framework sends here\n--- expected (what the framework sends here)\n+++ sent by the app\n"
        ),
        "{report}"
    );
    let (minus, plus) = diff(&report);
    assert_eq!(minus, ["-message 3: user: I want a refund for order 7"], "{report}");
    assert_eq!(plus, ["+message 3: user: I want a refund for order 8"], "{report}");
    assert!(
        report.contains(
            "  FAILED traffic: expected every request of the app is the one its framework sends at that point, got the app's request diverges from the run at TriageAgent call 2"
        ),
        "{report}"
    );
    assert!(report.contains("\nFAIL: "), "{report}");
}

/// Sends the bouncing-specialists scenario's requests to the serve at `url`, each answered;
/// returns the request its app sends after the last answer: the last answer hands off, so
/// the target is asked again (here as it was asked the first time).
fn bounce(url: &str) -> Value {
    let bodies = expected_bodies(&bouncing());
    let agent = client();
    let mut last = Value::Null;
    for (i, body) in bodies.iter().enumerate() {
        let reply = chat(&agent, url, body);
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        last = reply.json();
    }
    let called = last["choices"][0]["message"]["tool_calls"][0]["function"]["name"].as_str();
    let target = called.and_then(|c| c.strip_prefix("Handoff-transfer_to_"));
    let target = target.unwrap_or_else(|| panic!("the last answer is a transfer: {last}"));
    bodies
        .iter()
        .find(|b| b["messages"][0]["name"] == target)
        .unwrap()
        .clone()
}

/// The shipped scenario of two specialists handing a mixed request to each other.
fn bouncing() -> PathBuf {
    root().join("scenarios/bouncing_specialists.json")
}

#[test]
fn a_bounce_the_harness_stops_is_closed_with_a_complete_task_call_naming_the_loop() {
    let serve = Serve::start(&bouncing(), &["--wait", "1"]);
    let next = bounce(&serve.url());
    let reply = chat(&client(), &serve.url(), &next);
    assert_eq!(reply.status, 200, "{}", reply.text);
    let answer = reply.json();
    let call = &answer["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "Handoff-complete_task", "{answer}");
    assert_eq!(
        call["id"], "call_0004",
        "the run's next call id, after its three transfers"
    );
    let arguments: Value = serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    let summary = arguments["task_summary"].as_str().unwrap();
    assert!(
        summary.starts_with("handoff serve ended the conversation: "),
        "{summary}"
    );
    assert!(
        summary.contains("BillingAgent") && summary.contains("RefundAgent"),
        "{summary}"
    );
    assert!(summary.to_lowercase().contains("loop"), "{summary}");
    let served = serve.finish();
    exits(&served, 0);
    let report = report(&served);
    assert!(
        report.contains("traffic: the app's run was ended for it: answered with Handoff-complete_task: handoff serve ended the conversation: "),
        "{report}"
    );
    assert!(report.ends_with("PASS\n"), "{report}");
}

#[test]
fn a_bounce_closed_where_no_complete_task_is_offered_is_answered_with_an_error() {
    let serve = Serve::start(&bouncing(), &["--wait", "1"]);
    let mut next = bounce(&serve.url());
    next.as_object_mut().unwrap().remove("tools");
    next.as_object_mut().unwrap().remove("tool_choice");
    let reply = chat(&client(), &serve.url(), &next);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json()["error"]["code"], "handoff_ended");
    assert!(
        reply
            .error_message()
            .starts_with("handoff serve ended the conversation: "),
        "{}",
        reply.text
    );
    let served = serve.finish();
    exits(&served, 0);
    assert!(
        report(&served).contains("traffic: the app's run was ended for it: answered with an error: "),
        "{}",
        report(&served)
    );
}

#[test]
fn the_recording_serve_writes_replays_and_the_design_it_writes_is_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let (recording, design) = (path_in(&dir, "small.recording.json"), path_in(&dir, "observed.json"));
    let args = ["--wait", "0.3", "--record", &recording, "--write-design", &design];
    let serve = Serve::start(&file, &args);
    let (agent, url) = (client(), serve.url());
    for body in &bodies {
        assert_eq!(chat(&agent, &url, body).status, 200);
    }
    let served = serve.finish();
    exits(&served, 0);
    let stderr = String::from_utf8_lossy(&served.stderr);
    assert!(stderr.contains(&format!("recorded {recording}")), "{stderr}");
    assert!(
        stderr.contains(&format!("wrote the observed design to {design}")),
        "{stderr}"
    );

    let replayed = handoff(&["replay", arg(&file), "--transcript", &recording]);
    exits(&replayed, 0);
    let observed: Value = serde_json::from_str(&std::fs::read_to_string(&design).unwrap()).unwrap();
    let names: Vec<&str> = observed["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["TriageAgent", "RefundAgent"]);
    let analyzed = handoff(&["analyze", &design]);
    assert_ne!(analyzed.status.code(), Some(2), "{}", super::shown(&analyzed));
    let text = String::from_utf8_lossy(&analyzed.stdout);
    assert!(text.contains("TriageAgent") && text.contains("RefundAgent"), "{text}");
}

/// The error message `serve` answers `body` with, as the first request of a small serve
/// after `before` (the requests sent before it, each answered).
fn refused_with(before: &[Value], body: &Value) -> String {
    let (_dir, _file, _bodies, serve) = small_serve(None, &["--wait", "0.3"]);
    let (agent, url) = (client(), serve.url());
    for earlier in before {
        assert_eq!(chat(&agent, &url, earlier).status, 200);
    }
    let reply = chat(&agent, &url, body);
    assert_eq!(reply.status, 400, "{}", reply.text);
    let message = reply.error_message();
    serve.finish();
    message
}

#[test]
fn a_divergence_names_its_likely_cause() {
    let dir = tempfile::tempdir().unwrap();
    let bodies = expected_bodies(&small_scenario(&dir, None));
    // The same functions in another order.
    let mut reordered = bodies[0].clone();
    reordered["tools"].as_array_mut().unwrap().reverse();
    let message = refused_with(&[], &reordered);
    assert!(
        message.contains("; the app offers the same functions in another order: give the scenario's tools in the order the app offers them (Semantic Kernel offers a plugin's functions sorted by name"),
        "{message}"
    );
    // The same messages without their authors' names.
    let mut unnamed = bodies[1].clone();
    for message in unnamed["messages"].as_array_mut().unwrap().iter_mut().skip(1) {
        message.as_object_mut().unwrap().remove("name");
    }
    let message = refused_with(&bodies[..1], &unnamed);
    assert!(
        message.contains(
            "; the messages differ only in their authors' names, which the profile does not model here: `--match agent`"
        ),
        "{message}"
    );
    // Anything else has no guess.
    let mut other = bodies[0].clone();
    other["messages"][1]["content"] = "Something else".into();
    let message = refused_with(&[], &other);
    assert!(
        message.contains("the request differs from the one the framework sends here\n"),
        "{message}"
    );
    // Changed instructions are no names-only difference.
    let mut instructed = bodies[1].clone();
    instructed["messages"][0]["content"] = "Handle customer requests kindly.".into();
    let message = refused_with(&bodies[..1], &instructed);
    assert!(!message.contains("authors' names"), "{message}");
}

/// Sends the small conversation's first request with a 10.4 MB system message (and only its
/// first function, if `one_function`); asserts it is refused within 3 s with a message under
/// 20 KB and a report under 100 KB; returns the message.
fn huge_system_message(one_function: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let mut body = expected_bodies(&file).swap_remove(0);
    body["messages"][0]["content"] = "Handle customer requests. ".repeat(400_000).into();
    if one_function {
        body["tools"].as_array_mut().unwrap().truncate(1);
    }
    let serve = Serve::start(&file, &["--wait", "0.3", "--timeout", "5"]);
    let started = std::time::Instant::now();
    let reply = chat(&client(), &serve.url(), &body);
    assert_eq!(reply.status, 400, "{}", &reply.text[..reply.text.len().min(500)]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let message = reply.error_message();
    assert!(message.len() < 20_000, "a message of {} bytes", message.len());
    let served = serve.finish();
    assert!(
        served.stdout.len() < 100_000,
        "a report of {} bytes",
        served.stdout.len()
    );
    message
}

#[test]
fn a_huge_unattributable_system_message_is_reported_cut_and_in_time() {
    let message = huge_system_message(true);
    assert!(
        message.contains("… (cut: 10400000 bytes in all)"),
        "{}",
        &message[message.len() - 300..]
    );
}

#[test]
fn a_huge_system_message_of_a_known_agent_is_diffed_cut_and_in_time() {
    // Its functions are TriageAgent's: the changed instructions are shown as a diff.
    huge_system_message(false);
}

/// An agent whose handoffs are enabled turn by turn (an edge's `is_enabled` condition) offers
/// other functions at its third request than at its first: each request is checked against
/// the functions enabled at that call (serve once kept an agent's first list, and the third
/// request diverged with an empty diff).
#[test]
fn functions_enabled_turn_by_turn_are_expected_call_by_call() {
    let file = root().join("conformance/scenarios/oai/enablement_per_turn.json");
    let bodies = expected_bodies(&file);
    let offered: Vec<usize> = bodies
        .iter()
        .map(|b| b["tools"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(offered, [1, 1, 3, 2], "{bodies:#?}");
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let agent = client();
    for (i, body) in bodies.iter().enumerate() {
        let reply = chat(&agent, &serve.url(), body);
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
    }
    let served = serve.finish();
    exits(&served, 0);
    assert!(
        report(&served).contains("  ok     traffic: 4 requests, each the expected one\n"),
        "{}",
        report(&served)
    );
}

/// Under `profile.server_managed` every request after the first goes on from the last answer
/// (`previous_response_id`): one that sends the whole thread without it diverges, saying so.
#[test]
fn a_server_managed_conversation_refuses_a_whole_thread_without_previous_response_id() {
    let file = root().join("conformance/scenarios/oai/server_managed_flat.json");
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let agent = client();
    assert_eq!(chat(&agent, &serve.url(), &bodies[0]).status, 200);
    let reply = chat(&agent, &serve.url(), &bodies[1]);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(
        reply
            .text
            .contains("the scenario's conversation is server-managed (`profile.server_managed`"),
        "{}",
        reply.text
    );
    exits(&serve.finish(), 1);
}
