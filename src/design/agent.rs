//! Agents and their own tools, with builders that read like the design, and the id an
//! agent has in its design.

use super::parameters::{Parameter, Parameters};

/// Index of an agent in its design, in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentId(pub(crate) u32);

impl AgentId {
    /// Position of the agent in the design's agent list.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One agent: who it is, what its model is told, and its own tools.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// Unique name (letters, digits, `_`, `-`), as in `transfer_to_<name>`.
    pub name: String,
    /// What the agent does; the fallback description of handoffs to it.
    pub description: String,
    /// The system message its model receives.
    pub instructions: String,
    /// Its own tools, offered before the handoff functions.
    pub tools: Vec<Tool>,
    /// Its structured output (the OpenAI Agents SDK's `Agent(output_type=...)`); `None`: text.
    pub output_type: Option<std::sync::Arc<super::OutputType>>,
}

impl Agent {
    /// An agent with this name and nothing else yet.
    pub fn new(name: impl Into<String>) -> Agent {
        Agent {
            name: name.into(),
            description: String::new(),
            instructions: String::new(),
            tools: Vec::new(),
            output_type: None,
        }
    }
    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Agent {
        self.description = text.into();
        self
    }
    /// Sets the instructions (system message).
    pub fn instructions(mut self, text: impl Into<String>) -> Agent {
        self.instructions = text.into();
        self
    }
    /// Adds a tool.
    pub fn tool(mut self, tool: Tool) -> Agent {
        self.tools.push(tool);
        self
    }
}

/// A tool of an agent, executed by the harness from its result template.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    /// Function name (letters, digits, `_`, `-`).
    pub name: String,
    /// Plugin that holds it; the model sees `<plugin>-<name>` when set, as in Semantic Kernel.
    pub plugin: Option<String>,
    /// What the tool does, as the model reads it.
    pub description: String,
    /// Its parameters: listed (each with its JSON Schema), or one complete JSON Schema.
    pub parameters: Parameters,
    /// Result template: `{param}` is replaced by the argument's value.
    pub result: String,
    /// Where the app's own tool computes the result (`handoff serve`): the regular expression
    /// every result must match; `result` is then the example a run without the app uses.
    pub result_matches: Option<String>,
    /// Whether a call of it waits for the human's approval before it runs (the OpenAI Agents
    /// SDK's `@function_tool(needs_approval=True)`): `Runner.run` returns with the call in
    /// `result.interruptions`, and the app resumes it approved or rejected.
    pub needs_approval: bool,
}

impl Tool {
    /// A tool with this name and nothing else yet.
    pub fn new(name: impl Into<String>) -> Tool {
        Tool {
            name: name.into(),
            plugin: None,
            description: String::new(),
            parameters: Parameters::default(),
            result: String::new(),
            result_matches: None,
            needs_approval: false,
        }
    }
    /// Sets the plugin name.
    pub fn plugin(mut self, plugin: impl Into<String>) -> Tool {
        self.plugin = Some(plugin.into());
        self
    }
    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Tool {
        self.description = text.into();
        self
    }
    /// Adds a required string parameter.
    pub fn parameter(self, name: impl Into<String>, description: impl Into<String>) -> Tool {
        self.typed_parameter(Parameter::string(name, description))
    }
    /// Adds a parameter of any type (after any listed ones; it replaces a complete schema).
    pub fn typed_parameter(mut self, parameter: Parameter) -> Tool {
        match &mut self.parameters {
            Parameters::Listed(list) => list.push(parameter),
            Parameters::Schema(_) => self.parameters = Parameters::Listed(vec![parameter]),
        }
        self
    }
    /// Sets the complete JSON Schema of the arguments, sent exactly as given.
    pub fn parameters_schema(mut self, schema: serde_json::Value) -> Tool {
        self.parameters = Parameters::Schema(schema);
        self
    }
    /// Sets the result template.
    pub fn result(mut self, template: impl Into<String>) -> Tool {
        self.result = template.into();
        self
    }
    /// Says a call of it waits for the human's approval (the OpenAI Agents SDK's
    /// `needs_approval=True`; other frameworks' profiles refuse it).
    pub fn needs_approval(mut self, needs: bool) -> Tool {
        self.needs_approval = needs;
        self
    }
    /// Says the app's own tool computes the result: any result matching `regex` is right, and
    /// the result template is the example a run without the app uses.
    pub fn result_matching(mut self, regex: impl Into<String>) -> Tool {
        self.result_matches = Some(regex.into());
        self
    }
}
