//! What `handoff serve` answers, and its bytes on the wire: a Chat Completions response or
//! its server-sent events (text deltas, tool-call deltas with the arguments split across
//! chunks, `finish_reason`, a usage chunk when asked, `[DONE]`; the Responses API's are in
//! `responses.rs`), and the error answers an app sees when the harness refuses a request.
//!
//! Everything is deterministic: ids are numbered per request (`chatcmpl-0001`), `created` is
//! 0 and token counts are 0, so the same conversation gives the same bytes.

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};

use super::request::AppRequest;
use crate::engine::Response;

/// A model answer, with the call ids and the function names the app will see.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The text, if any.
    pub text: Option<String>,
    /// The calls, in order.
    pub calls: Vec<AnswerCall>,
    /// Whether a streamed text comes in the chunk of the first call (a scripted `chunk: "one"`).
    pub text_in_call_chunk: bool,
    /// The number of the model call it answers in its conversation (1 for the first; 0 where
    /// no run counts them): the Responses API's message item is `msg_` and this number.
    pub call: u32,
}

/// A function call of an [`Answer`].
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerCall {
    /// Its id (`call_0001`): the one the harness's run gives it, so the app sends it back.
    pub id: String,
    /// The function name, as the request offered it.
    pub name: String,
    /// The arguments, as the JSON text the wire carries.
    pub arguments: String,
}

impl Answer {
    /// The answer for `response`, its calls numbered from `first_id` (the run's counter).
    pub fn of(response: &Response, first_id: u32) -> Answer {
        Answer {
            text: response.text.clone().filter(|t| !t.is_empty()),
            calls: response
                .calls
                .iter()
                .enumerate()
                .map(|(i, call)| AnswerCall {
                    id: crate::engine::CallId(first_id + i as u32).to_string(),
                    name: call.name.to_string(),
                    // Text that is no JSON object goes as the model sent it.
                    arguments: match &call.raw {
                        Some(raw) => raw.to_string(),
                        None => Value::Object(call.arguments.clone()).to_string(),
                    },
                })
                .collect(),
            text_in_call_chunk: response.text_in_call_chunk,
            call: 0,
        }
    }

    /// A text answer.
    pub fn text(text: impl Into<String>) -> Answer {
        Answer {
            text: Some(text.into()),
            calls: Vec::new(),
            text_in_call_chunk: false,
            call: 0,
        }
    }

    fn finish_reason(&self) -> &'static str {
        if self.calls.is_empty() { "stop" } else { "tool_calls" }
    }

    /// The Chat Completions response of the answer to `request`, the `number`-th answered.
    pub(super) fn chat_completion(&self, request: &AppRequest, number: u32) -> Body {
        let id = format!("chatcmpl-{number:04}");
        let calls = self.calls.iter().map(|call| WireCall {
            index: None,
            id: Some(&call.id),
            kind: Some("function"),
            function: WireFunction {
                name: Some(&call.name),
                arguments: &call.arguments,
            },
        });
        Body::serialized(&Completion {
            id: &id,
            object: "chat.completion",
            created: 0,
            model: &request.model,
            choices: [CompletionChoice {
                index: 0,
                message: CompletionMessage {
                    role: "assistant",
                    content: self.text.as_deref(),
                    tool_calls: calls.collect(),
                },
                finish_reason: self.finish_reason(),
            }],
            usage: Usage::default(),
        })
    }

    /// The chunks of a streamed answer (`[DONE]` last).
    pub(super) fn chat_chunks(&self, request: &AppRequest, number: u32) -> Vec<Event> {
        let id = format!("chatcmpl-{number:04}");
        fn chunk<'a>(id: &'a str, model: &'a str, delta: Delta<'a>, finish: Option<&'static str>) -> Chunk<'a> {
            Chunk {
                id,
                object: "chat.completion.chunk",
                created: 0,
                model,
                choices: vec![ChunkChoice {
                    index: 0,
                    delta,
                    finish_reason: finish,
                }],
                usage: None,
            }
        }
        let model = request.model.as_str();
        // As the API streams: the role in the first delta, text word by word, each call as
        // a delta with its id and name and then its arguments in pieces.
        let mut deltas = Vec::new();
        let text = self.text.as_deref().unwrap_or("");
        let separate_text = !self.text_in_call_chunk || self.calls.is_empty();
        if separate_text {
            deltas.extend(pieces(text).map(|piece| Delta {
                content: Some(piece),
                ..Delta::default()
            }));
        }
        for (i, call) in self.calls.iter().enumerate() {
            let shared = !separate_text && i == 0 && !text.is_empty();
            deltas.push(Delta {
                content: shared.then_some(text),
                tool_calls: Some([WireCall {
                    index: Some(i),
                    id: Some(&call.id),
                    kind: Some("function"),
                    function: WireFunction {
                        name: Some(&call.name),
                        arguments: "",
                    },
                }]),
                ..Delta::default()
            });
            deltas.extend(halves(&call.arguments).map(|piece| Delta {
                tool_calls: Some([WireCall {
                    index: Some(i),
                    id: None,
                    kind: None,
                    function: WireFunction {
                        name: None,
                        arguments: piece,
                    },
                }]),
                ..Delta::default()
            }));
        }
        if let Some(first) = deltas.first_mut() {
            first.role = Some("assistant");
        }
        let mut events: Vec<Event> = deltas
            .into_iter()
            .map(|delta| Event::of(&chunk(&id, model, delta, None)))
            .collect();
        events.push(Event::of(&chunk(
            &id,
            model,
            Delta::default(),
            Some(self.finish_reason()),
        )));
        if request.include_usage {
            events.push(Event::of(&Chunk {
                choices: Vec::new(),
                usage: Some(Usage::default()),
                ..chunk(&id, model, Delta::default(), None)
            }));
        }
        events.push(Event::done());
        events
    }
}

// The Chat Completions shapes, written as declared (no intermediate JSON values: this is the
// hot path of a streamed answer).

#[derive(Serialize)]
struct Completion<'a> {
    id: &'a str,
    object: &'static str,
    created: u8,
    model: &'a str,
    choices: [CompletionChoice<'a>; 1],
    usage: Usage,
}

#[derive(Serialize)]
struct CompletionChoice<'a> {
    index: u8,
    message: CompletionMessage<'a>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct CompletionMessage<'a> {
    role: &'static str,
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<WireCall<'a>>,
}

#[derive(Serialize)]
struct Chunk<'a> {
    id: &'a str,
    object: &'static str,
    created: u8,
    model: &'a str,
    choices: Vec<ChunkChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
}

#[derive(Serialize)]
struct ChunkChoice<'a> {
    index: u8,
    delta: Delta<'a>,
    finish_reason: Option<&'static str>,
}

#[derive(Serialize, Default)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[WireCall<'a>; 1]>,
}

#[derive(Serialize)]
struct WireCall<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: WireFunction<'a>,
}

#[derive(Serialize)]
struct WireFunction<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

#[derive(Serialize, Default)]
struct Usage {
    prompt_tokens: u8,
    completion_tokens: u8,
    total_tokens: u8,
}

/// A text in stream pieces: each word with the space after it.
pub(super) fn pieces(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(' ')
}

/// A call's arguments in two deltas (one if it is a single character), so that clients
/// must join them.
pub(super) fn halves(arguments: &str) -> impl Iterator<Item = &str> {
    let mut middle = arguments.len() / 2;
    while !arguments.is_char_boundary(middle) {
        middle += 1;
    }
    let (first, second) = arguments.split_at(middle);
    [first, second].into_iter().filter(|p| !p.is_empty())
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event(pub(super) Bytes);

impl Event {
    /// `data: {json}`.
    pub(super) fn of(value: &impl Serialize) -> Event {
        let mut bytes = b"data: ".to_vec();
        serde_json::to_writer(&mut bytes, value).expect("answers serialise");
        bytes.extend_from_slice(b"\n\n");
        Event(Bytes::from(bytes))
    }
    /// `event: {name}` and `data: {json}` (the Responses API names its events).
    pub(super) fn named(name: &str, value: &Value) -> Event {
        Event(Bytes::from(format!("event: {name}\ndata: {value}\n\n")))
    }
    /// `data: [DONE]`.
    fn done() -> Event {
        Event(Bytes::from_static(b"data: [DONE]\n\n"))
    }
}

/// The body of an HTTP answer: its status, content type and the frames written in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The HTTP status.
    pub status: u16,
    /// `application/json` or `text/event-stream`.
    pub content_type: &'static str,
    /// The frames, each written as it is (an event per frame when streaming).
    pub frames: Vec<Bytes>,
    /// Headers besides the content type (`retry-after-ms` of a scripted error).
    pub headers: Vec<(&'static str, String)>,
}

impl Body {
    /// A JSON body with status 200.
    pub fn json(value: &Value) -> Body {
        Body::serialized(value)
    }

    /// `value` as a JSON body with status 200.
    pub fn serialized(value: &impl Serialize) -> Body {
        Body {
            status: 200,
            content_type: "application/json",
            frames: vec![Bytes::from(serde_json::to_vec(value).expect("answers serialise"))],
            headers: Vec::new(),
        }
    }

    /// A stream of server-sent events with status 200.
    pub(super) fn events(events: Vec<Event>) -> Body {
        Body {
            status: 200,
            content_type: "text/event-stream",
            frames: events.into_iter().map(|e| e.0).collect(),
            headers: Vec::new(),
        }
    }

    /// An error answer in the OpenAI shape (`{"error": {"message", "type", "code"}}`).
    pub fn error(status: u16, code: &str, message: &str) -> Body {
        let kind = if status >= 500 {
            "server_error"
        } else {
            "invalid_request_error"
        };
        Body {
            status,
            ..Body::json(&json!({"error": {"message": message, "type": kind, "param": null, "code": code}}))
        }
    }

    /// A scripted error of the model's API as the app's client reads it: the status (a
    /// timeout as 408, which the client tries again alike) with OpenAI's error body, and,
    /// when the client tries it again, `retry-after-ms: 1`, which it honours, so the retry
    /// comes at once.
    pub fn api_error(error: &crate::engine::ApiError) -> Body {
        let mut body = Body {
            status: error.status.unwrap_or(408),
            ..Body::json(&error.body())
        };
        if error.retried() {
            body.headers.push(("retry-after-ms", "1".into()));
        }
        body
    }

    /// All frames, joined (what a client reads).
    pub fn bytes(&self) -> Vec<u8> {
        self.frames.concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::request::{Api, AppRequest};

    fn request(stream: bool, usage: bool) -> AppRequest {
        AppRequest {
            api: Api::ChatCompletions,
            model: "m".into(),
            stream,
            include_usage: usage,
            system: None,
            system_name: None,
            messages: Vec::new(),
            tools: Vec::new().into(),
            tool_choice: None,
            previous_response_id: None,
            store: true,
            output_type: None,
        }
    }

    fn calling() -> Answer {
        Answer::of(
            &Response::call("P-f", serde_json::from_str(r#"{"order_id": "123"}"#).unwrap()),
            7,
        )
    }

    #[test]
    fn a_streamed_call_splits_its_arguments_and_ends_with_usage_and_done() {
        let body = Body::events(calling().chat_chunks(&request(true, true), 3));
        let text = String::from_utf8(body.bytes()).unwrap();
        let data: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
        assert_eq!(data.last(), Some(&"[DONE]"));
        let chunks: Vec<Value> = data[..data.len() - 1]
            .iter()
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        let arguments: String = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
            .collect();
        assert_eq!(arguments, r#"{"order_id":"123"}"#);
        let pieces = chunks
            .iter()
            .filter(|c| c["choices"][0]["delta"]["tool_calls"].is_array())
            .count();
        assert_eq!(pieces, 3, "the call's header and its arguments in two halves");
        assert_eq!(chunks[0]["choices"][0]["delta"]["tool_calls"][0]["id"], "call_0007");
        assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
        let finish: Vec<&Value> = chunks
            .iter()
            .map(|c| &c["choices"][0]["finish_reason"])
            .filter(|f| !f.is_null())
            .collect();
        assert_eq!(finish, [&json!("tool_calls")]);
        assert_eq!(chunks.last().unwrap()["usage"]["total_tokens"], 0);
        let without = Body::events(calling().chat_chunks(&request(true, false), 3));
        assert!(!String::from_utf8(without.bytes()).unwrap().contains("usage"));
    }

    #[test]
    fn a_text_answer_streams_word_by_word_and_reads_back_whole() {
        let body = Body::events(Answer::text("Hello there, friend").chat_chunks(&request(true, false), 1));
        let text = String::from_utf8(body.bytes()).unwrap();
        let joined: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .filter_map(|d| {
                serde_json::from_str::<Value>(d).unwrap()["choices"][0]["delta"]["content"]
                    .as_str()
                    .map(String::from)
            })
            .collect();
        assert_eq!(joined, "Hello there, friend");
        let whole = Answer::text("Hello").chat_completion(&request(false, false), 1);
        let value: Value = serde_json::from_slice(&whole.bytes()).unwrap();
        assert_eq!(value["choices"][0]["message"]["content"], "Hello");
        assert_eq!(value["choices"][0]["finish_reason"], "stop");
    }

    #[test]
    fn halves_keep_characters_whole() {
        assert_eq!(halves("{\"a\":\"é\"}").collect::<String>(), "{\"a\":\"é\"}");
        assert_eq!(halves("x").count(), 1);
        assert_eq!(halves("").count(), 0);
    }
}
