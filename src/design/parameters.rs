//! A tool's parameters: named parameters, each with its own JSON Schema (a scenario's
//! shorthand, `{"order_id": "The order id", "max": {"type": "integer"}}`), which each
//! framework's dialect frames its way; or the complete JSON Schema of the arguments object,
//! as a framework emitted it, sent exactly as given. Both are checked once, when the design
//! is built: a `required` that names no property or a `$ref` that points nowhere is an error
//! naming its JSON path.

use serde_json::{Map, Value};

use super::typecheck::{fits, resolve, shown};
use crate::files::json_key;

/// A tool's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parameters {
    /// Named parameters, in order, each with its own schema; the framework's dialect adds
    /// the framing (titles, the `required` list, strictness).
    Listed(Vec<Parameter>),
    /// The complete JSON Schema of the arguments object (`{"type": "object", "properties":
    /// ..., "required": [...], "$defs": ...}`), already in the framework's dialect: sent as
    /// given.
    Schema(Value),
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters::Listed(Vec::new())
    }
}

/// One named parameter of [`Parameters::Listed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// Its name (letters, digits, `_`, `-`).
    pub name: String,
    /// Its JSON Schema as written, without a dialect's framing: `{"type": "string",
    /// "description": "The order id"}`, `{"type": "integer", "default": 5}`.
    pub schema: Map<String, Value>,
    /// Whether a call must give it.
    pub required: bool,
}

impl Parameter {
    /// A required string parameter; an empty description is left out.
    pub fn string(name: impl Into<String>, description: impl Into<String>) -> Parameter {
        let mut schema = Map::new();
        schema.insert("type".into(), "string".into());
        let description = description.into();
        if !description.is_empty() {
            schema.insert("description".into(), description.into());
        }
        Parameter {
            name: name.into(),
            schema,
            required: true,
        }
    }

    /// A parameter of any type: required unless its schema has a `default`.
    pub fn typed(name: impl Into<String>, schema: Map<String, Value>) -> Parameter {
        let required = !schema.contains_key("default");
        Parameter {
            name: name.into(),
            schema,
            required,
        }
    }

    /// Its description, or `""`.
    pub fn description(&self) -> &str {
        self.schema.get("description").and_then(Value::as_str).unwrap_or("")
    }
}

/// Something wrong with a tool's parameters: where, as a JSON path below `parameters`
/// (`.properties.plan.$ref`, `.max.type`), and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterError {
    /// JSON path below the tool's `parameters`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The JSON types a schema's `type` may name.
const TYPES: [&str; 7] = ["string", "integer", "number", "boolean", "array", "object", "null"];

impl Parameters {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names().next().is_none()
    }

    /// The parameters' names: listed ones in order, a full schema's in its `properties`.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let (listed, properties) = match self {
            Parameters::Listed(list) => (list.as_slice(), None),
            Parameters::Schema(schema) => (&[][..], schema["properties"].as_object()),
        };
        listed
            .iter()
            .map(|p| p.name.as_str())
            .chain(properties.into_iter().flat_map(|p| p.keys().map(String::as_str)))
    }

    /// The names a call must give.
    pub fn required(&self) -> impl Iterator<Item = &str> {
        let (listed, required) = match self {
            Parameters::Listed(list) => (list.as_slice(), None),
            Parameters::Schema(schema) => (&[][..], schema["required"].as_array()),
        };
        listed
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name.as_str())
            .chain(required.into_iter().flatten().filter_map(Value::as_str))
    }

    /// Whether `name` is a parameter.
    pub fn has(&self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    /// The schema of parameter `name`.
    pub fn schema_of(&self, name: &str) -> Option<Value> {
        match self {
            Parameters::Listed(list) => list
                .iter()
                .find(|p| p.name == name)
                .map(|p| Value::Object(p.schema.clone())),
            Parameters::Schema(schema) => schema["properties"].get(name).cloned(),
        }
    }

    /// The `default` of parameter `name` (following a full schema's `$ref`).
    pub fn default_of(&self, name: &str) -> Option<&Value> {
        match self {
            Parameters::Listed(list) => list.iter().find(|p| p.name == name)?.schema.get("default"),
            Parameters::Schema(schema) => {
                let property = schema["properties"].get(name)?;
                property.get("default").or_else(|| {
                    let target = resolve(schema, property.get("$ref")?.as_str()?)?;
                    target.get("default")
                })
            }
        }
    }

    /// Checks `value` as the argument `name`: a mismatch says where below the argument and
    /// why (`expected an integer, got "seven"`). A name that is not a parameter fits.
    pub fn check_argument(&self, name: &str, value: &Value) -> Result<(), ParameterError> {
        let mismatch = |m: super::typecheck::Mismatch| ParameterError {
            path: m.path,
            message: m.message,
        };
        match self {
            Parameters::Listed(list) => match list.iter().find(|p| p.name == name) {
                Some(p) => {
                    let schema = Value::Object(p.schema.clone());
                    fits(&schema, &schema, value).map_err(mismatch)
                }
                None => Ok(()),
            },
            Parameters::Schema(schema) => match schema["properties"].get(name) {
                Some(property) => fits(schema, property, value).map_err(mismatch),
                None => Ok(()),
            },
        }
    }

    /// Whether the parameter `name` takes a string (a rendered template is then passed as
    /// it is; for any other type it is read as JSON).
    pub fn takes_string(&self, name: &str) -> bool {
        self.check_argument(name, &Value::String(String::new())).is_ok()
    }

    /// Checks that the parameters are a JSON Schema the harness can read: a full schema is an
    /// object schema whose `required` names its properties; every schema inside names known
    /// types, its `$ref`s resolve, and its defaults fit it.
    pub fn check(&self) -> Result<(), ParameterError> {
        match self {
            Parameters::Listed(list) => {
                for p in list {
                    let schema = Value::Object(p.schema.clone());
                    let path = json_key(&p.name);
                    check_schema(&schema, &schema, &path)?;
                }
                Ok(())
            }
            Parameters::Schema(schema) => {
                let error = |path: &str, message: String| {
                    Err(ParameterError {
                        path: path.into(),
                        message,
                    })
                };
                let Some(object) = schema.as_object() else {
                    return error("", format!("expected a JSON Schema object, got {}", shown(schema)));
                };
                if object.get("type") != Some(&Value::from("object")) {
                    return error(
                        ".type",
                        "the arguments of a function are an object: write `\"type\": \"object\"`".into(),
                    );
                }
                check_schema(schema, schema, "")
            }
        }
    }
}

/// Checks one schema (and every schema inside it) at `path`; `root` holds the `$defs`.
fn check_schema(root: &Value, schema: &Value, path: &str) -> Result<(), ParameterError> {
    let error = |at: String, message: String| Err(ParameterError { path: at, message });
    let object = match schema {
        Value::Object(object) => object,
        Value::Bool(_) => return Ok(()),
        other => {
            return error(
                path.into(),
                format!("expected a JSON Schema (an object), got {}", shown(other)),
            );
        }
    };
    // Keywords (`$ref`, `$defs`) are written as they are; names of the user's as JSON keys.
    let at = |keyword: &str| format!("{path}.{keyword}");
    match object.get("type") {
        None => {}
        Some(Value::String(kind)) if TYPES.contains(&kind.as_str()) => {}
        Some(Value::Array(kinds))
            if !kinds.is_empty() && kinds.iter().all(|k| TYPES.contains(&k.as_str().unwrap_or(""))) => {}
        Some(other) => {
            return error(
                at("type"),
                format!("unknown type {}; one of: {}", shown(other), TYPES.join(", ")),
            );
        }
    }
    if let Some(reference) = object.get("$ref") {
        let Some(text) = reference.as_str() else {
            return error(at("$ref"), format!("expected a string, got {}", shown(reference)));
        };
        if !text.starts_with('#') {
            return error(
                at("$ref"),
                format!("`{text}`: only references inside the schema (`#/$defs/...`) can be read"),
            );
        }
        if resolve(root, text).is_none() {
            return error(at("$ref"), format!("`{text}` points nowhere in the schema"));
        }
    }
    if let Some(properties) = object.get("properties") {
        let Some(properties) = properties.as_object() else {
            return error(
                at("properties"),
                format!("expected an object of parameter schemas, got {}", shown(properties)),
            );
        };
        for (name, property) in properties {
            check_schema(root, property, &format!("{}{}", at("properties"), json_key(name)))?;
        }
    }
    if let Some(required) = object.get("required") {
        let names = required.as_array().filter(|names| names.iter().all(Value::is_string));
        let Some(names) = names else {
            return error(
                at("required"),
                format!("expected an array of property names, got {}", shown(required)),
            );
        };
        let properties = object.get("properties").and_then(Value::as_object);
        for (i, name) in names.iter().filter_map(Value::as_str).enumerate() {
            if !properties.is_some_and(|p| p.contains_key(name)) {
                let known: Vec<String> = properties
                    .into_iter()
                    .flat_map(|p| p.keys())
                    .map(|k| format!("`{k}`"))
                    .collect();
                let known = if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                };
                return error(
                    format!("{}[{i}]", at("required")),
                    format!("`{name}` is not a property (properties: {known})"),
                );
            }
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = object.get(key).filter(|v| !v.is_array()) {
            check_schema(root, inner, &at(key))?;
        }
    }
    for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        if let Some(options) = object.get(key) {
            let Some(options) = options.as_array() else {
                return error(at(key), format!("expected an array of schemas, got {}", shown(options)));
            };
            for (i, option) in options.iter().enumerate() {
                check_schema(root, option, &format!("{}[{i}]", at(key)))?;
            }
        }
    }
    for key in ["$defs", "definitions"] {
        if let Some(defs) = object.get(key) {
            let Some(defs) = defs.as_object() else {
                return error(at(key), format!("expected an object of schemas, got {}", shown(defs)));
            };
            for (name, def) in defs {
                check_schema(root, def, &format!("{}{}", at(key), json_key(name)))?;
            }
        }
    }
    if let Some(default) = object.get("default")
        && let Err(m) = fits(root, schema, default)
    {
        return error(at("default"), format!("{}{}", m.message, describe_path(&m.path)));
    }
    Ok(())
}

/// ` (at .a[0])` for a mismatch below a value, or nothing at the value itself.
fn describe_path(path: &str) -> String {
    match path {
        "" => String::new(),
        path => format!(" (at {path})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full(schema: Value) -> Result<(), (String, String)> {
        Parameters::Schema(schema).check().map_err(|e| (e.path, e.message))
    }

    fn typed(name: &str, schema: Value) -> Parameter {
        Parameter::typed(name, schema.as_object().unwrap().clone())
    }

    #[test]
    fn listed_parameters_are_required_unless_they_have_a_default() {
        let p = Parameters::Listed(vec![
            Parameter::string("order_id", "The order id"),
            typed("limit", json!({"type": "integer", "default": 5})),
        ]);
        assert_eq!(p.names().collect::<Vec<_>>(), ["order_id", "limit"]);
        assert_eq!(p.required().collect::<Vec<_>>(), ["order_id"]);
        assert_eq!(p.default_of("limit"), Some(&json!(5)));
        assert!(p.takes_string("order_id"));
        assert!(!p.takes_string("limit"));
        assert_eq!(Parameter::string("a", "d").description(), "d");
        assert!(p.check().is_ok());
    }

    #[test]
    fn a_full_schema_names_its_properties_and_required_ones() {
        let p = Parameters::Schema(json!({
            "type": "object",
            "$defs": {"Label": {"type": "string", "enum": ["bug"], "default": "bug"}},
            "properties": {"issue_id": {"type": "string"}, "label": {"$ref": "#/$defs/Label"}},
            "required": ["issue_id"]
        }));
        assert!(p.check().is_ok());
        assert_eq!(p.names().collect::<Vec<_>>(), ["issue_id", "label"]);
        assert_eq!(p.required().collect::<Vec<_>>(), ["issue_id"]);
        assert_eq!(p.default_of("label"), Some(&json!("bug")));
        let e = p.check_argument("label", &json!("feature")).unwrap_err();
        assert_eq!(e.message, "expected one of \"bug\", got \"feature\"");
    }

    #[test]
    fn malformed_schemas_are_refused_at_their_json_path() {
        assert_eq!(
            full(json!("x")),
            Err((String::new(), "expected a JSON Schema object, got \"x\"".into()))
        );
        assert_eq!(full(json!({"type": "array"})).unwrap_err().0, ".type");
        assert_eq!(
            full(json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "b"]})),
            Err((".required[1]".into(), "`b` is not a property (properties: `a`)".into()))
        );
        assert_eq!(
            full(json!({"type": "object", "properties": {"plan": {"$ref": "#/$defs/Plan"}}})),
            Err((
                ".properties.plan.$ref".into(),
                "`#/$defs/Plan` points nowhere in the schema".into()
            ))
        );
        assert_eq!(
            full(json!({"type": "object", "properties": {"a": 3}})),
            Err((
                ".properties.a".into(),
                "expected a JSON Schema (an object), got 3".into()
            ))
        );
        assert_eq!(
            full(json!({"type": "object", "properties": {"a": {"type": "int"}}})).unwrap_err(),
            (
                ".properties.a.type".into(),
                "unknown type \"int\"; one of: string, integer, number, boolean, array, object, null".into()
            )
        );
        let listed = Parameters::Listed(vec![typed("max", json!({"type": "integer", "default": "five"}))]);
        assert_eq!(
            listed.check(),
            Err(ParameterError {
                path: ".max.default".into(),
                message: "expected an integer, got \"five\"".into()
            })
        );
    }
}
