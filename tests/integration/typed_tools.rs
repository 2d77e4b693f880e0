//! Typed tool parameters against what the real frameworks send: a tool written in the
//! scenario's shorthand is offered, under each profile, as its framework offered the same
//! Python function (`tests/data/typed-tools.json`, captured from Semantic Kernel, Agent
//! Framework and the OpenAI Agents SDK); the framework's complete schema is offered as given.

use handoff_harness::Scenario;
use handoff_harness::engine::Profile;
use serde_json::{Value, json};

use crate::support::root;

fn captured(profile: &str) -> Value {
    let text = std::fs::read_to_string(root().join("tests/data/typed-tools.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()[profile].clone()
}

/// The tool as `profile` offers it, its parameters as given.
fn offered(profile: &str, parameters: &Value) -> Value {
    let scenario = json!({
        "agents": [{"name": "A", "instructions": "be",
                    "tools": [{"plugin": "TypedPlugin", "name": "typed_tool", "description": "Do a typed thing.",
                               "parameters": parameters, "result": "ok"}]},
                   {"name": "B", "instructions": "be"}],
        "handoffs": {"A": {"B": "to B"}}
    });
    let profile = Profile::named(profile).unwrap();
    let scenario = Scenario::parse_under(&scenario.to_string(), "typed.json", None, Some(profile)).unwrap();
    let id = scenario.design.find("A").unwrap();
    scenario.design.tools(id)[0].json_schema()
}

/// Each framework's parameters of `typed_tool` that the shorthand writes, as a user of that
/// framework writes them (a docstring's description is the SDK's alone; an `Enum` class is
/// `$ref`ed by pydantic, a `Literal` is an object to Semantic Kernel).
fn shorthand(profile: &str) -> Value {
    let mut parameters = json!({
        "flag": {"type": "boolean"},
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "note": "A note (Annotated str)",
        "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": null},
        "greeting": {"type": "string", "default": "hello"}
    });
    let more = match profile {
        "semantic-kernel" => {
            json!({"count": {"type": "integer"}, "color": {"type": "string", "enum": ["red", "green"]}})
        }
        "agent-framework" => {
            json!({"count": {"type": "integer"}, "mode": {"type": "string", "enum": ["fast", "slow"]}})
        }
        _ => {
            json!({"count": {"type": "integer", "description": "How many."}, "mode": {"type": "string", "enum": ["fast", "slow"]}})
        }
    };
    parameters
        .as_object_mut()
        .unwrap()
        .extend(more.as_object().unwrap().clone());
    parameters
}

#[test]
fn shorthand_parameters_are_offered_as_each_framework_offers_them() {
    for profile in ["semantic-kernel", "agent-framework", "openai-agents"] {
        let real = captured(profile);
        let given = shorthand(profile);
        let ours = offered(profile, &given);
        let names: Vec<&String> = given.as_object().unwrap().keys().collect();
        for name in &names {
            assert_eq!(
                ours["function"]["parameters"]["properties"][name.as_str()],
                real["function"]["parameters"]["properties"][name.as_str()],
                "{profile}: {name}"
            );
        }
        let required = |tool: &Value| -> Vec<String> {
            let mut listed: Vec<String> = tool["function"]["parameters"]["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .filter(|n| names.contains(&n))
                .collect();
            listed.sort();
            listed
        };
        assert_eq!(required(&ours), required(&real), "{profile}: required");
        assert!(required(&ours).len() >= 4, "{profile}");
        for key in ["type", "additionalProperties"] {
            assert_eq!(
                ours["function"]["parameters"][key], real["function"]["parameters"][key],
                "{profile}: {key}"
            );
        }
        assert_eq!(
            ours["function"]["strict"], real["function"]["strict"],
            "{profile}: strict"
        );
        assert_eq!(ours["function"]["name"], real["function"]["name"], "{profile}: name");
        let title = |tool: &Value| tool["function"]["parameters"]["title"].clone();
        assert_eq!(title(&ours), title(&real), "{profile}: title");
    }
}

#[test]
fn the_complete_schema_a_framework_sent_is_offered_exactly_under_its_profile() {
    for profile in ["semantic-kernel", "agent-framework", "openai-agents"] {
        let real = captured(profile);
        let ours = offered(profile, &real["function"]["parameters"]);
        assert_eq!(
            ours["function"]["parameters"], real["function"]["parameters"],
            "{profile}"
        );
    }
}
