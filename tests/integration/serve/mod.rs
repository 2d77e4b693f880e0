//! `handoff serve` through the real binary and real HTTP clients on loopback: the test is the
//! app. It starts `handoff serve FILE --port-file P`, waits for the port, and sends each
//! request as the scenario's framework would (the bodies the library's run of the same
//! scenario sends, `wire::chat::request_body`), with `ureq` for ordinary requests and a raw
//! `TcpStream` where a client must misbehave.
//!
//! - `chat`: Chat Completions, whole and streamed, the printed conversation;
//! - `responses`: the Responses API under the `openai-agents` profile;
//! - `routes`: `GET /v1/models`, unknown paths, unreadable bodies, concurrent clients;
//! - `traffic`: retries after a lost connection, unattributable requests, divergences, a
//!   bounce the harness ends, `--record` and `--write-design`;
//! - `upstream`: `--upstream`, a real model behind serve, recorded;
//! - `wrap`: `handoff serve ... -- COMMAND`;
//! - `af_wire`: Agent Framework's recorded wire (`conformance/traces/af-wire/`) sent again.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use handoff_harness::Scenario;
use handoff_harness::wire::chat::request_body;
use serde_json::Value;

use crate::support::{Recorder, arg};

mod af_wire;
mod chat;
mod concurrent;
mod outputs;
mod responses;
mod routes;
mod traffic;
mod upstream;
mod wrap;

/// How long any wait of these tests may last before the test fails (and the serve is killed).
const PATIENCE: Duration = Duration::from_secs(20);

/// The model name the requests name (what a wrapped app is given).
const MODEL: &str = "handoff-serve";

/// A small conversation: triage greets, hands off to refunds, which calls its tool, answers,
/// hears the human's last reply and completes. `PROFILE` is replaced by a profile field.
const SMALL: &str = r#"{
  "name": "serve-small",
  "task": "A customer is on the line.",
  PROFILE
  "agents": [
    {"name": "TriageAgent", "description": "Triages issues.", "instructions": "Handle customer requests."},
    {"name": "RefundAgent", "description": "Handles refunds.", "instructions": "Handle refund requests.",
     "tools": [{"plugin": "RefundPlugin", "name": "process_refund", "description": "Process a refund.",
                "parameters": {"order_id": "The order id"}, "result": "Refund for order {order_id} processed."}]}
  ],
  "handoffs": {"TriageAgent": {"RefundAgent": "Transfer to this agent if the issue is refund related"}},
  "user": ["I want a refund for order 7", "No, thanks"],
  "model": {"scripted": {
    "TriageAgent": {"rules": [
      {"when": {"call": 1}, "say": "Hello! How can I help you today?"},
      {"handoff": "RefundAgent"}]},
    "RefundAgent": {"rules": [
      {"when": {"tool_result": "Refund for order (?P<order_id>\\d+) processed"},
       "say": "Your refund for order {order_id} is on its way. Anything else?"},
      {"when": {"user": "(?i)no, thanks"}, "complete": "Refunded order {order_id}."},
      {"when": {"user": "(?i)order (?P<order_id>\\d+)"},
       "call": {"tool": "process_refund", "args": {"order_id": "{order_id}"}}}]}
  }},
  "expect": {"outcome": "completed", "path": ["TriageAgent", "RefundAgent"], "summary_contains": "Refunded order 7"}
}"#;

/// Writes the small scenario into `dir` (under `profile`, if given) and returns its path.
fn small_scenario(dir: &tempfile::TempDir, profile: Option<&str>) -> PathBuf {
    let field = profile.map_or(String::new(), |p| format!("\"profile\": \"{p}\","));
    crate::support::temp_file(dir, "small.json", SMALL.replace("PROFILE", &field).as_bytes())
}

/// The small scenario (under `profile`) in a new folder, the bodies its framework sends, and
/// a serve of it started with `args`.
fn small_serve(profile: Option<&str>, args: &[&str]) -> (tempfile::TempDir, PathBuf, Vec<Value>, Serve) {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, profile);
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, args);
    (dir, file, bodies, serve)
}

/// The Chat Completions bodies the scenario's framework sends, in order: the library's run of
/// the scenario, as serve runs it (a usage chunk ends every stream), each request written by
/// `wire::chat::request_body`.
fn expected_bodies(file: &Path) -> Vec<Value> {
    let mut scenario = Scenario::load(file).unwrap();
    let settings = &mut scenario.settings;
    settings.usage_chunk |= settings.profile.turns.drops_threads;
    let (_, inner) = scenario.orchestration().unwrap();
    let mut recorder = Recorder {
        inner,
        seen: Vec::new(),
        view: |request| serde_json::from_str(&request_body(MODEL, request)).unwrap(),
    };
    handoff_harness::engine::block_on(scenario.run_with(&mut recorder))
        .unwrap()
        .unwrap();
    recorder.seen
}

/// `body` asking for a stream (with `stream_options.include_usage` when `usage`).
fn streamed(body: &Value, usage: bool) -> Value {
    let mut body = body.clone();
    body["stream"] = true.into();
    if usage {
        body["stream_options"] = serde_json::json!({"include_usage": true});
    }
    body
}

/// A running `handoff serve`, killed if the test ends without [`Serve::finish`].
struct Serve {
    child: Option<Child>,
    /// The port it listens on (from `--port-file`).
    port: u16,
    /// The threads reading its standard output and error.
    output: Option<(Drained, Drained)>,
    _dir: tempfile::TempDir,
}

/// A thread reading a pipe to its end.
type Drained = JoinHandle<Vec<u8>>;

/// Reads `stream` to its end on a thread of its own.
fn drain(mut stream: impl Read + Send + 'static) -> Drained {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        bytes
    })
}

impl Serve {
    /// Starts `handoff serve FILE --port-file P ARGS` and waits for the port file.
    fn start(file: &Path, args: &[&str]) -> Serve {
        Serve::start_with(file, args, &[])
    }

    /// [`Serve::start`] with `env` added to serve's environment.
    fn start_with(file: &Path, args: &[&str], env: &[(&str, &str)]) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let port_file = dir.path().join("port");
        let mut child = Command::new(env!("CARGO_BIN_EXE_handoff"))
            .arg("serve")
            .arg(file)
            .arg("--port-file")
            .arg(&port_file)
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env_remove("OPENAI_CHAT_MODEL_ID")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Some((drain(child.stdout.take().unwrap()), drain(child.stderr.take().unwrap())));
        let mut serve = Serve {
            child: Some(child),
            port: 0,
            output,
            _dir: dir,
        };
        let deadline = Instant::now() + PATIENCE;
        serve.port = loop {
            let text = std::fs::read_to_string(&port_file).unwrap_or_default();
            if let Some(port) = text.strip_suffix('\n') {
                break port.parse().unwrap();
            }
            let exited = serve.child.as_mut().unwrap().try_wait().unwrap();
            if exited.is_some() || Instant::now() > deadline {
                let output = serve.finish();
                panic!("no port file from handoff serve {args:?}: {}", shown(&output));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        serve
    }

    /// Sends `signal` (`TERM`, `INT`) to the serve process.
    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} {pid}");
    }

    /// The base URL an OpenAI client is given.
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Waits for serve to exit (killing it and failing after [`PATIENCE`]); its output.
    fn finish(mut self) -> Output {
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("handoff serve did not end within {} s", PATIENCE.as_secs());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let (out, err) = self.output.take().unwrap();
        Output {
            status,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What a process printed, for assertion messages.
fn shown(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Asserts that `output` exited with `code`, showing what it printed if not.
fn exits(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", shown(output));
}

/// An HTTP answer as a client reads it.
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    text: String,
}

impl Reply {
    /// The body as JSON.
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The `error.message` of an error answer.
    fn error_message(&self) -> String {
        self.json()["error"]["message"].as_str().unwrap_or_default().to_string()
    }
}

/// An HTTP client that reads every status as an answer and gives up after [`PATIENCE`].
fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(PATIENCE))
        .build()
        .into()
}

/// Reads a `ureq` answer whole.
fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = response.unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Reply {
        status: response.status().as_u16(),
        content_type,
        text: response.body_mut().read_to_string().unwrap(),
    }
}

/// `POST {url}{path}` with `body` (any bytes), as JSON.
fn post(agent: &ureq::Agent, url: &str, path: &str, body: &str) -> Reply {
    read(
        agent
            .post(format!("{url}{path}"))
            .header("content-type", "application/json")
            .send(body),
    )
}

/// `GET {url}{path}`.
fn get(agent: &ureq::Agent, url: &str, path: &str) -> Reply {
    read(agent.get(format!("{url}{path}")).call())
}

/// `POST {url}/chat/completions` with `body`.
fn chat(agent: &ureq::Agent, url: &str, body: &Value) -> Reply {
    post(agent, url, "/chat/completions", &body.to_string())
}

/// The events of a server-sent-events body: each event's name (if any) and its data text.
fn events(text: &str) -> Vec<(Option<String>, String)> {
    text.split("\n\n")
        .filter(|event| !event.is_empty())
        .map(|event| {
            let mut name = None;
            let mut data = String::new();
            for line in event.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = Some(n.to_string());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                } else {
                    panic!("not a server-sent-event line: {line:?} in {text}");
                }
            }
            (name, data)
        })
        .collect()
}

/// Opens a raw connection to the serve on `port` and writes a request of `method` and `path`
/// with `body`, with `Connection: close`.
fn raw_request(port: u16, method: &str, path: &str, body: &str) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    stream
}

/// The path of a file in `dir`, as an argument.
fn path_in(dir: &tempfile::TempDir, name: &str) -> String {
    arg(&dir.path().join(name)).to_string()
}
