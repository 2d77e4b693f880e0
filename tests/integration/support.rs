//! Helpers shared by the integration tests.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use handoff_harness::engine::ModelError;
use handoff_harness::{Human, Model, ModelRequest, Orchestration, Response, Run, ScriptedModel};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs an orchestration to the end on a current-thread runtime.
pub fn run<M: Model, H: Human>(orchestration: &Orchestration, model: &mut M, human: &mut H) -> Run {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(orchestration.run(model, human))
}

/// Runs the `handoff` binary with `args` in the repository root.
pub fn handoff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Runs the `handoff` binary with `args` in the repository root, failing the test if it has
/// not ended within `seconds` (it is killed): a hang is a failure, never a stuck suite.
pub fn handoff_within(args: &[&str], seconds: u64) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handoff"));
    command.args(args).current_dir(root()).env("NO_COLOR", "1");
    output_within(command, &format!("handoff {args:?}"), seconds)
}

/// Runs `command` to its end, failing the test if it has not ended within `seconds` (it is
/// killed); `what` names it in that failure.
pub fn output_within(mut command: Command, what: &str, seconds: u64) -> Output {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes on their own threads, so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v)
            .map(|_| v)
            .unwrap_or_default()
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v)
            .map(|_| v)
            .unwrap_or_default()
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Writes `text` to a file named `name` in a fresh temporary directory.
pub fn temp_file(dir: &tempfile::TempDir, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A path as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A model that remembers every request it answered, as `f(request)`, then defers to `inner`.
pub struct Recorder<T> {
    pub inner: ScriptedModel,
    pub seen: Vec<T>,
    pub view: fn(&ModelRequest<'_>) -> T,
}

impl<T: Send> Model for Recorder<T> {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        self.seen.push((self.view)(request));
        self.inner.respond(request)
    }
    fn state(&self) -> Option<u64> {
        self.inner.state()
    }
}

/// A model answering with a closure (for responses a script would reject, such as a
/// `complete_task` call without its argument). It cannot name its state: no loop proofs.
pub struct FnModel<F>(pub F);

impl<F: FnMut(&ModelRequest<'_>) -> Response + Send> Model for FnModel<F> {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        std::future::ready(Ok((self.0)(request)))
    }
}

/// The tutorial scenario with its scripted model replaced by the recording `recording` (a
/// path relative to the scenario), every other field as written: key order is meaning (it
/// orders the handoffs offered), so the text is edited rather than parsed and written again.
pub fn tutorial_replaying(recording: &str) -> String {
    let text = std::fs::read_to_string(root().join("scenarios/customer_support.json")).unwrap();
    let start = text.find("\"model\":").unwrap();
    let open = start + text[start..].find('{').unwrap();
    let mut depth = 0;
    let close = open
        + text[open..]
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '{' => 1,
                    '}' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .unwrap()
            .0;
    format!(
        "{}{{\"recording\": {recording:?}}}{}",
        &text[..open],
        &text[close + 1..]
    )
}

/// Runs the setup script at `script` (relative to the repository root) once per test process
/// and returns the last line it printed: the python of the virtual environment it made (cached
/// under `target/`). Panics with the script's error output when it fails.
pub fn setup_once(ready: &'static std::sync::OnceLock<Result<PathBuf, String>>, script: &str) -> PathBuf {
    setup_once_with(ready, script, &[])
}

/// [`setup_once`], the script given `args`.
pub fn setup_once_with(
    ready: &'static std::sync::OnceLock<Result<PathBuf, String>>,
    script: &str,
    args: &[&std::ffi::OsStr],
) -> PathBuf {
    let ready = ready.get_or_init(|| {
        let output = std::process::Command::new(root().join(script))
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {script}: {e}"))?;
        if !output.status.success() {
            return Err(format!("{script} failed:\n{}", String::from_utf8_lossy(&output.stderr)));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        Ok(PathBuf::from(stdout.lines().last().unwrap_or_default().trim()))
    });
    match ready {
        Ok(python) => python.clone(),
        Err(why) => panic!("{why}"),
    }
}
