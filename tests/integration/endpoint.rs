//! A fake OpenAI-compatible endpoint on loopback, for the record tests: a real HTTP/1.1
//! server on its own threads that answers `POST .../chat/completions` from a queue of
//! answers and keeps every request it received.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use handoff_harness::Run;
use handoff_harness::engine::EventKind;
use serde_json::{Value, json};

/// One answer of the fake endpoint.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with this Chat Completions body.
    Ok(String),
    /// This status, extra headers and body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Reads the request and never answers.
    Hang,
}

/// A request the endpoint received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request line and headers, lower-cased names.
    pub head: String,
    /// The body, parsed.
    pub body: Value,
}

/// The running endpoint; it stops with the test process.
pub struct Endpoint {
    /// `http://127.0.0.1:<port>/v1`.
    pub base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Endpoint {
    /// Starts an endpoint that gives `answers` in order, then 500s.
    pub fn start(answers: impl IntoIterator<Item = Answer>) -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let answers = Arc::new(Mutex::new(answers.into_iter().collect::<VecDeque<_>>()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (a, r) = (answers, received.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (a, r) = (a.clone(), r.clone());
                std::thread::spawn(move || serve(stream, &a, &r));
            }
        });
        Endpoint { base_url, received }
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, answers: &Mutex<VecDeque<Answer>>, received: &Mutex<Vec<Received>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        received.lock().unwrap().push(Received {
            head,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        let answer = answers.lock().unwrap().pop_front();
        let (status, headers, body) = match answer {
            Some(Answer::Ok(body)) => (200, Vec::new(), body),
            Some(Answer::Status(status, headers, body)) => (status, headers, body),
            Some(Answer::Hang) => {
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
            None => (
                500,
                Vec::new(),
                r#"{"error":{"message":"the fake endpoint has no more answers"}}"#.into(),
            ),
        };
        // JSON unless the answer says otherwise (a stream).
        let typed = headers.iter().any(|(name, _)| *name == "content-type");
        let content_type = if typed {
            ""
        } else {
            "content-type: application/json\r\n"
        };
        let mut response = format!(
            "HTTP/1.1 {status} X\r\n{content_type}content-length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&body);
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// The Chat Completions answers that replay `run`'s model responses, in order.
pub fn answers_of(run: &Run) -> Vec<Answer> {
    run.log()
        .events()
        .iter()
        .filter_map(|event| {
            let EventKind::Reply { text, calls } = &event.kind else {
                return None;
            };
            // Function names as the scripted model used them, so that the recorded run is the
            // scripted one, event for event; ids as the run gave them, so that a log of these
            // answers and the requests that follow them is consistent, as an application's is.
            let calls: Vec<Value> = run
                .log()
                .calls(*calls)
                .iter()
                .map(|c| {
                    json!({ "id": c.id.to_string(), "type": "function",
                            "function": { "name": &*c.name, "arguments": Value::Object(c.arguments.clone()).to_string() } })
                })
                .collect();
            let mut message = json!({ "role": "assistant", "content": text.as_deref() });
            if !calls.is_empty() {
                message["tool_calls"] = calls.into();
            }
            Some(Answer::Ok(
                json!({ "id": "chatcmpl-1", "object": "chat.completion", "choices": [{ "index": 0, "message": message, "finish_reason": "stop" }] })
                    .to_string(),
            ))
        })
        .collect()
}

/// `answers` as the server-sent events of streamed answers: the text in a chunk of its own,
/// each call's name and its arguments in two more, then a usage chunk if `usage`, then
/// `[DONE]`.
pub fn streamed(answers: &[Answer], usage: bool) -> Vec<Answer> {
    answers
        .iter()
        .map(|answer| {
            let Answer::Ok(body) = answer else { return answer.clone() };
            let message = &serde_json::from_str::<Value>(body).unwrap()["choices"][0]["message"];
            let mut events = Vec::new();
            if let Some(text) = message["content"].as_str() {
                events.push(json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": text}}]}));
            }
            for (i, call) in message["tool_calls"].as_array().into_iter().flatten().enumerate() {
                let function = &call["function"];
                events.push(json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": i, "id": call["id"], "type": "function", "function": {"name": function["name"], "arguments": ""}}]}}]}));
                events.push(json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": i, "function": {"arguments": function["arguments"]}}]}}]}));
            }
            if usage {
                events.push(json!({"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}));
            }
            let mut text: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
            text.push_str("data: [DONE]\n\n");
            Answer::Status(200, vec![("content-type", "text/event-stream".into())], text)
        })
        .collect()
}
