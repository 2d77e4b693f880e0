//! The HTTP side of `handoff serve`: hyper's HTTP/1.1 server on tokio, the three routes, and
//! the driver that runs the conversation on its own thread (a forwarding model blocks) and
//! the wrapped app beside it.
//!
//! Every answer is computed before its first byte is written, so a client that disconnects
//! mid-stream loses only its copy: the conversation goes on, and the same request sent again
//! is answered again.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Frame, SizeHint};
use hyper::{Method, Request, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;

use super::answer::Body;
use super::app::{AppCommand, AppEnd};
use super::chain::Chains;
use super::offer::{Exchange, Incoming};
use super::request::{Api, Reader};
use super::session::MAX_UNEXPECTED;
use super::{Conversation, Options, Served, converse_all};
use crate::scenario::{Scenario, ScenarioError};

/// The largest request body accepted (a long conversation's thread, with room to spare).
pub const MAX_BODY: usize = 64 << 20;

/// Requests waiting for the conversation to take them (more wait in their connections).
const QUEUE: usize = 64;

/// An OpenAI-compatible endpoint bound to its address, ready to serve a scenario.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    address: SocketAddr,
}

impl Server {
    /// Binds `address` (port 0: any free port).
    pub async fn bind(address: SocketAddr) -> std::io::Result<Server> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        Ok(Server { listener, address })
    }

    /// The address bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The base URL an OpenAI client is given: `http://127.0.0.1:PORT/v1` (a server on every
    /// interface is reached at loopback).
    pub fn url(&self) -> String {
        let mut address = self.address;
        if address.ip().is_unspecified() {
            address.set_ip(match address.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{address}/v1")
    }

    /// Serves `scenario` until its conversations are over or, with an `app`, until the app
    /// exits (or is stopped); shows each conversation to `done` as it ends.
    pub async fn run(
        self,
        scenario: Scenario,
        options: Options,
        app: Option<AppCommand>,
        done: impl FnMut(Conversation) + Send + 'static,
    ) -> Result<Served, ScenarioError> {
        self.run_all(vec![scenario], options, app, done).await
    }

    /// [`Server::run`] with several scenarios: each conversation of the app is a run of the
    /// one whose first request starts it ([`converse_all`]).
    pub async fn run_all(
        self,
        scenarios: Vec<Scenario>,
        options: Options,
        app: Option<AppCommand>,
        done: impl FnMut(Conversation) + Send + 'static,
    ) -> Result<Served, ScenarioError> {
        let limits = Limits {
            wait: options.wait,
            timeout: options.timeout,
            signals: options.stop_on_signals,
            // A forwarding model blocks on the network: its conversation runs on a thread of
            // its own. Any other runs beside the server, on its thread (no hop between threads).
            on_thread: options.upstream.is_some(),
        };
        self.drive(limits, app, move |incoming, stopped| async move {
            let mut options = options;
            options.stopped = Some(stopped);
            converse_all(&scenarios, &options, incoming, done).await
        })
        .await
    }

    /// Serves the app's requests to `driver` (which answers each [`Exchange`] of `incoming`
    /// until the channel closes, and is told when the server stops), with `app` beside it, as
    /// `limits` say.
    pub(super) async fn drive<D, F>(
        self,
        limits: Limits,
        app: Option<AppCommand>,
        driver: D,
    ) -> Result<Served, ScenarioError>
    where
        D: FnOnce(Incoming, watch::Receiver<bool>) -> F + Send + 'static,
        F: Future<Output = Result<Served, ScenarioError>> + Send + 'static,
    {
        let url = self.url();
        let (sender, incoming) = mpsc::channel(QUEUE);
        let (stop, stopped) = watch::channel(false);
        let refused = Arc::new(Refused::default());
        let accepting = tokio::spawn(accept(self.listener, sender, refused.clone(), stopped.clone()));
        let Limits {
            wait,
            timeout,
            signals,
            on_thread,
        } = limits;
        let (finished, conversation) = oneshot::channel();
        let mut thread = None;
        if on_thread {
            let spawned = std::thread::Builder::new()
                .name("handoff-serve-conversation".into())
                .spawn(move || {
                    let result = super::block_on(driver(incoming, stopped))
                        .map_err(ScenarioError::Runtime)
                        .and_then(|served| served);
                    let _ = finished.send(result);
                })
                .map_err(ScenarioError::Runtime)?;
            thread = Some(spawned);
        } else {
            tokio::spawn(async move {
                let _ = finished.send(driver(incoming, stopped).await);
            });
        }
        let (result, app_end) = match app {
            None => {
                // Without an app to stop, the timeout stops the server: a client that never
                // comes (or never finishes) does not keep it running.
                let (result, ended) = serve_alone(conversation, (timeout, signals), || {
                    let _ = stop.send(true);
                })
                .await;
                let served = |served| Served {
                    timed_out: ended == Some(AppEnd::TimedOut(timeout)),
                    interrupted: ended == Some(AppEnd::Interrupted),
                    ..served
                };
                (result.map(served), None)
            }
            Some(app) => {
                let (result, end) = with_app(&app, &url, conversation, (wait, timeout, signals), || {
                    let _ = stop.send(true);
                })
                .await;
                (result, Some(end))
            }
        };
        let _ = stop.send(true);
        let _ = accepting.await;
        if let Some(thread) = thread {
            let _ = thread.join();
        }
        let mut served = result?;
        served.app = app_end;
        let (mut routes, count) = refused.take();
        served.refused_count += count;
        routes.append(&mut served.refused);
        served.refused = routes;
        Ok(served)
    }
}

/// How long a serve may run, and where its conversations run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// After the conversations end, how long the app may still run.
    pub(super) wait: Duration,
    /// How long the app (or, without one, the serve) may run.
    pub(super) timeout: Duration,
    /// Whether Ctrl-C, SIGTERM, SIGHUP and SIGQUIT stop it.
    pub(super) signals: bool,
    /// Whether the conversations run on a thread of their own (a driver that blocks).
    pub(super) on_thread: bool,
}

/// Waits for the conversation, at most `timeout` (and, with `signals`, until Ctrl-C or
/// SIGTERM); then `stop`s the server, which ends it. What stopped it, if not its end.
async fn serve_alone(
    conversation: oneshot::Receiver<Result<Served, ScenarioError>>,
    (timeout, signals): (Duration, bool),
    stop: impl FnOnce(),
) -> (Result<Served, ScenarioError>, Option<AppEnd>) {
    tokio::pin!(conversation);
    let ended = tokio::select! {
        result = &mut conversation => return (result.unwrap_or_else(|_| Err(thread_lost())), None),
        _ = tokio::time::sleep(timeout) => AppEnd::TimedOut(timeout),
        _ = interrupted(signals) => AppEnd::Interrupted,
    };
    stop();
    (wait_for(conversation).await, Some(ended))
}

/// Resolves at Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal closed) or SIGQUIT, if
/// `signals`; else never.
async fn interrupted(signals: bool) {
    use tokio::signal::unix::{SignalKind, signal};
    let listening = signals
        .then(|| {
            Some([
                signal(SignalKind::interrupt()).ok()?,
                signal(SignalKind::terminate()).ok()?,
                signal(SignalKind::hangup()).ok()?,
                signal(SignalKind::quit()).ok()?,
            ])
        })
        .flatten();
    match listening {
        Some([mut interrupt, mut terminate, mut hangup, mut quit]) => {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
                _ = hangup.recv() => {}
                _ = quit.recv() => {}
            }
        }
        None => std::future::pending().await,
    }
}

/// Runs `app` beside the conversation until it exits, overruns `timeout`, or is still
/// running `wait` after the conversation ended; `stop` stops the server (so that a
/// conversation waiting for a request sees none come).
async fn with_app(
    app: &AppCommand,
    url: &str,
    conversation: oneshot::Receiver<Result<Served, ScenarioError>>,
    (wait, timeout, signals): (Duration, Duration, bool),
    stop: impl FnOnce(),
) -> (Result<Served, ScenarioError>, AppEnd) {
    let mut running = match app.start(url) {
        Ok(running) => running,
        Err(end) => {
            stop();
            return (wait_for(conversation).await, end);
        }
    };
    let deadline = tokio::time::sleep(timeout);
    let interrupt = interrupted(signals);
    tokio::pin!(deadline, conversation, interrupt);
    let (result, end) = tokio::select! {
        end = running.exited() => {
            stop();
            (wait_for(&mut conversation).await, end)
        }
        _ = &mut interrupt => {
            // The app is in a process group of its own: the terminal's Ctrl-C reached only
            // serve, which stops the app before it goes.
            stop();
            (wait_for(&mut conversation).await, AppEnd::Interrupted)
        }
        _ = &mut deadline => {
            stop();
            (wait_for(&mut conversation).await, AppEnd::TimedOut(timeout))
        }
        result = &mut conversation => {
            let result = result.unwrap_or_else(|_| Err(thread_lost()));
            let end = tokio::select! {
                end = running.exited() => end,
                _ = tokio::time::sleep(wait) => AppEnd::Lingered(wait),
                _ = &mut deadline => AppEnd::TimedOut(timeout),
                _ = &mut interrupt => AppEnd::Interrupted,
            };
            stop();
            (result, end)
        }
    };
    running.finish(&end).await;
    (result, end)
}

fn thread_lost() -> ScenarioError {
    ScenarioError::Runtime(std::io::Error::other(
        "the conversation thread stopped without a result",
    ))
}

/// The conversation's result, or the error of a thread that ended without one.
async fn wait_for(
    conversation: impl Future<Output = Result<Result<Served, ScenarioError>, oneshot::error::RecvError>>,
) -> Result<Served, ScenarioError> {
    conversation.await.unwrap_or_else(|_| Err(thread_lost()))
}

/// How long the accept loop waits after a failed accept before it tries again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Accepts connections until `stopped`; each connection's requests go to `sender`. Stopping
/// drops every connection, so the conversation sees the channel close.
async fn accept(
    listener: TcpListener,
    sender: mpsc::Sender<Exchange>,
    refused: Arc<Refused>,
    mut stopped: watch::Receiver<bool>,
) {
    let shared = Arc::new(Shared {
        sender,
        reader: Reader::default(),
        refused,
        chains: Chains::default(),
    });
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors (EMFILE) or the like: trying again at once would
                    // spin; a moment later a connection may have closed.
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| handle(request, shared.clone()));
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

/// What every connection shares: the way to the conversations, the request reader, and the
/// requests refused before any conversation saw them.
struct Shared {
    sender: mpsc::Sender<Exchange>,
    reader: Reader,
    refused: Arc<Refused>,
    chains: Chains,
}

/// Requests refused by the HTTP side (an unknown route, an unreadable body), each as
/// `METHOD PATH: STATUS MESSAGE`, the first [`MAX_UNEXPECTED`] kept, and how many in all.
#[derive(Debug, Default)]
pub(super) struct Refused {
    kept: std::sync::Mutex<(Vec<String>, usize)>,
}

impl Refused {
    fn push(&self, what: String) {
        let mut kept = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.1 += 1;
        if kept.0.len() < MAX_UNEXPECTED {
            kept.0.push(what);
        }
    }

    /// What was kept, and how many were refused in all.
    fn take(&self) -> (Vec<String>, usize) {
        std::mem::take(&mut *self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

impl Shared {
    fn refuse(&self, what: String) {
        self.refused.push(what);
    }
}

/// What a request's path asks for: the same three things under whatever base URL a client
/// is given. OpenAI's `/v1/chat/completions`; Azure OpenAI's
/// `/openai/deployments/{deployment}/chat/completions?api-version=...` (and the same without
/// `/openai`, or under `/v1`); Azure's v1 surface `/openai/v1/chat/completions` and
/// `/openai/v1/responses`; a Foundry project's `.../openai/v1/responses`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Model(Api),
    Models,
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let path = path.trim_end_matches('/');
    match *method {
        Method::POST if path.ends_with("/chat/completions") => Some(Route::Model(Api::ChatCompletions)),
        Method::POST if path.ends_with("/responses") => Some(Route::Model(Api::Responses)),
        Method::GET if path.ends_with("/models") => Some(Route::Models),
        _ => None,
    }
}

async fn handle(
    request: Request<hyper::body::Incoming>,
    shared: Arc<Shared>,
) -> Result<hyper::Response<Frames>, Infallible> {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    // A page in a browser on this machine may post to a loopback port: a browser says where
    // the page came from (`Origin`), an app's HTTP client does not.
    if let Some(origin) = request.headers().get(hyper::header::ORIGIN) {
        let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        let message =
            format!("handoff serve answers apps, not web pages: a request with an Origin header ({origin}) is refused");
        shared.refuse(format!("{method} {path}: 403 {message}"));
        return Ok(response(Body::error(403, "handoff_browser_refused", &message)));
    }
    let answered = match route(&method, &path) {
        Some(Route::Models) => Ok(Body::json(&serde_json::json!({
            "object": "list",
            "data": [{"id": super::app::MODEL, "object": "model", "created": 0, "owned_by": "handoff-serve"}],
        }))),
        Some(Route::Model(api)) => model_call(api, request, &shared).await,
        None => Err((
            404,
            "not_found",
            format!(
                "handoff serve answers POST .../chat/completions and POST .../responses (OpenAI's /v1 paths, Azure OpenAI's /openai/deployments/NAME/... and /openai/v1/...) and GET .../models, not {method} {path}"
            ),
        )),
    };
    let body = answered.unwrap_or_else(|(status, code, message)| {
        shared.refuse(format!("{method} {path}: {status} {message}"));
        Body::error(status, code, &message)
    });
    Ok(response(body))
}

/// The answer to a model request, or why it was refused here (its status, code and message),
/// before any conversation saw it.
async fn model_call(
    api: Api,
    request: Request<hyper::body::Incoming>,
    shared: &Shared,
) -> Result<Body, (u16, &'static str, String)> {
    let bytes = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return Err((
                413,
                "request_too_large",
                format!("the request body is over {} MiB", MAX_BODY >> 20),
            ));
        }
        Err(error) => return Err((400, "bad_body", format!("the request body could not be read: {error}"))),
    };
    let mut request = match shared.reader.read(api, &bytes) {
        Ok(request) => request,
        Err(error) => {
            return Err((
                400,
                "invalid_request",
                format!("handoff serve cannot read the request: {error}"),
            ));
        }
    };
    let parent = shared
        .chains
        .expand(&mut request)
        .map_err(|message| (400, "previous_response_not_found", message))?;
    let kept = (api == Api::Responses).then(|| request.clone());
    let (reply, answer) = oneshot::channel();
    let over = || {
        Body::error(
            503,
            "handoff_serve_stopping",
            "handoff serve is no longer answering: the conversation is over",
        )
    };
    if shared.sender.send(Exchange { request, reply }).await.is_err() {
        return Ok(over());
    }
    let body = answer.await.unwrap_or_else(|_| over());
    if let Some(request) = kept {
        shared.chains.keep(parent, &request, &body);
    }
    Ok(body)
}

fn response(body: Body) -> hyper::Response<Frames> {
    let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = hyper::Response::new(Frames {
        frames: body.frames.into(),
    });
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(body.content_type),
    );
    if body.content_type == "text/event-stream" {
        headers.insert(
            hyper::header::CACHE_CONTROL,
            hyper::header::HeaderValue::from_static("no-cache"),
        );
    }
    for (name, value) in &body.headers {
        if let Ok(value) = hyper::header::HeaderValue::from_str(value) {
            headers.insert(hyper::header::HeaderName::from_static(name), value);
        }
    }
    response
}

/// A body written frame by frame (one server-sent event per frame).
pub struct Frames {
    frames: std::collections::VecDeque<Bytes>,
}

impl hyper::body::Body for Frames {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.frames.pop_front().map(|bytes| Ok(Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.frames.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        // One frame (a JSON answer) has a known length; events are sent chunked.
        match self.frames.len() {
            0 => SizeHint::with_exact(0),
            1 => SizeHint::with_exact(self.frames[0].len() as u64),
            _ => SizeHint::default(),
        }
    }
}
