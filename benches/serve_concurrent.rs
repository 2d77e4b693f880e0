//! `handoff serve` holding 100 conversations of the tutorial at once, from one client process,
//! against the same load on a minimal hyper server that answers every request with the same
//! bytes (`benches/serve.rs` measures one conversation at a time).
//!
//! The scenario is `scenarios/customer_support.json` (Semantic Kernel's handoff tutorial, its
//! profile, 12 model calls and the human's replies); each request is the one Semantic Kernel
//! sends at that point of the run, streamed with a usage chunk (`stream_options.include_usage`),
//! as the harness itself writes it (`wire::chat::request_body`). Serve runs in-process on its
//! own thread and current-thread runtime, as `handoff serve` does, with `--conversations 100`.
//! The client is one thread (a current-thread tokio runtime, as an async app's HTTP client is)
//! with 100 tasks, one keep-alive connection each, that start together and each send their
//! conversation's 12 requests in order, so the conversations' requests interleave; the server
//! has one core, the client the other.
//! Every answer must be a 200, and serve must report 100 conversations, every one passing.
//!
//! Two loads:
//! - *burst*: each conversation sends its next request as soon as its answer is read (100
//!   requests in flight at once: latency is queueing, 100 over the server's rate);
//! - *paced*: each conversation sends a request every `PERIOD` (20 ms, as an app does
//!   something between its model calls), the conversations' schedules spread evenly over one
//!   period: 5,000 requests per second in all, with all 100 conversations open throughout and
//!   the server not saturated. The schedule is fixed (a request whose time came before the
//!   last answer goes at once, and is counted *late*): waiting a fixed time after each answer
//!   instead lets a slow moment gather the conversations into one phase, a burst every 20 ms.
//!
//! Memory: a counting global allocator counts the bytes allocated and not yet freed on the
//! server's thread (every allocation of serve, hyper and tokio there), at three points: serve
//! started with no connection; 100 connections open, no request sent; and every conversation
//! paused before its last request (each holding its run, log and last answer). The difference
//! over 100 is what one open conversation holds.
//!
//! `cargo bench --bench serve_concurrent`; figures in BENCHMARKS.md. With
//! `SERVE_CONCURRENT_ROUNDS=N` it only runs N burst rounds against serve (for a profiler).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use common::{Client, Source, chat_request, micros, quantile, read_answer, start_echo, thread_clock};
use criterion::{Criterion, SamplingMode};
use handoff_harness::engine::ModelError;
use handoff_harness::serve::{MODEL, Options, Served, Server};
use handoff_harness::{Model, ModelRequest, Response, Scenario, ScriptedModel};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

mod common;

/// Conversations held at once.
const CONVERSATIONS: usize = 100;

/// How often a paced conversation sends a request.
const PERIOD: Duration = Duration::from_millis(20);

/// Counts the bytes the server's thread holds.
struct Counting;

thread_local! {
    /// Whether this thread is the server's.
    static SERVER: Cell<bool> = const { Cell::new(false) };
}

/// Bytes allocated on the server's thread and not freed.
static SERVER_LIVE: AtomicIsize = AtomicIsize::new(0);

fn note(bytes: isize) {
    if SERVER.try_with(Cell::get).unwrap_or(false) {
        SERVER_LIVE.fetch_add(bytes, Ordering::Relaxed);
    }
}

// SAFETY: every call goes to `System` as it came; only counts are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, passed on.
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            note(layout.size() as isize);
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, passed on.
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            note(layout.size() as isize);
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        // SAFETY: a block of ours, with its layout.
        unsafe { System.dealloc(block, layout) }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        // SAFETY: a block of ours, with its layout and the caller's new size.
        let moved = unsafe { System.realloc(block, layout, size) };
        if !moved.is_null() {
            note(size as isize - layout.size() as isize);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tutorial.
fn tutorial() -> Scenario {
    Scenario::load(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/customer_support.json")).unwrap()
}

/// The scripted model, keeping the body of every request it is sent.
struct Recording {
    inner: ScriptedModel,
    bodies: Vec<String>,
}

impl Model for Recording {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        self.bodies
            .push(handoff_harness::wire::chat::request_body(MODEL, request));
        self.inner.respond(request)
    }

    fn state(&self) -> Option<u64> {
        self.inner.state()
    }
}

/// The tutorial's requests, in order, as Semantic Kernel sends them streamed: the run of the
/// scenario as serve runs it (a usage chunk ends every stream), each request's body written
/// by the harness, asking for a stream and its usage chunk.
fn tutorial_bodies() -> Vec<String> {
    let mut scenario = tutorial();
    let settings = &mut scenario.settings;
    settings.usage_chunk |= settings.profile.turns.drops_threads;
    let (_, inner) = scenario.orchestration().unwrap();
    let mut recording = Recording {
        inner,
        bodies: Vec::new(),
    };
    handoff_harness::engine::block_on(scenario.run_with(&mut recording))
        .unwrap()
        .unwrap();
    let streamed = |body: String| {
        let mut body: serde_json::Value = serde_json::from_str(&body).unwrap();
        body["stream"] = true.into();
        body["stream_options"] = serde_json::json!({"include_usage": true});
        body.to_string()
    };
    recording.bodies.into_iter().map(streamed).collect()
}

/// `handoff serve` on the tutorial, on its own thread.
struct Serve {
    address: SocketAddr,
    /// How many conversations it holds.
    conversations: u32,
    /// The server's thread, which gives what the serve held when it is over, and the CPU
    /// time it took in all.
    thread: std::thread::JoinHandle<(Served, Duration)>,
}

impl Serve {
    /// A serve of `conversations` conversations.
    fn start(conversations: usize) -> Serve {
        let conversations = conversations as u32;
        let (sender, address) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            SERVER.with(|server| server.set(true));
            handoff_harness::serve::block_on(async move {
                let server = Server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
                sender.send(server.address()).unwrap();
                let options = Options {
                    conversations,
                    ..Options::default()
                };
                let served = server.run(tutorial(), options, None, |c| {
                    assert!(c.verdict.passed, "{}", c.run.text())
                });
                served.await.unwrap()
            })
            .map(|served| (served, cpu_time(thread_clock())))
            .unwrap()
        });
        Serve {
            address: address.recv().unwrap(),
            conversations,
            thread,
        }
    }

    /// Waits for the serve to end (its conversations over, its thread gone), and checks that
    /// it held every conversation and every one passed; the CPU time of the serve in all
    /// (the end of every conversation included).
    fn finish(self) -> Duration {
        let (served, cpu) = self.thread.join().unwrap();
        assert_eq!(
            (served.conversations, served.passed, served.refused_count),
            (self.conversations, self.conversations, 0),
            "{:?}",
            served.refused
        );
        cpu
    }
}

/// The CPU time a thread has used so far, by its `clock` ([`thread_clock`]).
fn cpu_time(clock: libc::clockid_t) -> Duration {
    let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a thread's CPU clock, and a place for its time.
    assert_eq!(unsafe { libc::clock_gettime(clock, &mut time) }, 0);
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// What one load of [`CONVERSATIONS`] conversations measured.
#[derive(Default)]
struct Measured {
    /// Every request's time to its whole answer, sorted.
    times: Vec<Duration>,
    /// From the start of the first request to the end of the last answer.
    wall: Duration,
    /// Bytes held on the server's thread at each pause, in order.
    held: Vec<isize>,
    /// Requests whose time came before the last answer of their conversation (paced).
    late: usize,
    /// The CPU time of the server's thread.
    cpu: Duration,
}

/// How the client sends [`CONVERSATIONS`] conversations.
#[derive(Debug, Clone, Copy)]
struct Load {
    /// How many at once, each on a thread and connection of its own that holds
    /// `CONVERSATIONS / at_once` conversations one after another.
    at_once: usize,
    /// How often a conversation sends a request (zero: as soon as the last answer is read).
    period: Duration,
    /// Before which steps every conversation pauses while what the server holds is counted
    /// (with all conversations at once).
    pauses: &'static [usize],
}

impl Load {
    /// All at once, each request sent as soon as the last answer is read.
    const BURST: Load = Load {
        at_once: CONVERSATIONS,
        period: Duration::ZERO,
        pauses: &[],
    };
    /// All at once, each sending a request every [`PERIOD`], their schedules spread evenly
    /// over one period.
    const PACED: Load = Load {
        period: PERIOD,
        ..Load::BURST
    };
    /// One at a time: what a request costs without any other.
    const SERIAL: Load = Load {
        at_once: 1,
        ..Load::BURST
    };
}

/// Runs [`CONVERSATIONS`] conversations of `bodies` against `address` as `load` says.
fn converse(address: SocketAddr, bodies: &[String], load: Load) -> Measured {
    let requests: Arc<[Vec<u8>]> = bodies.iter().map(|b| chat_request(address, b)).collect();
    handoff_harness::serve::block_on(async move {
        let barrier = Arc::new(Barrier::new(load.at_once + 1));
        let mut conversations = JoinSet::new();
        for i in 0..load.at_once {
            let (requests, barrier) = (requests.clone(), barrier.clone());
            conversations.spawn(async move {
                let mut client = AsyncClient::new(address).await;
                let each = CONVERSATIONS / load.at_once;
                let mut times = Vec::with_capacity(requests.len() * each);
                barrier.wait().await;
                let (mut due, mut late) = (Instant::now() + load.period * i as u32 / load.at_once as u32, 0);
                for _ in 0..each {
                    for (step, request) in requests.iter().enumerate() {
                        if load.pauses.contains(&step) {
                            barrier.wait().await;
                            barrier.wait().await;
                        }
                        if !load.period.is_zero() {
                            // The first request waits for its time; any other may find it gone.
                            late += usize::from(!times.is_empty() && Instant::now() > due);
                            tokio::time::sleep_until(due.into()).await;
                            due += load.period;
                        }
                        let sent = Instant::now();
                        std::hint::black_box(client.post(request).await);
                        times.push(sent.elapsed());
                    }
                }
                (times, late)
            });
        }
        barrier.wait().await;
        let start = Instant::now();
        let mut held = Vec::new();
        for _ in load.pauses {
            barrier.wait().await;
            // The last answers are read: what the server does after them, it has done.
            tokio::time::sleep(Duration::from_millis(200)).await;
            held.push(SERVER_LIVE.load(Ordering::Relaxed));
            barrier.wait().await;
        }
        let (mut times, mut late) = (Vec::with_capacity(requests.len() * CONVERSATIONS), 0);
        while let Some(conversation) = conversations.join_next().await {
            let (conversation, its_late) = conversation.unwrap();
            times.extend(conversation);
            late += its_late;
        }
        let wall = start.elapsed();
        times.sort();
        Measured {
            times,
            wall,
            held,
            late,
            cpu: Duration::ZERO,
        }
    })
    .unwrap()
}

/// [`Client`] on tokio: the conversations share the client's one thread.
struct AsyncClient {
    writer: OwnedWriteHalf,
    reader: tokio::io::BufReader<OwnedReadHalf>,
    line: String,
    body: Vec<u8>,
}

impl Source for tokio::io::BufReader<OwnedReadHalf> {
    async fn line(&mut self, line: &mut String) {
        AsyncBufReadExt::read_line(self, line).await.unwrap();
    }

    async fn exact(&mut self, bytes: &mut [u8]) {
        AsyncReadExt::read_exact(self, bytes).await.unwrap();
    }
}

impl AsyncClient {
    async fn new(address: SocketAddr) -> AsyncClient {
        let stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (reader, writer) = stream.into_split();
        AsyncClient {
            reader: tokio::io::BufReader::new(reader),
            writer,
            line: String::new(),
            body: Vec::new(),
        }
    }

    /// [`Client::post`].
    async fn post(&mut self, request: &[u8]) -> &[u8] {
        self.writer.write_all(request).await.unwrap();
        read_answer(&mut self.reader, &mut self.line, &mut self.body).await;
        &self.body
    }
}

/// A new serve, one load against it, and the serve's check.
fn serve_once(bodies: &[String], load: Load) -> Measured {
    let serve = Serve::start(CONVERSATIONS);
    let measured = converse(serve.address, bodies, load);
    Measured {
        cpu: serve.finish(),
        ..measured
    }
}

/// One load against the echo server, whose thread's CPU clock is `clock`.
fn echo_once(address: SocketAddr, clock: libc::clockid_t, bodies: &[String], load: Load) -> Measured {
    let before = cpu_time(clock);
    let measured = converse(address, bodies, load);
    Measured {
        cpu: cpu_time(clock) - before,
        ..measured
    }
}

/// Prints p50, p99, max, wall time, requests per second, the server's CPU time per request and
/// the requests sent late of `rounds` loads on each server, a round of each in turn (so that both see the same
/// machine).
fn table(name: &str, rounds: usize, mut run: impl FnMut(bool) -> Measured) {
    println!("\n{name}: {rounds} round(s) of {CONVERSATIONS} conversations x 12 requests, per server:");
    println!(
        "{:<6} {:>10} {:>10} {:>10} {:>16} {:>11} {:>22} {:>5}",
        "server",
        "p50 (µs)",
        "p99 (µs)",
        "max (µs)",
        "wall/round (ms)",
        "requests/s",
        "server CPU/request (µs)",
        "late"
    );
    let mut all: [Measured; 2] = Default::default();
    for _ in 0..rounds {
        for (serve, total) in [true, false].into_iter().zip(&mut all) {
            let measured = run(serve);
            total.times.extend(measured.times);
            total.wall += measured.wall;
            total.late += measured.late;
            total.cpu += measured.cpu;
        }
    }
    for (name, mut total) in ["serve", "echo"].into_iter().zip(all) {
        total.times.sort();
        let times = &total.times;
        println!(
            "{name:<6} {:>10.1} {:>10.1} {:>10.1} {:>16.1} {:>11.0} {:>22.1} {:>5}",
            micros(quantile(times, 0.5)),
            micros(quantile(times, 0.99)),
            micros(*times.last().unwrap()),
            total.wall.as_secs_f64() * 1e3 / rounds as f64,
            times.len() as f64 / total.wall.as_secs_f64(),
            micros(total.cpu) / times.len() as f64,
            total.late
        );
    }
}

/// The memory figures: what the server's thread holds per connection and per conversation.
fn memory(bodies: &[String]) {
    /// Where the conversations pause, and what they hold then.
    const PAUSES: [(usize, &str); 3] = [
        (0, "connections, no request"),
        (1, "conversations after their first request"),
        (11, "conversations before their last request"),
    ];
    const STEPS: [usize; 3] = [PAUSES[0].0, PAUSES[1].0, PAUSES[2].0];
    assert_eq!(STEPS[2], bodies.len() - 1);
    let serve = Serve::start(CONVERSATIONS);
    std::thread::sleep(Duration::from_millis(200));
    let baseline = SERVER_LIVE.load(Ordering::Relaxed);
    let load = Load {
        pauses: &STEPS,
        ..Load::BURST
    };
    let measured = converse(serve.address, bodies, load);
    serve.finish();
    println!("\nheld on the server's thread (live heap bytes; per conversation: over serve started, no connection):");
    println!("  {:<48} {:>10} B", "serve started, no connection", baseline);
    for ((_, what), held) in PAUSES.iter().zip(&measured.held) {
        println!(
            "  {:<48} {held:>10} B  {:>7.1} KiB per conversation",
            format!("{CONVERSATIONS} {what}"),
            (held - baseline) as f64 / CONVERSATIONS as f64 / 1024.0
        );
    }
}

fn main() {
    let bodies = tutorial_bodies();
    assert_eq!(bodies.len(), 12, "the tutorial makes 12 model calls");
    if let Some(rounds) = std::env::var("SERVE_CONCURRENT_ROUNDS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        for _ in 0..rounds {
            serve_once(&bodies, Load::BURST);
        }
        return;
    }
    // The echo server answers with the bytes serve answers the first request with (of one
    // conversation, which must pass).
    let one = Serve::start(1);
    let mut client = Client::new(one.address);
    let answers: Vec<Vec<u8>> = bodies
        .iter()
        .map(|body| client.post(&chat_request(one.address, body)).to_vec())
        .collect();
    one.finish();
    let answer: &'static str = String::from_utf8(answers[0].clone()).unwrap().leak();
    assert!(answer.ends_with("data: [DONE]\n\n"), "{answer}");
    let (echo, echo_clock) = start_echo(answer, "text/event-stream");

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("serve_concurrent");
    // Each serve iteration also starts a serve and waits for its end (half a second after the
    // last answer, as `handoff serve` lingers for a lost answer), untimed.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("serve_100x12", |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| serve_once(&bodies, Load::BURST).wall).sum())
    });
    group.bench_function("echo_100x12", |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| converse(echo, &bodies, Load::BURST).wall).sum())
    });
    group.finish();
    criterion.final_summary();

    let run = |load: Load| {
        let bodies = &bodies;
        move |serve: bool| match serve {
            true => serve_once(bodies, load),
            false => echo_once(echo, echo_clock, bodies, load),
        }
    };
    table("serial (one conversation at a time)", 1, run(Load::SERIAL));
    table("burst (all at once)", 5, run(Load::BURST));
    table(
        &format!("paced (all at once, each a request every {} ms)", PERIOD.as_millis()),
        3,
        run(Load::PACED),
    );
    memory(&bodies);
}
