//! A tool's `parameters` as a scenario writes them: the shorthand, each parameter by name
//! with a description (a required string) or its own JSON Schema; or the complete JSON Schema
//! of the arguments object (an object whose `type` is `"object"`), kept exactly as given.

use serde::de::{Deserialize, Deserializer, Error};
use serde_json::{Map, Value};

use crate::design::{Parameter, Parameters};
use crate::files::OrderedMap;

/// The `parameters` of a tool in a scenario or design file.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ParametersFile(pub(super) Parameters);

impl<'de> Deserialize<'de> for ParametersFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // In file order, a key given twice refused (as every object of the file).
        let pairs = OrderedMap::<Value>::deserialize(deserializer)?.0;
        if pairs.iter().any(|(key, value)| key == "type" && value == "object") {
            return Ok(ParametersFile(Parameters::Schema(Value::Object(
                pairs.into_iter().collect(),
            ))));
        }
        let mut list = Vec::with_capacity(pairs.len());
        for (name, value) in pairs {
            list.push(match value {
                Value::Null => Parameter::string(name, ""),
                Value::String(description) => Parameter::string(name, description),
                Value::Object(schema) => shorthand(name, schema).map_err(D::Error::custom)?,
                other => {
                    return Err(D::Error::custom(format!(
                        "`{name}`: expected a description (a string or null) or the parameter's JSON Schema (an object), got {other}"
                    )));
                }
            });
        }
        Ok(ParametersFile(Parameters::Listed(list)))
    }
}

/// A parameter given by its schema; `"required": false` (or a `default`) makes it optional.
/// `required` as an array is JSON Schema's own (the required properties of an object
/// parameter) and stays in the schema.
fn shorthand(name: String, mut schema: Map<String, Value>) -> Result<Parameter, String> {
    let required = match schema.get("required") {
        None | Some(Value::Array(_)) => !schema.contains_key("default"),
        Some(Value::Bool(required)) => {
            let required = *required;
            schema.remove("required");
            required
        }
        Some(other) => {
            return Err(format!(
                "`{name}`: `required` is true or false (whether a call must give the parameter), or an object parameter's required properties, got {other}"
            ));
        }
    };
    Ok(Parameter { name, schema, required })
}

/// A tool's parameters: the shorthand, or a complete JSON Schema.
impl schemars::JsonSchema for ParametersFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Parameters".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The tool's parameters. Shorthand: each parameter by name, with its description (a required string; `null`: no description) or its own JSON Schema (`{\"type\": \"integer\"}`; optional with `\"required\": false` or a `default`). Or the complete JSON Schema of the arguments, as the framework emits it (`{\"type\": \"object\", \"properties\": ..., \"required\": [...]}`), sent exactly as given.",
            "anyOf": [
                {
                    "type": "object",
                    "properties": {
                        "type": { "const": "object" },
                        "properties": { "type": "object", "additionalProperties": { "type": ["object", "boolean"] } },
                        "required": { "type": "array", "items": { "type": "string" } }
                    },
                    "required": ["type"]
                },
                {
                    "type": "object",
                    "additionalProperties": {
                        "anyOf": [
                            { "type": ["string", "null"] },
                            {
                                "type": "object",
                                "properties": { "required": { "type": ["boolean", "array"] } }
                            }
                        ]
                    }
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Result<Parameters, String> {
        serde_json::from_str::<ParametersFile>(text)
            .map(|p| p.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_string_shorthand_is_required_strings() {
        let p = parse(r#"{"order_id": "The order id", "email": null}"#).unwrap();
        assert_eq!(
            p,
            Parameters::Listed(vec![
                Parameter::string("order_id", "The order id"),
                Parameter::string("email", "")
            ])
        );
    }

    #[test]
    fn typed_shorthand_is_optional_with_a_default_or_required_false() {
        let p = parse(
            r#"{"max": {"type": "integer"}, "limit": {"type": "integer", "default": 5},
                "note": {"type": "string", "required": false}, "n": {"type": "number", "default": 1, "required": true}}"#,
        )
        .unwrap();
        assert_eq!(p.required().collect::<Vec<_>>(), ["max", "n"]);
        let Parameters::Listed(list) = p else { panic!() };
        assert_eq!(Value::Object(list[2].schema.clone()), json!({"type": "string"}));
    }

    #[test]
    fn an_object_typed_object_is_the_full_schema_kept_as_given() {
        let text = r#"{"type": "object", "properties": {"max": {"type": "integer", "title": "Max"}},
                       "required": ["max"], "additionalProperties": false, "title": "t_args"}"#;
        let p = parse(text).unwrap();
        assert_eq!(p, Parameters::Schema(serde_json::from_str(text).unwrap()));
        // A parameter named `type` described in words is still shorthand.
        assert!(matches!(
            parse(r#"{"type": "The type"}"#).unwrap(),
            Parameters::Listed(_)
        ));
    }

    #[test]
    fn other_values_and_repeats_are_refused_naming_the_parameter() {
        let error = parse(r#"{"max": 7}"#).unwrap_err();
        assert!(
            error.starts_with(
                "`max`: expected a description (a string or null) or the parameter's JSON Schema (an object), got 7"
            ),
            "{error}"
        );
        let error = parse(r#"{"max": {"type": "integer", "required": "yes"}}"#).unwrap_err();
        assert!(error.contains("`required` is true or false"), "{error}");
        // An object parameter's own `required` list is JSON Schema's, kept.
        let plan =
            parse(r#"{"plan": {"type": "object", "properties": {"tasks": {"type": "array"}}, "required": ["tasks"]}}"#)
                .unwrap();
        assert_eq!(plan.required().collect::<Vec<_>>(), ["plan"]);
        assert_eq!(plan.schema_of("plan").unwrap()["required"], json!(["tasks"]));
        assert!(
            parse(r#"{"a": null, "a": null}"#)
                .unwrap_err()
                .contains("`a` is given twice")
        );
    }
}
