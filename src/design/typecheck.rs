//! Whether a JSON value fits a parameter's JSON Schema: the checks a scripted call's
//! arguments and a parameter's `default` pass at load time. It reads the keywords the
//! frameworks emit for function parameters (`type`, `enum`, `const`, `items`, `properties`,
//! `required`, `additionalProperties`, `anyOf`, `oneOf`, `allOf`, local `$ref`s); formats,
//! bounds and patterns are the framework's business, not a typo the harness can catch.

use serde_json::Value;

use crate::files::json_key;

/// A value that does not fit its schema: where (a JSON path below the value, `""` for the
/// value itself, `.steps[0].title` below it) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// JSON path below the checked value.
    pub(crate) path: String,
    /// What is wrong: `expected an integer, got "seven"`.
    pub(crate) message: String,
}

/// How many `$ref`s and nested schemas one check follows before it gives up (a `$ref` cycle
/// that never descends into the value would otherwise never end).
const MAX_DEPTH: usize = 128;

/// Checks `value` against `schema`; `root` is the document its `$ref`s point into.
pub(crate) fn fits(root: &Value, schema: &Value, value: &Value) -> Result<(), Mismatch> {
    let mut path = String::new();
    check(root, schema, value, &mut path, 0).map_err(|message| Mismatch { path, message })
}

/// Resolves a local reference (`#`, `#/$defs/Plan`) in `root`.
pub(crate) fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    // A JSON pointer; `#/$defs/a%20b` percent-encoding is not used by the frameworks.
    root.pointer(pointer)
}

/// The JSON type names a value has: an integer is also a number.
fn is(kind: &str, value: &Value) -> bool {
    match kind {
        "string" => value.is_string(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0) && value.is_number(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

/// "an integer", "a string or null".
fn article(kind: &str) -> String {
    match kind {
        "integer" | "array" | "object" => format!("an {kind}"),
        "null" => "null".into(),
        other => format!("a {other}"),
    }
}

/// The value for a message, cut short when long.
pub(crate) fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

fn check(root: &Value, schema: &Value, value: &Value, path: &mut String, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "the schema nests deeper than {MAX_DEPTH} levels here (a `$ref` cycle?)"
        ));
    }
    let schema = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return Err(format!("no value is allowed here, got {}", shown(value))),
        Value::Object(schema) => schema,
        _ => return Ok(()),
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str)
        && let Some(target) = resolve(root, reference)
    {
        check(root, target, value, path, depth + 1)?;
    }
    match schema.get("type") {
        Some(Value::String(kind)) if !is(kind, value) => {
            return Err(format!("expected {}, got {}", article(kind), shown(value)));
        }
        Some(Value::Array(kinds)) if !kinds.iter().filter_map(Value::as_str).any(|k| is(k, value)) => {
            let names: Vec<String> = kinds.iter().filter_map(Value::as_str).map(article).collect();
            return Err(format!("expected {}, got {}", names.join(" or "), shown(value)));
        }
        _ => {}
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        let listed: Vec<String> = allowed.iter().map(shown).collect();
        return Err(format!("expected one of {}, got {}", listed.join(", "), shown(value)));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        return Err(format!("expected {}, got {}", shown(constant), shown(value)));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = schema.get(key)
            && !options.is_empty()
            && !options
                .iter()
                .any(|option| check(root, option, value, &mut path.clone(), depth + 1).is_ok())
        {
            // The first option's complaint says what was expected, at the value's own place.
            let why = options
                .iter()
                .find_map(|option| check(root, option, value, &mut String::new(), depth + 1).err())
                .unwrap_or_default();
            return Err(format!("fits none of the `{key}` schemas (first: {why})"));
        }
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for option in all {
            check(root, option, value, path, depth + 1)?;
        }
    }
    match value {
        Value::Array(items) => {
            if let Some(each) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    check(root, each, item, path, depth + 1)?;
                    path.truncate(len);
                }
            }
        }
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = schema.get("required")
                && let Some(missing) = required
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|name| !fields.contains_key(*name))
            {
                return Err(format!("missing property `{missing}`"));
            }
            for (name, field) in fields {
                let declared = properties.and_then(|p| p.get(name));
                let len = path.len();
                path.push_str(&json_key(name));
                match (declared, schema.get("additionalProperties")) {
                    (Some(declared), _) => check(root, declared, field, path, depth + 1)?,
                    (None, Some(Value::Bool(false))) => {
                        return Err(format!("`{name}` is not a property of this object"));
                    }
                    (None, Some(other @ Value::Object(_))) => check(root, other, field, path, depth + 1)?,
                    (None, _) => {}
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fit(schema: Value, value: Value) -> Result<(), (String, String)> {
        fits(&schema, &schema, &value).map_err(|m| (m.path, m.message))
    }

    #[test]
    fn types_are_checked_with_the_value_shown() {
        assert_eq!(
            fit(json!({"type": "integer"}), json!("seven")),
            Err((String::new(), "expected an integer, got \"seven\"".into()))
        );
        assert!(fit(json!({"type": "integer"}), json!(7)).is_ok());
        assert!(fit(json!({"type": "integer"}), json!(7.5)).is_err());
        assert!(fit(json!({"type": "number"}), json!(7)).is_ok());
        assert!(fit(json!({"type": "boolean"}), json!("true")).is_err());
        assert_eq!(
            fit(json!({"type": ["string", "null"]}), json!(1)).unwrap_err().1,
            "expected a string or null, got 1"
        );
        assert!(fit(json!(true), json!({"any": 1})).is_ok());
        assert!(fit(json!(false), json!(1)).is_err());
    }

    #[test]
    fn enums_arrays_and_objects_are_checked_inside_with_the_path() {
        let labels = json!({"type": "array", "items": {"type": "string", "enum": ["bug", "feature"]}});
        assert!(fit(labels.clone(), json!(["bug"])).is_ok());
        assert_eq!(
            fit(labels, json!(["bug", "bugs"])),
            Err((
                "[1]".into(),
                "expected one of \"bug\", \"feature\", got \"bugs\"".into()
            ))
        );
        let plan = json!({
            "$defs": {"Step": {"type": "object", "properties": {"title": {"type": "string"}},
                               "required": ["title"], "additionalProperties": false}},
            "type": "object",
            "properties": {"steps": {"type": "array", "items": {"$ref": "#/$defs/Step"}}}
        });
        assert!(fit(plan.clone(), json!({"steps": [{"title": "a"}]})).is_ok());
        assert_eq!(
            fit(plan.clone(), json!({"steps": [{"title": 3}]})),
            Err((".steps[0].title".into(), "expected a string, got 3".into()))
        );
        assert_eq!(
            fit(plan.clone(), json!({"steps": [{}]})).unwrap_err().1,
            "missing property `title`"
        );
        assert_eq!(
            fit(plan, json!({"steps": [{"title": "a", "x": 1}]})).unwrap_err().1,
            "`x` is not a property of this object"
        );
    }

    #[test]
    fn any_of_takes_any_option_and_a_ref_cycle_ends() {
        let optional = json!({"anyOf": [{"type": "integer"}, {"type": "null"}]});
        assert!(fit(optional.clone(), json!(null)).is_ok());
        assert!(fit(optional.clone(), json!(3)).is_ok());
        assert!(
            fit(optional, json!("x"))
                .unwrap_err()
                .1
                .starts_with("fits none of the `anyOf` schemas (first: expected an integer")
        );
        let cycle = json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"});
        assert!(fit(cycle, json!(1)).unwrap_err().1.contains("`$ref` cycle"));
    }
}
