//! `handoff record` against a real HTTP server on loopback, and `handoff replay` of what it
//! wrote: identical runs, divergence reports, retries, failures, secrets, record modes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use handoff_harness::wire::{Matching, Recorder, Replay, Transcript, Unused};
use handoff_harness::{Scenario, ScriptedHuman};

use crate::endpoint::{Answer, Endpoint, answers_of};
use crate::support::{arg, root, run};
mod replay;

use replay::replay_cli;

const KEY: &str = "sk-test-0123456789abcdef";

fn customer_support() -> Scenario {
    Scenario::load(root().join("scenarios/customer_support.json")).unwrap()
}

/// `handoff record FILE --base-url URL --model test-model --out OUT [extra]`, with the key set.
pub(crate) fn record(file: &Path, endpoint: &Endpoint, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "record",
        arg(file),
        "--base-url",
        &endpoint.base_url,
        "--model",
        "test-model",
        "--out",
        arg(out),
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(&args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("OPENAI_API_KEY", KEY)
        .output()
        .unwrap()
}

fn replay(file: &Path, transcript: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["replay", arg(file), "--transcript", arg(transcript)];
    args.extend_from_slice(extra);
    crate::support::handoff(&args)
}

/// Asserts that `output` is of a process that exited with `code`, showing what it printed if not.
fn exits(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The customer-support scenario recorded against an endpoint that answers as its scripts do.
fn recorded(dir: &tempfile::TempDir) -> (PathBuf, Endpoint) {
    let endpoint = Endpoint::start(answers_of(&customer_support().run_blocking().unwrap()));
    let out = dir.path().join("customer_support.recording.json");
    let output = record(&root().join("scenarios/customer_support.json"), &endpoint, &out, &[]);
    exits(&output, 0);
    (out, endpoint)
}

#[test]
fn record_sends_chat_completions_requests_and_writes_the_whole_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let (out, endpoint) = recorded(&dir);
    let received = endpoint.received();
    assert_eq!(received.len(), 12, "the tutorial run makes 12 model calls");
    let first = &received[0];
    assert!(
        first.head.starts_with("post /v1/chat/completions http/1.1"),
        "{}",
        first.head
    );
    assert!(
        first
            .head
            .contains(&format!("authorization: bearer {}", KEY.to_lowercase()))
    );
    assert_eq!(first.body["model"], "test-model");
    assert_eq!(first.body["messages"][0]["role"], "system");
    assert_eq!(first.body["messages"][1]["content"], "A customer is on the line.");
    let tools: Vec<&str> = first.body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "Handoff-transfer_to_RefundAgent",
            "Handoff-transfer_to_OrderStatusAgent",
            "Handoff-transfer_to_OrderReturnAgent",
            "Handoff-complete_task"
        ]
    );
    // OrderStatusAgent's call after its tool call reads the call and its result.
    let after_tool = received
        .iter()
        .find(|r| {
            r.body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["role"] == "tool")
        })
        .unwrap();
    let messages = after_tool.body["messages"].as_array().unwrap();
    let call = messages.iter().find(|m| m["tool_calls"].is_array()).unwrap();
    assert_eq!(
        call["tool_calls"][0]["function"]["name"],
        "OrderStatusPlugin-check_order_status"
    );
    assert_eq!(call["tool_calls"][0]["function"]["arguments"], r#"{"order_id":"123"}"#);
    let result = messages.iter().find(|m| m["role"] == "tool").unwrap();
    assert_eq!(result["tool_call_id"], call["tool_calls"][0]["id"]);
    assert_eq!(result["content"], "Order 123 is shipped and will arrive in 2-3 days.");

    let transcript = Transcript::load(&out).unwrap();
    assert_eq!(transcript.calls.len(), 12);
    assert_eq!(transcript.model.as_deref(), Some("test-model"));
    assert_eq!(transcript.human.len(), 6);
    assert_eq!(transcript.tool_results.len(), 6, "two tool calls and four handoffs");
    assert!(!out.with_file_name("customer_support.recording.json.partial").exists());

    // Recording the scripted model in process writes the same bytes: the live client and
    // the recorder add nothing of their own.
    let scenario = customer_support();
    let (orchestration, model) = scenario.orchestration().unwrap();
    let mut recorder = Recorder::new(model, scenario.name.clone()).model_name("test-model");
    let mut human = ScriptedHuman::new(scenario.user.clone().unwrap());
    let run = run(&orchestration, &mut recorder, &mut human);
    assert_eq!(recorder.finish(&run).to_json(), std::fs::read_to_string(&out).unwrap());
}

#[test]
fn the_key_never_reaches_the_recording_and_configured_patterns_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let chatty =
        |text: &str| Answer::Ok(serde_json::json!({ "choices": [{ "message": { "content": text } }] }).to_string());
    let endpoint = Endpoint::start([
        chatty(&format!("Your key is {KEY}, and your card is 4111-1111-1111-1111.")),
        Answer::Ok(
            r#"{"choices":[{"message":{"tool_calls":[{"id":"1","type":"function","function":{"name":"Handoff-complete_task","arguments":"{\"task_summary\":\"done\"}"}}]}}]}"#.into(),
        ),
    ]);
    let scenario = dir.path().join("talk.json");
    std::fs::write(
        &scenario,
        r#"{"task": "hi", "agents": [{"name": "A"}], "user": ["thanks"], "profile": "semantic-kernel-fixed"}"#,
    )
    .unwrap();
    let out = dir.path().join("talk.recording.json");
    let output = record(&scenario, &endpoint, &out, &["--redact", r"\d{4}(-\d{4}){3}"]);
    let written = std::fs::read_to_string(&out).unwrap();
    let shown = text(&output.stdout) + &text(&output.stderr);
    assert!(!written.contains(KEY) && !shown.contains(KEY), "{written}\n{shown}");
    assert!(!written.contains("4111"), "{written}");
    assert!(
        written.contains("Your key is [REDACTED], and your card is [REDACTED]."),
        "{written}"
    );
    assert!(
        endpoint.received()[0].head.contains("authorization: bearer sk-test"),
        "the key is sent"
    );
    // The run went on with the redacted text, so the recording replays.
    let output = replay(&scenario, &out, &[]);
    exits(&output, 0);
}

#[test]
fn a_rate_limited_call_is_retried_after_the_wait_the_server_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut answers = answers_of(&customer_support().run_blocking().unwrap());
    let limited = |header: &'static str, value: &str| {
        Answer::Status(
            429,
            vec![(header, value.into())],
            r#"{"error":{"message":"Rate limit reached"}}"#.into(),
        )
    };
    answers.insert(0, limited("retry-after-ms", "30"));
    answers.insert(3, limited("retry-after", "1"));
    answers.insert(5, Answer::Status(503, Vec::new(), "upstream busy".into()));
    let endpoint = Endpoint::start(answers);
    let out = dir.path().join("r.json");
    let started = std::time::Instant::now();
    let output = record(&root().join("scenarios/customer_support.json"), &endpoint, &out, &[]);
    exits(&output, 0);
    assert!(started.elapsed().as_secs_f64() >= 1.0, "Retry-After: 1 was honoured");
    assert_eq!(endpoint.received().len(), 15, "12 calls and 3 retries");
    assert!(text(&output.stdout).contains("recorded 12 calls (0 reused, 12 from the endpoint, 3 retries)"));
    assert_eq!(Transcript::load(&out).unwrap().calls.len(), 12);
}

#[test]
fn server_errors_beyond_the_retries_stop_the_recording_and_keep_what_was_paid_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut answers = answers_of(&customer_support().run_blocking().unwrap());
    answers.truncate(4);
    let endpoint = Endpoint::start(answers); // then 500s
    let out = dir.path().join("r.json");
    let output = record(
        &root().join("scenarios/customer_support.json"),
        &endpoint,
        &out,
        &["--retries", "1"],
    );
    assert_eq!(output.status.code(), Some(1));
    let shown = text(&output.stdout);
    assert!(
        shown.contains("/v1/chat/completions: HTTP 500: the fake endpoint has no more answers (after 2 attempts)"),
        "{shown}"
    );
    assert!(
        shown.contains("recording stopped: the endpoint failed; the 4 calls recorded so far are in"),
        "{shown}"
    );
    assert!(!out.exists(), "no complete recording is claimed");
    let partial = out.with_file_name("r.json.partial");
    assert_eq!(Transcript::load(&partial).unwrap().calls.len(), 4);

    // Going on with --mode new pays only for the calls not yet recorded.
    let endpoint = Endpoint::start(answers_of(&customer_support().run_blocking().unwrap()).split_off(4));
    let output = record(
        &root().join("scenarios/customer_support.json"),
        &endpoint,
        &out,
        &["--mode", "new"],
    );
    exits(&output, 0);
    assert_eq!(endpoint.received().len(), 8);
    assert!(text(&output.stdout).contains("recorded 12 calls (4 reused, 8 from the endpoint, 0 retries)"));
    assert!(!partial.exists());
    let output = replay_cli(&out);
    exits(&output, 0);
}

#[test]
fn malformed_answers_refusals_and_silence_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/customer_support.json");
    let out = dir.path().join("r.json");
    let cases: [(Answer, &[&str], &str); 3] = [
        (
            Answer::Ok("<html>gateway</html>".into()),
            &[],
            "the answer is not a Chat Completions response: not JSON: expected value at line 1 column 1; it begins: <html>gateway</html>",
        ),
        (
            Answer::Status(
                401,
                Vec::new(),
                format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#),
            ),
            &[],
            "HTTP 401: Incorrect API key provided: [REDACTED]",
        ),
        (
            Answer::Hang,
            &["--timeout", "0.3", "--retries", "0"],
            "no answer within 0.3 s (--timeout)",
        ),
    ];
    for (answer, extra, says) in cases {
        let endpoint = Endpoint::start([answer]);
        let started = std::time::Instant::now();
        let output = record(&file, &endpoint, &out, extra);
        let shown = text(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{shown}");
        assert!(shown.contains(says), "{says}:\n{shown}");
        assert!(!shown.contains(KEY));
        assert_eq!(endpoint.received().len(), 1, "not retried: {says}");
        assert!(started.elapsed().as_secs() < 10, "{says}");
        assert!(shown.contains("recording stopped: the endpoint failed before any call was recorded"));
        assert!(
            !out.with_file_name("r.json.partial").exists(),
            "nothing paid for, nothing written"
        );
    }
}

#[test]
fn record_modes_refuse_reuse_or_redo_an_existing_recording() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _endpoint) = recorded(&dir);
    let before = std::fs::read(&out).unwrap();
    let file = root().join("scenarios/customer_support.json");
    let silent = Endpoint::start([]);
    let output = record(&file, &silent, &out, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("r.json: exists; --mode new records only the calls it lacks")
            || text(&output.stderr).contains("customer_support.recording.json: exists; --mode new"),
        "{}",
        text(&output.stderr)
    );
    let output = record(&file, &silent, &out, &["--mode", "new"]);
    exits(&output, 0);
    assert_eq!(silent.received().len(), 0, "everything was recorded already");
    assert_eq!(std::fs::read(&out).unwrap(), before);
    let again = Endpoint::start(answers_of(&customer_support().run_blocking().unwrap()));
    let output = record(&file, &again, &out, &["--mode", "all"]);
    exits(&output, 0);
    assert_eq!(again.received().len(), 12);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "the same answers make the same file"
    );
}

#[test]
fn recordings_that_were_edited_or_come_from_a_newer_handoff_are_refused_with_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _endpoint) = recorded(&dir);
    let original = std::fs::read_to_string(&out).unwrap();
    let file = root().join("scenarios/customer_support.json");
    let cases = [
        (
            original.replacen("A customer is on the line.", "A customer is on the phone.", 1),
            "calls[0].fingerprint: sha256:",
        ),
        (
            original.replacen("\"format_version\": 2", "\"format_version\": 3", 1),
            "format_version: recording format 3 is newer",
        ),
        (
            original.replacen("\"call\": 2", "\"call\": 3", 1),
            "call: TriageAgent's calls must be numbered in order",
        ),
        (original[..original.len() / 2].to_string(), "the file ends too early"),
    ];
    for (text_of_file, says) in cases {
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, &text_of_file).unwrap();
        let output = replay(&file, &bad, &[]);
        assert_eq!(output.status.code(), Some(2), "{says}");
        let error = text(&output.stderr);
        assert!(error.starts_with(&format!("error: {}", bad.display())), "{error}");
        assert!(error.contains(says), "{says}: {error}");
    }
}

/// The log an application would have kept of the calls `endpoint` answered with `answers`:
/// request and response bodies, with the application's own call ids.
fn log_of(endpoint: &Endpoint, answers: &[Answer]) -> String {
    let mut lines = String::new();
    for (received, answer) in endpoint.received().iter().zip(answers) {
        let Answer::Ok(body) = answer else { unreachable!() };
        let entry = serde_json::json!({ "request": received.body, "response": serde_json::from_str::<serde_json::Value>(body).unwrap() });
        lines.push_str(&entry.to_string().replace("call_00", "call_prod_"));
        lines.push('\n');
    }
    lines
}

#[test]
fn a_chat_completions_log_imports_as_a_recording_that_replays_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let answers = answers_of(&customer_support().run_blocking().unwrap());
    let endpoint = Endpoint::start(answers.clone());
    let out = dir.path().join("live.recording.json");
    let output = record(&root().join("scenarios/customer_support.json"), &endpoint, &out, &[]);
    assert_eq!(output.status.code(), Some(0));
    let log = dir.path().join("production.jsonl");
    std::fs::write(&log, log_of(&endpoint, &answers)).unwrap();
    assert!(std::fs::read_to_string(&log).unwrap().contains("call_prod_01"));

    let output = crate::support::handoff(&[
        "import",
        arg(&log),
        "--design",
        "scenarios/designs/customer_support_v2.json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "the careless edit's agents cannot have made these calls"
    );
    assert!(
        text(&output.stderr).contains(
            "production.jsonl: entries[0].request: no agent of the design has this system message \"Handle customer requests.\" and tools [Handoff-transfer_to_RefundAgent, Handoff-transfer_to_OrderStatusAgent, Handoff-transfer_to_OrderReturnAgent, Handoff-complete_task]; `TriageAgent` offers these tools but its instructions differ"
        ),
        "{}",
        text(&output.stderr)
    );
    let output = crate::support::handoff(&["import", arg(&log), "--design", "scenarios/customer_support.json"]);
    exits(&output, 0);
    assert!(text(&output.stdout).starts_with("imported 12 calls of 3 agents and 6 human replies to "));
    let imported = dir.path().join("production.recording.json");
    let recorded = Transcript::load(&out).unwrap();
    let from_log = Transcript::load(&imported).unwrap();
    assert_eq!(from_log.calls, recorded.calls, "ids renumbered as the run numbers them");
    assert_eq!(from_log.human, recorded.human);
    // A log shows the results later requests carry: not those of an agent's last handoff.
    let shown: Vec<_> = recorded
        .tool_results
        .iter()
        .filter(|r| from_log.tool_results.iter().any(|f| f.id == r.id))
        .cloned()
        .collect();
    assert_eq!(from_log.tool_results, shown);
    assert_eq!(shown.len(), 3);
    let output = replay(&root().join("scenarios/customer_support.json"), &imported, &[]);
    exits(&output, 0);
    let output = crate::support::handoff(&["import", arg(&log), "--design", "scenarios/customer_support.json"]);
    assert_eq!(output.status.code(), Some(2), "no overwrite without --force");
}

#[test]
fn bad_record_arguments_and_missing_recordings_are_refused_with_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = "scenarios/customer_support.json";
    let out = dir.path().join("x.json");
    for (args, says) in [
        (
            vec![
                "record",
                file,
                "--base-url",
                "api.openai.com/v1",
                "--model",
                "m",
                "--out",
                arg(&out),
            ],
            "invalid value 'api.openai.com/v1' for '--base-url <URL>': `api.openai.com/v1` is not an http:// or https:// URL",
        ),
        (
            vec![
                "record",
                file,
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--model",
                "m",
                "--redact",
                "(",
                "--out",
                arg(&out),
            ],
            "error: --redact: regex parse error:",
        ),
    ] {
        let output = crate::support::handoff(&args);
        exits(&output, 2);
        assert!(text(&output.stderr).contains(says), "{}", text(&output.stderr));
    }
    let scenario = dir.path().join("s.json");
    std::fs::write(
        &scenario,
        r#"{"task": "t", "agents": [{"name": "A"}], "model": {"recording": "gone.recording.json"}}"#,
    )
    .unwrap();
    let output = crate::support::handoff(&["run", arg(&scenario)]);
    exits(&output, 2);
    let error = text(&output.stderr);
    assert!(
        error.starts_with(&format!("error: {}: model.recording: ", scenario.display())),
        "{error}"
    );
    assert!(error.contains("gone.recording.json: cannot read"), "{error}");
    assert!(!out.exists() && !dir.path().join("x.json.partial").exists());
}

#[test]
fn record_under_a_profile_sends_its_tools_and_the_recording_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/customer_support.json");
    let under = Scenario::load_under(&scenario, Some(&handoff_harness::Profile::OPENAI_AGENTS)).unwrap();
    let endpoint = Endpoint::start(answers_of(&under.run_blocking().unwrap()));
    let out = dir.path().join("oai.recording.json");
    exits(&record(&scenario, &endpoint, &out, &["--profile", "openai-agents"]), 0);
    let received = endpoint.received();
    let tools: Vec<&str> = received[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "transfer_to_refundagent",
            "transfer_to_orderstatusagent",
            "transfer_to_orderreturnagent"
        ]
    );
    let transcript = Transcript::load(&out).unwrap();
    assert_eq!(transcript.profile().name, "openai-agents");
    // The recording replays under its own profile with no flag, and only there.
    exits(&replay(&scenario, &out, &[]), 0);
    exits(&replay(&scenario, &out, &["--profile", "semantic-kernel"]), 2);
}

#[test]
fn under_semantic_kernel_record_streams_as_the_framework_does_and_reads_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let answers = answers_of(&customer_support().run_blocking().unwrap());
    let file = root().join("scenarios/customer_support.json");
    let (json, _) = recorded(&dir);
    for usage in [true, false] {
        let endpoint = Endpoint::start(crate::endpoint::streamed(&answers, usage));
        let out = dir.path().join(format!("streamed-{usage}.json"));
        let output = record(&file, &endpoint, &out, &[]);
        exits(&output, 0);
        // What Semantic Kernel asks: a stream that ends with the usage chunk.
        let first = &endpoint.received()[0];
        assert_eq!(first.body["stream"], true);
        assert_eq!(first.body["stream_options"]["include_usage"], true);
        // The stream read is the answer: the same recording as from whole answers.
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            std::fs::read_to_string(&json).unwrap()
        );
        let warned = text(&output.stderr)
            .contains("warning: the endpoint ended 12 stream(s) without the usage chunk the request asked for");
        assert_eq!(warned, !usage, "{}", text(&output.stderr));
    }
}

#[test]
fn a_recording_without_a_human_replays_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/no_human.json");
    let scenario = Scenario::load(&file).unwrap();
    let (orchestration, model) = scenario.orchestration().unwrap();
    let mut recorder = Recorder::new(model, scenario.name.clone());
    let run = run(&orchestration, &mut recorder, &mut handoff_harness::engine::NoHuman);
    let transcript = recorder.finish(&run);
    assert!(transcript.no_human && transcript.human.is_empty());
    let out = dir.path().join("no_human.recording.json");
    transcript.save(&out).unwrap();
    let output = replay(&file, &out, &[]);
    exits(&output, 0);
    // Not a human whose replies ran out: the run ends at the first text reply, as recorded.
    let replayed = Transcript::load(&out).unwrap();
    let replay = Replay::new(replayed, out.display().to_string(), Matching::Strict);
    let (again, divergence) = handoff_harness::engine::block_on(replay.run(&orchestration)).unwrap();
    assert!(divergence.is_none());
    assert_eq!(again.outcome().kind(), "ended-without-human");
}
