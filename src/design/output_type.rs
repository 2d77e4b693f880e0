//! An agent's structured output: the OpenAI Agents SDK's `Agent(output_type=...)`. The SDK
//! sends the type's JSON schema with every request of the agent (the Responses API's
//! `text.format`, Chat Completions' `response_format`), reads the agent's text reply as JSON
//! of the type (pydantic, strict; a field the class does not know is ignored) and makes it the
//! run's final output, or raises `ModelBehaviorError`. A type that is no JSON object (a
//! `list[str]`) is wrapped, as the SDK's `AgentOutputSchema` does, in `{"response": ...}`.

use serde_json::{Map, Value, json};

use super::typecheck;

/// What the SDK raises for a reply that is not JSON of the type (`_json.validate_json`; under
/// its default `OPENAI_AGENTS_DONT_LOG_MODEL_DATA` the message names no data).
pub const INVALID_OUTPUT: &str = "ModelBehaviorError: Invalid JSON when parsing model output";

/// What the SDK raises for an error handler's final output that is not of the type
/// (`validate_handler_final_output`).
pub const INVALID_HANDLER_OUTPUT: &str = "UserError: Invalid run error handler final_output for structured output.";

/// The key the SDK wraps a type that is no JSON object under (`_WRAPPER_DICT_KEY`).
const WRAPPER_KEY: &str = "response";

/// An agent's `output_type`, as the SDK's `AgentOutputSchema` holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputType {
    /// The JSON schema the SDK sends (the wrapper's, for a wrapped type).
    pub schema: Value,
    /// Whether the schema is strict (`AgentOutputSchema(T, strict_json_schema=...)`, default
    /// `true`): the request says so, and the reply is validated strictly.
    pub strict: bool,
    /// Whether the type is wrapped in `{"response": ...}` (a type that is no JSON object).
    pub wrapped: bool,
}

impl OutputType {
    /// A type given by the complete schema the SDK sends; the SDK's wrapper (titled
    /// `OutputType`, its one property `response`) is read as a wrapped type.
    pub fn from_schema(schema: Value, strict: bool) -> OutputType {
        let properties = schema.get("properties").and_then(Value::as_object);
        let wrapped = schema.get("title").and_then(Value::as_str) == Some("OutputType")
            && properties.is_some_and(|p| p.len() == 1 && p.contains_key(WRAPPER_KEY));
        OutputType {
            schema,
            strict,
            wrapped,
        }
    }

    /// A type that is no JSON object, `inner` its schema (`{"type": "array", "items":
    /// {"type": "string"}}` for `list[str]`), wrapped as the SDK wraps it: a `TypedDict`
    /// `OutputType` with the one field `response`, made strict.
    pub fn wrapping(inner: Value, strict: bool) -> OutputType {
        let mut inner = inner;
        if let Value::Object(object) = &mut inner
            && !object.contains_key("title")
            && !object.contains_key("$ref")
        {
            object.insert("title".into(), "Response".into());
        }
        let mut schema = json!({
            "type": "object",
            "title": "OutputType",
            "properties": { WRAPPER_KEY: inner },
            "required": [WRAPPER_KEY],
        });
        if strict {
            schema["additionalProperties"] = false.into();
        }
        OutputType {
            schema,
            strict,
            wrapped: true,
        }
    }

    /// What both APIs carry of it, as `handoff serve` compares it: `{"name": "final_output",
    /// "schema": ..., "strict": ...}` (the Responses API's `text.format` without its `type`,
    /// Chat Completions' `response_format.json_schema`).
    pub fn wire(&self) -> Value {
        json!({ "name": "final_output", "schema": self.schema, "strict": self.strict })
    }

    /// The Responses API's `text` of the agent's requests.
    pub fn text_format(&self) -> Value {
        json!({ "format": {
            "type": "json_schema",
            "name": "final_output",
            "schema": self.schema,
            "strict": self.strict,
        } })
    }

    /// Chat Completions' `response_format` of the agent's requests.
    pub fn response_format(&self) -> Value {
        json!({ "type": "json_schema", "json_schema": {
            "name": "final_output",
            "strict": self.strict,
            "schema": self.schema,
        } })
    }

    /// The final output a text reply gives (`AgentOutputSchema.validate_json`): the JSON
    /// validated against the type and unwrapped; else why not (for a note).
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
        self.validated(&value)
    }

    /// An error handler's final output as the SDK takes it (`validate_handler_final_output`,
    /// then `format_final_output_text`): the value of the type (a wrapped type's value is
    /// wrapped first, unless it is already) and the text of the message the SDK writes, the
    /// pydantic dump of it (compact, in the type's field order).
    pub fn handler_output(&self, value: &Value) -> Result<(Value, String), String> {
        let payload = match value {
            Value::Object(o) if self.wrapped && o.contains_key(WRAPPER_KEY) => value.clone(),
            _ if self.wrapped => json!({ WRAPPER_KEY: value }),
            _ => value.clone(),
        };
        let output = self.validated(&payload)?;
        let dumped = match self.wrapped {
            true => json!({ WRAPPER_KEY: output.clone() }),
            false => output.clone(),
        };
        let mut text = String::new();
        dump(&self.schema, &self.schema, &dumped, &mut text, 0);
        Ok((output, text))
    }

    /// `value` checked against the schema, without the fields the type does not know
    /// (pydantic ignores them), unwrapped.
    fn validated(&self, value: &Value) -> Result<Value, String> {
        let lenient = without_closed_objects(&self.schema);
        typecheck::fits(&lenient, &lenient, value).map_err(|m| match m.path.is_empty() {
            true => m.message,
            false => format!("{}: {}", m.path, m.message),
        })?;
        if self.strict
            && let Some(place) = float_for_integer(&lenient, &lenient, value, 0)
        {
            return Err(format!("{place}: a float where the type has an integer (strict)"));
        }
        let ordered = in_field_order(&self.schema, &self.schema, value, 0);
        Ok(match (self.wrapped, ordered) {
            (true, Value::Object(mut o)) => o.remove(WRAPPER_KEY).unwrap_or(Value::Null),
            (_, ordered) => ordered,
        })
    }
}

/// How deep the walks below follow nested schemas and `$ref`s.
const MAX_DEPTH: usize = 64;

/// The schema with every `"additionalProperties": false` taken out: pydantic ignores the
/// fields a class does not know, whatever the strict schema sent says.
fn without_closed_objects(schema: &Value) -> Value {
    match schema {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, v)| !(k.as_str() == "additionalProperties" && **v == Value::Bool(false)))
                .map(|(k, v)| (k.clone(), without_closed_objects(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_closed_objects).collect()),
        other => other.clone(),
    }
}

/// The schema `schema` stands for (its local `$ref` followed).
fn resolved<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => typecheck::resolve(root, reference).unwrap_or(schema),
        None => schema,
    }
}

/// Where `value` has a JSON float for a field of type `integer` (pydantic's strict mode
/// refuses `2.0` for an `int`), if anywhere.
fn float_for_integer(root: &Value, schema: &Value, value: &Value, depth: usize) -> Option<String> {
    let schema = resolved(root, schema);
    if depth > MAX_DEPTH {
        return None;
    }
    if schema.get("type").and_then(Value::as_str) == Some("integer") && value.is_f64() {
        return Some("the value".into());
    }
    match value {
        Value::Object(fields) => {
            let properties = schema.get("properties")?.as_object()?;
            fields.iter().find_map(|(name, field)| {
                let below = float_for_integer(root, properties.get(name)?, field, depth + 1)?;
                Some(format!("`{name}`{}", below.strip_prefix("the value").unwrap_or(&below)))
            })
        }
        Value::Array(items) => {
            let each = schema.get("items")?;
            items
                .iter()
                .find_map(|item| float_for_integer(root, each, item, depth + 1))
        }
        _ => None,
    }
}

/// `value` as pydantic gives it back: without the fields its class does not declare (where
/// the schema declares `properties`).
fn in_field_order(root: &Value, schema: &Value, value: &Value, depth: usize) -> Value {
    let schema = resolved(root, schema);
    if depth > MAX_DEPTH {
        return value.clone();
    }
    match value {
        Value::Object(fields) => match schema.get("properties").and_then(Value::as_object) {
            Some(properties) => Value::Object(
                fields
                    .iter()
                    .filter_map(|(name, field)| {
                        let below = in_field_order(root, properties.get(name)?, field, depth + 1);
                        Some((name.clone(), below))
                    })
                    .collect::<Map<String, Value>>(),
            ),
            None => value.clone(),
        },
        Value::Array(items) => match schema.get("items") {
            Some(each) => Value::Array(
                items
                    .iter()
                    .map(|item| in_field_order(root, each, item, depth + 1))
                    .collect(),
            ),
            None => value.clone(),
        },
        other => other.clone(),
    }
}

/// `value` as pydantic's `dump_json` writes it: compact, an object's fields in its class's
/// order. A strict schema requires every field, and pydantic lists `required` in field order;
/// fields it does not require follow, by name.
fn dump(root: &Value, schema: &Value, value: &Value, out: &mut String, depth: usize) {
    let schema = resolved(root, schema);
    match value {
        Value::Object(fields) if depth <= MAX_DEPTH => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let required: Vec<&str> = match schema.get("required") {
                Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let rest = fields.keys().map(String::as_str).filter(|k| !required.contains(k));
            out.push('{');
            let names = required.iter().copied().filter(|k| fields.contains_key(*k)).chain(rest);
            for (i, name) in names.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(name).to_string());
                out.push(':');
                let below = properties.and_then(|p| p.get(name)).unwrap_or(&Value::Bool(true));
                dump(root, below, &fields[name], out, depth + 1);
            }
            out.push('}');
        }
        Value::Array(items) if depth <= MAX_DEPTH => {
            let each = schema.get("items").unwrap_or(&Value::Bool(true));
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                dump(root, each, item, out, depth + 1);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foo_model() -> OutputType {
        OutputType::from_schema(
            json!({"type": "object", "title": "FooModel", "properties": {"summary": {"title": "Summary", "type": "string"}},
                   "required": ["summary"], "additionalProperties": false}),
            true,
        )
    }

    #[test]
    fn a_reply_is_validated_strictly_and_extra_fields_are_ignored() {
        let t = foo_model();
        assert!(!t.wrapped);
        assert_eq!(t.parse(r#"{"summary": "ok", "x": 1}"#), Ok(json!({"summary": "ok"})));
        assert!(t.parse(r#"{"summary": 1}"#).unwrap_err().contains("expected a string"));
        assert!(t.parse("not json").unwrap_err().starts_with("not JSON"));
        assert!(t.parse("{}").unwrap_err().contains("missing property `summary`"));
        let counted = OutputType::from_schema(
            json!({"type": "object", "properties": {"n": {"type": "integer"}}}),
            true,
        );
        assert!(counted.parse(r#"{"n": 2.0}"#).unwrap_err().contains("`n`"));
        assert!(counted.parse(r#"{"n": 2}"#).is_ok());
    }

    #[test]
    fn a_list_is_wrapped_in_response_as_the_sdk_wraps_it() {
        let t = OutputType::wrapping(json!({"type": "array", "items": {"type": "string"}}), true);
        assert!(t.wrapped);
        assert_eq!(t.schema["properties"]["response"]["title"], "Response");
        assert_eq!(
            t.handler_output(&json!(["a", "b"])),
            Ok((json!(["a", "b"]), r#"{"response":["a","b"]}"#.to_string()))
        );
        assert_eq!(t.handler_output(&json!({"response": ["a"]})).unwrap().0, json!(["a"]));
        assert_eq!(t.parse(r#"{"response": ["x"]}"#), Ok(json!(["x"])));
        assert_eq!(OutputType::from_schema(t.schema.clone(), true), t);
    }

    #[test]
    fn a_handler_output_is_dumped_in_field_order_or_refused() {
        let t = OutputType::from_schema(
            json!({"type": "object", "properties": {"b": {"type": "string"}, "a": {"type": "boolean"}}, "required": ["b", "a"]}),
            true,
        );
        assert_eq!(
            t.handler_output(&json!({"a": true, "b": "x"})).unwrap().1,
            r#"{"b":"x","a":true}"#
        );
        assert!(foo_model().handler_output(&json!({"nope": 1})).is_err());
        assert_eq!(t.text_format()["format"]["name"], "final_output");
        assert_eq!(t.response_format()["json_schema"]["strict"], true);
    }
}
