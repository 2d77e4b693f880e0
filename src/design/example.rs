//! Arguments a function's JSON schema accepts, made up: what `handoff serve`'s exploration
//! calls an app's functions with, and what a confused model in `handoff fuzz` hands off with
//! when the transfer takes arguments (a handoff's `input_type`).

use serde_json::{Map, Value};

/// Arguments the JSON schema `parameters` accepts: every property, each a value of its type
/// (the first of an `enum`; strings `"1"` for identifiers, else `"example"`).
pub fn example_arguments(parameters: &Value) -> Map<String, Value> {
    let mut args = Map::new();
    if let Some(properties) = parameters["properties"].as_object() {
        for (key, schema) in properties {
            args.insert(key.clone(), example(key, schema));
        }
    }
    args
}

fn example(key: &str, schema: &Value) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .and_then(Value::as_str)
            .unwrap_or("string"),
        Value::String(kind) => kind.as_str(),
        _ => match schema["anyOf"]
            .as_array()
            .and_then(|o| o.iter().find(|s| s["type"] != "null"))
        {
            Some(option) => return example(key, option),
            None => "string",
        },
    };
    match kind {
        "integer" => 1.into(),
        "number" => 1.5.into(),
        "boolean" => true.into(),
        "array" => Value::Array(vec![example(key, &schema["items"])]),
        "object" => Value::Object(example_arguments(schema)),
        _ if key.to_lowercase().ends_with("id") => "1".into(),
        _ => "example".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn example_arguments_follow_the_schema() {
        let schema = json!({"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["window", "aisle"]},
            "count": {"type": "integer"},
            "price": {"type": ["number", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "flight_id": {"type": "string"},
            "note": {"anyOf": [{"type": "null"}, {"type": "boolean"}]},
            "address": {"type": "object", "properties": {"city": {"type": "string"}}}
        }});
        assert_eq!(
            Value::Object(example_arguments(&schema)),
            json!({"kind": "window", "count": 1, "price": 1.5, "tags": ["example"], "flight_id": "1",
                   "note": true, "address": {"city": "example"}})
        );
    }
}
