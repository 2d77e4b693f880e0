//! An agent's `output_type` as a scenario writes it (the OpenAI Agents SDK's
//! `Agent(output_type=...)`): a class, `{"name": "FooModel", "parameters": {"summary": null}}`,
//! its fields written as a tool's `parameters` are; the complete JSON Schema the SDK sends
//! (`{"type": "object", ...}`, the SDK's `OutputType` wrapper read as one); or the schema of a
//! type that is no object (`{"type": "array", "items": {"type": "string"}}` for `list[str]`),
//! which the SDK wraps in `{"response": ...}`.

use std::sync::Arc;

use serde::Deserialize;
use serde::de::{Deserializer, Error};
use serde_json::Value;

use super::parameters::ParametersFile;
use crate::design::{Design, InputType, OutputType, Parameters};
use crate::engine::Profile;

/// An agent's `output_type`, checked.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OutputTypeFile(pub(super) Arc<OutputType>);

/// The class form as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Class {
    name: String,
    description: Option<String>,
    parameters: ParametersFile,
}

/// The forms as written: a class first (read in file order: its fields' order is the class's).
#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Class(Class),
    Schema(Value),
}

impl<'de> Deserialize<'de> for OutputTypeFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let form = "`output_type` is a class {\"name\": ..., \"parameters\": its fields as a tool's}, the complete JSON Schema the SDK sends ({\"type\": \"object\", ...}), or the schema of a type that is no object ({\"type\": \"array\", \"items\": ...}: the SDK wraps it in {\"response\": ...})";
        let output = match Written::deserialize(deserializer)? {
            Written::Class(class) => {
                let Parameters::Listed(_) = class.parameters.0 else {
                    return Err(D::Error::custom(
                        "`output_type.parameters`: a complete schema is given as `output_type` itself (its `title` names the class)",
                    ));
                };
                let class = InputType {
                    name: class.name,
                    description: class.description,
                    parameters: class.parameters.0,
                };
                class
                    .check()
                    .map_err(|e| D::Error::custom(format!("output_type{}: {}", e.path, e.message)))?;
                OutputType::from_schema(class.schema(), true)
            }
            // A class with a mistake: what is wrong with it.
            Written::Schema(value) if value.get("parameters").is_some() => {
                let Err(e) = Class::deserialize(value) else {
                    unreachable!("a class that reads is read as one")
                };
                return Err(D::Error::custom(format!("{e} ({form})")));
            }
            Written::Schema(value) if value.get("type") == Some(&Value::from("object")) => {
                OutputType::from_schema(value, true)
            }
            Written::Schema(value) if ["type", "anyOf", "$ref"].iter().any(|k| value.get(k).is_some()) => {
                OutputType::wrapping(value, true)
            }
            Written::Schema(_) => return Err(D::Error::custom(form)),
        };
        Parameters::Schema(output.schema.clone())
            .check()
            .map_err(|e| D::Error::custom(format!("output_type{}: {}", e.path, e.message)))?;
        Ok(OutputTypeFile(Arc::new(output)))
    }
}

/// The JSON Schema of an `output_type` (for `handoff schema`).
pub(super) fn json_schema() -> Value {
    serde_json::json!({
        "type": "object",
        "description": "openai-agents only: Agent(output_type=...), the agent's structured final output. A class {\"name\", \"description\", \"parameters\"} (its fields as a tool's parameters, framed as the SDK's strict schema of a pydantic model); the complete JSON Schema the SDK sends (\"type\": \"object\"); or the schema of a type that is no object (a list: {\"type\": \"array\", \"items\": ...}), which the SDK wraps in {\"response\": ...}. The schema goes with every request of the agent (text.format, response_format); a text reply is validated as the final output (ModelBehaviorError when it does not fit)."
    })
}

/// Where `design` has an agent with an output type, under a `profile` other than the OpenAI
/// Agents SDK's: the agent's place in the file and the error.
pub(super) fn refused(design: &Design, profile: &Profile) -> Option<(String, String)> {
    if profile.name == Profile::OPENAI_AGENTS.name {
        return None;
    }
    let (a, agent) = design
        .agents()
        .iter()
        .enumerate()
        .find(|(_, a)| a.output_type.is_some())?;
    Some((
        format!("agents[{a}].output_type"),
        format!(
            "`{}` has an output_type, which only `openai-agents` runs (the SDK's `Agent(output_type=...)`); `{}` reads an agent's reply as text",
            agent.name, profile.name
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<OutputType, String> {
        serde_json::from_str::<OutputTypeFile>(text)
            .map(|f| (*f.0).clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_class_a_complete_schema_and_a_wrapped_type() {
        let class = parse(r#"{"name": "FooModel", "parameters": {"summary": null}}"#).unwrap();
        assert_eq!(class.schema["title"], "FooModel");
        assert_eq!(class.schema["required"], serde_json::json!(["summary"]));
        assert!(!class.wrapped);
        let list = parse(r#"{"type": "array", "items": {"type": "string"}}"#).unwrap();
        assert!(list.wrapped);
        let given = parse(r#"{"type": "object", "title": "OutputType", "properties": {"response": {"type": "integer"}}, "required": ["response"]}"#)
            .unwrap();
        assert!(given.wrapped);
        assert!(parse(r#""FooModel""#).unwrap_err().contains("is a class"));
        assert!(parse(r#"{"name": "Foo", "parameters": {"type": "object", "properties": {}}}"#).is_err());
        assert!(parse(r#"{"type": "nothing"}"#).unwrap_err().contains("output_type"));
    }
}
