//! Which agent a request is for: by its system message, else by its functions; and what a
//! strict serve compares of a function.

use serde_json::Value;

use super::request::AppRequest;
use crate::design::{AgentId, Design};

/// What a strict serve compares of a function: its name, its description (a missing one
/// reads as empty), its parameters' properties (their schemas exactly, types, enums, titles
/// and defaults included; none reads as an empty list), which of them are required (in any
/// order) and the definitions they refer to (`$defs`).
pub(super) fn tool_key(tool: &Value) -> ToolKey<'_> {
    let function = &tool["function"];
    let parameters = &function["parameters"];
    let properties = parameters["properties"].as_object().filter(|p| !p.is_empty());
    let mut required: Vec<&str> = parameters["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    required.sort_unstable();
    let definitions = parameters["$defs"].as_object().filter(|d| !d.is_empty());
    (
        &function["name"],
        function["description"].as_str().unwrap_or(""),
        properties,
        required,
        definitions,
    )
}

/// A function as [`tool_key`] compares it.
type ToolKey<'a> = (
    &'a Value,
    &'a str,
    Option<&'a serde_json::Map<String, Value>>,
    Vec<&'a str>,
    Option<&'a serde_json::Map<String, Value>>,
);

/// The agent a request is for: the one whose instructions are its system message (of
/// several, `expected`, else the one whose functions it offers most); else the one that
/// offers exactly its functions, in order (an agent whose instructions changed: the diff then
/// shows how); else none ([`unattributed`] says why).
pub(super) fn attribute(design: &Design, request: &AppRequest, expected: Option<AgentId>) -> Option<AgentId> {
    let system = request.system.as_deref();
    let ids = (0..design.agents().len()).map(|i| AgentId(i as u32));
    let tools = |agent: AgentId| design.tools(agent).iter().map(|tool| &*tool.qualified_name);
    let overlap = |agent: AgentId| {
        tools(agent)
            .filter(|name| request.offered().any(|o| o == *name))
            .count()
    };
    let pick = |candidates: &mut dyn Iterator<Item = AgentId>| {
        let candidates: smallvec::SmallVec<[AgentId; 4]> = candidates.collect();
        if let Some(expected) = expected.filter(|e| candidates.contains(e)) {
            return Some(expected);
        }
        candidates
            .iter()
            .copied()
            .max_by_key(|&a| (overlap(a), std::cmp::Reverse(a.index())))
    };
    let mut same_system = ids
        .clone()
        .filter(|&a| Some(design.agent(a).instructions.as_str()) == system);
    if let Some(agent) = pick(&mut same_system) {
        return Some(agent);
    }
    let offers_some = request.offered().next().is_some();
    let mut same_functions = ids.filter(|&a| offers_some && tools(a).eq(request.offered()));
    pick(&mut same_functions)
}

/// Why no agent of `design` is the one `request` is for: what it showed, and the closest
/// agent.
pub(super) fn unattributed(design: &Design, request: &AppRequest) -> String {
    let system = request.system.as_deref();
    let offered: Vec<&str> = request.offered().collect();
    let tools = |agent: AgentId| design.tools(agent).iter().map(|tool| &*tool.qualified_name);
    let overlap = |agent: AgentId| tools(agent).filter(|name| offered.contains(name)).count();
    let closest = (0..design.agents().len())
        .map(|i| AgentId(i as u32))
        .map(|a| {
            let instructions = head(&design.agent(a).instructions);
            let likeness = strsim::normalized_levenshtein(instructions, head(system.unwrap_or("")));
            (a, likeness + overlap(a) as f64)
        })
        .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.index().cmp(&x.0.index())))
        .map(|(a, _)| design.agent(a));
    let seen = match system {
        Some(system) => format!("the system message {}", shown(system)),
        None => "no system message".to_string(),
    };
    let offers = if offered.is_empty() {
        "no functions".to_string()
    } else {
        offered.join(", ")
    };
    let mut why = format!("no agent of the design has {seen} and offers {offers}");
    if let Some(agent) = closest {
        why.push_str(&format!(
            "; the closest agent is {}, whose instructions are {}",
            agent.name,
            shown(&agent.instructions)
        ));
    }
    why
}

/// How much of a system message and of instructions the search for the closest agent
/// compares, and a report shows: the search costs the product of the two lengths.
const HEAD: usize = crate::files::SHOWN_BYTES;

/// The first [`HEAD`] bytes of `text`.
fn head(text: &str) -> &str {
    crate::files::head(text, HEAD)
}

/// `text` quoted for a message, its controls escaped; a longer one cut to its [`HEAD`] with a
/// note of its length.
fn shown(text: &str) -> String {
    let quoted = format!("{:?}", crate::files::escape_controls(head(text)));
    match text.len() > HEAD {
        true => format!("{quoted}… (cut: {} bytes in all)", text.len()),
        false => quoted,
    }
}

/// The name of the agent a request is for, if it can be told.
pub(super) fn attribute_name<'d>(design: &'d Design, request: &AppRequest) -> Option<&'d str> {
    attribute(design, request, None).map(|agent| &*design.agent(agent).name)
}

#[cfg(test)]
mod tests {
    use super::{HEAD, shown, tool_key};

    #[test]
    fn a_long_text_is_shown_cut_with_its_length() {
        let long = "é".repeat(HEAD);
        let text = shown(&long);
        assert!(text.len() < HEAD + 100, "{} bytes", text.len());
        assert!(
            text.ends_with(&format!("… (cut: {} bytes in all)", long.len())),
            "{text}"
        );
        assert_eq!(shown("short"), "\"short\"");
    }
    use serde_json::{Value, json};

    fn tool(properties: Value, required: Value) -> Value {
        json!({"type": "function", "function": {"name": "random_number_tool", "description": "d",
            "parameters": {"type": "object", "properties": properties, "required": required}}})
    }

    #[test]
    fn typed_parameters_are_compared_exactly_and_required_in_any_order() {
        let int = tool(
            json!({"max": {"type": "integer"}, "n": {"type": "string"}}),
            json!(["max", "n"]),
        );
        let string = tool(
            json!({"max": {"type": "string"}, "n": {"type": "string"}}),
            json!(["max", "n"]),
        );
        let reordered = tool(
            json!({"n": {"type": "string"}, "max": {"type": "integer"}}),
            json!(["n", "max"]),
        );
        let optional = tool(
            json!({"max": {"type": "integer"}, "n": {"type": "string"}}),
            json!(["max"]),
        );
        assert_ne!(tool_key(&int), tool_key(&string));
        assert_eq!(tool_key(&int), tool_key(&reordered));
        assert_ne!(tool_key(&int), tool_key(&optional));
        let mut defs = int.clone();
        defs["function"]["parameters"]["$defs"] = json!({"Label": {"enum": ["bug"], "type": "string"}});
        assert_ne!(tool_key(&int), tool_key(&defs));
    }
}
