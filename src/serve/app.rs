//! The application `handoff serve -- COMMAND` wraps: started with the endpoint in its
//! environment, the scenario's human replies on its standard input, its output passed through
//! prefixed on standard error, and stopped (its whole process group) when it overruns.

use std::ffi::OsString;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// The model name a wrapped app is given, and `GET /v1/models` lists.
pub const MODEL: &str = "handoff-serve";

/// How long `handoff serve` gives a wrapped app, by default, before it stops it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A command to run against the endpoint.
#[derive(Debug, Clone)]
pub struct AppCommand {
    /// The program.
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Written to its standard input, one per line, then the input is closed.
    pub stdin: Vec<String>,
}

/// How a wrapped app ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEnd {
    /// It exited by itself with this status code (`None`: killed by a signal).
    Exited(Option<i32>),
    /// It was still running at the timeout and was stopped.
    TimedOut(Duration),
    /// It was still running this long after the conversation ended and was stopped.
    Lingered(Duration),
    /// It could not be started.
    NotStarted(String),
    /// Serve was interrupted (Ctrl-C or SIGTERM) and stopped it.
    Interrupted,
}

impl AppEnd {
    /// Whether the app exited 0 by itself.
    pub fn succeeded(&self) -> bool {
        *self == AppEnd::Exited(Some(0))
    }
}

impl std::fmt::Display for AppEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppEnd::Exited(Some(code)) => write!(f, "the app exited with status {code}"),
            AppEnd::Exited(None) => write!(f, "the app was killed by a signal"),
            AppEnd::TimedOut(after) => write!(
                f,
                "the app was still running after {} s (--timeout) and was stopped",
                after.as_secs_f64()
            ),
            AppEnd::Lingered(after) => write!(
                f,
                "the app was still running {} s after the conversation ended and was stopped",
                after.as_secs_f64()
            ),
            AppEnd::NotStarted(why) => write!(f, "the app could not be started: {why}"),
            AppEnd::Interrupted => write!(f, "serve was interrupted (Ctrl-C or SIGTERM) and stopped the app"),
        }
    }
}

impl AppCommand {
    /// Starts the app against the endpoint at `url`.
    pub(super) fn start(&self, url: &str) -> Result<RunningApp, AppEnd> {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .env("OPENAI_BASE_URL", url)
            .env("OPENAI_API_KEY", "handoff-serve-dummy-key")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        for name in [
            "OPENAI_CHAT_MODEL_ID",
            "OPENAI_RESPONSES_MODEL_ID",
            "OPENAI_MODEL",
            "OPENAI_DEFAULT_MODEL",
        ] {
            if std::env::var_os(name).is_none() {
                command.env(name, MODEL);
            }
        }
        let mut child = command
            .spawn()
            .map_err(|error| AppEnd::NotStarted(format!("{}: {error}", self.program.to_string_lossy())))?;
        if let Some(mut stdin) = child.stdin.take() {
            let input: String = self.stdin.iter().map(|line| format!("{line}\n")).collect();
            tokio::spawn(async move {
                // An app that does not read its input closes it early: not an error.
                let _ = stdin.write_all(input.as_bytes()).await;
            });
        }
        let output = [
            child.stdout.take().map(|out| tokio::spawn(pass_through(out, "app | "))),
            child.stderr.take().map(|err| tokio::spawn(pass_through(err, "app ! "))),
        ];
        Ok(RunningApp {
            group: child.id(),
            child,
            output: output.into_iter().flatten().collect(),
        })
    }
}

/// A started app.
pub(super) struct RunningApp {
    child: tokio::process::Child,
    group: Option<u32>,
    output: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningApp {
    /// Waits for the app to exit by itself.
    pub(super) async fn exited(&mut self) -> AppEnd {
        AppEnd::Exited(self.child.wait().await.ok().and_then(|status| status.code()))
    }

    /// Stops the app unless it `end`ed by itself, then lets its output drain (a grandchild
    /// that still holds it open is not waited for).
    pub(super) async fn finish(mut self, end: &AppEnd) {
        if !matches!(end, AppEnd::Exited(_)) {
            stop_group(self.group);
            let _ = self.child.kill().await;
        }
        for task in self.output {
            let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
        }
    }
}

/// Copies `stream` to standard error line by line, each prefixed.
async fn pass_through(stream: impl AsyncRead + Unpin, prefix: &'static str) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("{prefix}{line}");
    }
}

/// Kills the app's process group (the app and everything it started).
fn stop_group(group: Option<u32>) {
    if let Some(pid) = group.and_then(|pid| i32::try_from(pid).ok()) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is shared.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}
