//! A handoff edge as a scenario writes it: its description (a string, `null` for the
//! target's), the object form with the frameworks' per-edge options
//! (`{"description": ..., "by_name": true, "tool_name_override": ...}`), or a list of those
//! (the edge declared several times).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::input_type_form::InputTypeFile;
use super::sdk_options::input_filter;
use crate::design::HandoffSpec;
use crate::engine::InputFilter;

/// A handoff edge as written: its description (`null` for the target's), and whether it was
/// declared by the target's name in Semantic Kernel Python; for an edge written as a list
/// (declared several times, as Semantic Kernel's `add` allows), the last declaration, the
/// earlier ones in `earlier`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct EdgeFile {
    pub(super) description: Option<String>,
    pub(super) by_name: bool,
    /// The OpenAI Agents SDK's `tool_name_override` (`""` as none, as the SDK's `or` reads it).
    pub(super) tool_name: Option<String>,
    /// Whether the description was given as `tool_description_override`.
    pub(super) description_override: bool,
    /// The OpenAI Agents SDK's `is_enabled` as a bool (`None`: not given, enabled).
    pub(super) is_enabled: Option<bool>,
    /// Its condition, evaluated before each model call of the agent (the callable's form).
    pub(super) enabled_when: Option<crate::engine::Enablement>,
    /// The OpenAI Agents SDK's `handoff(..., nest_handoff_history=...)`.
    pub(super) nest_handoff_history: Option<bool>,
    /// The OpenAI Agents SDK's `handoff(..., input_filter=...)`: the filters it applies, in order.
    pub(super) input_filter: Option<Vec<InputFilter>>,
    /// The OpenAI Agents SDK's `input_type`: the class the transfer's arguments are checked with.
    pub(super) input_type: Option<InputTypeFile>,
    /// The declarations before the last, in order, for an edge written as a list.
    pub(super) earlier: Vec<EdgeFile>,
}

/// The options of an edge object.
const EDGE_FIELDS: &[&str] = &[
    "description",
    "by_name",
    "tool_name_override",
    "tool_description_override",
    "is_enabled",
    "nest_handoff_history",
    "input_filter",
    "input_type",
];

impl EdgeFile {
    /// Every declaration of the edge, in order, as the design declares it.
    pub(super) fn declarations(mut self, source: &str, target: &str) -> impl Iterator<Item = HandoffSpec> {
        let earlier = std::mem::take(&mut self.earlier);
        let spec = move |e: EdgeFile| HandoffSpec {
            by_name: e.by_name,
            tool_name: e.tool_name,
            enabled: e.is_enabled != Some(false),
            input_type: e.input_type.map(|t| t.0),
            ..HandoffSpec::new(source, target, e.description)
        };
        earlier.into_iter().chain([self]).map(spec)
    }

    /// The first OpenAI Agents SDK option any declaration of the edge gives, if any.
    pub(super) fn sdk_option(&self) -> Option<&'static str> {
        std::iter::once(self).chain(&self.earlier).find_map(|e| {
            if e.tool_name.is_some() {
                Some("tool_name_override")
            } else if e.description_override {
                Some("tool_description_override")
            } else if e.is_enabled.is_some() {
                Some("is_enabled")
            } else if e.nest_handoff_history.is_some() {
                Some("nest_handoff_history")
            } else if e.input_filter.is_some() {
                Some("input_filter")
            } else if e.input_type.is_some() {
                Some("input_type")
            } else {
                None
            }
        })
    }
}

/// One declaration of an edge: a description, `null`, or the object form (not a list).
struct Declaration(EdgeFile);

impl<'de> Deserialize<'de> for Declaration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Declaration, D::Error> {
        deserializer.deserialize_any(Edge { list: false }).map(Declaration)
    }
}

/// Reads an edge; `list`: whether the list form is allowed (not inside a list).
struct Edge {
    list: bool,
}

impl<'de> Visitor<'de> for Edge {
    type Value = EdgeFile;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a description, null (the target's description), or {"description": ..., "by_name": true}"#)?;
        match self.list {
            true => f.write_str(", or a list of those (the edge declared several times)"),
            false => Ok(()),
        }
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<EdgeFile, A::Error> {
        if !self.list {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        let mut all: Vec<EdgeFile> = Vec::new();
        while let Some(Declaration(edge)) = seq.next_element()? {
            all.push(edge);
        }
        let Some(mut last) = all.pop() else {
            return Err(de::Error::invalid_length(0, &"at least one declaration"));
        };
        last.earlier = all;
        Ok(last)
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<EdgeFile, E> {
        Ok(EdgeFile {
            description: Some(text.to_string()),
            ..EdgeFile::default()
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<EdgeFile, E> {
        Ok(EdgeFile::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<EdgeFile, E> {
        Ok(EdgeFile::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EdgeFile, A::Error> {
        let mut edge = EdgeFile::default();
        let mut seen = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!("`{key}` is given twice")));
            }
            match key.as_str() {
                "description" | "tool_description_override"
                    if seen
                        .iter()
                        .any(|k| k == "description" || k == "tool_description_override") =>
                {
                    return Err(de::Error::custom(
                        "give the description once: `description` and `tool_description_override` are the same under `openai-agents`",
                    ));
                }
                "description" => edge.description = map.next_value()?,
                // The OpenAI Agents SDK's `handoff(..., tool_description_override=...)`: the
                // function's whole description, as an edge's description is under that profile.
                "tool_description_override" => {
                    edge.description = map.next_value()?;
                    edge.description_override = true;
                }
                "by_name" => edge.by_name = map.next_value()?,
                "input_type" => edge.input_type = Some(map.next_value()?),
                // The OpenAI Agents SDK's `handoff(agent, is_enabled=...)`: fixed, or a condition
                // on the run's input evaluated each turn.
                "is_enabled" => {
                    let (enabled, when) = super::enablement_form::parse(map.next_value()?)?;
                    edge.is_enabled = Some(enabled);
                    edge.enabled_when = when;
                }
                "nest_handoff_history" => edge.nest_handoff_history = map.next_value()?,
                "input_filter" => edge.input_filter = Some(input_filter(map.next_value()?)?),
                "tool_name_override" => {
                    let name: Option<String> = map.next_value()?;
                    if let Some(bad) = name
                        .as_deref()
                        .filter(|n| !n.is_empty() && !crate::design::valid_function_name(n))
                    {
                        return Err(de::Error::custom(format!(
                            "`tool_name_override` `{bad}` is not a function name the model can be offered (letters, digits, `_` and `-`, at most 64)"
                        )));
                    }
                    // The SDK writes `tool_name_override or Handoff.default_tool_name(agent)`.
                    edge.tool_name = name.filter(|n| !n.is_empty());
                }
                other => return Err(de::Error::unknown_field(other, EDGE_FIELDS)),
            }
            seen.push(key);
        }
        Ok(edge)
    }
}

impl<'de> Deserialize<'de> for EdgeFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<EdgeFile, D::Error> {
        deserializer.deserialize_any(Edge { list: true })
    }
}

/// A handoff's description, `null` (the target's), or the object form.
impl schemars::JsonSchema for EdgeFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Edge".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let declaration = serde_json::json!({
            "anyOf": [
                { "type": ["string", "null"] },
                {
                    "type": "object",
                    "properties": {
                        "description": { "type": ["string", "null"] },
                        "by_name": { "type": "boolean", "description": "Declared by the target's name, not the agent itself." },
                        "tool_name_override": { "type": ["string", "null"], "description": "openai-agents only: handoff(agent, tool_name_override=...): the transfer function's name, used as it is (empty or null: transfer_to_<agent>)." },
                        "is_enabled": super::enablement_form::json_schema(),
                        "nest_handoff_history": { "type": "boolean", "description": "openai-agents only: handoff(agent, nest_handoff_history=...): whether this handoff nests the conversation (overrides profile.nest_handoff_history)." },
                        "input_filter": { "anyOf": [{ "enum": ["remove_all_tools", "identity", "nest_handoff_history", "remove_new_items"] }, { "type": "array", "items": { "enum": ["remove_all_tools", "identity", "nest_handoff_history", "remove_new_items"] }, "minItems": 1 }], "description": "openai-agents only: handoff(agent, input_filter=...): remove_all_tools (handoff_filters.remove_all_tools: without function calls and their outputs), identity (a filter returning the data as given), nest_handoff_history (the SDK's public function as the filter), remove_new_items (input_history kept, pre_handoff_items and new_items dropped); a list applies them in order, each to the previous one's result. A filter replaces nesting and overrides profile.handoff_input_filter." },
                        "tool_description_override": { "type": ["string", "null"], "description": "openai-agents only: handoff(agent, tool_description_override=...): the transfer function's whole description (the same as description under that profile; give one of them)." },
                        "input_type": super::input_type_form::json_schema()
                    },
                    "additionalProperties": false
                }
            ]
        });
        schemars::json_schema!({
            "description": "The handoff's description as the model reads it; null for the target agent's description; or an object saying the edge was declared by the target's name (Semantic Kernel Python then drops the description); or a list of those: the edge declared several times (Semantic Kernel's add called again), which keeps the key's position and takes the last declaration's description.",
            "anyOf": [
                declaration.clone(),
                { "type": "array", "items": declaration, "minItems": 1 }
            ]
        })
    }
}
