//! `handoff serve FILE -- COMMAND`: the app serve starts, what it is given, and how its end is
//! reported.

use std::time::{Duration, Instant};

use super::chat::{SMALL_ANSWERS, assert_chat_answer};
use super::{Serve, chat, client, exits, expected_bodies, path_in, shown, small_scenario};

/// `handoff serve FILE --wait 0.3 ARGS -- COMMAND` to its end (failing after 20 s), with no
/// model name of the test's environment passed on to the app.
fn wrapped(file: &std::path::Path, args: &[&str], command: &[&str]) -> std::process::Output {
    let mut all = vec!["--wait", "0.3"];
    all.extend_from_slice(args);
    all.push("--");
    all.extend_from_slice(command);
    Serve::start(file, &all).finish()
}

#[test]
fn a_command_that_cannot_start_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let output = wrapped(&file, &[], &["handoff-serve-test-no-such-command"]);
    exits(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the command after `--` could not be started: handoff-serve-test-no-such-command"),
        "{stderr}"
    );
}

#[test]
fn an_app_that_fails_fails_the_serve_and_says_how_it_ended() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let output = wrapped(&file, &[], &["sh", "-c", "exit 3"]);
    exits(&output, 1);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("\napp: the app exited with status 3\n"), "{report}");
    assert!(report.contains("\nFAIL: "), "{report}");
}

#[test]
fn an_app_that_overruns_its_timeout_is_stopped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let started = Instant::now();
    // The shell's child sleeps too: the whole process group is stopped.
    let output = wrapped(&file, &["--timeout", "1"], &["sh", "-c", "sleep 30 & sleep 30; wait"]);
    let took = started.elapsed();
    exits(&output, 1);
    assert!(took < Duration::from_secs(6), "stopped after {took:?}");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("app: the app was still running after 1 s (--timeout) and was stopped\n"),
        "{report}"
    );
    assert!(report.contains("\nFAIL: "), "{report}");
}

#[test]
fn the_app_is_given_the_endpoint_and_the_human_replies_and_its_output_is_passed_through() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let script = "echo \"url=$OPENAI_BASE_URL key=$OPENAI_API_KEY model=$OPENAI_CHAT_MODEL_ID\"; cat; echo oops >&2";
    let output = wrapped(&file, &[], &["sh", "-c", script]);
    // The app sent no model request, so there was no conversation to pass.
    exits(&output, 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let listening = stderr
        .lines()
        .find_map(|l| l.strip_prefix("listening on "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(listening.starts_with("http://127.0.0.1:") && listening.ends_with("/v1"));
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("app ")).collect();
    let expected = format!("app | url={listening} key=handoff-serve-dummy-key model=handoff-serve");
    assert!(lines.contains(&expected.as_str()), "{stderr}");
    let app_out: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("app | ")).collect();
    assert_eq!(app_out[1..], ["I want a refund for order 7", "No, thanks"], "{stderr}");
    assert!(lines.contains(&"app ! oops"), "{stderr}");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("app: the app exited with status 0\n"),
        "{}",
        shown(&output)
    );
}

#[test]
fn a_wrapped_app_that_holds_the_conversation_and_exits_0_passes() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let done = path_in(&dir, "done");
    // The app waits until the test, speaking for it, has held the conversation.
    let script = format!("while [ ! -e '{done}' ]; do sleep 0.02; done; echo finished");
    let serve = Serve::start(&file, &["--wait", "5", "--", "sh", "-c", &script]);
    let (agent, url) = (client(), serve.url());
    for (i, (body, said)) in bodies.iter().zip(&SMALL_ANSWERS).enumerate() {
        let reply = chat(&agent, &url, body);
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        assert_chat_answer(&reply.json(), i + 1, said);
    }
    let started = Instant::now();
    std::fs::write(&done, "").unwrap();
    let output = serve.finish();
    exits(&output, 0);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "serve ends when the app does"
    );
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("\napp: the app exited with status 0\nPASS\n"),
        "{report}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("app | finished\n"));
}

#[test]
fn bad_places_to_listen_or_write_are_bad_input_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let scenario = file.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--listen", &address], "cannot listen there"),
        (&["--record", scenario], "--record names an input of this command"),
        (
            &["--write-design", scenario],
            "--write-design names an input of this command",
        ),
        (
            &["--listen", "localhost"],
            "invalid value 'localhost' for '--listen <ADDR>'",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["serve", scenario];
        all.extend_from_slice(args);
        let output = crate::support::handoff_within(&all, 20);
        exits(&output, 2);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    // The scenario is untouched.
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        super::SMALL.replace("PROFILE", "")
    );
}

#[test]
fn without_an_app_the_timeout_stops_a_serve_no_client_comes_to() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let started = Instant::now();
    let output = Serve::start(&file, &["--timeout", "0.5"]).finish();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    exits(&output, 1);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("serve: stopped after 0.5 s (--timeout), the conversation unfinished\n"),
        "{report}"
    );
    assert!(
        report.contains("no request came for TriageAgent's model call 1: the app stopped asking"),
        "{report}"
    );
}

#[test]
fn ctrl_c_sigterm_sighup_or_sigquit_stops_serve_and_the_app_it_started() {
    for signal in ["INT", "TERM", "HUP", "QUIT"] {
        let dir = tempfile::tempdir().unwrap();
        let file = small_scenario(&dir, None);
        let pid_file = path_in(&dir, "app.pid");
        let script = format!("echo $$ > {pid_file}.part && mv {pid_file}.part {pid_file}; sleep 30");
        let serve = Serve::start(&file, &["--", "sh", "-c", &script]);
        let deadline = Instant::now() + Duration::from_secs(20);
        let pid = loop {
            if let Ok(pid) = std::fs::read_to_string(&pid_file) {
                break pid.trim().to_string();
            }
            assert!(Instant::now() < deadline, "the app never started");
            std::thread::sleep(Duration::from_millis(20));
        };
        serve.signal(signal);
        let output = serve.finish();
        exits(&output, 130);
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            report.contains("app: serve was interrupted (Ctrl-C, SIGTERM, SIGHUP or SIGQUIT) and stopped the app\n"),
            "{report}"
        );
        // The app, in a process group of its own, did not see the signal: serve stopped it.
        let alive = std::process::Command::new("kill")
            .args(["-0", &pid])
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!alive.success(), "SIG{signal}: the app {pid} is still running");
    }
}

#[test]
fn a_host_name_may_be_listened_on_and_every_interface_is_reached_at_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    for (listen, warned) in [("localhost:0", false), ("0.0.0.0:0", true)] {
        let output = wrapped(
            &file,
            &["--listen", listen],
            &["sh", "-c", "echo \"url=$OPENAI_BASE_URL\""],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let url = stderr
            .lines()
            .find_map(|l| l.strip_prefix("app | url="))
            .unwrap_or_else(|| panic!("{listen}: {stderr}"));
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("http://[::1]:"),
            "{listen}: {url}"
        );
        assert!(stderr.contains(&format!("listening on {url}\n")), "{listen}: {stderr}");
        assert_eq!(
            stderr.contains("other machines can reach it"),
            warned,
            "{listen}: {stderr}"
        );
    }
}

/// Serves the small scenario to this test's client while `script` runs as the app; the report.
fn served_beside(script: &str) -> (String, String, i32) {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, &["--wait", "5", "--", "sh", "-c", script]);
    let agent = client();
    for (i, (body, said)) in bodies.iter().zip(&SMALL_ANSWERS).enumerate() {
        let reply = chat(&agent, &serve.url(), body);
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_chat_answer(&reply.json(), i + 1, said);
    }
    let output = serve.finish();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

/// A chat loop's end as Python prints it when `input()` finds no more lines.
const EOF_TRACEBACK: &str = "cat > /dev/null; sleep 2; printf 'Traceback (most recent call last):\\n  File \"main.py\", line 9, in <module>\\nEOFError: EOF when reading a line\\n' >&2; exit 1";

#[test]
fn an_app_that_stops_at_the_end_of_its_input_after_the_conversation_passes() {
    let (report, stderr, code) = served_beside(EOF_TRACEBACK);
    assert_eq!(code, 0, "{report}\n{stderr}");
    assert!(
        report.contains("app: the app stopped at the end of its input (EOFError: the scripted human had nothing more to say; status 1)\n"),
        "{report}"
    );
    assert!(report.ends_with("PASS\n"), "{report}");
    // Any other error is the app's failure.
    let other = EOF_TRACEBACK.replace("EOFError: EOF when reading a line", "KeyError: 'x'");
    let (report, _, code) = served_beside(&other);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("app: the app exited with status 1\n"), "{report}");
}

#[test]
fn azure_and_foundry_clients_are_pointed_at_serve_and_the_azure_cli_is_a_stand_in() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let script = "echo \"azure=$AZURE_OPENAI_BASE_URL key=$AZURE_OPENAI_API_KEY deployment=$AZURE_OPENAI_CHAT_DEPLOYMENT_NAME endpoint=${AZURE_OPENAI_ENDPOINT-unset} foundry=$FOUNDRY_PROJECT_ENDPOINT model=$FOUNDRY_MODEL\"; az account get-access-token --output json --resource https://ai.azure.com";
    let output = Serve::start_with(
        &file,
        &["--wait", "0.3", "--", "sh", "-c", script],
        &[("AZURE_OPENAI_ENDPOINT", "https://real.example")],
    )
    .finish();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let url = stderr
        .lines()
        .find_map(|l| l.strip_prefix("listening on "))
        .unwrap_or_else(|| panic!("{stderr}"));
    let base = url.strip_suffix("/v1").unwrap();
    let expected = format!(
        "app | azure={url} key=handoff-serve-dummy-key deployment=handoff-serve endpoint=unset foundry={base} model=handoff-serve"
    );
    assert!(stderr.lines().any(|l| l == expected), "{expected}\n{stderr}");
    let token = stderr
        .lines()
        .find_map(|l| l.strip_prefix("app | {\"accessToken\""))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(token.contains("\"expires_on\": 4102444800"), "{token}");
}

#[test]
fn output_that_is_not_utf8_or_has_an_endless_line_is_passed_through_and_read_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let script = "printf 'caf\\351\\n'; head -c 200000 /dev/zero | tr '\\0' a; echo; head -c 70000 /dev/zero | tr '\\0' b; echo; sleep 0.2; echo hello";
    let output = wrapped(&file, &[], &["sh", "-c", script]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("app: the app exited with status 0\n"),
        "{}",
        shown(&output)
    );
    assert!(stderr.contains("app | caf\u{FFFD}\n"), "{stderr}");
    assert!(stderr.contains("app | hello\n"), "{stderr}");
    let longest = stderr.lines().map(str::len).max().unwrap();
    assert!(longest <= 64 * 1024 + 8, "a line of {longest} bytes");
    assert_eq!(stderr.matches("a line over 64 KiB cut there").count(), 1, "said once");
}

#[test]
fn the_app_outlives_a_closed_standard_error_of_serve() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let script = "i=0; while [ $i -lt 500 ]; do echo line $i; echo err $i >&2; i=$((i+1)); done; echo done";
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args([
            "serve",
            crate::support::arg(&file),
            "--wait",
            "0.3",
            "--",
            "sh",
            "-c",
            script,
        ])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Whoever read serve's standard error has gone (`serve ... 2>&1 >r | head -2`).
    drop(child.stderr.take());
    let output = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("app: the app exited with status 0\n"), "{report}");
}

/// Whether process `pid` is running (a zombie, dead but not yet reaped, is not).
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
}

/// Waits (at most 5 s) for `path` to hold a process id; returns it.
fn pid_in(path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(pid) = std::fs::read_to_string(path) {
            return pid.trim().to_string();
        }
        assert!(Instant::now() < deadline, "no pid in {path}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits (at most 3 s) for process `pid` to be gone; whether it went.
fn gone(pid: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    while running(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn what_the_app_left_running_is_stopped_when_it_exits() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let pid_file = path_in(&dir, "grandchild.pid");
    let script = format!("sleep 300 & echo $! > {pid_file}.part && mv {pid_file}.part {pid_file}; exit 0");
    let output = wrapped(&file, &[], &["sh", "-c", &script]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("app: the app exited with status 0\n"), "{report}");
    let pid = pid_in(&pid_file);
    assert!(gone(&pid), "the app's child {pid} outlived the serve");
}

#[test]
fn the_app_dies_with_serve_even_when_serve_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let pid_file = path_in(&dir, "app.pid");
    let script = format!("echo $$ > {pid_file}.part && mv {pid_file}.part {pid_file}; exec sleep 300");
    let serve = Serve::start(&file, &["--", "sh", "-c", &script]);
    let pid = pid_in(&pid_file);
    serve.signal("KILL");
    let _ = serve.finish();
    assert!(gone(&pid), "the app {pid} outlived a serve killed by SIGKILL");
}

#[test]
fn app_env_writes_what_a_wrapped_app_is_given_for_an_app_started_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let env = dir.path().join("app-env.json");
    let serve = Serve::start(&file, &["--app-env", env.to_str().unwrap(), "--timeout", "0.5"]);
    let url = serve.url();
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&env).unwrap()).unwrap();
    serve.finish();
    assert_eq!(written["set"]["OPENAI_BASE_URL"], url.as_str());
    assert_eq!(written["set"]["AZURE_OPENAI_BASE_URL"], url.as_str());
    assert_eq!(written["set"]["OPENAI_API_KEY"], "handoff-serve-dummy-key");
    assert_eq!(
        written["set"]["FOUNDRY_PROJECT_ENDPOINT"],
        url.strip_suffix("/v1").unwrap()
    );
    assert_eq!(written["remove"], serde_json::json!(["AZURE_OPENAI_ENDPOINT"]));
    // The lines a wrapped app reads: the human's replies, after the task with --task-on-stdin.
    assert_eq!(
        written["stdin"],
        serde_json::json!(["I want a refund for order 7", "No, thanks"])
    );
    let serve = Serve::start(
        &file,
        &[
            "--app-env",
            env.to_str().unwrap(),
            "--timeout",
            "0.5",
            "--task-on-stdin",
        ],
    );
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&env).unwrap()).unwrap();
    serve.finish();
    assert_eq!(
        written["stdin"],
        serde_json::json!([
            "A customer is on the line.",
            "I want a refund for order 7",
            "No, thanks"
        ])
    );
    // It is an output like the others: never an input.
    let scenario = file.to_str().unwrap();
    let output = crate::support::handoff(&["serve", scenario, "--app-env", scenario]);
    exits(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--app-env names an input of this command"), "{stderr}");
}
