//! The typed arguments of a handoff: the OpenAI Agents SDK's `handoff(agent, input_type=...,
//! on_handoff=...)`. The model calls the transfer function with the arguments of a pydantic
//! model or dataclass; the SDK validates them (pydantic, strict) and passes the value to the
//! app's `on_handoff`. The class's fields are written as a tool's parameters are; the function
//! is offered with the strict schema the SDK makes of the class (`TypeAdapter(cls).json_schema()`
//! through `ensure_strict_json_schema`): every field titled and required, no additional
//! properties, the schema titled with the class's name and described by its docstring.

use serde_json::{Map, Value};

use super::parameters::{ParameterError, Parameters};

/// A handoff's `input_type`: the class whose fields the transfer function takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputType {
    /// The class's name, the schema's `title` (`EscalationData`); for a complete schema, its
    /// `title`.
    pub name: String,
    /// The class's docstring, the schema's `description` (pydantic writes it; none when the
    /// class has none).
    pub description: Option<String>,
    /// Its fields, as a tool's parameters: listed (framed as the SDK frames a class) or the
    /// complete JSON Schema, sent as given.
    pub parameters: Parameters,
}

impl InputType {
    /// A class named `name` with these fields and no docstring.
    pub fn new(name: impl Into<String>, parameters: Parameters) -> InputType {
        InputType {
            name: name.into(),
            description: None,
            parameters,
        }
    }

    /// A class given by its complete JSON Schema (as the SDK's `input_json_schema` holds it),
    /// named by its `title`.
    pub fn from_schema(schema: Value) -> InputType {
        let name = schema["title"].as_str().unwrap_or("").to_string();
        InputType {
            name,
            description: None,
            parameters: Parameters::Schema(schema),
        }
    }

    /// The function's `parameters` as the SDK sends them: the listed fields framed strict,
    /// titled with the class's name, described by its docstring; a complete schema as given.
    pub fn schema(&self) -> Value {
        match &self.parameters {
            Parameters::Schema(schema) => schema.clone(),
            Parameters::Listed(list) => {
                let mut schema = super::schema::strict_model(list);
                let object: &mut Map<String, Value> = schema.as_object_mut().expect("an object schema");
                object.insert("title".into(), self.name.clone().into());
                if let Some(description) = &self.description {
                    object.insert("description".into(), description.clone().into());
                }
                schema
            }
        }
    }

    /// Checks the fields as a tool's parameters are checked, and the class's name.
    pub(crate) fn check(&self) -> Result<(), ParameterError> {
        if let Parameters::Listed(_) = self.parameters
            && self.name.is_empty()
        {
            return Err(ParameterError {
                path: ".name".into(),
                message: "the class needs a name (the schema's `title`)".into(),
            });
        }
        self.parameters.check().map_err(|e| ParameterError {
            path: format!(".parameters{}", e.path),
            message: e.message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Parameter;
    use serde_json::json;

    #[test]
    fn listed_fields_are_framed_as_the_sdk_frames_a_pydantic_model() {
        let mut escalation = InputType::new(
            "EscalationData",
            Parameters::Listed(vec![
                Parameter::string("reason", ""),
                Parameter::typed("priority", json!({"type": "integer"}).as_object().unwrap().clone()),
            ]),
        );
        escalation.description = Some("Why and how urgent.".into());
        assert_eq!(
            escalation.schema(),
            json!({
                "type": "object",
                "title": "EscalationData",
                "description": "Why and how urgent.",
                "properties": {
                    "reason": {"type": "string", "title": "Reason"},
                    "priority": {"type": "integer", "title": "Priority"}
                },
                "required": ["reason", "priority"],
                "additionalProperties": false
            })
        );
        assert!(escalation.check().is_ok());
        let unnamed = InputType::new("", Parameters::default());
        assert_eq!(unnamed.check().unwrap_err().path, ".name");
        let given = json!({"type": "object", "title": "Foo", "properties": {}, "required": []});
        let foo = InputType::from_schema(given.clone());
        assert_eq!((foo.name.as_str(), foo.schema()), ("Foo", given));
    }
}
