//! A handoff's arguments as text that is no JSON object (`handoff: {"to": ..., "raw_args":
//! "not json"}`): the OpenAI Agents SDK validates a typed transfer's arguments
//! (`handoff(agent, input_type=...)`) with pydantic and raises `ModelBehaviorError`, checked
//! against `conformance/traces/oai/handoff_input_not_json.json` and `handoff_input_empty.json`;
//! and an `input_type` the SDK cannot make a strict schema of (`Foo | None`).

use serde_json::Value;

use crate::framework_options::{refused, stderr};
use crate::support::{arg, handoff, temp_file};

/// Triage hands off to Escalation (whose edge is `edge`) with `handoff`.
fn scenario(profile: &str, edge: &str, handoff: &str) -> String {
    format!(
        r#"{{"task": "The customer is angry", "profile": "{profile}", "start": "Triage",
            "agents": [{{"name": "Triage"}}, {{"name": "Escalation"}}],
            "handoffs": {{"Triage": {{"Escalation": {edge}}}}},
            "model": {{"scripted": {{"Triage": {{"responses": [{{"handoff": {handoff}}}]}},
                "Escalation": {{"responses": [{{"say": "Escalated."}}]}}}}}}}}"#
    )
}

const TYPED: &str =
    r#"{"description": null, "input_type": {"name": "EscalationData", "parameters": {"reason": null}}}"#;

/// `test_handoff_input_type` ("not json", "") and `test_invalid_handoff_input_json_causes_error`
/// ("invalid"): the SDK raises `ModelBehaviorError` (its text under the default
/// `OPENAI_AGENTS_DONT_LOG_TOOL_DATA`), the handoff is not made, and the text the model sent
/// is the call's arguments in the run.
#[test]
fn text_that_is_no_json_object_fails_a_typed_transfer() {
    let dir = tempfile::tempdir().unwrap();
    for raw in ["not json", "", "invalid", "[1]"] {
        let text = scenario(
            "openai-agents",
            TYPED,
            &format!(r#"{{"to": "Escalation", "raw_args": {raw:?}}}"#),
        );
        let file = temp_file(&dir, "raw.json", text.as_bytes());
        let out = handoff(&["run", arg(&file), "--format", "json"]);
        let run: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
        assert_eq!(run["outcome"]["kind"], "framework-error", "{raw:?}: {run:#}");
        assert_eq!(
            run["outcome"]["error"], "ModelBehaviorError: Invalid JSON when parsing model output",
            "{raw:?}"
        );
        assert_eq!(run["path"], serde_json::json!(["Triage"]), "{raw:?}");
        let reply = run["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "reply")
            .unwrap();
        assert_eq!(reply["calls"][0]["arguments"], *raw, "{raw:?}");
    }
}

/// `raw_args` is for a transfer that takes arguments, instead of `args`, and never a JSON object;
/// other profiles have no typed transfers, so no `raw_args`.
#[test]
fn raw_args_are_text_for_a_typed_transfer_alone() {
    let dir = tempfile::tempdir().unwrap();
    for (text, words) in [
        (
            scenario("openai-agents", "null", r#"{"to": "Escalation", "raw_args": "x"}"#),
            "takes no arguments",
        ),
        (
            scenario(
                "openai-agents",
                TYPED,
                r#"{"to": "Escalation", "raw_args": "{\"reason\": \"x\"}"}"#,
            ),
            "is a JSON object: give it as `args`",
        ),
        (
            scenario(
                "openai-agents",
                TYPED,
                r#"{"to": "Escalation", "raw_args": "x", "args": {"reason": "y"}}"#,
            ),
            "not both",
        ),
        (
            scenario("semantic-kernel", "null", r#"{"to": "Escalation", "raw_args": "x"}"#),
            "handoff.raw_args",
        ),
    ] {
        let file = temp_file(&dir, "bad.json", text.as_bytes());
        refused(&file, words);
    }
}

/// `test_handoff_rejects_nullable_input_root`: `handoff(agent, input_type=Foo | None)` raises
/// `UserError` when the app declares it, so a scenario with that class is refused.
#[test]
fn a_nullable_input_type_is_refused_with_the_sdks_user_error() {
    let dir = tempfile::tempdir().unwrap();
    let nullable = r##"{"description": null, "input_type": {"parameters": {"$defs": {"Foo": {"properties": {"bar": {"title": "Bar", "type": "string"}}, "required": ["bar"], "title": "Foo", "type": "object"}}, "anyOf": [{"$ref": "#/$defs/Foo"}, {"type": "null"}]}}}"##;
    let text = scenario("openai-agents", nullable, r#""Escalation""#);
    let file = temp_file(&dir, "nullable.json", text.as_bytes());
    refused(
        &file,
        "UserError: The root of a strict JSON schema must not use `anyOf`.",
    );
}
