//! The routes beside the model calls, requests serve cannot read, and clients at once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use super::chat::{SMALL_ANSWERS, assert_chat_answer};
use super::{PATIENCE, Reply, Serve, chat, client, exits, expected_bodies, get, post, small_scenario, small_serve};

/// Sends the whole small conversation and asserts that every request is answered as its run.
fn converse(url: &str, bodies: &[Value]) {
    let agent = client();
    for (i, (body, said)) in bodies.iter().zip(&SMALL_ANSWERS).enumerate() {
        let reply = chat(&agent, url, body);
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        assert_chat_answer(&reply.json(), i + 1, said);
    }
}

/// Asserts that `reply` is an OpenAI-shaped error answer with `status` and `code`, whose
/// message contains each of `says`.
fn assert_error(reply: &Reply, status: u16, code: &str, says: &[&str]) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.content_type, "application/json");
    let error = &reply.json()["error"];
    assert_eq!(error["code"], code, "{}", reply.text);
    let kind = if status >= 500 {
        "server_error"
    } else {
        "invalid_request_error"
    };
    assert_eq!(error["type"], kind);
    let message = reply.error_message();
    for said in says {
        assert!(message.contains(said), "{said:?} not in {message:?}");
    }
}

/// Asserts that `reply` lists the one model serve answers as.
fn assert_models(reply: &Reply) {
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.content_type, "application/json");
    let models = reply.json();
    assert_eq!(models["object"], "list");
    assert_eq!(models["data"].as_array().unwrap().len(), 1, "{models}");
    assert_eq!(models["data"][0]["id"], super::MODEL);
    assert_eq!(models["data"][0]["object"], "model");
}

#[test]
fn models_are_listed_other_paths_are_404_and_unreadable_bodies_are_400_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let (agent, url) = (client(), serve.url());
    assert_models(&get(&agent, &url, "/models"));
    let routes = [
        "POST .../chat/completions",
        "POST .../responses",
        "Azure OpenAI's /openai/deployments/NAME/...",
        "GET .../models",
        "not GET /v1/embeddings",
    ];
    assert_error(&get(&agent, &url, "/embeddings"), 404, "not_found", &routes);
    let wrong_method = get(&agent, &url, "/chat/completions");
    assert_error(&wrong_method, 404, "not_found", &["not GET /v1/chat/completions"]);

    let chat_path = "/chat/completions";
    let not_json = post(&agent, &url, chat_path, "this is not JSON");
    assert_error(
        &not_json,
        400,
        "invalid_request",
        &["cannot read the request: body: not JSON"],
    );
    let not_object = post(&agent, &url, chat_path, "[1, 2]");
    assert_error(&not_object, 400, "invalid_request", &["body: not a JSON object"]);
    let wrong_type = r#"{"model": "handoff-serve", "messages": [{"role": "user", "content": "hi"},
        {"role": "assistant", "tool_calls": [{"id": "call_0001", "function": {"name": 7}}]}]}"#;
    let reply = post(&agent, &url, chat_path, wrong_type);
    assert_error(
        &reply,
        400,
        "invalid_request",
        &["messages[1].tool_calls[0].function.name: not a string"],
    );
    let wrong_input = r#"{"model": "handoff-serve", "input": [{"role": "user", "content": 5}]}"#;
    let reply = post(&agent, &url, "/responses", wrong_input);
    assert_error(
        &reply,
        400,
        "invalid_request",
        &["input[0].content: not a string or a list of parts"],
    );

    // None of that was a model request: the conversation is still to come, and passes; but
    // the app was refused six times, which the report says, and the serve fails.
    converse(&url, &expected_bodies(&file));
    let served = serve.finish();
    exits(&served, 1);
    let report = String::from_utf8(served.stdout).unwrap();
    assert!(
        report.contains("  ok     traffic: 5 requests, each the expected one\n"),
        "{report}"
    );
    assert!(
        report.contains(
            "serve: 6 request(s) of the app were refused; the first: GET /v1/embeddings: 404 handoff serve answers"
        ),
        "{report}"
    );
    assert!(report.ends_with("FAIL: 6 request(s) were refused\n"), "{report}");
}

#[test]
fn azure_openai_and_foundry_paths_are_served_as_openai_s() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, &["--wait", "0.3"]);
    let (agent, base) = (client(), format!("http://127.0.0.1:{}", serve.port));
    // What AzureOpenAI posts with an endpoint, what it posts given a base URL, Azure's v1
    // surface, and a Foundry project's.
    let paths = [
        "/openai/deployments/handoff-serve/chat/completions?api-version=2024-10-21",
        "/v1/deployments/handoff-serve/chat/completions?api-version=2024-10-21",
        "/openai/v1/chat/completions",
        "/api/projects/p/openai/v1/chat/completions?api-version=preview",
        "/deployments/handoff-serve/chat/completions",
    ];
    for (i, ((body, said), path)) in bodies.iter().zip(&SMALL_ANSWERS).zip(paths).enumerate() {
        let reply = agent
            .post(format!("{base}{path}"))
            .header("api-key", "dummy")
            .send(body.to_string());
        let reply = super::read(reply);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert_chat_answer(&reply.json(), i + 1, said);
    }
    assert_models(&get(&agent, &format!("{base}/openai"), "/models"));
    let served = serve.finish();
    exits(&served, 0);
}

/// Reads a whole HTTP/1.1 answer from a `Connection: close` stream.
fn read_all(mut stream: TcpStream) -> String {
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

#[test]
fn concurrent_clients_are_all_answered_while_model_requests_are_in_flight() {
    let (_dir, _file, bodies, serve) = small_serve(None, &["--wait", "0.3"]);
    let url = serve.url();

    // The first model request is in flight on a connection of its own: its head and half
    // its body are sent, the rest comes later.
    let first = bodies[0].to_string();
    let mut slow = TcpStream::connect(("127.0.0.1", serve.port)).unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    let (half, rest) = first.split_at(first.len() / 2);
    write!(
        slow,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{half}",
        first.len()
    )
    .unwrap();
    slow.flush().unwrap();

    let listers: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = client();
                for _ in 0..15 {
                    assert_models(&get(&agent, &url, "/models"));
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();
    // While they list, the first request completes and the rest of the conversation runs
    // on other connections.
    std::thread::sleep(Duration::from_millis(50));
    slow.write_all(rest.as_bytes()).unwrap();
    let answer = read_all(slow);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    assert_chat_answer(&serde_json::from_str(body).unwrap(), 1, &SMALL_ANSWERS[0]);
    let agent = client();
    for (i, (body, said)) in bodies.iter().zip(&SMALL_ANSWERS).enumerate().skip(1) {
        // Alternately on a pooled connection and on a fresh client's connection.
        let fresh = client();
        let reply = chat(if i % 2 == 0 { &agent } else { &fresh }, &url, body);
        assert_eq!(reply.status, 200, "request {}: {}", i + 1, reply.text);
        assert_chat_answer(&reply.json(), i + 1, said);
    }
    for lister in listers {
        lister.join().unwrap();
    }
    let served = serve.finish();
    exits(&served, 0);
}

/// The CPU time (user and system, in clock ticks) process `pid` has used so far.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command's name, which is in parentheses: utime and stime are the
    // 12th and 13th of them.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn out_of_file_descriptors_the_accept_loop_waits_instead_of_spinning() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let serve = Serve::start(&file, &["--timeout", "20"]);
    let pid = serve.child.as_ref().unwrap().id();
    let limit = libc::rlimit {
        rlim_cur: 48,
        rlim_max: 48,
    };
    // SAFETY: prlimit(2) on the serve's pid with a valid rlimit; no memory is shared.
    let set = unsafe { libc::prlimit(pid as i32, libc::RLIMIT_NOFILE, &limit, std::ptr::null_mut()) };
    assert_eq!(set, 0, "prlimit: {}", std::io::Error::last_os_error());
    // More idle connections than serve may hold: the rest wait in the listen queue.
    let held: Vec<TcpStream> = (0..80)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", serve.port)).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(pid) - before;
    assert!(
        used < 25,
        "serve used {used} ticks of CPU in a second, holding {} connections",
        held.len()
    );
    drop(held);
    serve.signal("TERM");
    let _ = serve.finish();
}

#[test]
fn a_request_from_a_web_page_is_refused_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = expected_bodies(&file);
    let serve = Serve::start(&file, &["--wait", "0.3", "--timeout", "2"]);
    let reply = client()
        .post(format!("{}/chat/completions", serve.url()))
        .header("origin", "http://evil.example")
        .send(bodies[0].to_string());
    let reply = super::read(reply);
    assert_error(
        &reply,
        403,
        "handoff_browser_refused",
        &["a request with an Origin header (http://evil.example) is refused"],
    );
    let report = String::from_utf8(serve.finish().stdout).unwrap();
    assert!(
        report.contains("serve: 1 request(s) of the app were refused; the first: POST /v1/chat/completions: 403 handoff serve answers apps, not web pages"),
        "{report}"
    );
}
