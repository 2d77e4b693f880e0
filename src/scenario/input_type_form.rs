//! A handoff edge's `input_type` as a scenario writes it: the class the OpenAI Agents SDK's
//! `handoff(agent, input_type=..., on_handoff=...)` validates the transfer's arguments with,
//! `{"name": "EscalationData", "description": "...", "parameters": {...}}`, its fields written
//! as a tool's `parameters` are (the shorthand, or the complete JSON Schema alone).

use std::sync::Arc;

use serde::Deserialize;
use serde::de::{Deserializer, Error};

use super::parameters::ParametersFile;
use crate::design::{InputType, Parameters};

/// An edge's `input_type`, checked for its form (the fields' schemas are checked with the
/// design).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct InputTypeFile(pub(super) Arc<InputType>);

/// The object as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    name: Option<String>,
    description: Option<String>,
    parameters: ParametersFile,
}

impl<'de> Deserialize<'de> for InputTypeFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read as written (a `Value` would sort the fields), then checked.
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let value: serde_json::Value = serde_json::from_str(raw.get()).map_err(D::Error::custom)?;
        if let Some(error) = nullable_root(&value["parameters"]) {
            return Err(D::Error::custom(format!(
                "`input_type` is a class the SDK cannot make a strict schema of: `handoff(agent, input_type=...)` raises `UserError: {error}` when the app declares the handoff (a nullable class, `Foo | None`, has no object at its root)"
            )));
        }
        let written: Written = serde_json::from_str(raw.get()).map_err(|e| {
            D::Error::custom(format!(
                "{e} (`input_type` is {{\"name\": the class, \"description\": its docstring, \"parameters\": its fields as a tool's parameters}})"
            ))
        })?;
        let input = match written.parameters.0 {
            Parameters::Schema(schema) => {
                if written.name.is_some() || written.description.is_some() {
                    return Err(D::Error::custom(
                        "`input_type`: a complete schema names and describes the class itself (its `title` and `description`, sent as given); give `parameters` alone",
                    ));
                }
                InputType::from_schema(schema)
            }
            listed => {
                let Some(name) = written.name.filter(|n| !n.is_empty()) else {
                    return Err(D::Error::custom(
                        "`input_type` needs the class's `name` (the schema's `title`, as pydantic writes it)",
                    ));
                };
                InputType {
                    name,
                    description: written.description,
                    parameters: listed,
                }
            }
        };
        Ok(InputTypeFile(Arc::new(input)))
    }
}

/// The error the SDK's `ensure_strict_json_schema` raises for a complete schema whose root is
/// no plain object (`_ensure_strict_root`): a root `anyOf` (pydantic's schema of `Foo | None`),
/// or a type list with `object` and more.
fn nullable_root(schema: &serde_json::Value) -> Option<String> {
    if schema.get("anyOf").is_some_and(serde_json::Value::is_array) {
        return Some("The root of a strict JSON schema must not use `anyOf`.".into());
    }
    let types = schema.get("type")?.as_array()?;
    (types.iter().any(|t| t == "object") && types.len() > 1).then(|| {
        let listed: Vec<String> = types.iter().map(|t| format!("'{}'", t.as_str().unwrap_or_default())).collect();
        format!(
            "The root of a strict JSON schema must be a non-nullable object, but its type is [{}]. Make the root a plain object, or update the function or output tool to not use a strict schema.",
            listed.join(", ")
        )
    })
}

/// The JSON Schema of an `input_type` (for `handoff schema`).
pub(super) fn json_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "description": "openai-agents only: handoff(agent, input_type=..., on_handoff=...): the class the transfer's arguments are validated with. `parameters`: its fields, as a tool's parameters (shorthand, with `name`, the class, and `description`, its docstring; or the complete JSON Schema alone). The transfer function is offered with the SDK's strict schema of the class; a scripted handoff gives its `args`.",
        "properties": {
            "name": { "type": "string", "description": "The class's name: the schema's title." },
            "description": { "type": ["string", "null"], "description": "The class's docstring: the schema's description (none when the class has none)." },
            "parameters": { "$ref": "#/$defs/Parameters" }
        },
        "required": ["parameters"],
        "additionalProperties": false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<InputType, String> {
        serde_json::from_str::<InputTypeFile>(text)
            .map(|f| (*f.0).clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_class_is_its_name_docstring_and_fields() {
        let t = parse(r#"{"name": "EscalationData", "description": "Why.", "parameters": {"reason": null, "priority": {"type": "integer"}}}"#)
            .unwrap();
        assert_eq!(
            (t.name.as_str(), t.description.as_deref()),
            ("EscalationData", Some("Why."))
        );
        assert_eq!(t.parameters.names().collect::<Vec<_>>(), ["reason", "priority"]);
        assert_eq!(t.schema()["title"], "EscalationData");
    }

    #[test]
    fn a_complete_schema_stands_alone_and_the_shorthand_needs_a_name() {
        let t =
            parse(r#"{"parameters": {"type": "object", "title": "Foo", "properties": {}, "required": []}}"#).unwrap();
        assert_eq!(t.name, "Foo");
        let e = parse(r#"{"name": "Foo", "parameters": {"type": "object", "properties": {}}}"#).unwrap_err();
        assert!(e.contains("give `parameters` alone"), "{e}");
        let e = parse(r#"{"parameters": {"reason": null}}"#).unwrap_err();
        assert!(e.contains("needs the class's `name`"), "{e}");
        let e = parse(r#"{"name": "Foo", "fields": {}}"#).unwrap_err();
        assert!(e.contains("unknown field `fields`"), "{e}");
        // `Foo | None`, as pydantic writes it: the SDK refuses it when the handoff is declared.
        let nullable = r##"{"parameters": {"$defs": {"Foo": {"type": "object", "properties": {"bar": {"type": "string"}}}},
            "anyOf": [{"$ref": "#/$defs/Foo"}, {"type": "null"}]}}"##;
        let e = parse(nullable).unwrap_err();
        assert!(
            e.contains("UserError: The root of a strict JSON schema must not use `anyOf`."),
            "{e}"
        );
        let e = parse(r#"{"parameters": {"type": ["object", "null"], "properties": {}}}"#).unwrap_err();
        assert!(e.contains("but its type is ['object', 'null']"), "{e}");
    }
}
