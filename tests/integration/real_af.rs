//! Agent Framework as its published samples run it: `examples/agent-framework/support_desk.py`
//! (this project's own app, wired as the framework's `handoff_simple.py` sample is:
//! `HandoffBuilder`'s default mesh, `FoundryChatClient` from `FOUNDRY_PROJECT_ENDPOINT` and
//! `FOUNDRY_MODEL` with `AzureCliCredential`, `@tool` functions, the task's `workflow.run`
//! streamed and `await workflow.run(responses=...)` after it) under strict `handoff serve`, with
//! agent-framework-core 1.23.0 and orchestrations 1.4.0 installed by
//! `examples/published/agent-framework/setup.sh` into a virtual environment under `target/`
//! on first use. Serve gives the app the Foundry settings and a stand-in `az`; nothing else is set.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::support::{handoff_within, root, setup_once, temp_file};

/// The python of the Agent Framework environment (installed once, cached under `target/`).
fn python() -> PathBuf {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    setup_once(&READY, "examples/published/agent-framework/setup.sh")
}

/// `handoff serve SCENARIO -- env SETTINGS python support_desk.py`: stdout, stderr, exit code.
fn serve_app(scenario: &str, settings: &[&str]) -> (String, String, i32) {
    let python = python();
    let app = root().join("examples/agent-framework/support_desk.py");
    let mut args = vec!["serve", scenario, "--timeout", "90", "--wait", "5", "--", "env"];
    args.extend_from_slice(settings);
    args.extend([python.to_str().unwrap(), app.to_str().unwrap()]);
    let output = handoff_within(&args, 120);
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

/// What the app printed (its output reaches serve's standard error, each line prefixed).
fn printed(stderr: &str) -> Vec<&str> {
    stderr.lines().filter_map(|l| l.strip_prefix("app | ")).collect()
}

#[test]
fn the_support_desk_wired_as_the_samples_are_passes_strict_serve_over_foundry() {
    let (stdout, stderr, code) = serve_app("examples/agent-framework/support_desk.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for line in [
        "  ok     traffic: 9 requests, each the expected one\n",
        "  ok     path: front_desk -> exchange_agent -> billing_agent -> front_desk\n",
        "app: the app exited with status 0\n",
    ] {
        assert!(stdout.contains(line), "`{line}` missing:\n{stdout}");
    }
    assert!(stdout.ends_with("PASS\n"), "{stdout}");
    // The termination condition ended the workflow at the front desk's "welcome".
    let app = printed(&stderr);
    assert_eq!(
        app.last(),
        Some(&"front_desk: You're welcome! Have a good day."),
        "{stderr}"
    );
    assert!(app.contains(&"[handoff] exchange_agent -> billing_agent"), "{stderr}");
}

#[test]
fn over_chat_completions_the_unstreamed_runs_sign_own_messages_as_the_setting_says() {
    let chat = "SUPPORT_DESK_CLIENT=chat-completions";
    let (stdout, stderr, code) = serve_app("examples/agent-framework/support_desk.json", &[chat]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("  ok     traffic: 9 requests, each the expected one\n"),
        "{stdout}"
    );

    // Told that every run streams, serve expects the exchange agent's own messages unnamed,
    // and the framework names them.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/agent-framework/support_desk.json")).unwrap();
    let all = temp_file(
        &dir,
        "all.json",
        text.replace(r#""streamed_runs": "first""#, r#""streamed_runs": "all""#)
            .as_bytes(),
    );
    let (stdout, stderr, code) = serve_app(all.to_str().unwrap(), &[chat]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("traffic: diverged at exchange_agent call 3 (model call 5)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n+message 7: assistant exchange_agent: Done: the exchange for order 77"),
        "{stdout}"
    );
}
