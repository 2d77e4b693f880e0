//! The tool surface: how a framework turns a design into the functions each model is offered.
//! Besides its own tools, each agent gets one transfer function per allowed target and, in
//! frameworks that have one, a completion function; the surface fixes their names, the
//! plugin that qualifies them on the wire, their order, what an edge without a description
//! says, and which edges exist when none are declared.

use std::sync::Arc;

/// How a framework names, orders and describes the functions of a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolSurface {
    /// The plugin that qualifies the handoff functions on the wire (`Handoff` gives
    /// `Handoff-transfer_to_X`); `None` sends plain names.
    pub plugin: Option<&'static str>,
    /// Whether an agent's own tools go on the wire as `<plugin>-<name>` (Semantic Kernel)
    /// or by their plain name (Agent Framework, the OpenAI Agents SDK).
    pub own_plugins: bool,
    /// The start of a transfer function's name, before the target's name (`transfer_to_`).
    pub transfer_prefix: &'static str,
    /// How the target's name is written after the prefix.
    pub target_names: TargetNames,
    /// The function that ends a run, if the framework has one.
    pub complete: Option<CompleteTool>,
    /// Whether the completion function comes before the transfer functions (.NET).
    pub complete_first: bool,
    /// What a transfer function says when its edge has no description.
    pub fallback: Fallback,
    /// Whether an edge declared with the target's name loses its description, as Semantic
    /// Kernel Python's `OrchestrationHandoffs.add(source, "Target", "...")` does (SK#13115).
    pub drops_by_name: bool,
    /// The edges of a design that declares none.
    pub no_edges: NoEdges,
    /// Which names a function call may use to reach a function.
    pub resolution: Resolution,
    /// The JSON-schema dialect the functions' parameters are declared in.
    pub schema: super::Schema,
    /// What two handoffs of one agent whose transfer functions reach the wire under one
    /// name do.
    pub collisions: Collisions,
}

/// What a design does whose agent has two handoffs sent under one function name (the OpenAI
/// Agents SDK lowercases `Billing Agent` and `billing agent` alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collisions {
    /// The design is refused (the OpenAI Agents SDK's `tool_name_collision_policy="error"`:
    /// a `UserError` before the model is called).
    Refused,
    /// The last of them is offered, in its own place (the others are left out), and the framework
    /// warns (the OpenAI Agents SDK's default, `tool_name_collision_policy="warn"`).
    LastKept,
}

impl Collisions {
    /// The names of the policies in scenario files (the OpenAI Agents SDK's), in declaration
    /// order.
    pub const NAMES: [&'static str; 2] = ["error", "warn"];

    /// The policy named `name` in scenario files.
    pub fn named(name: &str) -> Option<Collisions> {
        match name {
            "error" => Some(Collisions::Refused),
            "warn" => Some(Collisions::LastKept),
            _ => None,
        }
    }
}

/// Which names reach a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The wire name (`Handoff-transfer_to_X`) or the plain name (`transfer_to_X`), as
    /// Semantic Kernel Python looks a plain name up in every plugin.
    PlainOrWire,
    /// The wire name only, compared ignoring case (.NET's `IsRequestableTool`).
    WireIgnoringCase,
    /// The wire name only (frameworks without plugins, where the two are one).
    Wire,
}

/// How a target's name becomes part of a transfer function's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetNames {
    /// As it is (`transfer_to_RefundAgent`).
    Kept,
    /// Lowercased, every character but a letter, digit or `_` written `_`
    /// (`transfer_to_refundagent`: the OpenAI Agents SDK).
    LowerSnake,
}

/// What a transfer function's description is when its edge declares none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The target agent's description; an edge declared with `""` keeps `""`.
    TargetDescription,
    /// The target's description, or, when that is empty too, this text with `{target}` for
    /// the target's name; an edge declared with `""` falls back as well (Agent Framework).
    TargetOr(&'static str),
    /// This text, with `{target}` and `{description}` (the target's description); an edge
    /// declared with `""` falls back as well (the OpenAI Agents SDK).
    Template(&'static str),
}

/// The edges of a design that declares none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoEdges {
    /// None: no agent can hand off.
    Allowed,
    /// Every agent may hand off to every other, in agent order (Agent Framework).
    Mesh,
    /// The framework refuses such a design with this message.
    Refused(&'static str),
}

/// A completion function: called with a summary, it ends the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompleteTool {
    /// Its name (`complete_task`).
    pub name: &'static str,
    /// Its one required string parameter (`task_summary`).
    pub parameter: &'static str,
    /// The description the model reads.
    pub description: &'static str,
}

/// The name of Semantic Kernel Python's completion function.
pub const COMPLETE_TASK: &str = "complete_task";
/// Its one parameter.
pub const TASK_SUMMARY: &str = "task_summary";
/// The description Semantic Kernel gives `complete_task`.
pub const COMPLETE_TASK_DESCRIPTION: &str = "Complete the task with a summary when no further requests are given.";
/// The plugin that holds the handoff functions, as Semantic Kernel Python names it.
pub const HANDOFF_PLUGIN: &str = "Handoff";
/// The prefix of a handoff function's name: `transfer_to_<Agent>`.
pub const TRANSFER_PREFIX: &str = "transfer_to_";

/// Whether `name` is usable in a function name (`^[0-9A-Za-z_-]{1,64}$`, as the Chat
/// Completions API checks; Semantic Kernel checks the characters).
pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_WIRE_NAME
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The longest function name the Chat Completions API accepts.
pub(super) const MAX_WIRE_NAME: usize = 64;

impl ToolSurface {
    /// Semantic Kernel Python's: `Handoff-transfer_to_<Agent>` and
    /// `Handoff-complete_task(task_summary)`, own tools as `<plugin>-<name>`, an edge declared
    /// by name without its description, a design without edges refused.
    pub const SEMANTIC_KERNEL: ToolSurface = ToolSurface {
        plugin: Some(HANDOFF_PLUGIN),
        own_plugins: true,
        transfer_prefix: TRANSFER_PREFIX,
        target_names: TargetNames::Kept,
        complete: Some(CompleteTool {
            name: COMPLETE_TASK,
            parameter: TASK_SUMMARY,
            description: COMPLETE_TASK_DESCRIPTION,
        }),
        complete_first: false,
        fallback: Fallback::TargetDescription,
        drops_by_name: true,
        no_edges: NoEdges::Refused("Handoffs cannot be empty. Please provide at least one handoff connection."),
        resolution: Resolution::PlainOrWire,
        schema: super::Schema::SemanticKernel,
        collisions: Collisions::Refused,
    };

    /// The OpenAI Agents SDK's: `transfer_to_<agent_in_snake_case>` with the SDK's default
    /// description, own tools by their plain names, no completion function, a design without
    /// edges allowed, schemas in the SDK's strict dialect.
    pub const AGENTS_SDK: ToolSurface = ToolSurface {
        plugin: None,
        own_plugins: false,
        transfer_prefix: TRANSFER_PREFIX,
        target_names: TargetNames::LowerSnake,
        complete: None,
        complete_first: false,
        fallback: Fallback::Template("Handoff to the {target} agent to handle the request. {description}"),
        drops_by_name: false,
        no_edges: NoEdges::Allowed,
        resolution: Resolution::Wire,
        schema: super::Schema::AgentsSdk,
        collisions: Collisions::LastKept,
    };

    /// Whether a call named `called` reaches the function with plain name `name` and wire
    /// name `wire`.
    #[inline(always)]
    pub fn reaches(&self, called: &str, name: &str, wire: &str) -> bool {
        match self.resolution {
            Resolution::PlainOrWire => called == name || called == wire,
            Resolution::WireIgnoringCase => called.eq_ignore_ascii_case(wire),
            Resolution::Wire => called == wire,
        }
    }

    /// [`ToolSurface::reaches`] for names that may be shared: a name that is the function's
    /// own (the same allocation) is told without comparing text.
    #[inline(always)]
    pub fn reaches_shared(&self, called: &Arc<str>, name: &Arc<str>, wire: &Arc<str>) -> bool {
        let own = match self.resolution {
            Resolution::PlainOrWire => Arc::ptr_eq(called, name) || Arc::ptr_eq(called, wire),
            Resolution::WireIgnoringCase | Resolution::Wire => Arc::ptr_eq(called, wire),
        };
        own || self.reaches(called, name, wire)
    }

    /// The name a scripted model calls the function by: the plain name where that reaches
    /// it, the wire name otherwise.
    pub fn call_name<'a>(&self, name: &'a str, wire: &'a str) -> &'a str {
        if self.reaches(name, name, wire) { name } else { wire }
    }

    /// The name of the function that transfers to `target`.
    pub fn transfer_name(&self, target: &str) -> String {
        let mut name = String::with_capacity(self.transfer_prefix.len() + target.len());
        name.push_str(self.transfer_prefix);
        match self.target_names {
            TargetNames::Kept => name.push_str(target),
            TargetNames::LowerSnake => name.extend(target.chars().map(|c| match c {
                c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
                _ => '_',
            })),
        }
        name
    }

    /// A handoff function's name as the wire carries it (`<plugin>-<name>`).
    pub fn qualified(&self, name: &str) -> String {
        match self.plugin {
            Some(plugin) => format!("{plugin}-{name}"),
            None => name.to_string(),
        }
    }

    /// The plain name of a handoff's transfer function to `target`: `tool_name` when the
    /// edge overrides it (the OpenAI Agents SDK's `tool_name_override`, used as it is), else
    /// the surface's [`ToolSurface::transfer_name`].
    pub fn handoff_name(&self, tool_name: Option<&str>, target: &str) -> String {
        match tool_name {
            Some(name) => name.to_string(),
            None => self.transfer_name(target),
        }
    }

    /// An agent's own tool's name as the wire carries it.
    pub fn qualified_own(&self, plugin: Option<&str>, name: &str) -> String {
        match plugin.filter(|_| self.own_plugins) {
            Some(plugin) => format!("{plugin}-{name}"),
            None => name.to_string(),
        }
    }

    /// The description of the transfer function to `target` (named `target_name`, described
    /// `target_description`) of an edge declared with `declared`, by name or not.
    pub fn describe(
        &self,
        declared: Option<&str>,
        by_name: bool,
        target_name: &str,
        target_description: &str,
    ) -> String {
        if by_name && self.drops_by_name {
            return String::new();
        }
        match (self.fallback, declared) {
            (Fallback::TargetDescription, Some(text)) => text.to_string(),
            (Fallback::TargetDescription, None) => target_description.to_string(),
            (_, Some(text)) if !text.is_empty() => text.to_string(),
            (Fallback::TargetOr(_), _) if !target_description.is_empty() => target_description.to_string(),
            (Fallback::TargetOr(text), _) => text.replace("{target}", target_name),
            (Fallback::Template(text), _) => text
                .replace("{target}", target_name)
                .replace("{description}", target_description),
        }
    }

    /// Whether an agent's own tool named `name` would take a handoff function's name.
    pub fn is_reserved(&self, name: &str) -> bool {
        name.starts_with(self.transfer_prefix) || self.complete.is_some_and(|c| c.name == name)
    }

    /// The names of the handoff functions, for an error message: "`complete_task` and
    /// `transfer_to_*`".
    pub fn reserved_names(&self) -> String {
        match self.complete {
            Some(complete) => format!("`{}` and `{}*`", complete.name, self.transfer_prefix),
            None => format!("`{}*`", self.transfer_prefix),
        }
    }

    /// Whether `name` can name an agent. A surface that writes the name into function names
    /// as it is needs a valid function name; one that rewrites it (the OpenAI Agents SDK's
    /// lower snake case: `FAQ Agent` is offered as `transfer_to_faq_agent`) takes any name of
    /// at most 64 characters without control characters, as the SDK's own examples name
    /// their agents.
    pub fn valid_agent_name(&self, name: &str) -> bool {
        match self.target_names {
            TargetNames::Kept => valid_name(name),
            TargetNames::LowerSnake => {
                !name.is_empty() && name.chars().count() <= MAX_WIRE_NAME && !name.chars().any(char::is_control)
            }
        }
    }
}

impl Default for ToolSurface {
    fn default() -> ToolSurface {
        ToolSurface::SEMANTIC_KERNEL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_kernel_names_its_functions_with_the_plugin() {
        let sk = ToolSurface::SEMANTIC_KERNEL;
        assert_eq!(sk.transfer_name("RefundAgent"), "transfer_to_RefundAgent");
        assert_eq!(
            sk.qualified("transfer_to_RefundAgent"),
            "Handoff-transfer_to_RefundAgent"
        );
        assert_eq!(sk.qualified_own(Some("OrderPlugin"), "check"), "OrderPlugin-check");
        assert!(sk.is_reserved("transfer_to_x") && sk.is_reserved("complete_task"));
        assert!(!sk.is_reserved("check_order_status"));
        assert_eq!(sk.describe(Some("text"), false, "T", "t"), "text");
        assert_eq!(sk.describe(Some("text"), true, "T", "t"), "", "SK#13115");
        assert_eq!(sk.describe(None, false, "T", "t"), "t");
        assert!(sk.reaches("transfer_to_B", "transfer_to_B", "Handoff-transfer_to_B"));
        let dotnet = ToolSurface {
            resolution: Resolution::WireIgnoringCase,
            ..sk
        };
        assert!(!dotnet.reaches("transfer_to_B", "transfer_to_B", "Handoff-transfer_to_B"));
        assert!(dotnet.reaches("handoff-TRANSFER_to_b", "transfer_to_B", "Handoff-transfer_to_B"));
        assert_eq!(
            dotnet.call_name("transfer_to_B", "Handoff-transfer_to_B"),
            "Handoff-transfer_to_B"
        );
        assert_eq!(sk.call_name("transfer_to_B", "Handoff-transfer_to_B"), "transfer_to_B");
    }

    #[test]
    fn a_surface_may_lowercase_targets_and_have_no_completion_function() {
        let lower = ToolSurface::AGENTS_SDK;
        assert_eq!(lower.transfer_name("Refund-Agent"), "transfer_to_refund_agent");
        assert_eq!(
            lower.transfer_name("Seat Booking Agent"),
            "transfer_to_seat_booking_agent"
        );
        assert!(lower.valid_agent_name("FAQ Agent") && !ToolSurface::SEMANTIC_KERNEL.valid_agent_name("FAQ Agent"));
        assert!(!lower.valid_agent_name("FAQ\nAgent") && !lower.valid_agent_name(""));
        assert!(!lower.valid_agent_name(&"a".repeat(65)));
        assert_eq!(lower.qualified_own(Some("P"), "check"), "check");
        assert!(!lower.is_reserved("complete_task"));
        assert_eq!(lower.reserved_names(), "`transfer_to_*`");
        assert_eq!(
            lower.describe(Some(""), false, "Refund", "Refunds."),
            "Handoff to the Refund agent to handle the request. Refunds."
        );
        assert_eq!(
            lower.describe(Some("x"), true, "Refund", "Refunds."),
            "x",
            "no SK#13115 here"
        ); // `tool_name_override or Handoff.default_tool_name(agent)`, the override as it is.
        assert_eq!(lower.handoff_name(Some("Custom_Name"), "Refund"), "Custom_Name");
        assert_eq!(lower.handoff_name(None, "Refund"), "transfer_to_refund");
    }

    #[test]
    fn agent_framework_falls_back_to_the_target_then_to_its_own_text() {
        let af = ToolSurface {
            fallback: Fallback::TargetOr("Handoff to the {target} agent."),
            drops_by_name: false,
            ..ToolSurface::SEMANTIC_KERNEL
        };
        assert_eq!(af.describe(None, false, "B", "Does B."), "Does B.");
        assert_eq!(af.describe(Some(""), false, "B", ""), "Handoff to the B agent.");
        assert_eq!(af.describe(Some("when b"), false, "B", "Does B."), "when b");
    }
}
