//! What `handoff serve` costs per request, on loopback, against a minimal hyper server that
//! answers every request with the same bytes (what is hyper's and the kernel's; the rest is
//! ours: parsing the request, the lockstep check against the run, the scripted answer, a
//! fresh run per conversation, the report).
//!
//! The scenario (`benches/serve_scenario.json`) is one agent and no human: each request is a
//! whole conversation (the run starts, checks the request, answers, ends), and the next equal
//! request starts the next one. One client on one keep-alive connection sends requests one
//! after another, so requests per second are 1 / latency (the server uses one core, the
//! client the other).
//!
//! - `serve/json`, `serve/stream` (`stream: true` with a usage chunk), `echo/json`: criterion,
//!   time per request;
//! - then, for the same three, 20,000 requests each: p50, p99 and requests per second, printed.
//!
//! `cargo bench --bench serve`; figures in BENCHMARKS.md. With `SERVE_BENCH_REQUESTS=N` it
//! only sends N requests of each kind (for callgrind's instruction counts, per thread).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Client, chat_request, micros, quantile, start_echo};
use criterion::Criterion;
use handoff_harness::engine::ModelError;
use handoff_harness::serve::{MODEL, Options, Server};
use handoff_harness::{Model, ModelRequest, Response, Scenario};

mod common;

/// The bench scenario.
fn scenario() -> Scenario {
    Scenario::load(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/serve_scenario.json")).unwrap()
}

/// A model that answers "Hello!" and keeps the body of the request it was sent.
struct Capture(Option<String>);

impl Model for Capture {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        self.0 = Some(handoff_harness::wire::chat::request_body(MODEL, request));
        std::future::ready(Ok(Response::text("Hello!")))
    }
}

/// The request the scenario's start agent is sent, exactly as the harness would send it (as
/// Semantic Kernel does), streamed with a usage chunk or not.
fn request_body(stream: bool) -> String {
    let mut capture = Capture(None);
    handoff_harness::engine::block_on(scenario().run_with(&mut capture))
        .unwrap()
        .unwrap();
    let body = capture.0.unwrap();
    let model = format!(r#"{{"model":"{MODEL}""#);
    if stream {
        body.replacen(
            &model,
            &format!(r#"{model},"stream":true,"stream_options":{{"include_usage":true}}"#),
            1,
        )
    } else {
        body
    }
}

/// Starts `handoff serve` on the bench scenario, for as many conversations as will come.
fn start_serve() -> SocketAddr {
    let scenario = scenario();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        handoff_harness::serve::block_on(async move {
            let server = Server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
            sender.send(server.address()).unwrap();
            let options = Options {
                conversations: u32::MAX,
                wait: Duration::from_secs(3600),
                timeout: Duration::from_secs(24 * 3600),
                ..Options::default()
            };
            let served = server.run(scenario, options, None, |c| {
                assert!(c.verdict.passed, "{}", c.run.text())
            });
            served.await.unwrap();
        })
        .unwrap();
    });
    receiver.recv().unwrap()
}

/// One client and the request it sends again and again.
struct Poster {
    client: Client,
    request: Vec<u8>,
}

impl Poster {
    fn new(address: SocketAddr, body: &str) -> Poster {
        Poster {
            client: Client::new(address),
            request: chat_request(address, body),
        }
    }

    fn post(&mut self) -> &[u8] {
        self.client.post(&self.request)
    }
}

/// p50, p99 and requests per second of `count` requests.
fn percentiles(poster: &mut Poster, count: usize) -> (Duration, Duration, f64) {
    let mut times = Vec::with_capacity(count);
    let start = Instant::now();
    for _ in 0..count {
        let sent = Instant::now();
        std::hint::black_box(poster.post());
        times.push(sent.elapsed());
    }
    let total = start.elapsed();
    times.sort();
    (
        quantile(&times, 0.5),
        quantile(&times, 0.99),
        count as f64 / total.as_secs_f64(),
    )
}

fn main() {
    let serve = start_serve();
    let mut json = Poster::new(serve, &request_body(false));
    let mut stream = Poster::new(serve, &request_body(true));
    // The echo server answers with the bytes serve answers the same request with.
    let answer: &'static str = String::from_utf8(json.post().to_vec()).unwrap().leak();
    assert!(answer.contains(r#""content":"Hello!""#), "{answer}");
    assert!(String::from_utf8_lossy(stream.post()).ends_with("data: [DONE]\n\n"));
    let mut echo = Poster::new(start_echo(answer, "application/json").0, &request_body(false));
    // For callgrind: only N requests of each kind, no statistics (`SERVE_BENCH_REQUESTS=N`).
    if let Some(count) = std::env::var("SERVE_BENCH_REQUESTS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        for client in [&mut json, &mut stream, &mut echo] {
            for _ in 0..count {
                std::hint::black_box(client.post());
            }
        }
        return;
    }

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("serve");
    group.bench_function("json", |b| b.iter(|| json.post().len()));
    group.bench_function("stream", |b| b.iter(|| stream.post().len()));
    group.bench_function("echo_json", |b| b.iter(|| echo.post().len()));
    group.finish();
    criterion.final_summary();

    const COUNT: usize = 20_000;
    println!("\n{COUNT} requests each, one keep-alive connection:");
    println!(
        "{:<12} {:>10} {:>10} {:>12}",
        "server", "p50 (µs)", "p99 (µs)", "requests/s"
    );
    for (name, client) in [
        ("serve json", &mut json),
        ("serve stream", &mut stream),
        ("echo json", &mut echo),
    ] {
        let (p50, p99, rate) = percentiles(client, COUNT);
        println!("{name:<12} {:>10.1} {:>10.1} {:>12.0}", micros(p50), micros(p99), rate);
    }
}
