//! Tests of reading the app's requests.
use super::*;

#[test]
fn a_semantic_kernel_request_is_read_whole() {
    let body = br#"{"model": "stub", "stream": true, "stream_options": {"include_usage": true},
        "tool_choice": "auto",
        "messages": [{"role": "system", "content": "Handle refunds.", "name": "RefundAgent"},
            {"role": "user", "content": "A customer is on the line."},
            {"role": "assistant", "content": null, "name": "TriageAgent", "tool_calls": [
                {"id": "call_0001", "type": "function", "function": {"name": "Handoff-transfer_to_RefundAgent", "arguments": "{}"}}]},
            {"role": "tool", "content": "", "tool_call_id": "call_0001"}],
        "tools": [{"type": "function", "function": {"name": "Handoff-complete_task", "description": "d",
            "parameters": {"type": "object", "properties": {"task_summary": {"type": "string"}}}}}]}"#;
    let request = AppRequest::parse(Api::ChatCompletions, body).unwrap();
    assert!(request.stream && request.include_usage);
    assert_eq!(request.system.as_deref(), Some("Handle refunds."));
    assert_eq!(request.messages.len(), 3);
    assert_eq!(
        request.messages[1].tool_calls[0].name,
        "Handoff-transfer_to_RefundAgent"
    );
    assert_eq!(request.offered().collect::<Vec<_>>(), ["Handoff-complete_task"]);
    assert_eq!(request.tool_choice.as_deref(), Some("auto"));
}

#[test]
fn the_reader_reads_as_parse_does_and_shares_repeated_tool_lists() {
    let reader = Reader::default();
    let body = br#"{"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}},
                  {"type": "function", "name": "g"}]}"#;
    let (first, second) = (
        reader.read(Api::ChatCompletions, body).unwrap(),
        reader.read(Api::ChatCompletions, body).unwrap(),
    );
    assert_eq!(first, AppRequest::parse(Api::ChatCompletions, body).unwrap());
    assert!(
        Arc::ptr_eq(&first.tools, &second.tools),
        "the second reading reuses the first's tools"
    );
    assert_eq!(first.tools[1]["function"]["name"], "g");
    for bad in [
        &b"{"[..],
        br#"[1]"#,
        br#"{"model": "m", "messages": [], "tools": [{"type": "function"}]}"#,
        br#"{"model": "m", "messages": [], "tools": 3}"#,
    ] {
        assert_eq!(
            reader.read(Api::ChatCompletions, bad).unwrap_err(),
            AppRequest::parse(Api::ChatCompletions, bad).unwrap_err()
        );
    }
}

#[test]
fn the_reader_keeps_at_most_its_bytes_of_tool_lists() {
    let reader = Reader::default();
    let body = |name: &str, size: usize| {
        format!(
            r#"{{"model": "m", "messages": [], "tools": [{{"type": "function", "function": {{"name": "{name}", "description": "{}"}}}}]}}"#,
            "d".repeat(size)
        )
    };
    for i in 0..6 {
        let read = reader.read(Api::ChatCompletions, body(&format!("f{i}"), 3 << 20).as_bytes());
        assert_eq!(read.unwrap().tools[0]["function"]["name"], format!("f{i}"));
        let kept = reader.tools.lock().unwrap();
        assert!(
            kept.bytes <= KEPT_BYTES && kept.lists.len() <= 2,
            "{} bytes kept",
            kept.bytes
        );
    }
    reader
        .read(Api::ChatCompletions, body("huge", KEPT_BYTES).as_bytes())
        .unwrap();
    let kept = reader.tools.lock().unwrap();
    assert!(kept.bytes <= KEPT_BYTES, "a list over the budget is not kept");
    assert!(!kept.lists.keys().any(|k| k.len() > KEPT_BYTES));
}

#[test]
fn a_bad_body_names_the_place() {
    for (body, says) in [
        (&b"{"[..], "body: not JSON"),
        (br#"{"messages": []}"#, "model: missing"),
        (br#"{"model": "m"}"#, "messages: missing"),
        (br#"{"model": "m", "messages": [{"role": "robot"}]}"#, "messages[0].role: `robot` is not a role"),
        (
            br#"{"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{x"}}]}]}"#,
            "messages[0].tool_calls[0].function.arguments: not a JSON object",
        ),
        (br#"{"model": "m", "messages": [], "tools": [{"type": "function"}]}"#, "tools[0]: a function without"),
        (br#"{"model": "m", "messages": [], "stream": "yes"}"#, "stream: not true or false"),
    ] {
        let error = AppRequest::parse(Api::ChatCompletions, body).unwrap_err().to_string();
        assert!(error.starts_with(says), "{error}");
    }
}

#[test]
fn input_items_become_the_messages_a_chat_request_would_have() {
    let body = br#"{"model": "m", "instructions": "Handle refunds.", "input": [
        {"role": "user", "content": "hi"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Let me see."}]},
        {"type": "function_call", "call_id": "call_0001", "name": "transfer_to_refund", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_0001", "output": "{\"assistant\": \"Refund\"}"}],
        "tools": [{"type": "function", "name": "transfer_to_refund", "description": "d", "parameters": {}, "strict": true}]}"#;
    let request = AppRequest::parse(Api::Responses, body).unwrap();
    assert_eq!(request.system.as_deref(), Some("Handle refunds."));
    assert_eq!(request.messages.len(), 3);
    assert_eq!(request.messages[1].content.as_deref(), Some("Let me see."));
    assert_eq!(request.messages[1].tool_calls[0].id, "call_0001");
    assert_eq!(request.messages[2].tool_call_id.as_deref(), Some("call_0001"));
    assert_eq!(request.tools[0]["function"]["name"], "transfer_to_refund");
    // A message written as text (the Agents SDK's nested history's summary) stands alone.
    let body = br#"{"model": "m", "input": [
        {"role": "assistant", "content": "For context, ..."},
        {"type": "function_call", "call_id": "call_0001", "name": "f", "arguments": "{}"},
        {"type": "function_call", "call_id": "call_0002", "name": "g", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_0001", "output": "1"},
        {"type": "function_call", "call_id": "call_0003", "name": "h", "arguments": "{}"}]}"#;
    let parsed = AppRequest::parse(Api::Responses, body).unwrap();
    let calls: Vec<Vec<&str>> = parsed
        .messages
        .iter()
        .map(|m| m.tool_calls.iter().map(|c| c.id.as_str()).collect())
        .collect();
    assert_eq!(
        calls,
        [vec![], vec!["call_0001", "call_0002"], vec![], vec!["call_0003"]],
        "the calls after a text message are a message of their own; after an output, another"
    );
    let unknown = br#"{"model": "m", "input": [{"type": "web_search_call"}]}"#;
    let error = AppRequest::parse(Api::Responses, unknown).unwrap_err();
    assert_eq!(error.place, "input[0].type");
}
