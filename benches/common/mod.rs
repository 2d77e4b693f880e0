//! What the serving benches share: a minimal hyper server that answers every request with the
//! same bytes (what is hyper's and the kernel's), and a raw keep-alive HTTP/1.1 client that
//! costs little beside the server it measures (blocking; what reads an answer is shared with
//! the client on tokio of `serve_concurrent.rs`).

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::task::{Context, Waker};
use std::time::Duration;

use bytes::Bytes;

/// The CPU-time clock of the calling thread (`pthread_getcpuclockid`), which any thread can
/// read (`clock_gettime`).
pub fn thread_clock() -> libc::clockid_t {
    let mut clock = 0;
    // SAFETY: the calling thread, and a place for its clock.
    assert_eq!(
        unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) },
        0
    );
    clock
}

/// Starts a hyper server, on a current-thread runtime of its own thread as `handoff serve`
/// runs, that answers every request with `answer` (of `content_type`) after reading its body;
/// its address, and the CPU clock of its thread.
pub fn start_echo(answer: &'static str, content_type: &'static str) -> (SocketAddr, libc::clockid_t) {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        handoff_harness::serve::block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send((listener.local_addr().unwrap(), thread_clock())).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(|request: hyper::Request<hyper::body::Incoming>| async move {
                            let _ = http_body_util::BodyExt::collect(request.into_body()).await;
                            let mut response =
                                hyper::Response::new(http_body_util::Full::new(Bytes::from_static(answer.as_bytes())));
                            response.headers_mut().insert(
                                hyper::header::CONTENT_TYPE,
                                hyper::header::HeaderValue::from_static(content_type),
                            );
                            Ok::<_, Infallible>(response)
                        });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        })
        .unwrap();
    });
    receiver.recv().unwrap()
}

/// The bytes of a `POST /v1/chat/completions` of `body` to `address`.
pub fn chat_request(address: SocketAddr, body: &str) -> Vec<u8> {
    format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Where an answer is read from: a line at a time, or so many bytes. The answer is read by one
/// function ([`read_answer`]) for both clients, the blocking one here and the one on tokio.
pub trait Source {
    /// Reads a line, its end included, onto `line`.
    async fn line(&mut self, line: &mut String);
    /// Fills `bytes`.
    async fn exact(&mut self, bytes: &mut [u8]);
}

impl Source for BufReader<TcpStream> {
    async fn line(&mut self, line: &mut String) {
        self.read_line(line).unwrap();
    }

    async fn exact(&mut self, bytes: &mut [u8]) {
        self.read_exact(bytes).unwrap();
    }
}

/// Reads an answer whole from `source` (by its length, or its chunks) into `body`; it must be a
/// 200.
pub async fn read_answer(source: &mut impl Source, line: &mut String, body: &mut Vec<u8>) {
    let (mut length, mut chunked) = (None, false);
    loop {
        line.clear();
        source.line(line).await;
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        assert!(
            !header.starts_with("http/1.1 ") || header.starts_with("http/1.1 200"),
            "{header}"
        );
        if let Some(n) = header.strip_prefix("content-length: ") {
            length = Some(n.parse::<usize>().unwrap());
        }
        chunked |= header == "transfer-encoding: chunked";
    }
    body.clear();
    if let Some(length) = length {
        body.resize(length, 0);
        source.exact(body).await;
        return;
    }
    assert!(chunked, "an answer with neither a length nor chunks");
    loop {
        line.clear();
        source.line(line).await;
        let size = usize::from_str_radix(line.trim_end(), 16).unwrap();
        let start = body.len();
        body.resize(start + size + 2, 0);
        source.exact(&mut body[start..]).await;
        body.truncate(start + size);
        if size == 0 {
            break;
        }
    }
}

/// A blocking keep-alive HTTP/1.1 client that sends requests one after another on one
/// connection and reads each answer whole.
pub struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    line: String,
    body: Vec<u8>,
}

impl Client {
    /// A connection to `address`.
    pub fn new(address: SocketAddr) -> Client {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
            line: String::new(),
            body: Vec::new(),
        }
    }

    /// Sends `request` (whole, as [`chat_request`] makes it) and reads its answer, which must
    /// be a 200; the answer's body.
    pub fn post(&mut self, request: &[u8]) -> &[u8] {
        self.writer.write_all(request).unwrap();
        // Blocking reads: the answer is read by its first poll.
        let read = std::pin::pin!(read_answer(&mut self.reader, &mut self.line, &mut self.body))
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(read.is_ready(), "a blocking read that did not finish");
        &self.body
    }
}

/// The `q`-th quantile (0 to 1) of `sorted` times, nearest rank.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// A duration in microseconds, for the tables printed.
pub fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
