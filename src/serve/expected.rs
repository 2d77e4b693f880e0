//! The request a model call is expected to be, as the API the app speaks carries it. The
//! profile says what the framework puts in a thread; the API decides what of it reaches the
//! wire: the Responses API's input items have no `name`, so there no message carries its
//! speaker's name (Agent Framework's `author_name`, which Chat Completions carries as `name`,
//! is dropped by its Responses clients).

use super::request::Api;
use crate::engine::{EventKind, Message, ModelRequest};
use crate::wire::chat::{ChatMessage, MessageParts};
use crate::wire::request_lines;

/// Whether `api`'s messages carry their speaker's name.
fn carries_names(api: Api) -> bool {
    match api {
        Api::ChatCompletions => true,
        Api::Responses => false,
    }
}

/// The thread message `message` of `request`'s agent as `api` carries it.
pub(super) fn message<'a>(request: &ModelRequest<'a>, message: Message<'a>, api: Api) -> MessageParts<'a> {
    let parts = MessageParts::of(request, message);
    if carries_names(api) {
        match summary_over_chat(request, message) {
            Some(chat) => parts.with_content(chat),
            None => parts,
        }
    } else {
        parts.without_name()
    }
}

/// Where `message` is a nested handoff history's summary, the summary as the OpenAI Agents
/// SDK writes it over Chat Completions (the items it quotes are its converter's).
fn summary_over_chat<'a>(request: &ModelRequest<'a>, message: Message<'a>) -> Option<&'a str> {
    let Message::Assistant { text, .. } = message else {
        return None;
    };
    request.log.events().iter().rev().find_map(|event| match &event.kind {
        EventKind::Summary(summary) if std::ptr::eq(summary.text.as_str(), text) => Some(summary.chat.as_str()),
        _ => None,
    })
}

/// Whether `sent` asks for the output schema `request`'s agent has (its `output_type`), or for
/// none where it has none.
pub(super) fn same_output_type(request: &ModelRequest<'_>, sent: &super::AppRequest) -> bool {
    let output_type = request.design().agent(request.agent()).output_type.as_ref();
    sent.output_type.as_deref() == output_type.map(|t| t.wire()).as_ref()
}

/// Why a request whose output schema is not the agent's diverges.
pub(super) fn output_type_cause(request: &ModelRequest<'_>) -> String {
    format!(
        "the output schema the answer must follow differs: give {} the app's `output_type` (scenarios/README.md, Structured output)",
        request.agent_name()
    )
}

/// The request of `request`'s model call as `api` carries it, as lines for a diff.
pub(super) fn lines(request: &ModelRequest<'_>, api: Api) -> Vec<String> {
    let tools: Vec<serde_json::Value> = request.tools().iter().map(|t| t.json_schema()).collect();
    let messages: Vec<ChatMessage> = request.thread().map(|m| message(request, m, api).to_owned()).collect();
    let mut lines = request_lines(request.instructions(), &tools, &messages);
    let output_type = request.design().agent(request.agent()).output_type.as_ref();
    lines.extend(output_type.map(|t| super::request::output_type_line(&t.wire())));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use crate::engine::{Core, Next, Response};

    /// The speaker names on agent `a`'s own assistant messages in each of its requests over
    /// Chat Completions, in a run under `agent-framework` with `streamed_runs`: `a` greets
    /// (the task's run), then, after a human reply, calls its function and answers, and after
    /// the next reply is called again.
    fn own_names(streamed_runs: &str) -> Vec<Vec<Option<String>>> {
        let scenario = Scenario::parse(
            &format!(
                r#"{{"profile": {{"name": "agent-framework", "streamed_runs": "{streamed_runs}"}}, "task": "hi", "start": "a",
                "agents": [{{"name": "a", "instructions": "A.",
                    "tools": [{{"name": "f", "description": "F.", "parameters": {{}}, "result": "ok"}}]}},
                  {{"name": "b", "instructions": "B."}}]}}"#
            ),
            "signed.json",
            None,
        )
        .unwrap();
        let mut core = Core::new(scenario.design.clone(), "hi", scenario.settings, true, None);
        let mut seen = Vec::new();
        let mut look = |core: &Core| {
            let request = core.request();
            let names = request
                .thread()
                .filter(|m| matches!(m, Message::Assistant { .. }))
                .map(|m| ChatMessage::from_thread(&request, m).name)
                .collect();
            seen.push(names);
        };
        look(&core);
        core.model_replied(Ok(Response::text("hello")), None);
        core.human_answered(Some("do f".into()));
        look(&core);
        core.model_replied(Ok(Response::call("f", Default::default())), None);
        look(&core);
        core.model_replied(Ok(Response::text("done")), None);
        core.human_answered(Some("again".into()));
        look(&core);
        seen
    }

    #[test]
    fn after_a_run_that_does_not_stream_an_agent_s_own_messages_carry_its_name() {
        let a = || Some("a".to_string());
        // The greeting came in the streamed run; the call and the answer in one that was not,
        // and carry the name from the next invocation on (not in the invocation's own rounds).
        assert_eq!(
            own_names("first"),
            [vec![], vec![None], vec![None, None], vec![None, a(), a()]]
        );
        assert_eq!(own_names("none")[3], [a(), a(), a()]);
        assert_eq!(own_names("all")[3], [None, None, None]);
    }

    /// Under `agent-framework`, the second agent's first request after the first agent spoke
    /// and handed off: the first agent's messages carry its name over Chat Completions only.
    #[test]
    fn the_responses_api_carries_no_speaker_names() {
        let scenario = Scenario::parse(
            r#"{"profile": "agent-framework", "task": "hi", "start": "a",
                "agents": [{"name": "a", "instructions": "A."}, {"name": "b", "instructions": "B."}]}"#,
            "names.json",
            None,
        )
        .unwrap();
        let mut core = Core::new(scenario.design.clone(), "hi", scenario.settings, true, None);
        core.model_replied(
            Ok(Response::text("over to b").and_call("handoff_to_b", Default::default())),
            None,
        );
        assert_eq!(core.next(), Next::CallModel);
        let request = core.request();
        assert_eq!(request.agent_name(), "b");
        let spoken = |api| {
            lines(&request, api)
                .into_iter()
                .find(|l| l.contains("over to b"))
                .unwrap()
        };
        assert_eq!(spoken(Api::ChatCompletions), "message 2: assistant a: over to b");
        assert_eq!(spoken(Api::Responses), "message 2: assistant: over to b");
    }
}
