//! The functions each agent's model is offered: its own tools, then the transfer functions of
//! its handoff edges, then the completion function, named by the design's tool surface and
//! checked for what the wire allows.

use std::sync::Arc;

use serde_json::Value;

use super::agent::{Agent, AgentId};
use super::edge::Handoff;
use super::error::DesignError;
use super::parameters::{Parameter, ParameterError, Parameters};
use super::result_pattern::ResultPattern;
use super::schema::Schema;
use super::surface::{Collisions, TargetNames, ToolSurface, valid_name};
use super::template::{Template, TemplateError};
use crate::files::json_key;

/// What a function offered to a model does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// The agent's own tool, by index into [`Agent::tools`].
    Own(usize),
    /// `transfer_to_<target>`.
    Transfer(AgentId),
    /// `complete_task(task_summary)`.
    Complete,
}

/// A function as offered to an agent's model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// Function name: `check_order_status`, `transfer_to_RefundAgent`, `complete_task`.
    /// Shared: the tool calls of a run (`engine::ToolCall`) point to it instead of copying it.
    pub name: Arc<str>,
    /// Name as Semantic Kernel sends it: `<plugin>-<name>` (or `name` when there is no plugin).
    pub qualified_name: Arc<str>,
    /// Description the model reads.
    pub description: String,
    /// Its parameters (listed, or one complete JSON Schema), checked.
    pub parameters: Parameters,
    /// What calling it does.
    pub kind: ToolKind,
    /// The JSON-schema dialect its framework declares it in (the design's surface's).
    pub schema: Schema,
    /// Where the app's own tool computes the result: what every result must match.
    pub result_matches: Option<ResultPattern>,
}

impl ToolSpec {
    /// The `title` of its complete parameters schema (a handoff's `input_type`: the class's
    /// name), if it has one.
    pub fn parameters_title(&self) -> Option<&str> {
        match &self.parameters {
            Parameters::Schema(schema) => schema.get("title").and_then(serde_json::Value::as_str),
            Parameters::Listed(_) => None,
        }
    }

    /// The function as the Chat Completions API declares it (`{"type": "function", ...}`),
    /// named as the wire names it (`<plugin>-<name>` in Semantic Kernel), its parameters in
    /// its framework's dialect.
    pub fn json_schema(&self) -> serde_json::Value {
        let declared = super::schema::Declared {
            name: &self.qualified_name,
            description: &self.description,
            parameters: &self.parameters,
            handoff: matches!(self.kind, ToolKind::Transfer(_)),
        };
        super::schema::declare(declared, self.schema)
    }
}

/// Handoffs of one agent whose transfer functions reach the wire under one name, under a
/// surface that keeps the last of them ([`Collisions::LastKept`]): only the last is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCollision {
    /// The agent offered them.
    pub agent: AgentId,
    /// The name they share on the wire.
    pub wire: String,
    /// Their targets, in declaration order; the last one's transfer is offered.
    pub targets: Vec<AgentId>,
    /// Whether one of them gave its name (`tool_name_override`) rather than deriving it from
    /// the target's name.
    pub overridden: bool,
    /// Whether function tools of the agent had the name too (the SDK drops them: a handoff
    /// wins over a function tool).
    pub function_tools: bool,
}

impl NameCollision {
    /// The warning the OpenAI Agents SDK 0.24 logs each time it prepares the agent's tools
    /// (`_format_tool_name_collision_message`), `agents` naming the targets.
    pub fn warning(&self, agents: &[Agent]) -> String {
        if self.function_tools {
            return format!(
                "Ambiguous tool routing configuration: the tool name `{}` is used by both a function tool and a handoff. Assign a unique routed name to every colliding function tool and handoff with `name_override=`, `tool_name=`, `tool_name_override=`, or a namespace.",
                self.wire
            );
        }
        if let [first, second] = self.targets[..]
            && first != second
            && !self.overridden
        {
            return format!(
                "Ambiguous handoff configuration: agents {} and {} both derive the handoff tool name `{}`. Pass an explicit `tool_name_override=` to one of them.",
                python_repr(&agents[first.index()].name),
                python_repr(&agents[second.index()].name),
                self.wire
            );
        }
        format!(
            "Ambiguous handoff configuration: the handoff tool name `{}` is used by multiple handoffs. Pass a unique `tool_name_override=` to each handoff.",
            self.wire
        )
    }
}

/// A string as Python's `repr` writes it: in single quotes, or double quotes when it holds a
/// single quote and no double quote; backslashes, the chosen quote and line breaks escaped.
pub(crate) fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `str(final_output)` in Python, as the SDK writes the final output of an agent without an
/// output type into its message: a string as it is, anything else as Python's `repr`.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => value_repr(other),
    }
}

/// Python's `repr` of a JSON value (`{'summary': 'ok'}`, `['a', 'b']`, `True`, `None`).
fn value_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => python_repr(s),
        Value::Array(items) => format!("[{}]", items.iter().map(value_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", python_repr(k), value_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// An agent's functions, its tools' parsed result templates, and its handoffs whose transfers
/// share a name.
pub(super) type Toolbox = (Vec<ToolSpec>, Vec<Template>, Vec<NameCollision>);

/// Parameter names for messages: "`a`, `b`", or "none".
pub(crate) fn parameter_list(parameters: &Parameters) -> String {
    if parameters.is_empty() {
        return "none".to_string();
    }
    parameters
        .names()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The functions offered to agent `i`: its own tools, then the transfer functions in
/// declaration order, then the completion function; plus its tools' parsed result templates,
/// and the handoffs whose transfers share a name where the surface keeps the last of them.
pub(super) fn toolbox(
    i: usize,
    agent: &Agent,
    edges: &[Handoff],
    agents: &[Agent],
    surface: &ToolSurface,
) -> Result<Toolbox, DesignError> {
    let mut tools: Vec<ToolSpec> = Vec::with_capacity(agent.tools.len() + edges.len() + 1);
    let mut templates = Vec::with_capacity(agent.tools.len());
    // The names of the agent's handoffs under the OpenAI Agents SDK, which win over function
    // tools of their name (the tools are dropped below, however many share it).
    let handoff_names: Vec<String> = match surface.target_names {
        TargetNames::LowerSnake => edges
            .iter()
            .map(|e| surface.handoff_name(e.tool_name.as_deref(), &agents[e.target.index()].name))
            .collect(),
        _ => Vec::new(),
    };
    for (t, tool) in agent.tools.iter().enumerate() {
        if !valid_name(&tool.name) {
            return Err(DesignError::InvalidName {
                index: i,
                tool: Some(t),
                what: "tool",
                name: tool.name.clone(),
            });
        }
        let invalid = |what, name: &str| DesignError::InvalidName {
            index: i,
            tool: Some(t),
            what,
            name: name.to_string(),
        };
        if let Some(plugin) = tool.plugin.as_deref().filter(|p| !valid_name(p)) {
            return Err(invalid("plugin", plugin));
        }
        if let Some(parameter) = tool.parameters.names().find(|p| !valid_name(p)) {
            return Err(invalid("parameter", parameter));
        }
        tool.parameters
            .check()
            .map_err(|e: ParameterError| DesignError::BadParameters {
                agent: agent.name.clone(),
                index: i,
                tool_index: t,
                tool: tool.name.clone(),
                path: e.path,
                message: e.message,
            })?;
        let clash = |why| DesignError::DuplicateTool {
            agent: agent.name.clone(),
            index: i,
            tool_index: t,
            tool: tool.name.clone(),
            why,
        };
        if tools.iter().any(|s| *s.name == *tool.name) && !handoff_names.contains(&tool.name) {
            return Err(clash(String::new()));
        }
        if surface.is_reserved(&tool.name) {
            return Err(clash(format!(
                ": {} are the handoff functions' names",
                surface.reserved_names()
            )));
        }
        let bad = |message: String| DesignError::BadResultTemplate {
            agent: agent.name.clone(),
            index: i,
            tool_index: t,
            tool: tool.name.clone(),
            message,
        };
        let template = Template::parse(&tool.result).map_err(|e: TemplateError| bad(e.to_string()))?;
        if let Some(unknown) = template.placeholders().find(|p| !tool.parameters.has(p)) {
            let known = parameter_list(&tool.parameters);
            return Err(bad(format!(
                "`{{{unknown}}}` is not a parameter of the tool (parameters: {known})"
            )));
        }
        let result_matches = match &tool.result_matches {
            None => None,
            Some(source) => {
                let pattern = ResultPattern::new(source).map_err(|e| bad(format!("matches: {e}")))?;
                if template.placeholders().next().is_none() && !pattern.is_match(&tool.result) {
                    return Err(bad(format!(
                        "example: `{}` does not match `{source}`, the results the app's tool gives",
                        tool.result
                    )));
                }
                Some(pattern)
            }
        };
        templates.push(template);
        tools.push(ToolSpec {
            result_matches,
            qualified_name: surface.qualified_own(tool.plugin.as_deref(), &tool.name).into(),
            name: tool.name.as_str().into(),
            description: tool.description.clone(),
            parameters: tool.parameters.clone(),
            kind: ToolKind::Own(t),
            schema: surface.schema,
        });
    }
    let complete = surface.complete.map(|complete| ToolSpec {
        name: complete.name.into(),
        qualified_name: surface.qualified(complete.name).into(),
        description: complete.description.into(),
        parameters: Parameters::Listed(vec![Parameter::string(complete.parameter, "")]),
        kind: ToolKind::Complete,
        schema: surface.schema,
        result_matches: None,
    });
    if surface.complete_first {
        tools.extend(complete.clone());
    }
    let mut collisions: Vec<NameCollision> = Vec::new();
    for edge in edges {
        let name = surface.handoff_name(edge.tool_name.as_deref(), &agents[edge.target.index()].name);
        let qualified = surface.qualified(&name);
        // The OpenAI Agents SDK's `resolve_tool_name_collisions` under "warn": the last
        // handoff of a name is offered, the earlier ones are left out.
        let earlier = tools
            .iter()
            .position(|t| matches!(t.kind, ToolKind::Transfer(_)) && *t.qualified_name == *qualified);
        if let (Collisions::Refused, Some(k), TargetNames::LowerSnake) =
            (surface.collisions, earlier, surface.target_names)
            && let ToolKind::Transfer(first) = tools[k].kind
        {
            let collision = NameCollision {
                agent: AgentId(i as u32),
                overridden: edge.tool_name.is_some()
                    || *tools[k].name != *surface.transfer_name(&agents[first.index()].name),
                wire: qualified,
                targets: vec![first, edge.target],
                function_tools: false,
            };
            return Err(DesignError::SharedTransferName {
                place: format!(
                    "handoffs{}{}",
                    json_key(&agent.name),
                    json_key(&agents[edge.target.index()].name)
                ),
                message: collision.warning(agents),
            });
        }
        if let (Collisions::LastKept, Some(k)) = (surface.collisions, earlier) {
            let lost_tool = tools.remove(k);
            let ToolKind::Transfer(lost) = lost_tool.kind else {
                unreachable!("a transfer was found")
            };
            let overridden =
                edge.tool_name.is_some() || *lost_tool.name != *surface.transfer_name(&agents[lost.index()].name);
            match collisions.iter_mut().find(|c| c.wire == qualified) {
                Some(collision) => {
                    collision.targets.push(edge.target);
                    collision.overridden |= overridden;
                }
                None => collisions.push(NameCollision {
                    agent: AgentId(i as u32),
                    wire: qualified.clone(),
                    targets: vec![lost, edge.target],
                    overridden,
                    function_tools: false,
                }),
            }
        }
        // A function tool of the same name: the SDK offers the handoff and drops the tools
        // under "warn", and raises under "error" (`resolve_tool_name_collisions`).
        if surface.target_names == TargetNames::LowerSnake
            && tools
                .iter()
                .any(|t| matches!(t.kind, ToolKind::Own(_)) && *t.qualified_name == *qualified)
        {
            let mixed = NameCollision {
                agent: AgentId(i as u32),
                wire: qualified.clone(),
                targets: vec![edge.target],
                overridden: edge.tool_name.is_some(),
                function_tools: true,
            };
            if surface.collisions == Collisions::Refused {
                return Err(DesignError::SharedTransferName {
                    place: format!(
                        "handoffs{}{}",
                        json_key(&agent.name),
                        json_key(&agents[edge.target.index()].name)
                    ),
                    message: mixed.warning(agents),
                });
            }
            tools.retain(|t| !(matches!(t.kind, ToolKind::Own(_)) && *t.qualified_name == *qualified));
            match collisions.iter_mut().find(|c| c.wire == qualified) {
                Some(collision) => collision.function_tools = true,
                None => collisions.push(mixed),
            }
        }
        tools.push(ToolSpec {
            qualified_name: qualified.into(),
            name: name.into(),
            description: edge.description.clone(),
            // The OpenAI Agents SDK's `input_type`: the class's strict schema, as it sends it.
            parameters: edge
                .input_type
                .as_ref()
                .map_or_else(Parameters::default, |t| Parameters::Schema(t.schema())),
            kind: ToolKind::Transfer(edge.target),
            schema: surface.schema,
            result_matches: None,
        });
    }
    if !surface.complete_first {
        tools.extend(complete);
    }
    check_wire_names(i, agent, &tools, agents)?;
    Ok((tools, templates, collisions))
}

/// The names agent `i`'s functions are sent under must be unique and short enough.
fn check_wire_names(i: usize, agent: &Agent, tools: &[ToolSpec], agents: &[Agent]) -> Result<(), DesignError> {
    let declared = |t: &ToolSpec| match t.kind {
        ToolKind::Own(k) => match &agent.tools[k].plugin {
            Some(plugin) => format!("{plugin}/{}", t.name),
            None => t.name.to_string(),
        },
        _ => t.name.to_string(),
    };
    for (k, tool) in tools.iter().enumerate() {
        if let Some(first) = tools[..k].iter().find(|t| t.qualified_name == tool.qualified_name) {
            return Err(DesignError::SameWireName {
                agent: agent.name.clone(),
                index: i,
                tool_index: k.min(agent.tools.len().saturating_sub(1)),
                first: declared(first),
                second: declared(tool),
                wire: tool.qualified_name.to_string(),
            });
        }
        if tool.qualified_name.len() > super::surface::MAX_WIRE_NAME {
            let (place, why) = match tool.kind {
                ToolKind::Own(t) => (
                    format!("agents[{i}].tools[{t}]"),
                    ": shorten the tool's or its plugin's name",
                ),
                ToolKind::Transfer(target) => (
                    format!(
                        "handoffs{}{}",
                        json_key(&agent.name),
                        json_key(&agents[target.index()].name)
                    ),
                    ": shorten the target agent's name",
                ),
                ToolKind::Complete => (format!("agents[{i}]"), ""),
            };
            return Err(DesignError::WireNameTooLong {
                agent: agent.name.clone(),
                wire: tool.qualified_name.to_string(),
                place,
                why,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::python_str;
    use serde_json::json;

    #[test]
    fn an_untyped_output_is_python_s_str() {
        assert_eq!(python_str(&json!("plain")), "plain");
        assert_eq!(
            python_str(&json!({"summary": ["it's", 1, true, null]})),
            r#"{'summary': ["it's", 1, True, None]}"#
        );
    }
}
