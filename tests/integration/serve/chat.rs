//! Chat Completions, as Semantic Kernel talks to it: whole answers and streamed ones.

use serde_json::Value;

use super::{Serve, chat, client, events, exits, expected_bodies, small_scenario, small_serve, streamed};
use crate::support::{arg, handoff};

/// What the small scenario's model answers, call by call: a text, or a call (id, function
/// name as offered, arguments as the wire carries them).
pub(super) enum Said {
    Text(&'static str),
    Call(&'static str, &'static str, &'static str),
}

/// The answers of the small scenario under `semantic-kernel`.
pub(super) const SMALL_ANSWERS: [Said; 5] = [
    Said::Text("Hello! How can I help you today?"),
    Said::Call("call_0001", "Handoff-transfer_to_RefundAgent", "{}"),
    Said::Call("call_0002", "RefundPlugin-process_refund", r#"{"order_id":"7"}"#),
    Said::Text("Your refund for order 7 is on its way. Anything else?"),
    Said::Call(
        "call_0003",
        "Handoff-complete_task",
        r#"{"task_summary":"Refunded order 7."}"#,
    ),
];

/// Asserts that the Chat Completions answer `answer` (the `number`-th) says `said`.
pub(super) fn assert_chat_answer(answer: &Value, number: usize, said: &Said) {
    assert_eq!(answer["object"], "chat.completion", "{answer}");
    assert_eq!(answer["id"], format!("chatcmpl-{number:04}"));
    assert_eq!(answer["model"], super::MODEL);
    let choice = &answer["choices"][0];
    assert_eq!(choice["message"]["role"], "assistant");
    match said {
        Said::Text(text) => {
            assert_eq!(choice["finish_reason"], "stop", "{answer}");
            assert_eq!(choice["message"]["content"], *text);
            assert!(choice["message"].get("tool_calls").is_none(), "{answer}");
        }
        Said::Call(id, name, arguments) => {
            assert_eq!(choice["finish_reason"], "tool_calls", "{answer}");
            let calls = choice["message"]["tool_calls"].as_array().unwrap();
            assert_eq!(calls.len(), 1, "{answer}");
            assert_eq!(calls[0]["id"], *id);
            assert_eq!(calls[0]["type"], "function");
            assert_eq!(calls[0]["function"]["name"], *name);
            assert_eq!(calls[0]["function"]["arguments"], *arguments);
        }
    }
}

/// Asserts that a call answered to request `after` (from 0) comes back in a later request as the
/// framework sends it: in an assistant message with the same id, name and arguments, and
/// answered by a tool message with its id (the bodies are the framework's, so this checks
/// that serve's ids and names are the ones the framework goes on with).
fn comes_back(bodies: &[Value], after: usize, id: &str, name: &str, arguments: &str) {
    let later = &bodies[after + 1..];
    let messages = || later.iter().flat_map(|b| b["messages"].as_array().unwrap());
    let called = messages().any(|m| {
        m["tool_calls"].as_array().is_some_and(|calls| {
            calls
                .iter()
                .any(|c| c["id"] == id && c["function"]["name"] == name && c["function"]["arguments"] == arguments)
        })
    });
    let answered = messages().any(|m| m["role"] == "tool" && m["tool_call_id"] == id);
    assert!(
        called && answered,
        "{id} ({name}) does not come back after request {after}"
    );
}

/// Splits a report into the conversation and the expectations (from the blank line before
/// `expect:`).
fn split_report(text: &str) -> (&str, &str) {
    let at = text
        .find("\nexpect:")
        .unwrap_or_else(|| panic!("no expect block: {text}"));
    text.split_at(at)
}

#[test]
fn a_chat_completions_conversation_is_the_scenarios_run_and_prints_as_handoff_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    assert_eq!(bodies.len(), SMALL_ANSWERS.len());
    // The requests are Semantic Kernel's: system message with the agent's name, tools as
    // Chat Completions declares them.
    assert_eq!(bodies[0]["messages"][0]["role"], "system");
    assert_eq!(bodies[0]["messages"][0]["name"], "TriageAgent");
    assert_eq!(bodies[0]["tools"][0]["type"], "function");
    assert_eq!(
        bodies[0]["tools"][0]["function"]["name"],
        "Handoff-transfer_to_RefundAgent"
    );

    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let agent = client();
    for (i, (body, said)) in bodies.iter().zip(&SMALL_ANSWERS).enumerate() {
        let reply = chat(&agent, &serve.url(), body);
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        assert_eq!(reply.content_type, "application/json");
        let answer = reply.json();
        assert_eq!(answer["usage"]["total_tokens"], 0);
        assert_chat_answer(&answer, i + 1, said);
        // Semantic Kernel keeps a handoff's call in its caller's thread only; a tool call
        // comes back in the agent's next request.
        if let Said::Call(id, name, arguments) = said
            && !name.starts_with("Handoff-")
        {
            comes_back(&bodies, i, id, name, arguments);
        }
    }
    let served = serve.finish();
    exits(&served, 0);

    let run = handoff(&["run", arg(&file)]);
    exits(&run, 0);
    let (served, run) = (
        String::from_utf8(served.stdout).unwrap(),
        String::from_utf8(run.stdout).unwrap(),
    );
    let conversation = served.strip_prefix("conversation 1\n").unwrap();
    let (conversation, expect) = split_report(conversation);
    let (run_conversation, run_expect) = split_report(&run);
    assert_eq!(conversation, run_conversation);
    assert!(
        conversation.contains("Hello! How can I help you today?"),
        "{conversation}"
    );
    // The same checks, and the traffic's.
    assert!(run_expect.starts_with("\nexpect: 3 passed, 0 failed\n"), "{run_expect}");
    let run_checks = run_expect.split_once('\n').unwrap().1.split_once('\n').unwrap().1;
    assert_eq!(
        expect,
        format!(
            "\nexpect: 4 passed, 0 failed\n{}  ok     traffic: 5 requests, each the expected one\nPASS\n",
            run_checks.strip_suffix("PASS\n").unwrap_or(run_checks)
        )
    );
}

/// The chunks of a streamed Chat Completions answer, `[DONE]` checked and taken off.
fn chunks(text: &str) -> Vec<Value> {
    let events = events(text);
    let (last, chunks) = events.split_last().unwrap();
    assert_eq!(last, &(None, "[DONE]".to_string()), "{text}");
    chunks
        .iter()
        .map(|(name, data)| {
            assert_eq!(name, &None, "Chat Completions events have no name");
            serde_json::from_str(data).unwrap()
        })
        .collect()
}

/// Asserts that the chunks of the `number`-th answer stream `said`, each a
/// `chat.completion.chunk` of the answer's id, ending with `finish_reason` and, when `usage`,
/// a usage chunk with no choices.
fn assert_streamed(chunks: &[Value], number: usize, said: &Said, usage: bool) {
    for chunk in chunks {
        assert_eq!(chunk["object"], "chat.completion.chunk", "{chunk}");
        assert_eq!(chunk["id"], format!("chatcmpl-{number:04}"));
    }
    let (choices, usage_chunk) = match usage {
        true => {
            let (usage_chunk, choices) = chunks.split_last().unwrap();
            (choices, Some(usage_chunk))
        }
        false => (chunks, None),
    };
    match usage_chunk {
        Some(chunk) => {
            assert_eq!(chunk["choices"], serde_json::json!([]), "{chunk}");
            assert_eq!(chunk["usage"]["total_tokens"], 0);
        }
        None => assert!(
            chunks.iter().all(|c| c.get("usage").is_none()),
            "no usage chunk unless asked: {chunks:?}"
        ),
    }
    let deltas: Vec<&Value> = choices.iter().map(|c| &c["choices"][0]["delta"]).collect();
    assert_eq!(deltas[0]["role"], "assistant");
    let finishes: Vec<&Value> = choices
        .iter()
        .map(|c| &c["choices"][0]["finish_reason"])
        .filter(|f| !f.is_null())
        .collect();
    let last = choices.last().unwrap();
    match said {
        Said::Text(text) => {
            let pieces: Vec<&str> = deltas.iter().filter_map(|d| d["content"].as_str()).collect();
            assert!(pieces.len() > 1, "a text comes in pieces: {pieces:?}");
            assert_eq!(pieces.concat(), *text);
            assert_eq!(finishes, ["stop"]);
        }
        Said::Call(id, name, arguments) => {
            let pieces: Vec<&Value> = deltas.iter().filter_map(|d| d["tool_calls"].get(0)).collect();
            assert!(
                pieces.len() >= 2,
                "a call and its arguments in several chunks: {pieces:?}"
            );
            assert_eq!(pieces[0]["id"], *id);
            assert_eq!(pieces[0]["function"]["name"], *name);
            assert!(pieces.iter().all(|p| p["index"] == 0));
            assert!(pieces[1..].iter().all(|p| p.get("id").is_none()));
            let joined: String = pieces
                .iter()
                .filter_map(|p| p["function"]["arguments"].as_str())
                .collect();
            assert_eq!(joined, *arguments);
            if arguments.len() > 2 {
                let with_arguments = pieces
                    .iter()
                    .filter(|p| p["function"]["arguments"].as_str().is_some_and(|a| !a.is_empty()))
                    .count();
                assert!(with_arguments >= 2, "the arguments are split: {pieces:?}");
            }
            assert_eq!(finishes, ["tool_calls"]);
        }
    }
    assert!(
        !last["choices"][0]["finish_reason"].is_null(),
        "finish_reason comes last: {last}"
    );
}

#[test]
fn a_streamed_conversation_splits_calls_across_chunks_and_ends_with_usage_when_asked() {
    let (_dir, _file, bodies, serve) = small_serve(None, &["--wait", "0.3"]);
    let agent = client();
    for (i, (body, said)) in bodies.iter().zip(&SMALL_ANSWERS).enumerate() {
        // Every other request asks for the usage chunk; the others stream without it.
        let usage = i % 2 == 0;
        let reply = chat(&agent, &serve.url(), &streamed(body, usage));
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        assert_eq!(reply.content_type, "text/event-stream");
        assert!(reply.text.ends_with("data: [DONE]\n\n"), "{}", reply.text);
        assert_streamed(&chunks(&reply.text), i + 1, said, usage);
    }
    let served = serve.finish();
    exits(&served, 0);
    let report = String::from_utf8(served.stdout).unwrap();
    assert!(
        report.contains("  ok     traffic: 5 requests, each the expected one\n"),
        "{report}"
    );
}

#[test]
fn the_json_report_is_handoff_runs_with_the_traffic_beside_it() {
    let (_dir, file, bodies, serve) = small_serve(None, &["--wait", "0.3", "--format", "json"]);
    let agent = client();
    for body in &bodies {
        assert_eq!(chat(&agent, &serve.url(), body).status, 200);
    }
    let served = serve.finish();
    exits(&served, 0);
    let report: Value = serde_json::from_slice(&served.stdout).unwrap();
    assert_eq!(report["passed"], true, "{report}");
    assert_eq!(report["app"], Value::Null);
    assert_eq!(report["app_succeeded"], Value::Null);
    assert_eq!(report["error"], Value::Null);
    let conversations = report["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1, "{report}");
    let mut conversation = conversations[0].clone();
    assert_eq!(conversation["conversation"], 1);
    assert_eq!(
        conversation["traffic"],
        serde_json::json!({"answered": 5, "retries": 0, "divergence": null, "unexpected": [], "closed": null})
    );

    let run = handoff(&["run", arg(&file), "--format", "json"]);
    exits(&run, 0);
    let run: Value = serde_json::from_slice(&run.stdout).unwrap();
    let checks = conversation["expectations"].as_array_mut().unwrap();
    let traffic = checks.pop().unwrap();
    assert_eq!(traffic["name"], "traffic", "{traffic}");
    assert_eq!(traffic["passed"], true, "{traffic}");
    let object = conversation.as_object_mut().unwrap();
    object.remove("conversation");
    object.remove("traffic");
    assert_eq!(conversation, run);
}

#[test]
fn a_reply_the_host_gives_another_agent_is_served_strict() {
    let dir = tempfile::tempdir().unwrap();
    let file = crate::support::temp_file(&dir, "hosted.json", crate::host::HOSTED.as_bytes());
    let bodies = super::expected_bodies(&file);
    assert_eq!(bodies.len(), 3);
    // The third request is the second assistant's, with the whole history.
    assert_eq!(bodies[2]["messages"][0]["content"], "Be a helpful assistant.");
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let agent = client();
    for body in &bodies {
        let reply = chat(&agent, &serve.url(), body);
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let output = serve.finish();
    exits(&output, 0);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("[host] the app runs Second Assistant for this reply\n"),
        "{report}"
    );
    assert!(
        report.contains("  ok     traffic: 3 requests, each the expected one\n"),
        "{report}"
    );
}

/// A die the app rolls itself: its result is checked by a pattern, not compared.
const DIE: &str = r#"{
  "name": "die", "task": "Roll a die.",
  "agents": [{"name": "Roller", "instructions": "Roll dice.",
    "tools": [{"name": "roll", "description": "Roll a die.",
               "result": {"matches": "^[1-6]$", "example": "4"}}]},
    {"name": "Helper", "instructions": "Help."}],
  "handoffs": {"Roller": {"Helper": "Transfer for help"}},
  "model": {"scripted": {"Roller": {"rules": [
    {"when": {"tool_result": "\\d"}, "complete": "Rolled."},
    {"call": {"tool": "roll"}}]}}},
  "expect": {"outcome": "completed"}
}"#;

/// The die's two requests, the second with `result` as the tool's output; what serve answers
/// the second, and its report.
fn rolled(result: &str) -> (u16, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = crate::support::temp_file(&dir, "die.json", DIE.as_bytes());
    let mut bodies = expected_bodies(&file);
    assert_eq!(
        bodies[1]["messages"][3]["content"], "4",
        "a run without the app returns the example"
    );
    bodies[1]["messages"][3]["content"] = result.into();
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let agent = client();
    assert_eq!(chat(&agent, &serve.url(), &bodies[0]).status, 200);
    let status = chat(&agent, &serve.url(), &bodies[1]).status;
    (status, String::from_utf8_lossy(&serve.finish().stdout).into_owned())
}

#[test]
fn a_result_the_app_computes_is_checked_by_its_pattern() {
    let (status, report) = rolled("6");
    assert_eq!(status, 200, "{report}");
    assert!(
        report.contains("  ok     traffic: 2 requests, each the expected one\n"),
        "{report}"
    );
    let (status, report) = rolled("7");
    assert_eq!(status, 400, "{report}");
    assert!(
        report.contains("-message 3: tool [call_0001]: 4\n+message 3: tool [call_0001]: 7\n"),
        "{report}"
    );
}

#[test]
fn a_result_pattern_that_is_no_regex_or_misses_its_example_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, says) in [
        (DIE.replace("^[1-6]$", "[1-6"), "agents[0].tools[0].result: "),
        (
            DIE.replace(r#""example": "4""#, r#""example": "9""#),
            "agents[0].tools[0].result: ",
        ),
        (DIE.replace(r#", "example": "4""#, ""), "missing field `example`"),
    ] {
        let file = crate::support::temp_file(&dir, "bad.json", bad.as_bytes());
        let output = handoff(&["run", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
}
