//! How a framework declares a function to the model: the Chat Completions `tools` entry, its
//! parameters written in the framework's JSON-schema dialect. Every parameter of a harness
//! tool is a required string; what differs is the framing: Semantic Kernel's plain schema,
//! pydantic's titled one (Agent Framework's `@tool`), the OpenAI Agents SDK's strict one.

use serde_json::{Map, Value, json};

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
    /// Its (required, string) parameters with their descriptions.
    pub(super) parameters: &'a [(String, String)],
    /// Whether it is a handoff (transfer) function.
    pub(super) handoff: bool,
}

/// The `tools` entry of `tool` in `dialect`: `{"type": "function", "function": {...}}`.
pub(super) fn declare(tool: Declared<'_>, dialect: Schema) -> Value {
    let required: Vec<&str> = tool.parameters.iter().map(|(n, _)| n.as_str()).collect();
    let titled = !matches!(dialect, Schema::SemanticKernel);
    let mut properties = Map::new();
    for (name, description) in tool.parameters {
        let mut property = json!({ "type": "string" });
        if titled {
            property["title"] = title(name).into();
        }
        if !description.is_empty() {
            property["description"] = description.clone().into();
        }
        properties.insert(name.clone(), property);
    }
    let mut parameters = json!({ "type": "object", "properties": properties });
    let handoff = tool.handoff;
    match dialect {
        Schema::SemanticKernel => parameters["required"] = json!(required),
        Schema::Pydantic => {
            parameters["title"] = format!("{}_input", tool.name).into();
            if !required.is_empty() {
                parameters["required"] = json!(required);
            }
        }
        Schema::AgentsSdk => {
            parameters["additionalProperties"] = false.into();
            parameters["required"] = json!(required);
            if !handoff {
                parameters["title"] = format!("{}_args", tool.name).into();
            }
        }
    }
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

    fn declared<'a>(name: &'a str, parameters: &'a [(String, String)], handoff: bool) -> Declared<'a> {
        Declared {
            name,
            description: "d",
            parameters,
            handoff,
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
        let email = [("email".to_string(), String::new())];
        let own = || declared("lookup", &email, false);
        let handoff = || declared("handoff_to_B", &[], true);
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
