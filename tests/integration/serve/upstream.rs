//! `--upstream`: a real model behind serve. Each request the app sends (checked as always) is
//! forwarded to the upstream endpoint with its key, its answer goes back to the app, and the
//! conversation is recorded: the app-level counterpart of `handoff record`.

use handoff_harness::Scenario;
use serde_json::Value;

use super::{Serve, chat, client, exits, expected_bodies, path_in, small_scenario};
use crate::endpoint::{Answer, Endpoint, answers_of};

#[test]
fn upstream_answers_reach_the_app_and_the_conversation_is_recorded_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    // The upstream answers as the scenario's scripted model would.
    let scenario = Scenario::load(&file).unwrap();
    let run = scenario.run_blocking().unwrap();
    let upstream = Endpoint::start(answers_of(&run));
    let recording = path_in(&dir, "recording.json");
    // The key's variable is named on the command line, as `handoff record` takes it.
    let serve = Serve::start_with(
        &file,
        &[
            "--upstream",
            &upstream.base_url,
            "--upstream-model",
            "gpt-test",
            "--api-key-env",
            "HANDOFF_TEST_KEY",
            "--record",
            &recording,
        ],
        &[("HANDOFF_TEST_KEY", "sk-test-4f9a8b7c6d5e")],
    );
    let agent = client();
    let bodies = expected_bodies(&file);
    let partial = format!("{recording}.partial");
    for (i, body) in bodies.iter().enumerate() {
        let reply = chat(&agent, &serve.url(), body);
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        // What was paid for is on disk after every call, as `handoff record` keeps it.
        let kept: Value = serde_json::from_str(&std::fs::read_to_string(&partial).unwrap()).unwrap();
        assert_eq!(kept["calls"].as_array().unwrap().len(), i + 1);
    }
    let output = serve.finish();
    exits(&output, 0);
    assert!(
        !std::path::Path::new(&partial).exists(),
        "the partial recording is gone once the recording is written"
    );

    let received = upstream.received();
    assert_eq!(received.len(), bodies.len(), "one upstream call per request of the app");
    for (sent, app) in received.iter().zip(&bodies) {
        assert!(
            sent.head.contains("authorization: bearer sk-test-4f9a8b7c6d5e"),
            "{}",
            sent.head
        );
        assert_eq!(sent.body["model"], "gpt-test");
        assert_eq!(sent.body["messages"], app["messages"], "the app's request, forwarded");
    }
    let text = std::fs::read_to_string(&recording).unwrap();
    assert!(!text.contains("sk-test-4f9a8b7c6d5e"), "the key is never written");
    let transcript: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(transcript["model"], "gpt-test");
    assert_eq!(transcript["calls"].as_array().unwrap().len(), bodies.len());
    let replayed = crate::support::handoff(&["replay", file.to_str().unwrap(), "--transcript", &recording]);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replayed.stdout)
    );
}

#[test]
fn an_upstream_that_fails_is_an_error_the_app_sees() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let upstream = Endpoint::start([Answer::Status(
        400,
        Vec::new(),
        r#"{"error": {"message": "bad model"}}"#.into(),
    )]);
    let serve = Serve::start(
        &file,
        &["--upstream", &upstream.base_url, "--upstream-model", "gpt-test"],
    );
    let reply = chat(&client(), &serve.url(), &expected_bodies(&file)[0]);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(reply.error_message().contains("bad model"), "{}", reply.text);
    let output = serve.finish();
    exits(&output, 1);
}

#[test]
fn the_key_reaches_neither_the_app_nor_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let key = "sk-test-9e8d7c6b5a4f";
    let script = "echo \"named=$HANDOFF_TEST_KEY copy=$HANDOFF_TEST_COPY\"; sh -c 'env' | grep -c sk-test || true";
    let output = Serve::start_with(
        &file,
        &[
            "--upstream",
            "http://127.0.0.1:9/v1",
            "--upstream-model",
            "gpt-test",
            "--api-key-env",
            "HANDOFF_TEST_KEY",
            "--wait",
            "0.3",
            "--",
            "sh",
            "-c",
            script,
        ],
        &[("HANDOFF_TEST_KEY", key), ("HANDOFF_TEST_COPY", key)],
    )
    .finish();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("app | named= copy=\n"), "{}", super::shown(&output));
    assert!(
        stderr.contains("app | 0\n"),
        "no variable of the grandchild holds it: {stderr}"
    );
    assert!(!stderr.contains(key) && !String::from_utf8_lossy(&output.stdout).contains(key));
}

/// A loopback upstream that accepts connections and never answers; its base URL.
fn silent_upstream() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    url
}

#[test]
fn a_silent_upstream_holds_serve_no_longer_than_its_timeout_or_a_signal() {
    for stop in ["--timeout", "TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let file = small_scenario(&dir, None);
        let url = silent_upstream();
        let mut args = vec!["--upstream", &url, "--upstream-model", "m", "--upstream-timeout", "100"];
        if stop == "--timeout" {
            args.extend(["--timeout", "2"]);
        }
        let serve = Serve::start(&file, &args);
        let (serve_url, body) = (serve.url(), expected_bodies(&file).swap_remove(0));
        let asking = std::thread::spawn(move || chat(&client(), &serve_url, &body));
        std::thread::sleep(std::time::Duration::from_millis(500));
        let started = std::time::Instant::now();
        if stop == "TERM" {
            serve.signal("TERM");
        }
        let output = serve.finish();
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(6),
            "{stop}: serve ended after {took:?}"
        );
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            report.contains("the upstream call was abandoned"),
            "{stop}: {}",
            super::shown(&output)
        );
        let _ = asking.join();
    }
}

#[test]
fn a_recording_in_progress_that_cannot_be_written_is_warned_of_and_the_recording_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let run = Scenario::load(&file).unwrap().run_blocking().unwrap();
    let upstream = Endpoint::start(answers_of(&run));
    let folder = dir.path().join("out");
    let recording = folder.join("rec.json");
    let args = [
        "--upstream",
        &upstream.base_url,
        "--upstream-model",
        "gpt-test",
        "--record",
        crate::support::arg(&recording),
    ];
    let serve = Serve::start(&file, &args);
    let (agent, bodies) = (client(), expected_bodies(&file));
    assert_eq!(chat(&agent, &serve.url(), &bodies[0]).status, 200);
    // The folder of the recording becomes a file after the first paid call.
    std::fs::remove_dir_all(&folder).unwrap();
    std::fs::write(&folder, "in the way").unwrap();
    for body in &bodies[1..] {
        assert_eq!(chat(&agent, &serve.url(), body).status, 200);
    }
    let output = serve.finish();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("warning: {}.partial: cannot write", recording.display())),
        "{stderr}"
    );
    assert!(stderr.contains("; the recording was written to "), "{stderr}");
}
