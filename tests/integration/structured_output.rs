//! The OpenAI Agents SDK's structured outputs: an agent's `output_type` (sent with its
//! requests, its text reply validated as the run's final output) and the structured final
//! outputs of the error handlers, written from `tests/test_max_turns.py` and
//! `tests/test_run_step_execution.py` of openai-agents 0.24.0; each form is checked against the
//! real SDK in `conformance/traces/oai/output_type*.json`, `max_turns_handler_{pydantic,list,
//! dict,invalid}.json` and `refusal_handler_structured.json`.

use handoff_harness::serve::{Api, AppRequest};
use serde_json::{Value, json};

use crate::framework_options::{refused, stderr, stdout};
use crate::support::{arg, handoff, root, temp_file};

/// `test_1` with `output_type` (JSON), the profile `profile`, `test_1`'s scripted responses
/// and the scenario's `expect`.
fn scenario(output_type: &str, profile: &str, responses: &str, expect: &str) -> String {
    format!(
        r#"{{"task": "user_message", "profile": {profile},
            "agents": [{{"name": "test_1", "output_type": {output_type}}}],
            "model": {{"scripted": {{"test_1": {{"responses": {responses}}}}}}},
            "expect": {expect}}}"#
    )
}

const FOO_MODEL: &str = r#"{"name": "FooModel", "parameters": {"summary": null, "count": {"type": "integer"}}}"#;

/// The run of `text` as JSON, and whether `handoff run` passed it (exit 0).
fn run(text: &str) -> (Value, bool) {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "structured.json", text.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    (run, out.status.code() == Some(0))
}

/// The texts of a run's notes.
fn notes(run: &Value) -> Vec<&str> {
    let events = run["events"].as_array().unwrap();
    events
        .iter()
        .filter(|e| e["kind"] == "note")
        .filter_map(|e| e["text"].as_str())
        .collect()
}

/// A JSON reply of the type is the final output (fields the class does not know ignored, as
/// pydantic does); `expect.final_output` compares it whole, and fails on another value.
#[test]
fn a_reply_of_the_output_type_is_the_runs_final_output() {
    let reply = r#"[{"say": "{{\"count\": 2, \"summary\": \"ok\", \"extra\": true}}"}]"#;
    let expect = |value: &str| format!(r#"{{"outcome": "ended-without-human", "final_output": {value}}}"#);
    let (held, passed) = run(&scenario(
        FOO_MODEL,
        r#""openai-agents""#,
        reply,
        &expect(r#"{"summary": "ok", "count": 2}"#),
    ));
    assert!(passed, "{held:#}");
    assert_eq!(held["outcome"]["final_output"], json!({"summary": "ok", "count": 2}));
    let (missed, passed) = run(&scenario(
        FOO_MODEL,
        r#""openai-agents""#,
        reply,
        &expect(r#"{"summary": "ok"}"#),
    ));
    assert!(!passed, "{missed:#}");
}

/// `test_handoff_and_final_output_leads_to_handoff_next_step`: a reply with a valid final
/// output and a handoff hands off (the next agent's reply ends the run).
#[test]
fn a_handoff_beside_a_final_output_wins() {
    let text = r#"{"task": "hello", "profile": "openai-agents", "start": "test_3",
        "agents": [{"name": "test_1"}, {"name": "test_2"},
                   {"name": "test_3", "output_type": {"name": "Foo", "parameters": {"bar": null}}}],
        "handoffs": {"test_3": {"test_1": null, "test_2": null}},
        "model": {"scripted": {"test_3": {"responses": [{"say": "{{\"bar\": \"123\"}}", "handoff": "test_1"}]},
                               "test_1": {"responses": [{"say": "done"}]}}},
        "expect": {"path": ["test_3", "test_1"], "final_output": "done"}}"#;
    let (run, passed) = run(text);
    assert!(passed, "{run:#}");
}

/// A reply that is not JSON of the type raises the SDK's `ModelBehaviorError` (its redacted
/// text), with a note saying what did not fit; an empty reply is no final output: the SDK
/// calls the model again.
#[test]
fn an_invalid_reply_raises_and_an_empty_one_calls_the_model_again() {
    for (reply, why) in [
        (r#"[{"say": "not json"}]"#, "not JSON"),
        (r#"[{"say": "{{\"summary\": 1, \"count\": 2}}"}]"#, "expected a string"),
        (r#"[{"say": "{{\"summary\": \"a\", \"count\": 2.0}}"}]"#, "(strict)"),
    ] {
        let (run, _) = run(&scenario(FOO_MODEL, r#""openai-agents""#, reply, "{}"));
        assert_eq!(run["outcome"]["kind"], "framework-error", "{run:#}");
        assert_eq!(
            run["outcome"]["error"],
            "ModelBehaviorError: Invalid JSON when parsing model output"
        );
        assert!(notes(&run).iter().any(|n| n.contains(why)), "{why}: {run:#}");
    }
    let again = r#"[{"say": ""}, {"say": "{{\"summary\": \"late\", \"count\": 1}}"}]"#;
    let (run, passed) = run(&scenario(
        FOO_MODEL,
        r#""openai-agents""#,
        again,
        r#"{"model_calls": 2, "final_output": {"summary": "late", "count": 1}}"#,
    ));
    assert!(passed, "{run:#}");
}

/// The error handlers' structured outputs: a class's value written as its pydantic dump (in
/// field order, the SDK's message), a list wrapped in `{"response": ...}`, a dict of an agent
/// without an output type as Python's `str()` (keys in the handler's order), and an output
/// that is not of the type: the SDK's `UserError`.
#[test]
fn a_handlers_final_output_is_validated_and_written_as_the_sdk_writes_it() {
    let handled = |output_type: &str, output: &str| {
        let profile =
            format!(r#"{{"name": "openai-agents", "max_turns": 0, "error_handlers": {{"max_turns": {output}}}}}"#);
        run(&scenario(output_type, &profile, r#"[{"say": "unused"}]"#, "{}")).0
    };
    let foo = handled(FOO_MODEL, r#"{"count": 3, "summary": "ok"}"#);
    assert_eq!(foo["outcome"]["text"], r#"{"summary":"ok","count":3}"#, "{foo:#}");
    assert_eq!(foo["outcome"]["final_output"], json!({"summary": "ok", "count": 3}));
    let list = handled(r#"{"type": "array", "items": {"type": "string"}}"#, r#"["a", "b"]"#);
    assert_eq!(list["outcome"]["text"], r#"{"response":["a","b"]}"#, "{list:#}");
    assert_eq!(list["outcome"]["final_output"], json!(["a", "b"]));
    let plain = handled("null", r#"{"final_output": {"b": "it's", "a": [true, null]}}"#);
    assert_eq!(
        plain["outcome"]["text"], r#"{'b': "it's", 'a': [True, None]}"#,
        "{plain:#}"
    );
    assert_eq!(
        plain["outcome"]["final_output"],
        json!({"a": [true, null], "b": "it's"})
    );
    let invalid = handled(
        r#"{"name": "Foo", "parameters": {"a": null}}"#,
        r#"{"summary": "nope"}"#,
    );
    assert_eq!(
        invalid["outcome"]["error"],
        "UserError: Invalid run error handler final_output for structured output."
    );
    assert!(notes(&invalid)[0].contains("missing property `a`"), "{invalid:#}");
}

/// `error_handlers.invalid_final_output`: a reply that is not of the type, or has no text, ends
/// the run of the app with the handler's output (validated, dumped) instead of the SDK's
/// `ModelBehaviorError` or another model call; the reply stays in the conversation before it.
#[test]
fn an_invalid_final_output_handler_answers_an_invalid_or_empty_reply() {
    let profile =
        r#"{"name": "openai-agents", "error_handlers": {"invalid_final_output": {"count": 0, "summary": "fallback"}}}"#;
    for (reply, error) in [
        (
            r#"[{"say": "not json"}]"#,
            "ModelBehaviorError: Invalid JSON when parsing model output",
        ),
        (
            r#"[{"say": ""}]"#,
            "ModelBehaviorError: Model returned no final output for the structured output type.",
        ),
    ] {
        let expect = r#"{"outcome": "ended-without-human", "model_calls": 1, "final_output": {"summary": "fallback", "count": 0}}"#;
        let (run, passed) = run(&scenario(FOO_MODEL, profile, reply, expect));
        assert!(passed, "{reply}: {run:#}");
        assert_eq!(run["outcome"]["text"], r#"{"summary":"fallback","count":0}"#);
        let note = notes(&run)[0];
        assert!(
            note.starts_with(&format!("{error}: the run's invalid_final_output error handler")),
            "{note}"
        );
    }
}

/// `output_type` is refused outside `openai-agents` (exit 2, naming the agent's place), and a
/// form the SDK has no type for is refused where it is written.
#[test]
fn output_type_is_the_agents_sdks_and_is_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    for (text, words) in [
        (
            scenario(FOO_MODEL, r#""agent-framework""#, "[]", "{}")
                .replace(r#""task""#, r#""start": "test_1", "task""#),
            "agents[0].output_type: `test_1` has an output_type, which only `openai-agents` runs",
        ),
        (
            scenario(r#""FooModel""#, r#""openai-agents""#, "[]", "{}"),
            "`output_type` is a class",
        ),
        (
            scenario(
                r#"{"name": "Foo", "parameters": {"a": {"type": "strin"}}}"#,
                r#""openai-agents""#,
                "[]",
                "{}",
            ),
            "output_type",
        ),
    ] {
        let file = temp_file(&dir, "bad.json", text.as_bytes());
        refused(&file, words);
    }
}

/// `handoff serve` reads the schema an app's request asks for on either API, as the SDK sends
/// it (`text.format` over the Responses API, `response_format` over Chat Completions), into
/// one form it compares with the expected request's.
#[test]
fn serve_reads_the_output_schema_of_either_api_alike() {
    let schema = json!({"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"]});
    let responses = json!({"model": "m", "input": "hi",
        "text": {"format": {"type": "json_schema", "name": "final_output", "schema": schema, "strict": true}}});
    let chat = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "final_output", "strict": true, "schema": schema}}});
    let read = |api, body: Value| AppRequest::parse(api, body.to_string().as_bytes()).unwrap();
    let (a, b) = (read(Api::Responses, responses), read(Api::ChatCompletions, chat));
    assert_eq!(a.output_type, b.output_type);
    assert_eq!(a.output_type.as_deref().unwrap()["name"], "final_output");
    assert!(a.lines().last().unwrap().starts_with("output_type: "));
    let text = read(
        Api::ChatCompletions,
        json!({"model": "m", "messages": [], "response_format": {"type": "text"}}),
    );
    assert_eq!(text.output_type, None);
}

/// A real Agents SDK app whose RefundAgent has `output_type=RefundResult`
/// (`tests/apps/oai_structured_output.py`) under strict `handoff serve`, answered from the
/// conformance scenario of the real SDK's trace: every request, the output schema included, is
/// the one the run predicts, over the Responses API and over Chat Completions; the same app
/// against the scenario without the output type diverges at RefundAgent's first request,
/// naming the schema.
#[test]
fn a_real_agents_sdk_app_with_an_output_type_is_what_the_run_predicts_over_both_apis() {
    for flags in [&[][..], &["--chat"][..]] {
        crate::sdk_app::passes(
            "oai_structured_output.py",
            "conformance/scenarios/oai/output_type.json",
            flags,
            3,
        );
    }
    // The same file without RefundAgent's output type (its one line), keys in their order.
    let typed = std::fs::read_to_string(root().join("conformance/scenarios/oai/output_type.json")).unwrap();
    let untyped = typed
        .lines()
        .filter(|line| !line.trim_start().starts_with("\"output_type\":"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("      ],\n    },", "      ]\n    },");
    assert_ne!(untyped, typed);
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "untyped.json", untyped.as_bytes());
    let out = crate::sdk_app::serve("oai_structured_output.py", arg(&file), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("the output schema the answer must follow differs"),
        "{}",
        stdout(&out)
    );
}
