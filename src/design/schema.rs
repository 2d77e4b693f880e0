//! How a framework declares a function to the model: the Chat Completions `tools` entry, its
//! parameters written in the framework's JSON-schema dialect. A tool's listed parameters are
//! framed the framework's way: Semantic Kernel's plain schema (no titles, no defaults),
//! pydantic's titled one (Agent Framework's `@tool`), the OpenAI Agents SDK's strict one (every
//! property required, no additional ones). A complete schema is the framework's own already
//! and is sent as given.

use serde_json::{Map, Value, json};

use super::parameters::{Parameter, Parameters};

/// A framework's JSON-schema dialect for function parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Semantic Kernel's: `{"type": "object", "properties": {"p": {"type": "string"}},
    /// "required": ["p"]}`, a parameter's description beside its type.
    SemanticKernel,
    /// Pydantic's, as Agent Framework writes a `@tool` function's and a handoff tool's input
    /// model: every property titled as pydantic titles a field (`order_id`: `"Order Id"`), the
    /// schema titled `<name>_input`, no `required` list when nothing is required.
    Pydantic,
    /// The OpenAI Agents SDK's strict schemas (`strict: true`, `additionalProperties: false`):
    /// a function tool's is pydantic's, titled `<name>_args`, with its `required` list; a
    /// handoff's has no title and no properties.
    AgentsSdk,
}

/// A function as [`declare`] reads it.
pub(super) struct Declared<'a> {
    /// Its name on the wire.
    pub(super) name: &'a str,
    /// Its description.
    pub(super) description: &'a str,
    /// Its parameters.
    pub(super) parameters: &'a Parameters,
    /// Whether it is a handoff (transfer) function.
    pub(super) handoff: bool,
}

/// The `tools` entry of `tool` in `dialect`: `{"type": "function", "function": {...}}`.
pub(super) fn declare(tool: Declared<'_>, dialect: Schema) -> Value {
    let parameters = match tool.parameters {
        // Already the framework's own: sent as given.
        Parameters::Schema(schema) => schema.clone(),
        Parameters::Listed(list) => framed(tool.name, list, tool.handoff, dialect),
    };
    let mut function = json!({
        "name": tool.name,
        "description": tool.description,
        "parameters": parameters,
    });
    if dialect == Schema::AgentsSdk {
        function["strict"] = true.into();
    }
    json!({ "type": "function", "function": function })
}

/// The parameters object of a function named `name` with `list`, framed in `dialect`.
fn framed(name: &str, list: &[Parameter], handoff: bool, dialect: Schema) -> Value {
    let mut properties = Map::new();
    for parameter in list {
        properties.insert(parameter.name.clone(), property(parameter, dialect));
    }
    let required: Vec<&str> = match dialect {
        // Strict schemas require every property (an optional one keeps its default).
        Schema::AgentsSdk => list.iter().map(|p| p.name.as_str()).collect(),
        _ => list.iter().filter(|p| p.required).map(|p| p.name.as_str()).collect(),
    };
    let mut parameters = json!({ "type": "object", "properties": properties });
    match dialect {
        Schema::SemanticKernel => parameters["required"] = json!(required),
        Schema::Pydantic => {
            parameters["title"] = format!("{name}_input").into();
            if !required.is_empty() {
                parameters["required"] = json!(required);
            }
        }
        Schema::AgentsSdk => {
            parameters["additionalProperties"] = false.into();
            parameters["required"] = json!(required);
            if !handoff {
                parameters["title"] = format!("{name}_args").into();
            }
        }
    }
    parameters
}

/// The strict schema the OpenAI Agents SDK makes of a class with these fields (a handoff's
/// `input_type`): every field titled and required, no additional properties, a `null` default
/// dropped; the caller titles it with the class's name.
pub(super) fn strict_model(list: &[Parameter]) -> Value {
    framed("", list, true, Schema::AgentsSdk)
}

/// One parameter's schema in `dialect`: Semantic Kernel's `kernel_function` writes no
/// default and sends an `Optional[X]` (`anyOf` X and null) as X; pydantic titles the field
/// (not a `$ref`); the Agents SDK's strict schema also drops a `null` default.
fn property(parameter: &Parameter, dialect: Schema) -> Value {
    let mut schema = parameter.schema.clone();
    match dialect {
        Schema::SemanticKernel => {
            schema.remove("default");
            if let Some(Value::Array(options)) = schema.get("anyOf")
                && let [only] = &options
                    .iter()
                    .filter(|o| **o != json!({"type": "null"}))
                    .collect::<Vec<_>>()[..]
                && options.len() == 2
                && let Some(only) = only.as_object().cloned()
            {
                schema.remove("anyOf");
                for (key, value) in only {
                    schema.entry(key).or_insert(value);
                }
            }
        }
        Schema::Pydantic | Schema::AgentsSdk => {
            if !schema.contains_key("title") && !schema.contains_key("$ref") {
                schema.insert("title".into(), title(&parameter.name).into());
            }
            if dialect == Schema::AgentsSdk && schema.get("default") == Some(&Value::Null) {
                schema.remove("default");
            }
        }
    }
    Value::Object(schema)
}

/// The title pydantic gives a field: its name with `_` as spaces, in Python's `str.title()`
/// (a letter after a non-letter upper case, every other letter lower case).
fn title(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut after_letter = false;
    for c in name.chars() {
        let c = if c == '_' { ' ' } else { c };
        if c.is_alphabetic() {
            if after_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            after_letter = true;
        } else {
            out.push(c);
            after_letter = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared<'a>(name: &'a str, parameters: &'a Parameters, handoff: bool) -> Declared<'a> {
        Declared {
            name,
            description: "d",
            parameters,
            handoff,
        }
    }

    /// The listed parameters of the captures below, as a scenario's shorthand writes them.
    fn typed() -> Parameters {
        let list = json!([
            ["count", {"type": "integer", "description": "How many."}],
            ["ratio", {"type": "number"}],
            ["flag", {"type": "boolean"}],
            ["color", {"type": "string", "enum": ["red", "green"]}],
            ["tags", {"type": "array", "items": {"type": "string"}}],
            ["limit", {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": null}],
            ["greeting", {"type": "string", "default": "hello"}]
        ]);
        let list = list
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| Parameter::typed(pair[0].as_str().unwrap(), pair[1].as_object().unwrap().clone()));
        Parameters::Listed(list.collect())
    }

    /// What the frameworks sent for `typed_tool(count: int, ratio: float, flag: bool, color:
    /// Color, tags: list[str], limit: Optional[int] = None, greeting: str = "hello")` (captured
    /// from Semantic Kernel 1.45's `@kernel_function`, Agent Framework's `@tool` and the
    /// Agents SDK's `@function_tool` against a mock endpoint; the enum as a `Literal` for the
    /// pydantic ones, which `$ref` an `Enum` class instead).
    #[test]
    fn typed_parameters_are_framed_as_each_framework_sends_them() {
        let typed = typed();
        let sk = declare(declared("P-typed_tool", &typed, false), Schema::SemanticKernel);
        assert_eq!(
            sk["function"]["parameters"],
            json!({"type": "object", "properties": {
                "count": {"type": "integer", "description": "How many."}, "ratio": {"type": "number"},
                "flag": {"type": "boolean"}, "color": {"type": "string", "enum": ["red", "green"]},
                "tags": {"type": "array", "items": {"type": "string"}}, "limit": {"type": "integer"},
                "greeting": {"type": "string"}},
                "required": ["count", "ratio", "flag", "color", "tags"]})
        );
        let af = declare(declared("typed_tool", &typed, false), Schema::Pydantic);
        assert_eq!(
            af["function"]["parameters"],
            json!({"properties": {
                "count": {"description": "How many.", "title": "Count", "type": "integer"},
                "ratio": {"title": "Ratio", "type": "number"}, "flag": {"title": "Flag", "type": "boolean"},
                "color": {"enum": ["red", "green"], "title": "Color", "type": "string"},
                "tags": {"items": {"type": "string"}, "title": "Tags", "type": "array"},
                "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": null, "title": "Limit"},
                "greeting": {"default": "hello", "title": "Greeting", "type": "string"}},
                "required": ["count", "ratio", "flag", "color", "tags"], "title": "typed_tool_input", "type": "object"})
        );
        let sdk = declare(declared("typed_tool", &typed, false), Schema::AgentsSdk);
        assert_eq!(
            sdk["function"]["parameters"],
            json!({"properties": {
                "count": {"description": "How many.", "title": "Count", "type": "integer"},
                "ratio": {"title": "Ratio", "type": "number"}, "flag": {"title": "Flag", "type": "boolean"},
                "color": {"enum": ["red", "green"], "title": "Color", "type": "string"},
                "tags": {"items": {"type": "string"}, "title": "Tags", "type": "array"},
                "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "Limit"},
                "greeting": {"default": "hello", "title": "Greeting", "type": "string"}},
                "required": ["count", "ratio", "flag", "color", "tags", "limit", "greeting"],
                "title": "typed_tool_args", "type": "object", "additionalProperties": false})
        );
        // The Agents SDK's `random_number_tool(max: int)`, as its sample sends it.
        let max = Parameters::Listed(vec![Parameter::typed(
            "max",
            json!({"type": "integer"}).as_object().unwrap().clone(),
        )]);
        assert_eq!(
            declare(declared("random_number_tool", &max, false), Schema::AgentsSdk)["function"]["parameters"],
            json!({"properties": {"max": {"title": "Max", "type": "integer"}}, "required": ["max"],
                   "title": "random_number_tool_args", "type": "object", "additionalProperties": false})
        );
    }

    #[test]
    fn a_complete_schema_is_sent_as_given_under_every_dialect() {
        // Agent Framework's `add_labels(issue_id: str, labels: list[GitHubLabels])`, captured.
        let given = json!({"$defs": {"GitHubLabels": {"description": "Enum representing GitHub labels.",
            "enum": ["python", ".NET", "bug"], "title": "GitHubLabels", "type": "string"}},
            "properties": {"issue_id": {"title": "Issue Id", "type": "string"},
                "labels": {"items": {"$ref": "#/$defs/GitHubLabels"}, "title": "Labels", "type": "array"}},
            "required": ["issue_id", "labels"], "title": "add_labels_input", "type": "object"});
        let full = Parameters::Schema(given.clone());
        for dialect in [Schema::SemanticKernel, Schema::Pydantic, Schema::AgentsSdk] {
            let function = &declare(declared("add_labels", &full, false), dialect)["function"];
            assert_eq!(function["parameters"], given, "{dialect:?}");
            let strict = if dialect == Schema::AgentsSdk {
                json!(true)
            } else {
                Value::Null
            };
            assert_eq!(function["strict"], strict);
        }
    }

    #[test]
    fn pydantic_titles_fields_as_python_title_cases_them() {
        assert_eq!(title("order_id"), "Order Id");
        assert_eq!(title("email"), "Email");
        assert_eq!(title("orderID"), "Orderid");
        assert_eq!(title("v2x_id"), "V2X Id");
    }

    #[test]
    fn each_dialect_frames_the_same_parameters_its_way() {
        let email = Parameters::Listed(vec![Parameter::string("email", "")]);
        let none = Parameters::default();
        let own = || declared("lookup", &email, false);
        let handoff = || declared("handoff_to_B", &none, true);
        assert_eq!(
            declare(own(), Schema::SemanticKernel)["function"]["parameters"],
            json!({"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]})
        );
        assert_eq!(
            declare(own(), Schema::Pydantic)["function"]["parameters"],
            json!({"type": "object", "title": "lookup_input", "required": ["email"],
                   "properties": {"email": {"type": "string", "title": "Email"}}})
        );
        assert_eq!(
            declare(handoff(), Schema::Pydantic)["function"]["parameters"],
            json!({"type": "object", "title": "handoff_to_B_input", "properties": {}})
        );
        let strict = declare(own(), Schema::AgentsSdk)["function"].clone();
        assert_eq!(strict["strict"], true);
        assert_eq!(strict["parameters"]["title"], "lookup_args");
        assert_eq!(strict["parameters"]["additionalProperties"], false);
        assert_eq!(
            declare(handoff(), Schema::AgentsSdk)["function"]["parameters"],
            json!({"type": "object", "additionalProperties": false, "properties": {}, "required": []})
        );
    }
}
