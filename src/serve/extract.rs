//! The design as the traffic shows it (`handoff serve --write-design`): each agent by its
//! system message and the functions its requests offer, the handoff edges its transfer
//! functions reveal (with their descriptions), and the agents those functions name that no
//! request came from, listed as unknown. Written as a design file, so `handoff analyze` runs
//! on the app's real graph.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Value, json};

use super::request::AppRequest;

/// The agents and functions of the requests seen, in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedDesign {
    agents: Vec<ObservedAgent>,
}

#[derive(Debug, Clone, PartialEq)]
struct ObservedAgent {
    name: String,
    instructions: String,
    /// Functions in Chat Completions shape, the union over the agent's requests, in order.
    tools: Vec<Value>,
    /// The first result seen of each function, by wire name.
    results: Vec<(String, String)>,
}

/// Which of `names` a transfer function's `target` names: exactly, else as a lowercased,
/// underscored name (`refund_agent` for `RefundAgent`, `faq_agent` for `FAQ Agent`).
pub(super) fn named<'a>(names: impl Iterator<Item = Option<&'a str>> + Clone, target: &str) -> Option<usize> {
    let folded = |name: &str| -> String {
        name.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    names.clone().position(|name| name == Some(target)).or_else(|| {
        names
            .clone()
            .position(|name| name.is_some_and(|n| folded(n) == folded(target)))
    })
}

/// What a function of an agent is, by its name.
pub(super) enum Function<'a> {
    /// A transfer to the agent this names (as the name spells it).
    Transfer(&'a str),
    /// The completion function.
    Complete,
    /// An own tool: its plugin (if qualified) and name.
    Own(Option<&'a str>, &'a str),
}

/// What the function named `name` is.
pub(super) fn function(name: &str) -> Function<'_> {
    let (plugin, bare) = match name.split_once('-') {
        Some((plugin, bare)) => (Some(plugin), bare),
        None => (None, name),
    };
    if bare == "complete_task" {
        return Function::Complete;
    }
    match bare
        .strip_prefix("transfer_to_")
        .or_else(|| bare.strip_prefix("handoff_to_"))
    {
        Some(target) if !target.is_empty() => Function::Transfer(target),
        _ => Function::Own(plugin, bare),
    }
}

impl ObservedDesign {
    /// Notes a request of `agent` (`None`: an agent the scenario does not know).
    pub(super) fn observe(&mut self, agent: Option<&str>, request: &AppRequest) {
        let instructions = request.system.clone().unwrap_or_default();
        let known = self.agents.iter().position(|a| match agent {
            Some(name) => a.name == name,
            None => a.instructions == instructions,
        });
        let index = known.unwrap_or_else(|| {
            let unknown = self
                .agents
                .iter()
                .filter(|a| a.name.starts_with("UnknownAgent"))
                .count();
            let name = agent.map_or_else(|| format!("UnknownAgent{}", unknown + 1), String::from);
            self.agents.push(ObservedAgent {
                name,
                instructions,
                tools: Vec::new(),
                results: Vec::new(),
            });
            self.agents.len() - 1
        });
        let agent = &mut self.agents[index];
        for tool in request.tools.iter() {
            if !agent
                .tools
                .iter()
                .any(|t| t["function"]["name"] == tool["function"]["name"])
            {
                agent.tools.push(tool.clone());
            }
        }
        // A function's result is the tool message answering a call of it.
        for message in &request.messages {
            let Some(id) = &message.tool_call_id else { continue };
            let called = request
                .messages
                .iter()
                .flat_map(|m| &m.tool_calls)
                .find(|c| c.id == *id);
            if let Some(call) = called
                && !agent.results.iter().any(|(name, _)| *name == call.name)
            {
                agent
                    .results
                    .push((call.name.clone(), message.content.clone().unwrap_or_default()));
            }
        }
    }

    /// How many agents the requests came from.
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// Whether no request was seen.
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }

    /// The agents that transfer functions name but no request came from.
    pub fn unknown_agents(&self) -> Vec<String> {
        let mut unknown: Vec<String> = Vec::new();
        for agent in &self.agents {
            for tool in &agent.tools {
                if let Function::Transfer(target) = function(tool["function"]["name"].as_str().unwrap_or(""))
                    && self.resolve(target).is_none()
                    && !unknown.iter().any(|u| u == target)
                {
                    unknown.push(target.to_string());
                }
            }
        }
        unknown
    }

    /// The parameters `agent` (by name) was offered its function `function` with, as the app
    /// declared them.
    pub fn declared_parameters(&self, agent: &str, function: &str) -> Option<&Value> {
        let agent = self.agents.iter().find(|a| a.name == agent)?;
        let tool = agent.tools.iter().find(|t| t["function"]["name"] == function)?;
        Some(&tool["function"]["parameters"])
    }

    /// The observed agent a transfer function's target names (exactly, or as a lowercased,
    /// underscored name such as `refund_agent` for `RefundAgent` or `faq_agent` for `FAQ Agent`).
    fn resolve(&self, target: &str) -> Option<&str> {
        let index = named(self.agents.iter().map(|a| Some(a.name.as_str())), target)?;
        Some(&self.agents[index].name)
    }

    /// The design file under `profile`, as JSON text: agents with instructions and own tools, the first
    /// agent seen as `start`, an edge per transfer function in the order offered (with its
    /// description), and the unknown agents.
    pub fn to_design_file(&self, name: &str, profile: &str) -> String {
        let mut agents = Vec::new();
        let mut handoffs = Vec::new();
        // The Agents SDK describes a transfer with no description of its own as "Handoff to
        // the X agent to handle the request. <X's description>": the edge gets none, and X
        // its description. (These are the frameworks' fallbacks: docs/semantics.md.)
        let mut described: Vec<(String, String)> = Vec::new();
        for agent in &self.agents {
            let mut tools = Vec::new();
            let mut edges = Vec::new();
            for tool in &agent.tools {
                let declared = &tool["function"];
                let wire_name = declared["name"].as_str().unwrap_or("");
                let description = declared["description"].as_str().unwrap_or("").to_string();
                match function(wire_name) {
                    Function::Transfer(target) => {
                        let target = self.resolve(target).unwrap_or(target).to_string();
                        // Agent Framework's, with neither: "Handoff to the X agent."
                        let templated = description
                            .strip_prefix(&format!("Handoff to the {target} agent to handle the request."))
                            .or_else(|| (description == format!("Handoff to the {target} agent.")).then_some(""))
                            .map(str::trim);
                        let edge = match templated {
                            Some(rest) => {
                                if !rest.is_empty() && !described.iter().any(|(n, _)| *n == target) {
                                    described.push((target.clone(), rest.to_string()));
                                }
                                Value::Null
                            }
                            None => Value::String(description),
                        };
                        // A transfer that takes arguments: the Agents SDK's `input_type`, its
                        // complete schema as the app sent it.
                        let edge = match parameters(declared) {
                            Value::Object(schema) if !schema.is_empty() && profile == "openai-agents" => {
                                json!({"description": edge, "input_type": {"parameters": schema}})
                            }
                            _ => edge,
                        };
                        edges.push((target, edge));
                    }
                    Function::Complete => {}
                    Function::Own(plugin, bare) => {
                        let result = agent
                            .results
                            .iter()
                            .find(|(name, _)| name == wire_name)
                            .map(|(_, r)| r.as_str());
                        tools.push(OwnTool {
                            plugin,
                            name: bare,
                            description,
                            parameters: parameters(declared),
                            // The result seen, as a literal template.
                            result: result.unwrap_or("").replace('{', "{{").replace('}', "}}"),
                        });
                    }
                }
            }
            agents.push(AgentEntry {
                name: &agent.name,
                description: None,
                instructions: Some(&agent.instructions),
                tools: Some(tools),
            });
            if !edges.is_empty() {
                handoffs.push((agent.name.clone(), Pairs(edges)));
            }
        }
        let unknown = self.unknown_agents();
        for entry in &mut agents {
            entry.description = described.iter().find(|(n, _)| n == entry.name).map(|(_, d)| d.clone());
        }
        agents.extend(unknown.iter().map(|name| AgentEntry {
            name,
            description: Some(
                "never reached: handoff serve saw no request of this agent, so its instructions and tools are unknown".into(),
            ),
            instructions: None,
            tools: None,
        }));
        let file = DesignEntry {
            name,
            profile,
            description: "The design as handoff serve observed it on the wire: each agent by its system message, its functions as offered (with the first result seen), the handoffs its transfer functions reveal.",
            agents,
            start: self.agents.first().map(|a| a.name.as_str()),
            handoffs: Pairs(handoffs),
        };
        serde_json::to_string_pretty(&file).expect("a design serialises") + "\n"
    }
}

/// The parameters of a declared function as a design file writes them: the complete schema
/// the app sent, kept exactly (a loaded design then offers what the app offers, and a strict
/// serve compares equal); `{}` when it sent none.
fn parameters(declared: &Value) -> Value {
    match &declared["parameters"] {
        Value::Object(schema)
            if schema
                .get("properties")
                .is_some_and(|p| p.as_object().is_some_and(|p| !p.is_empty())) =>
        {
            let mut schema = schema.clone();
            // The file reads an object schema as the complete form by its `type`.
            schema.entry("type").or_insert_with(|| "object".into());
            Value::Object(schema)
        }
        Value::Object(schema) if schema.get("type") == Some(&Value::from("object")) => Value::Object(schema.clone()),
        _ => Value::Object(serde_json::Map::new()),
    }
}

/// A JSON object written in the order of its pairs (handoff targets are offered in file order).
struct Pairs<T>(Vec<(String, T)>);

impl<T: Serialize> Serialize for Pairs<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct DesignEntry<'a> {
    name: &'a str,
    profile: &'a str,
    description: &'a str,
    agents: Vec<AgentEntry<'a>>,
    start: Option<&'a str>,
    /// Each edge: its description (`null`: the target's), or an object with its options.
    handoffs: Pairs<Pairs<Value>>,
}

#[derive(Serialize)]
struct AgentEntry<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Vec<OwnTool<'a>>>,
}

#[derive(Serialize)]
struct OwnTool<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin: Option<&'a str>,
    name: &'a str,
    description: String,
    parameters: Value,
    result: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::request::Api;
    use serde_json::json;

    fn request(system: &str, tools: &[(&str, &str)]) -> AppRequest {
        let tools: Vec<Value> = tools
            .iter()
            .map(|(name, description)| {
                json!({"type": "function", "function": {"name": name, "description": description,
                    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}}}})
            })
            .collect();
        let body = json!({"model": "m", "messages": [{"role": "system", "content": system}], "tools": tools});
        AppRequest::parse(Api::ChatCompletions, body.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn edges_come_from_transfer_functions_and_unreached_agents_are_unknown() {
        let mut design = ObservedDesign::default();
        design.observe(
            Some("TriageAgent"),
            &request(
                "Triage.",
                &[
                    ("Handoff-transfer_to_RefundAgent", "refunds"),
                    ("Handoff-transfer_to_LostAgent", ""),
                ],
            ),
        );
        design.observe(
            Some("RefundAgent"),
            &request(
                "Refunds.",
                &[
                    ("Refunds-process_refund", "Process it."),
                    ("Handoff-complete_task", "done"),
                ],
            ),
        );
        assert_eq!(design.unknown_agents(), ["LostAgent"]);
        let file: Value = serde_json::from_str(&design.to_design_file("observed", "semantic-kernel")).unwrap();
        assert_eq!(file["start"], "TriageAgent");
        assert_eq!(file["handoffs"]["TriageAgent"]["RefundAgent"], "refunds");
        assert_eq!(file["agents"][1]["tools"][0]["plugin"], "Refunds");
        // The schema the app sent, kept whole (not flattened to string parameters).
        assert_eq!(
            file["agents"][1]["tools"][0]["parameters"],
            json!({"type": "object", "properties": {"order_id": {"type": "string"}}})
        );
        assert_eq!(file["agents"][2]["name"], "LostAgent");
        assert!(file["handoffs"].get("RefundAgent").is_none());
    }

    #[test]
    fn lowercased_transfer_names_resolve_to_the_agents_seen() {
        let mut design = ObservedDesign::default();
        design.observe(
            Some("RefundAgent"),
            &request("Refunds.", &[("transfer_to_triage_agent", "back")]),
        );
        design.observe(None, &request("Triage.", &[]));
        design.observe(
            Some("TriageAgent"),
            &request("Triage v2.", &[("transfer_to_faq_agent", "faq")]),
        );
        design.observe(Some("FAQ Agent"), &request("FAQ.", &[]));
        assert_eq!(design.unknown_agents(), Vec::<String>::new());
        let file: Value = serde_json::from_str(&design.to_design_file("observed", "semantic-kernel")).unwrap();
        assert_eq!(file["handoffs"]["RefundAgent"]["TriageAgent"], "back");
        assert_eq!(file["handoffs"]["TriageAgent"]["FAQ Agent"], "faq");
        assert_eq!(file["profile"], "semantic-kernel");
        assert_eq!(file["agents"][1]["name"], "UnknownAgent1");
    }
}
