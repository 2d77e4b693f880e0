//! The scenario of a trace: the same design, task, human and model replies as a scenario
//! file (`conformance/scenarios/<sk|af|oai>/<probe>.json`), so that `handoff run` can run
//! it too. The files are written from the traces by [`scenario`]; the test checks that each
//! committed file is what the trace gives (`CONFORMANCE_BLESS=1` writes them instead).
//!
//! The mapping, faithful to the probe:
//! - agents, descriptions, instructions and start as designed; an agent's own tools as the
//!   framework offered them (SK's `<Plugin>-<name>` gives `plugin` and `name`), parameters
//!   in order with their descriptions, and a `result` template made from the results the
//!   trace shows (each argument's value replaced by its `{placeholder}`);
//! - edges as declared: SK's `add(source, "Target", text)` is `{"description": text,
//!   "by_name": true}` (SK drops it, SK#13115), AF's `add_handoff(..., description=)` and
//!   the Agents SDK's `tool_description_override` the description (or `null`), with its
//!   `tool_name_override` where the edge gives one, and its `input_type` (the class's name,
//!   docstring and fields, in the shorthand, titles left to the profile);
//! - the human: the scripted replies (`user`), absent when the probe had no human; the
//!   Agents SDK's decisions on calls that need approval (`approvals`), and those tools'
//!   `needs_approval`;
//! - every model reply, in order, as the agent's next listed response: its text (`say`) and
//!   its calls (`call`/`calls`, in the model's order, by the name the model used). A call
//!   the agent was not offered, or whose arguments do not fit the function, is
//!   `"unchecked": true` (the model hallucinated it). SK's and AF's stream shape: text in
//!   the chunk of the first call is `"chunk": "one"`;
//! - a text reply after which the host ends the conversation (AF's `terminate()`, the
//!   Agents SDK's chat loop out of input) is `complete`, as the profiles map it;
//! - the fake's settings: SK's usage chunk and the Agents SDK's `tool_not_found_behavior`
//!   as profile options (and AF's termination condition and autonomous mode); the probe's call budget as `limits.model_calls`, every other
//!   harness limit off (the frameworks have only their own guards);
//! - `expect`: the outcome, path (`Trace::control_path`) and model calls of the trace (see
//!   `Trace::outcome`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::json::Json;
use super::trace::{Framework, Trace};
use super::view::{arguments, tool_view};
use crate::support::root;

/// Where the scenario of `trace` is kept.
pub fn path(trace: &Trace) -> PathBuf {
    root()
        .join("conformance/scenarios")
        .join(trace.framework.dir())
        .join(format!("{}.json", trace.probe))
}

/// The scenario file of `trace`, as text.
pub fn scenario(trace: &Trace) -> String {
    let design = trace.design();
    let mut top: Vec<(&str, Json)> = vec![
        ("name", Json::text(trace.label())),
        (
            "description",
            Json::text(format!(
                "{} Written from conformance/traces/{}.json by the conformance test (CONFORMANCE_BLESS=1 cargo test conformance).",
                trace.json["description"].as_str().unwrap(),
                trace.label()
            )),
        ),
        ("profile", profile(trace)),
        ("task", Json::Value(design["task"].clone())),
        ("agents", Json::Array(agents(trace))),
        ("start", Json::Value(design["start_agent"].clone())),
        ("handoffs", handoffs(trace)),
    ];
    if let Some(human) = trace.human() {
        top.push(("user", Json::Value(json!(human))));
    }
    if let Some(approvals) = design.get("approvals_scripted") {
        top.push(("approvals", Json::Value(approvals.clone())));
    }
    // Where the probe's host cancelled: at a call in flight, or after the result.
    if let Some(cancel) = design.get("cancel") {
        let after = cancel == "after_completion";
        top.push((
            "cancel",
            Json::Value(if after { json!("after_result") } else { cancel.clone() }),
        ));
    }
    top.push(("model", Json::object([("scripted", scripts(trace))])));
    top.push((
        "limits",
        Json::Value(json!({
            "handoffs_per_turn": null, "human_turns": null, "tool_rounds": null,
            "model_calls": trace.call_budget(),
        })),
    ));
    let outcome = trace.outcome();
    let mut expect = vec![
        ("outcome", Json::text(outcome.kind)),
        ("path", Json::Value(json!(trace.control_path()))),
        ("model_calls", Json::Value(json!(outcome.model_calls))),
    ];
    // The host kept a session (`profile.session`): what it holds at the end, item by item.
    if let Some(items) = trace.session_items() {
        expect.push(("session", Json::Value(session_check(items))));
    }
    top.push(("expect", Json::object(expect)));
    Json::object(top).pretty()
}

/// `expect.session` of the items a trace's session held: their count, and each item's type,
/// role and text (a function call's name instead).
fn session_check(items: &[Value]) -> Value {
    let checks: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(at, item)| match item["type"].as_str() {
            Some("function_call") => json!({ "at": at, "type": "function_call", "calls": [item["name"]] }),
            Some("function_call_output") => {
                json!({ "at": at, "type": "function_call_output", "text": item["output"] })
            }
            _ => {
                let text = match &item["content"] {
                    Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect::<String>(),
                    other => other.as_str().unwrap_or_default().to_string(),
                };
                json!({ "at": at, "type": "message", "role": item["role"], "text": text })
            }
        })
        .collect();
    json!({ "count": items.len(), "items": checks })
}

/// The profile, with the options the probe's fake or run configuration set.
fn profile(trace: &Trace) -> Json {
    let design = trace.design();
    let name = trace.framework.profile();
    let option = match trace.framework {
        // Whether the fake sent the usage chunk Semantic Kernel asks for (the profile's
        // default is that it comes, as OpenAI and Azure OpenAI send it).
        Framework::SemanticKernel => Some(("usage_chunk", json!(design["fake"]["usage_chunk"] == true))),
        Framework::OpenAiAgents => {
            // The run configuration's options, each the profile option of its name.
            const MODELLED: [&str; 3] = [
                "tool_not_found_behavior",
                "nest_handoff_history",
                "handoff_input_filter",
            ];
            let config = design["run_config"].as_object().unwrap();
            if let Some(key) = config.keys().find(|k| !MODELLED.contains(&k.as_str())) {
                panic!("{}: run_config.{key} is not modelled", trace.label());
            }
            let mut options: Vec<(&str, Value)> = MODELLED
                .into_iter()
                .filter_map(|key| config.get(key).map(|v| (key, v.clone())))
                .collect();
            // `Runner.run(..., max_turns=N)`: the profile's `max_turns` (null in a trace is
            // the SDK's default, which the profile keeps).
            options.extend(design["max_turns"].as_u64().map(|n| ("max_turns", json!(n))));
            // `Runner.run(..., error_handlers=...)` in the form the probe wrote it down.
            options.extend(design.get("error_handlers").map(|h| ("error_handlers", h.clone())));
            // The host's `result.to_input_list(mode=...)` where the probe's is not the default.
            options.extend(
                design
                    .get("host_continuation")
                    .map(|m| ("host_continuation", m.clone())),
            );
            // `Runner.run(..., session=...)`: the host keeps a session.
            options.extend(design.get("session").map(|_| ("session", json!(true))));
            // `Runner.run(..., auto_previous_response_id=True)`: the server keeps the conversation.
            options.extend(design.get("server_managed").map(|_| ("server_managed", json!(true))));
            return match options.is_empty() {
                true => Json::text(name),
                false => Json::object(
                    [("name", Json::text(name))]
                        .into_iter()
                        .chain(options.into_iter().map(|(k, v)| (k, Json::Value(v)))),
                ),
            };
        }
        // `.with_termination_condition(...)` in a common form and
        // `.with_autonomous_mode(...)`'s arguments: the profile's `termination_condition`
        // and `autonomous_mode`, written as the probe gave them.
        Framework::AgentFramework => {
            let options: Vec<(&str, Json)> = ["termination_condition", "autonomous_mode"]
                .into_iter()
                .filter_map(|key| design.get(key).map(|v| (key, Json::Value(v.clone()))))
                .collect();
            return match options.is_empty() {
                true => Json::text(name),
                false => Json::object([("name", Json::text(name))].into_iter().chain(options)),
            };
        }
    };
    match option {
        None => Json::text(name),
        Some((key, value)) => Json::object([("name", Json::text(name)), (key, Json::Value(value))]),
    }
}

/// Whether `name`, offered to `agent`, is one of the framework's handoff functions.
fn is_handoff_function(trace: &Trace, agent: &Value, name: &str) -> bool {
    match trace.framework {
        Framework::SemanticKernel => name.starts_with("Handoff-"),
        Framework::AgentFramework => name.starts_with("handoff_to_"),
        Framework::OpenAiAgents => agent["handoffs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["tool_name"] == name),
    }
}

fn agents(trace: &Trace) -> Vec<Json> {
    let description_key = match trace.framework {
        Framework::OpenAiAgents => "handoff_description",
        _ => "description",
    };
    trace.design()["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|agent| {
            let name = agent["name"].as_str().unwrap();
            // An agent whose model is never called is in no `tools_by_agent`: its tools are
            // unknown, and no call could show them.
            let tools: Vec<Json> = trace
                .tool_schemas(name)
                .iter()
                .filter(|schema| !is_handoff_function(trace, agent, &tool_view(schema).name))
                .map(|schema| tool(trace, name, schema))
                .collect();
            // `Agent(output_type=...)`: the complete schema the SDK sends.
            let output_type = agent
                .get("output_type")
                .map(|t| ("output_type", Json::Value(t["json_schema"].clone())));
            Json::object(
                [
                    ("name", Json::text(name)),
                    ("description", Json::Value(agent[description_key].clone())),
                    ("instructions", Json::Value(agent["instructions"].clone())),
                    ("tools", Json::Array(tools)),
                ]
                .into_iter()
                .chain(output_type),
            )
        })
        .collect()
}

/// An own tool of `agent`: name (and SK's plugin), description, parameters and the result
/// template its traced results share.
fn tool(trace: &Trace, agent: &str, schema: &Value) -> Json {
    let view = tool_view(schema);
    let (plugin, name) = match (trace.framework, view.name.split_once('-')) {
        (Framework::SemanticKernel, Some((plugin, name))) => (Some(plugin.to_string()), name.to_string()),
        _ => (None, view.name.clone()),
    };
    let mut order: Vec<&str> = view.required.iter().map(String::as_str).collect();
    for (p, _, _) in &view.parameters {
        assert!(
            order.contains(&p.as_str()),
            "{}: {agent}'s `{}` has an optional parameter `{p}`; the harness's are all required",
            trace.label(),
            view.name
        );
    }
    let parameters = order.drain(..).map(|p| {
        let description = view
            .parameters
            .iter()
            .find(|(n, _, _)| n == p)
            .and_then(|(_, _, d)| d.clone());
        (p.to_string(), Json::Value(json!(description)))
    });
    let mut fields = Vec::new();
    if let Some(plugin) = plugin {
        fields.push(("plugin", Json::text(plugin)));
    }
    fields.extend([
        ("name", Json::text(name)),
        ("description", Json::text(view.description.clone())),
        ("parameters", Json::object(parameters)),
        (
            "result",
            Json::text(result_template(trace, agent, &view.name, &view.required)),
        ),
    ]);
    let needs_approval = trace.design()["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == agent)
        .filter_map(|a| a["needs_approval"].as_array())
        .any(|names| names.iter().any(|n| *n == *view.name));
    if needs_approval {
        fields.push(("needs_approval", Json::Value(json!(true))));
    }
    Json::object(fields)
}

/// The result template of `agent`'s tool `name`: each traced result of a call that fits the
/// function, its argument values replaced by placeholders; all must agree.
fn result_template(trace: &Trace, agent: &str, name: &str, parameters: &[String]) -> String {
    let mut results = trace.results();
    // A rejected call's result is the framework's rejection text, not the tool's.
    for decision in trace.json["approvals"].as_array().into_iter().flatten() {
        if decision["decision"] == "reject" {
            results.remove(decision["call_id"].as_str().unwrap());
        }
    }
    let mut templates = BTreeSet::new();
    for (call, ids) in trace.calls().iter().zip(trace.reply_ids()) {
        if call["agent"] != agent {
            continue;
        }
        for (c, id) in call["reply"]["calls"].as_array().unwrap().iter().zip(ids) {
            let args = arguments(&c["arguments"]);
            let fits = args.as_object().is_some_and(|a| {
                a.len() == parameters.len() && parameters.iter().all(|p| a.get(p).is_some_and(Value::is_string))
            });
            let Some(result) = results.get(&id).filter(|_| c["name"] == name && fits) else {
                continue;
            };
            let mut template = result.replace('{', "{{").replace('}', "}}");
            let mut values: Vec<(&String, &str)> = args
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k, v.as_str().unwrap()))
                .collect();
            values.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
            for (parameter, value) in values.into_iter().filter(|(_, v)| !v.is_empty()) {
                template = template.replace(value, &format!("{{{parameter}}}"));
            }
            templates.insert(template);
        }
    }
    assert!(
        templates.len() <= 1,
        "{}: {agent}'s `{name}` returns results no one template makes: {templates:?}",
        trace.label()
    );
    templates.pop_first().unwrap_or_default()
}

fn handoffs(trace: &Trace) -> Json {
    let design = trace.design();
    let mut sources: Vec<(String, Vec<(String, Json)>)> = Vec::new();
    let mut add = |source: &str, target: &str, description: Json| match sources.iter_mut().find(|(s, _)| s == source) {
        Some((_, targets)) => targets.push((target.to_string(), description)),
        None => sources.push((source.to_string(), vec![(target.to_string(), description)])),
    };
    match trace.framework {
        Framework::SemanticKernel => {
            for edge in design["edges"].as_array().unwrap() {
                let given = edge["description_given"].clone();
                let description = match edge["method"].as_str().unwrap() {
                    "add_many" => Json::Value(given),
                    "add" => Json::object([
                        ("description", Json::Value(given)),
                        ("by_name", Json::Value(json!(true))),
                    ]),
                    other => panic!("{}: SK edges declared with `{other}` are not modelled", trace.label()),
                };
                add(
                    edge["source"].as_str().unwrap(),
                    edge["target"].as_str().unwrap(),
                    description,
                );
            }
        }
        Framework::AgentFramework => {
            for edge in design["edges"].as_array().unwrap() {
                add(
                    edge["source"].as_str().unwrap(),
                    edge["target"].as_str().unwrap(),
                    Json::Value(edge["description"].clone()),
                );
            }
        }
        Framework::OpenAiAgents => {
            for agent in design["agents"].as_array().unwrap() {
                for handoff in agent["handoffs"].as_array().unwrap() {
                    let description = Json::Value(handoff["tool_description"].clone());
                    // The options of `handoff(...)` the probe gave, in the scenario's names.
                    let mut options: Vec<(&str, Json)> = [
                        "tool_name_override",
                        "input_filter",
                        "nest_handoff_history",
                        "is_enabled",
                    ]
                    .into_iter()
                    .filter(|key| !handoff[*key].is_null())
                    .map(|key| (key, Json::Value(handoff[key].clone())))
                    .collect();
                    if let Value::Object(schema) = &handoff["input_json_schema"] {
                        options.push(("input_type", input_type(schema)));
                    }
                    let edge = match options.is_empty() {
                        true => description,
                        false => Json::object([("description", description)].into_iter().chain(options)),
                    };
                    add(
                        agent["name"].as_str().unwrap(),
                        handoff["target"].as_str().unwrap(),
                        edge,
                    );
                }
            }
        }
    }
    Json::object(sources.into_iter().map(|(s, t)| (s, Json::Object(t))))
}

/// A handoff's `input_type` from the schema the SDK made of the class: its name (`title`),
/// docstring (`description`) and fields in the shorthand, each field's title left out where
/// it is the one pydantic derives from the name (the profile writes it). The fields are in
/// the class's order, which the strict schema's `required` keeps (the trace's `properties`
/// are sorted).
fn input_type(schema: &Map<String, Value>) -> Json {
    let properties = schema["properties"].as_object().unwrap();
    let fields = schema["required"].as_array().unwrap().iter().map(|name| {
        let name = name.as_str().unwrap();
        let mut field = properties[name].as_object().unwrap().clone();
        if field.get("title") == Some(&Value::from(pydantic_title(name))) {
            field.remove("title");
        }
        (name.to_string(), Json::Value(Value::Object(field)))
    });
    let mut parts = vec![("name", Json::Value(schema["title"].clone()))];
    if let Some(docstring) = schema.get("description") {
        parts.push(("description", Json::Value(docstring.clone())));
    }
    parts.push(("parameters", Json::object(fields)));
    Json::object(parts)
}

/// The title pydantic gives a field: `order_id` is `Order Id`.
fn pydantic_title(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each called agent's replies, in order, as its listed responses.
fn scripts(trace: &Trace) -> Json {
    let mut agents: Vec<(String, Vec<Json>)> = Vec::new();
    let calls = trace.calls();
    for (i, call) in calls.iter().enumerate() {
        let agent = call["agent"].as_str().unwrap();
        let index = match agents.iter().position(|(a, _)| a == agent) {
            Some(index) => index,
            None => {
                agents.push((agent.to_string(), Vec::new()));
                agents.len() - 1
            }
        };
        let steps = &mut agents[index].1;
        // Each HTTP error the endpoint answered a try of the call with, then the reply (none
        // when no try succeeded).
        steps.extend(super::errors::steps(call));
        if !super::errors::failed(call) {
            steps.push(step(trace, call, i + 1 == calls.len()));
        }
    }
    Json::object(
        agents
            .into_iter()
            .map(|(agent, steps)| (agent, Json::object([("responses", Json::Array(steps))]))),
    )
}

/// Whether the host ends the conversation after this (text) reply.
fn ends_conversation(trace: &Trace, call: &Value, last: bool) -> bool {
    match trace.framework {
        Framework::SemanticKernel => false,
        Framework::AgentFramework => trace.terminated_after() == call["n"].as_u64(),
        Framework::OpenAiAgents => last && trace.json["outcome"]["kind"] == "completed" && trace.human().is_some(),
    }
}

/// The scripted response of one traced call.
fn step(trace: &Trace, call: &Value, last: bool) -> Json {
    let reply = &call["reply"];
    if let Some(refusal) = super::errors::refusal(call) {
        return Json::object([("refusal", Json::text(refusal))]);
    }
    // A reply's text as a template: its literal braces doubled (a JSON final output).
    let calls = reply["calls"].as_array().unwrap();
    // An empty text alone is said as such (the Agents SDK's message item of no text).
    let template = reply["text"]
        .as_str()
        .filter(|t| !t.is_empty() || (calls.is_empty() && trace.framework == Framework::OpenAiAgents))
        .map(|t| t.replace('{', "{{").replace('}', "}}"));
    let text = template.as_deref();
    if ends_conversation(trace, call, last) {
        assert!(
            calls.is_empty(),
            "{}: call #{} ends the conversation with calls",
            trace.label(),
            call["n"]
        );
        return Json::object([("complete", Json::text(text.unwrap_or_default()))]);
    }
    let mut fields: Vec<(&str, Json)> = Vec::new();
    // The reasoning item the fake model sent before its answer (the Agents SDK).
    if let Some(reasoning) = reply["reasoning"].as_str() {
        fields.push(("reasoning", Json::text(reasoning)));
    }
    if let Some(text) = text {
        fields.push(("say", Json::text(text)));
    }
    let agent = trace.design()["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == call["agent"])
        .unwrap();
    if let Some(handoff) = raw_handoff(agent, calls) {
        fields.push(("handoff", handoff));
        return Json::object(fields);
    }
    let specs: Vec<Json> = calls.iter().map(|c| call_spec(trace, call, agent, c)).collect();
    match specs.len() {
        0 => {}
        1 => fields.push(("call", specs.into_iter().next().unwrap())),
        _ => fields.push(("calls", Json::Array(specs))),
    }
    if text.is_some() && !calls.is_empty() && text_in_call_chunk(trace, reply) {
        fields.push(("chunk", Json::text("one")));
    }
    Json::object(fields)
}

/// A reply's one handoff call whose arguments are text that is no JSON object, as a scripted
/// handoff with `raw_args`.
fn raw_handoff(agent: &Value, calls: &[Value]) -> Option<Json> {
    let [c] = calls else { return None };
    let raw = c["arguments"].as_str()?;
    if matches!(serde_json::from_str(raw), Ok(Value::Object(_))) {
        return None;
    }
    let handoffs = agent["handoffs"].as_array()?;
    let target = handoffs.iter().find(|h| h["tool_name"] == c["name"])?;
    Some(Json::object([
        ("to", Json::Value(target["target"].clone())),
        ("raw_args", Json::text(raw)),
    ]))
}

/// A call of a reply: by the name the model used, `unchecked` when the agent was not
/// offered it or its arguments do not fit.
fn call_spec(trace: &Trace, call: &Value, agent: &Value, c: &Value) -> Json {
    let name = c["name"].as_str().unwrap();
    let args = arguments(&c["arguments"]);
    let offered = trace
        .tool_schemas(agent["name"].as_str().unwrap())
        .iter()
        .map(tool_view)
        .find(|t| t.name == name && call["tools"].as_array().unwrap().iter().any(|n| n == name));
    let fits = offered.is_some_and(|t| {
        let args = args.as_object().cloned().unwrap_or_default();
        args.len() == t.parameters.len()
            && t.parameters
                .iter()
                .all(|(p, kind, _)| args.get(p).is_some_and(|v| json_type_is(kind, v)))
    });
    let mut fields = vec![
        ("tool", Json::text(name)),
        ("args", Json::Value(Value::Object(as_object(args)))),
    ];
    if !fits {
        fields.push(("unchecked", Json::Value(json!(true))));
    }
    Json::object(fields)
}

/// Whether `value` is of the JSON Schema type `kind` (any value for a schema without one).
fn json_type_is(kind: &str, value: &Value) -> bool {
    match kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Whether the reply's text came in the same stream chunk as its first call.
fn text_in_call_chunk(trace: &Trace, reply: &Value) -> bool {
    match trace.framework {
        Framework::SemanticKernel => reply["stream_chunks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|chunk| chunk["delta"].get("content").is_some() && chunk["delta"].get("tool_calls").is_some()),
        Framework::AgentFramework => {
            assert_eq!(
                reply["text_first"],
                true,
                "{}: text after calls is not modelled",
                trace.label()
            );
            reply["split_stream"] == false
        }
        // Not streamed (the fake answers `get_response`).
        Framework::OpenAiAgents => false,
    }
}
