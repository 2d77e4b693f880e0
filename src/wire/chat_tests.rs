//! Tests of `chat.rs`.

use super::*;

#[test]
fn responses_with_text_calls_or_both_are_read() {
    let body = r#"{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[
        {"id":"x","type":"function","function":{"name":"Handoff-transfer_to_B","arguments":""}},
        {"id":"y","type":"function","function":{"name":"f","arguments":"{\"order_id\":\"7\"}"}}]}}]}"#;
    let response = parse_response(body).unwrap();
    assert_eq!(response.text, None);
    assert_eq!(&*response.calls[0].name, "Handoff-transfer_to_B");
    assert_eq!(response.calls[1].arguments["order_id"], "7");
    let text = parse_response(r#"{"choices":[{"message":{"content":"hi"}}]}"#).unwrap();
    assert_eq!(text, Response::text("hi"));
}

#[test]
fn malformed_responses_say_what_is_wrong() {
    for (body, says) in [
        ("<html>", "not JSON"),
        (r#"{"error":{}}"#, "no `choices[0].message`"),
        (r#"{"choices":[{"message":{"content":3}}]}"#, "content` is not a string"),
        (
            r#"{"choices":[{"message":{"tool_calls":[{"function":{"name":"f","arguments":"{oops"}}]}}]}"#,
            "arguments` is not a JSON object: {oops",
        ),
    ] {
        let error = parse_response(body).unwrap_err().0;
        assert!(error.contains(says), "{body}: {error}");
    }
}

#[test]
fn canonical_bytes_put_arguments_in_a_string_and_keys_in_order() {
    let message = ChatMessage {
        reasoning: None,
        role: Role::Assistant,
        name: Some("A".into()),
        content: None,
        tool_calls: vec![ChatToolCall {
            id: "call_0001".into(),
            name: "P-f".into(),
            arguments: serde_json::from_str(r#"{"b":"2","a":"1"}"#).unwrap(),
        }],
        tool_call_id: None,
    };
    let mut out = Vec::new();
    message.write_canonical(&mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"role":"assistant","name":"A","content":null,"tool_calls":[{"id":"call_0001","type":"function","function":{"name":"P-f","arguments":"{\"a\":\"1\",\"b\":\"2\"}"}}]}"#
    );
}

#[test]
fn run_call_ids_are_written_and_recognised_as_call_id_displays_them() {
    for n in [0, 7, 1234, 99_999, u32::MAX] {
        let mut out = Vec::new();
        Id::Run(CallId(n)).write(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), format!("\"{}\"", CallId(n)));
        assert!(Id::Run(CallId(n)).is(&CallId(n).to_string()));
    }
    assert!(!Id::Run(CallId(7)).is("call_7"));
    assert!(!Id::Run(CallId(7)).is("call_0008"));
}

#[test]
fn log_content_given_as_parts_is_joined() {
    let message: ChatMessage =
        serde_json::from_str(r#"{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}"#)
            .unwrap();
    assert_eq!(message.content.as_deref(), Some("ab"));
}
