//! The OpenAI Agents SDK's typed handoff arguments, `handoff(agent, input_type=...,
//! on_handoff=...)`, against the SDK's own tests (`test_handoff_tool.py`,
//! `test_agent_runner.py`) and source (`handoffs/__init__.py`, `util/_json.py`): the schema
//! the transfer is offered with, a scripted handoff's arguments, the load errors, and the
//! `ModelBehaviorError` the SDK raises for arguments its class refuses.

use serde_json::{Value, json};

use crate::framework_options::{refused, stdout};
use crate::framework_options_edges::design;
use crate::support::{arg, handoff, temp_file};

/// A scenario under `profile`: `Triage` hands off to `Escalation`, whose edge is `edge`, and to
/// `Refund`; `triage` is Triage's script.
fn escalation(profile: &str, edge: &str, triage: &str) -> String {
    format!(
        r#"{{"task": "The customer is angry, priority 2", "profile": "{profile}",
            "agents": [{{"name": "Triage"}}, {{"name": "Escalation", "description": "Escalations."}}, {{"name": "Refund"}}],
            "handoffs": {{"Triage": {{"Escalation": {edge}, "Refund": null}}}},
            "model": {{"scripted": {{"Triage": {triage},
                "Escalation": {{"responses": [{{"complete": "Escalated."}}]}},
                "Refund": {{"responses": [{{"complete": "Refunded."}}]}}}}}}}}"#
    )
}

/// `EscalationData(reason: str, priority: int)`, with its docstring.
const ESCALATION_DATA: &str = r#"{"input_type": {"name": "EscalationData", "description": "Why, and how urgent.",
    "parameters": {"reason": null, "priority": {"type": "integer"}}}}"#;

/// The JSON run of `file`.
fn run_json(file: &std::path::Path) -> Value {
    let out = handoff(&["run", arg(file), "--format", "json"]);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// openai-agents 0.24 `test_handoff_tool.py::test_handoff_input_type` and
/// `test_handoff_input_schema_is_strict`: the transfer's parameters are the class's JSON schema
/// (`TypeAdapter(input_type).json_schema()`, titled with its name, its docstring the
/// description) made strict by `ensure_strict_json_schema` (every field required, a default
/// kept, no additional properties); a handoff without one keeps the empty strict object. A
/// complete schema is sent as given.
#[test]
fn agents_sdk_input_type_is_offered_as_the_classes_strict_schema() {
    let dir = tempfile::tempdir().unwrap();
    let d = design(
        &dir,
        &escalation("openai-agents", ESCALATION_DATA, r#"{"responses": [{"say": "x"}]}"#),
    );
    let tools: Vec<Value> = d
        .tools(d.find("Triage").unwrap())
        .iter()
        .map(|t| t.json_schema())
        .collect();
    assert_eq!(
        tools[0],
        json!({"type": "function", "function": {
            "name": "transfer_to_escalation",
            "description": "Handoff to the Escalation agent to handle the request. Escalations.",
            "parameters": {
                "type": "object", "title": "EscalationData", "description": "Why, and how urgent.",
                "properties": {"reason": {"type": "string", "title": "Reason"},
                               "priority": {"type": "integer", "title": "Priority"}},
                "required": ["reason", "priority"], "additionalProperties": false},
            "strict": true}})
    );
    assert_eq!(
        tools[1]["function"]["parameters"],
        json!({"type": "object", "properties": {}, "required": [], "additionalProperties": false})
    );
    // A dataclass field with a default keeps it, and is required all the same; no docstring,
    // no description.
    let refund = r#"{"input_type": {"name": "RefundRequest", "parameters": {"order_id": null, "amount": {"type": "number", "default": 0.0}}}}"#;
    let d = design(
        &dir,
        &escalation("openai-agents", refund, r#"{"responses": [{"say": "x"}]}"#),
    );
    let parameters = &d.tools(d.find("Triage").unwrap())[0].json_schema()["function"]["parameters"];
    assert_eq!(parameters["required"], json!(["order_id", "amount"]));
    assert_eq!(
        parameters["properties"]["amount"],
        json!({"type": "number", "default": 0.0, "title": "Amount"})
    );
    assert_eq!(parameters.get("description"), None);
    // The complete schema (`Foo`, a TypedDict in the SDK's tests), as given.
    let foo = json!({"type": "object", "title": "Foo", "properties": {"bar": {"title": "Bar", "type": "string"}},
                     "required": ["bar"], "additionalProperties": false});
    let d = design(
        &dir,
        &escalation(
            "openai-agents",
            &json!({"input_type": {"parameters": foo}}).to_string(),
            r#"{"responses": [{"say": "x"}]}"#,
        ),
    );
    assert_eq!(
        d.tools(d.find("Triage").unwrap())[0].json_schema()["function"]["parameters"],
        foo
    );
}

/// openai-agents 0.24 `test_agent_runner.py::test_handoff_on_input`: the model calls the
/// transfer with the class's arguments, the SDK validates them and hands off. A rule's
/// `handoff` gives them (`{name}` captures, a number read as JSON for an integer field); they
/// show in the log, in the text output and in every later input (the conversation).
#[test]
fn a_scripted_handoff_sends_the_arguments_of_its_input_type() {
    let dir = tempfile::tempdir().unwrap();
    let triage = r#"{"rules": [{"when": {"user": "(?i)(?P<reason>angry), priority (?P<p>\\d+)"},
        "handoff": {"to": "Escalation", "args": {"reason": "Customer is {reason}", "priority": "{p}"}}}]}"#;
    let file = temp_file(
        &dir,
        "escalate.json",
        escalation("openai-agents", ESCALATION_DATA, triage).as_bytes(),
    );
    let text = stdout(&handoff(&["run", arg(&file)]));
    assert!(
        text.contains(
            "[tool] Triage: transfer_to_escalation({\"priority\":2,\"reason\":\"Customer is angry\"}) -> {\"assistant\": \"Escalation\"}\n[handoff] Triage -> Escalation\n"
        ),
        "{text}"
    );
    let run = run_json(&file);
    assert_eq!(run["outcome"]["kind"], "completed", "{run}");
    let calls = &run["events"][1]["calls"];
    assert_eq!(calls[0]["name"], "transfer_to_escalation");
    assert_eq!(
        calls[0]["arguments"],
        json!({"reason": "Customer is angry", "priority": 2})
    );
    // The library's builder says the same.
    let step = handoff_harness::scripted::Step::new().handoff_with(
        "Escalation",
        json!({"reason": "r", "priority": 1}).as_object().unwrap().clone(),
    );
    assert_eq!(step.handoff.unwrap().args["priority"], 1);
}

/// A handoff with an `input_type` is called with its arguments (the SDK's model sends them):
/// a rule without them, or with arguments that do not fit the class, is refused at load,
/// naming the rule; `input_type` is the Agents SDK's, refused under the other profiles; the
/// class's fields are checked as a tool's parameters are.
#[test]
fn input_type_handoffs_are_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let bad = |profile: &str, edge: &str, triage: &str, words: &str| {
        let file = temp_file(&dir, "bad.json", escalation(profile, edge, triage).as_bytes());
        refused(&file, words);
    };
    bad(
        "openai-agents",
        ESCALATION_DATA,
        r#"{"rules": [{"handoff": "Escalation"}]}"#,
        "model.scripted.Triage.rules[0].handoff: the handoff to `Escalation` takes the arguments of its `input_type` `EscalationData` (`reason`, `priority`)",
    );
    bad(
        "openai-agents",
        ESCALATION_DATA,
        r#"{"responses": [{"handoff": {"to": "Escalation", "args": {"reason": "r", "priority": "high"}}}]}"#,
        "model.scripted.Triage.responses[0].handoff.args.priority: expected an integer, got \"high\"",
    );
    bad(
        "openai-agents",
        ESCALATION_DATA,
        r#"{"responses": [{"handoff": {"to": "Escalation", "args": {"reason": "r"}}}]}"#,
        "model.scripted.Triage.responses[0].handoff.args: missing argument `priority` of `transfer_to_escalation`",
    );
    bad(
        "openai-agents",
        ESCALATION_DATA,
        r#"{"responses": [{"handoff": {"to": "Escalation", "args": {"reason": "r", "priority": 1, "urgent": true}}}]}"#,
        "handoff.args.urgent: `urgent` is not a parameter of `transfer_to_escalation`",
    );
    bad(
        "openai-agents",
        ESCALATION_DATA,
        r#"{"responses": [{"handoff": {"to": "Escalation", "arguments": {}}}]}"#,
        "unknown field `arguments`",
    );
    bad(
        "openai-agents",
        r#"{"input_type": {"name": "EscalationData", "parameters": {"priority": {"type": "int"}}}}"#,
        r#"{"responses": [{"say": "x"}]}"#,
        "handoffs.Triage.Escalation.input_type.parameters.priority.type: input_type: unknown type \"int\"",
    );
    bad(
        "openai-agents",
        r#"{"input_type": {"parameters": {"reason": null}}}"#,
        r#"{"responses": [{"say": "x"}]}"#,
        "`input_type` needs the class's `name`",
    );
    for profile in ["semantic-kernel", "agent-framework", "semantic-kernel-dotnet"] {
        bad(
            profile,
            ESCALATION_DATA,
            r#"{"responses": [{"say": "x"}]}"#,
            "handoffs.Triage.Escalation.input_type: `input_type` only changes what `openai-agents` does",
        );
    }
}

/// openai-agents 0.24 `test_agent_runner.py::test_invalid_handoff_input_json_causes_error` in a
/// run: arguments the class refuses (a field missing, a value of another type: pydantic,
/// strict) make `_json.validate_json` raise `ModelBehaviorError("Invalid JSON when parsing
/// model output")` (its text under the default `DONT_LOG_TOOL_DATA`), and the run fails. A
/// field the class does not know is ignored (pydantic's default), and only the handoff the
/// SDK invokes, the first of several, is validated.
#[test]
fn arguments_the_class_refuses_raise_model_behavior_error() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        r#"{"reason": "r", "priority": "high"}"#,
        r#"{"reason": "r"}"#,
        "{}",
        r#"{"reason": "r", "priority": 2.0}"#,
    ] {
        let triage =
            format!(r#"{{"responses": [{{"handoff": {{"to": "Escalation", "args": {args}, "unchecked": true}}}}]}}"#);
        let file = temp_file(
            &dir,
            "invalid.json",
            escalation("openai-agents", ESCALATION_DATA, &triage).as_bytes(),
        );
        let run = run_json(&file);
        assert_eq!(run["outcome"]["kind"], "framework-error", "{run}");
        assert_eq!(
            run["outcome"]["error"],
            "ModelBehaviorError: Invalid JSON when parsing model output"
        );
        assert_eq!(run["path"], json!(["Triage"]));
        assert_eq!(
            run["events"][1]["calls"][0]["arguments"],
            serde_json::from_str::<Value>(args).unwrap()
        );
        let text = stdout(&handoff(&["run", arg(&file)]));
        assert!(
            text.contains("[note] the arguments of `transfer_to_escalation` do not fit `EscalationData` ("),
            "{text}"
        );
        assert!(
            text.contains(
                "Run stopped: OpenAI Agents SDK 0.24 raises ModelBehaviorError: Invalid JSON when parsing model output"
            ),
            "{text}"
        );
    }
    // An unknown field is ignored: the handoff happens.
    let triage = r#"{"responses": [{"handoff": {"to": "Escalation", "args": {"reason": "r", "priority": 1, "urgent": true}, "unchecked": true}}]}"#;
    let file = temp_file(
        &dir,
        "extra.json",
        escalation("openai-agents", ESCALATION_DATA, triage).as_bytes(),
    );
    let run = run_json(&file);
    assert_eq!(run["outcome"]["kind"], "completed", "{run}");
    assert_eq!(run["path"], json!(["Triage", "Escalation"]));
    // Two handoffs: the first wins and is invoked; the bad arguments of the ignored one are
    // never validated ("Multiple handoffs detected, ignoring this one.").
    let triage = r#"{"responses": [{"calls": [{"tool": "transfer_to_refund", "args": {}},
        {"tool": "transfer_to_escalation", "args": {"priority": "high"}, "unchecked": true}]}]}"#;
    let file = temp_file(
        &dir,
        "two.json",
        escalation("openai-agents", ESCALATION_DATA, triage).as_bytes(),
    );
    let run = run_json(&file);
    assert_eq!(run["outcome"]["kind"], "completed", "{run}");
    assert_eq!(run["path"], json!(["Triage", "Refund"]));
    assert!(
        run.to_string()
            .contains("Multiple handoffs detected, ignoring this one."),
        "{run}"
    );
    // The other way round, the invoked one fails the run.
    let swapped = triage
        .replace("transfer_to_refund", "FIRST")
        .replace("transfer_to_escalation", "transfer_to_refund")
        .replace("FIRST", "transfer_to_escalation");
    let swapped = swapped.replace(r#""args": {}}"#, r#""args": {}, "unchecked": true}"#);
    let file = temp_file(
        &dir,
        "two.json",
        escalation("openai-agents", ESCALATION_DATA, &swapped).as_bytes(),
    );
    assert_eq!(run_json(&file)["outcome"]["kind"], "framework-error");
}

/// `handoff lint` and `handoff analyze` read a design with typed handoffs (the conformance
/// scenario of the real SDK).
#[test]
fn lint_and_analyze_read_typed_handoffs() {
    let file = crate::support::root().join("conformance/scenarios/oai/handoff_input_type.json");
    for command in ["lint", "analyze"] {
        let out = handoff(&[command, arg(&file)]);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stdout(&out));
    }
}

/// `handoff fuzz --confused`: a model that ignores its script hands off by the name the profile
/// offers (`transfer_to_escalation`), with arguments the class accepts, so the run goes on
/// and the typed edge is reached (neither `Tool ... not found` nor `ModelBehaviorError`).
#[test]
fn a_confused_model_hands_off_with_arguments_the_class_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"task": "A customer is on the line.", "profile": "openai-agents",
        "agents": [{"name": "Triage"}, {"name": "Escalation", "description": "Escalations."}],
        "handoffs": {"Triage": {"Escalation": {"input_type": {"name": "EscalationData",
            "parameters": {"reason": null, "priority": {"type": "integer"}}}}}},
        "user": ["I am angry", "bye"],
        "model": {"scripted": {"Triage": {"rules": [{"say": "How can I help?"}]},
                               "Escalation": {"rules": [{"say": "Escalation here."}]}}}}"#;
    let file = temp_file(&dir, "confused.json", text.as_bytes());
    let out = handoff(&["fuzz", arg(&file), "--confused", "--cases", "200"]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("handoffs reached: 1 of 1"), "{shown}");
    assert!(shown.contains("100.0% completed"), "{shown}");
}
