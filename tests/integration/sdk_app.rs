//! A real Agents SDK app (`tests/apps/*.py`) under strict `handoff serve`, answered from a
//! scenario: the SDK's example venv, the serve invocation and the check that every request
//! was the expected one, shared by the tests of the SDK's options.

use std::path::PathBuf;
use std::process::Output;
use std::sync::OnceLock;

use crate::framework_options::stdout;
use crate::support::{handoff_within, root, setup_once};

/// The Agents SDK's example venv (openai-agents 0.24.0), installed once.
pub(crate) fn agents_sdk() -> PathBuf {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    setup_once(&READY, "examples/openai-agents/setup.sh");
    root().join("examples/openai-agents/python.sh")
}

/// `handoff serve FILE --timeout 60 -- python tests/apps/APP FLAGS...`, the task on serve's
/// input unless the flags give it (`--messages`).
pub(crate) fn serve(app: &str, file: &str, flags: &[&str]) -> Output {
    let python = agents_sdk();
    let app = root().join("tests/apps").join(app);
    let mut args = vec!["serve"];
    if !flags.contains(&"--messages") {
        args.push("--task-on-stdin");
    }
    args.extend([
        file,
        "--timeout",
        "60",
        "--",
        python.to_str().unwrap(),
        app.to_str().unwrap(),
    ]);
    args.extend(flags);
    handoff_within(&args, 90)
}

/// [`serve`], which must pass with `requests` requests, each the expected one; the report.
pub(crate) fn passes(app: &str, file: &str, flags: &[&str], requests: usize) -> String {
    let out = serve(app, file, flags);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{file} {flags:?}:\n{text}");
    assert!(
        text.contains(&format!(
            "  ok     traffic: {requests} requests, each the expected one\n"
        )),
        "{file} {flags:?}:\n{text}"
    );
    text
}
