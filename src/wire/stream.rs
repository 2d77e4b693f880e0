//! A streamed Chat Completions answer read back (what `handoff record` gets when it asks as
//! Semantic Kernel does): the server-sent events put together into one [`Response`].

use serde_json::Value;

use super::chat::{MalformedResponse, response_of};
use crate::engine::Response;

/// Reads a streamed Chat Completions answer (server-sent events): the text deltas joined, the
/// tool calls put together from their deltas (by `index`; the name and id from the first, the
/// arguments from all), whether text came in the chunk of the first call
/// ([`Response::text_in_call_chunk`]), and whether the stream ended with a usage chunk (an
/// event with `usage` and no choices).
pub fn parse_stream(body: &str) -> Result<(Response, bool), MalformedResponse> {
    let bad = |what: String| MalformedResponse(what);
    let (mut text, mut calls) = (None::<String>, Vec::<(String, String, String)>::new());
    let (mut text_in_call_chunk, mut usage) = (false, false);
    for (n, data) in body
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .enumerate()
    {
        if data == "[DONE]" {
            break;
        }
        let chunk: Value = serde_json::from_str(data).map_err(|e| bad(format!("event {}: not JSON: {e}", n + 1)))?;
        let choices = chunk["choices"].as_array().map_or(&[][..], Vec::as_slice);
        usage |= choices.is_empty() && chunk.get("usage").is_some_and(|u| !u.is_null());
        let Some(delta) = choices.first().map(|c| &c["delta"]) else {
            continue;
        };
        let said = delta["content"].as_str().filter(|t| !t.is_empty());
        if let Some(said) = said {
            text.get_or_insert_with(String::new).push_str(said);
        }
        let deltas = delta["tool_calls"].as_array().map_or(&[][..], Vec::as_slice);
        text_in_call_chunk |= said.is_some() && !deltas.is_empty() && calls.is_empty();
        for call in deltas {
            let index = call["index"].as_u64().unwrap_or(calls.len().saturating_sub(1) as u64) as usize;
            if index > calls.len() {
                return Err(bad(format!(
                    "event {}: tool call {index} before call {}",
                    n + 1,
                    calls.len()
                )));
            }
            if index == calls.len() {
                calls.push(Default::default());
            }
            let (id, name, arguments) = &mut calls[index];
            let function = &call["function"];
            id.push_str(call["id"].as_str().unwrap_or(""));
            name.push_str(function["name"].as_str().unwrap_or(""));
            arguments.push_str(function["arguments"].as_str().unwrap_or(""));
        }
    }
    let tool_calls: Vec<Value> = calls
        .iter()
        .map(|(id, name, arguments)| {
            serde_json::json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
        })
        .collect();
    let message = serde_json::json!({"role": "assistant", "content": text, "tool_calls": tool_calls});
    let mut response = response_of(&serde_json::json!({"choices": [{"message": message}]}))?;
    response.text_in_call_chunk = text_in_call_chunk;
    Ok((response, usage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_is_read_as_the_whole_answer_with_its_chunking_and_usage() {
        let events = [
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"On "}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"it."}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{\"order"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"_id\":\"7\"}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c2","function":{"name":"Handoff-transfer_to_B","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#,
        ];
        let body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect::<String>() + "data: [DONE]\n\n";
        let (response, usage) = parse_stream(&body).unwrap();
        assert!(usage && !response.text_in_call_chunk);
        assert_eq!(response.text.as_deref(), Some("On it."));
        assert_eq!(response.calls.len(), 2);
        assert_eq!(response.calls[0].arguments["order_id"], "7");
        assert_eq!(&*response.calls[1].name, "Handoff-transfer_to_B");
        // The text in the first call's chunk, and no usage chunk.
        let one = r#"data: {"choices":[{"delta":{"content":"Moving you.","tool_calls":[{"index":0,"id":"c","function":{"name":"g","arguments":"{}"}}]}}]}"#;
        let (response, usage) = parse_stream(one).unwrap();
        assert!(response.text_in_call_chunk && !usage);
        assert!(
            parse_stream("data: {nope}")
                .unwrap_err()
                .0
                .contains("event 1: not JSON")
        );
        let skipped = r#"data: {"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"name":"g"}}]}}]}"#;
        assert!(
            parse_stream(skipped)
                .unwrap_err()
                .0
                .contains("tool call 1 before call 0")
        );
    }
}
