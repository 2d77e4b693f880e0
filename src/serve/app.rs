//! The application `handoff serve -- COMMAND` wraps: started with the endpoint in its
//! environment (for OpenAI, Azure OpenAI and Foundry clients, and a stand-in `az` on its PATH
//! for `AzureCliCredential`), the scenario's human replies on its standard input, its output
//! passed through prefixed on standard error, and stopped (its whole process group) when it
//! overruns.

use std::ffi::OsString;
use std::io::Write as _;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
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
    /// The environment variable holding the upstream API key (`--api-key-env`): neither it
    /// nor any other variable holding the same value reaches the app or its children.
    pub key_env: Option<OsString>,
}

/// How a wrapped app ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEnd {
    /// It exited by itself with this status code (`None`: killed by a signal).
    Exited(Option<i32>),
    /// It stopped with a Python `EOFError` (its last line on standard error) after reading all
    /// its input: a chat loop whose scripted human had nothing more to say, as the OpenAI
    /// Agents SDK's samples end. Whether the conversation was over is the conversation's check.
    EndOfInput(Option<i32>),
    /// It was still running at the timeout and was stopped.
    TimedOut(Duration),
    /// It was still running this long after the conversation ended and was stopped.
    Lingered(Duration),
    /// It could not be started.
    NotStarted(String),
    /// Serve was interrupted (Ctrl-C, SIGTERM, SIGHUP or SIGQUIT) and stopped it.
    Interrupted,
}

impl AppEnd {
    /// Whether the app exited 0 by itself, or stopped at the end of its input.
    pub fn succeeded(&self) -> bool {
        matches!(self, AppEnd::Exited(Some(0)) | AppEnd::EndOfInput(_))
    }
}

impl std::fmt::Display for AppEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppEnd::Exited(Some(code)) => write!(f, "the app exited with status {code}"),
            AppEnd::Exited(None) => write!(f, "the app was killed by a signal"),
            AppEnd::EndOfInput(code) => write!(
                f,
                "the app stopped at the end of its input (EOFError: the scripted human had nothing more to say; status {})",
                code.map_or("none".to_string(), |c| c.to_string())
            ),
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
            AppEnd::Interrupted => write!(
                f,
                "serve was interrupted (Ctrl-C, SIGTERM, SIGHUP or SIGQUIT) and stopped the app"
            ),
        }
    }
}

impl AppCommand {
    /// Starts the app against the endpoint at `url`.
    pub(super) fn start(&self, url: &str) -> Result<RunningApp, AppEnd> {
        let mut command = Command::new(&self.program);
        for name in self.key_variables() {
            command.env_remove(name);
        }
        command
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let environment = AppEnvironment::for_url(url);
        command.envs(environment.set.iter().map(|(name, value)| (name, value)));
        for name in environment.remove {
            command.env_remove(name);
        }
        // A sample that takes its credential from the Azure CLI (`AzureCliCredential`) finds
        // a stand-in `az` first on its PATH, which hands out a dummy token.
        let stand_in =
            az_stand_in().map_err(|error| AppEnd::NotStarted(format!("cannot write the stand-in az: {error}")))?;
        let mut path = std::ffi::OsString::from(stand_in.path());
        if let Some(rest) = std::env::var_os("PATH") {
            path.push(":");
            path.push(rest);
        }
        command.env("PATH", path);
        dies_with_serve(&mut command);
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
        let last = Arc::new(Mutex::new(String::new()));
        let output = [
            child
                .stdout
                .take()
                .map(|out| tokio::spawn(pass_through(out, "app | ", None))),
            child
                .stderr
                .take()
                .map(|err| tokio::spawn(pass_through(err, "app ! ", Some(last.clone())))),
        ];
        Ok(RunningApp {
            group: child.id(),
            child,
            output: output.into_iter().flatten().collect(),
            last,
            _stand_in: stand_in,
        })
    }
}

impl AppCommand {
    /// The variables of serve's environment that hold the key: `key_env`, and any other whose
    /// value is the key's (a copy under another name).
    fn key_variables(&self) -> Vec<OsString> {
        let Some(name) = &self.key_env else {
            return Vec::new();
        };
        let key = std::env::var_os(name).filter(|key| !key.is_empty());
        let mut names = vec![name.clone()];
        names.extend(
            std::env::vars_os()
                .filter(|(_, value)| key.as_ref() == Some(value))
                .map(|(other, _)| other),
        );
        names
    }
}

/// What an app is given to reach serve at `url`: the variables set (OpenAI's, Azure OpenAI's
/// and Foundry's settings, the model names a client has no default for unless set already) and
/// those removed. A wrapped app gets it from serve; an app started otherwise (the pytest
/// plugin, a script) from `handoff serve --app-env FILE`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppEnvironment {
    /// Variables to set, by name.
    pub set: Vec<(String, String)>,
    /// Variables to remove.
    pub remove: Vec<&'static str>,
}

/// The model settings a client needs and has no default for. `OPENAI_DEFAULT_MODEL` is not
/// among them: the OpenAI Agents SDK has a default (a GPT-5 model), and which it is changes
/// what the app does (its model settings, and what samples such as message_filter filter).
const MODEL_VARIABLES: [&str; 8] = [
    "OPENAI_CHAT_MODEL_ID",
    "OPENAI_RESPONSES_MODEL_ID",
    "OPENAI_MODEL",
    "AZURE_OPENAI_CHAT_DEPLOYMENT_NAME",
    "AZURE_OPENAI_RESPONSES_DEPLOYMENT_NAME",
    "AZURE_OPENAI_DEPLOYMENT_NAME",
    "FOUNDRY_MODEL",
    "AZURE_AI_MODEL_DEPLOYMENT_NAME",
];

impl AppEnvironment {
    /// The environment of an app of the serve at `url` (`http://127.0.0.1:PORT/v1`), given the
    /// variables set in this process.
    pub fn for_url(url: &str) -> AppEnvironment {
        // Azure OpenAI clients given a base URL post `{base}/deployments/NAME/...` (Semantic
        // Kernel's `AzureChatCompletion`); with a key they never ask for a credential. Their
        // `AZURE_OPENAI_ENDPOINT` must be https, so it is not passed on: the base URL is used.
        // A Foundry project's clients post `{endpoint}/openai/v1/responses`.
        let base = url.strip_suffix("/v1").unwrap_or(url);
        let mut set: Vec<(String, String)> = [
            ("OPENAI_BASE_URL", url),
            ("OPENAI_API_KEY", "handoff-serve-dummy-key"),
            ("AZURE_OPENAI_BASE_URL", url),
            ("AZURE_OPENAI_API_KEY", "handoff-serve-dummy-key"),
            ("FOUNDRY_PROJECT_ENDPOINT", base),
            ("AZURE_AI_PROJECT_ENDPOINT", base),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
        for name in MODEL_VARIABLES {
            if std::env::var_os(name).is_none() {
                set.push((name.to_string(), MODEL.to_string()));
            }
        }
        AppEnvironment {
            set,
            remove: vec!["AZURE_OPENAI_ENDPOINT"],
        }
    }

    /// As JSON: `{"set": {"NAME": "value", ...}, "remove": ["NAME", ...], "stdin": [line, ...]}`,
    /// `stdin` the lines a wrapped app reads on its standard input ([`app_input`](super::app_input)).
    pub fn to_json(&self, stdin: &[String]) -> String {
        let set: serde_json::Map<String, serde_json::Value> = self
            .set
            .iter()
            .map(|(name, value)| (name.clone(), value.clone().into()))
            .collect();
        serde_json::json!({"set": set, "remove": self.remove, "stdin": stdin}).to_string()
    }
}

/// A started app.
pub(super) struct RunningApp {
    child: tokio::process::Child,
    group: Option<u32>,
    output: Vec<tokio::task::JoinHandle<()>>,
    /// The last line the app wrote on its standard error.
    last: Arc<Mutex<String>>,
    /// The folder of the stand-in `az`, removed when the app is done.
    _stand_in: tempfile::TempDir,
}

/// The stand-in Azure CLI: `az account get-access-token ...` prints a dummy token in the
/// shape azure-identity reads, valid until 2100 (no clock is read); anything else fails.
const AZ: &str = r#"#!/bin/sh
# handoff serve's stand-in for the Azure CLI: a dummy token for AzureCliCredential.
case "$1 $2" in
  "account get-access-token") ;;
  *) echo "handoff serve's stand-in az: only 'az account get-access-token' is answered" >&2; exit 2 ;;
esac
echo '{"accessToken": "handoff-serve-dummy-token", "expiresOn": "2100-01-01 00:00:00.000000", "expires_on": 4102444800, "subscription": "00000000-0000-0000-0000-000000000000", "tenant": "00000000-0000-0000-0000-000000000000", "tokenType": "Bearer"}'
"#;

/// A new folder holding the stand-in `az`.
fn az_stand_in() -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new().prefix("handoff-serve-az-").tempdir()?;
    let az = dir.path().join("az");
    std::fs::write(&az, AZ)?;
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755))?;
    Ok(dir)
}

impl RunningApp {
    /// Waits for the app to exit by itself (and for what it wrote, a moment).
    pub(super) async fn exited(&mut self) -> AppEnd {
        let code = self.child.wait().await.ok().and_then(|status| status.code());
        if code == Some(0) {
            return AppEnd::Exited(code);
        }
        // Its standard error (the last output task) is read to the end before its last line
        // is looked at; a task not done in a second is left to `finish`.
        if let Some(mut errors) = self.output.pop()
            && tokio::time::timeout(Duration::from_secs(1), &mut errors).await.is_err()
        {
            self.output.push(errors);
        }
        let last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match last.starts_with("EOFError") {
            true => AppEnd::EndOfInput(code),
            false => AppEnd::Exited(code),
        }
    }

    /// Stops the app and everything it started (its process group: also when the app `end`ed
    /// by itself, what it left running), then lets its output drain.
    pub(super) async fn finish(mut self, end: &AppEnd) {
        stop_group(self.group);
        if !matches!(end, AppEnd::Exited(_)) {
            let _ = self.child.kill().await;
        }
        for task in std::mem::take(&mut self.output) {
            let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
        }
    }
}

impl Drop for RunningApp {
    /// Whichever way serve leaves the app (an error, a panic), its process group goes too.
    fn drop(&mut self) {
        stop_group(self.group);
    }
}

/// Makes the app's process receive SIGKILL when serve dies, however it dies (SIGKILL
/// included): `PR_SET_PDEATHSIG`, set in the child between fork and exec. The runtime that
/// starts the app runs on serve's main thread, whose end is what the signal follows.
fn dies_with_serve(command: &mut Command) {
    // SAFETY: getpid(2) before the fork; in the child only async-signal-safe calls are made
    // (prctl(2), getppid(2), kill(2)).
    let serve = unsafe { libc::getpid() };
    let set = move || {
        // SAFETY: see above; PR_SET_PDEATHSIG takes the signal as an unsigned long.
        unsafe {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Serve died before the signal was set: nobody would send it.
            if libc::getppid() != serve {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
        }
        Ok(())
    };
    // SAFETY: the closure above is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(set);
    }
}

/// The longest line of the app's output passed through whole; the rest of a longer line is
/// dropped (said once per stream), so that a line without end cannot exhaust memory.
const MAX_LINE: usize = 64 * 1024;

/// Copies `stream` to standard error line by line, each prefixed (bytes that are not UTF-8
/// shown as U+FFFD), keeping the last non-empty line in `last`. It reads to the end whatever
/// happens to standard error, so that the app never meets a closed pipe.
async fn pass_through(stream: impl AsyncRead + Unpin, prefix: &'static str, last: Option<Arc<Mutex<String>>>) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    let (mut cutting, mut said) = (false, false);
    loop {
        let buffer = match reader.fill_buf().await {
            Ok(buffer) if !buffer.is_empty() => buffer,
            _ => break,
        };
        let end = buffer.iter().position(|&b| b == b'\n');
        let taken = end.map_or(buffer.len(), |at| at + 1);
        let room = MAX_LINE - line.len();
        line.extend_from_slice(&buffer[..end.unwrap_or(taken).min(room)]);
        reader.consume(taken);
        if line.len() == MAX_LINE && end.is_none() && !cutting {
            cutting = true;
            show(prefix, &line, last.as_ref());
            if !std::mem::replace(&mut said, true) {
                show(
                    prefix,
                    format!(
                        "[handoff serve: a line over {} KiB cut there; the rest of such lines is not shown]",
                        MAX_LINE / 1024
                    )
                    .as_bytes(),
                    None,
                );
            }
        }
        if end.is_some() {
            if !cutting {
                show(prefix, &line, last.as_ref());
            }
            line.clear();
            cutting = false;
        }
    }
    if !line.is_empty() && !cutting {
        show(prefix, &line, last.as_ref());
    }
}

/// Writes one line of the app's output, prefixed, to standard error (a failed write is let
/// go), and keeps it in `last` unless it is blank.
fn show(prefix: &str, line: &[u8], last: Option<&Arc<Mutex<String>>>) {
    let line = String::from_utf8_lossy(line);
    let line = line.strip_suffix('\r').unwrap_or(&line);
    let _ = writeln!(std::io::stderr().lock(), "{prefix}{line}");
    if let Some(last) = last.filter(|_| !line.trim().is_empty()) {
        let mut last = last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        last.clear();
        last.push_str(line.trim_end());
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
