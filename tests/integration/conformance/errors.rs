//! The HTTP errors and refusals a probe's endpoint answered a call with, as scenario steps:
//! each error a try of the call got is an `error` response before the call's reply (the
//! framework's client tried again), and a call no try of which succeeded has no reply.

use handoff_harness::engine::ApiError;
use serde_json::{Value, json};

use super::json::Json;

/// The `error` steps of the tries of `call` that the endpoint answered with an HTTP error.
pub fn steps(call: &Value) -> Vec<Json> {
    let tries = call["reply"]["http_errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    tries.iter().map(|t| Json::object([("error", error(t))])).collect()
}

/// Whether no try of `call` succeeded: it has HTTP errors and neither text nor calls (nor a
/// refusal).
pub fn failed(call: &Value) -> bool {
    let reply = &call["reply"];
    reply["http_errors"].as_array().is_some_and(|e| !e.is_empty())
        && reply["text"].is_null()
        && reply["calls"].as_array().is_none_or(Vec::is_empty)
        && reply["refusal"].is_null()
}

/// The refusal a call answered with, if any.
pub fn refusal(call: &Value) -> Option<&str> {
    call["reply"]["refusal"].as_str()
}

/// One HTTP error as a scenario's `error`: its short form when the body is OpenAI's usual
/// one, else the status and the body's fields.
fn error(answer: &Value) -> Json {
    let status = answer["status"].as_u64().unwrap() as u16;
    let body = &answer["body"];
    if *body == ApiError::context_length_exceeded().body() {
        return Json::text("context_length_exceeded");
    }
    let mut fields = vec![("status", Json::Value(json!(status)))];
    if *body != ApiError::status(status, None, None, None).body() {
        let e = &body["error"];
        fields.push(("code", Json::Value(e["code"].clone())));
        fields.push(("type", Json::Value(e["type"].clone())));
        fields.push(("message", Json::Value(e["message"].clone())));
    }
    Json::object(fields)
}
