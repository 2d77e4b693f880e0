//! The tool surface: how a framework offers handoffs to a model. Besides its own tools, each
//! agent gets one transfer function per allowed target and, in frameworks that have one, a
//! completion function; the surface fixes their names, the plugin that qualifies them on the
//! wire, and the completion function's parameter and description.

/// How the handoff functions are named and described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolSurface {
    /// The plugin that qualifies the handoff functions on the wire (`Handoff` gives
    /// `Handoff-transfer_to_X`); `None` sends plain names.
    pub plugin: Option<&'static str>,
    /// The start of a transfer function's name, before the target's name (`transfer_to_`).
    pub transfer_prefix: &'static str,
    /// Whether the target's name is lowercased in a transfer function's name.
    pub lowercase_targets: bool,
    /// The function that ends a run, if the framework has one.
    pub complete: Option<CompleteTool>,
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
    /// `Handoff-complete_task(task_summary)`.
    pub const SEMANTIC_KERNEL: ToolSurface = ToolSurface {
        plugin: Some(HANDOFF_PLUGIN),
        transfer_prefix: TRANSFER_PREFIX,
        lowercase_targets: false,
        complete: Some(CompleteTool {
            name: COMPLETE_TASK,
            parameter: TASK_SUMMARY,
            description: COMPLETE_TASK_DESCRIPTION,
        }),
    };

    /// The name of the function that transfers to `target`.
    pub fn transfer_name(&self, target: &str) -> String {
        let mut name = String::with_capacity(self.transfer_prefix.len() + target.len());
        name.push_str(self.transfer_prefix);
        if self.lowercase_targets {
            name.push_str(&target.to_lowercase());
        } else {
            name.push_str(target);
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
        assert!(sk.is_reserved("transfer_to_x") && sk.is_reserved("complete_task"));
        assert!(!sk.is_reserved("check_order_status"));
    }

    #[test]
    fn a_surface_may_lowercase_targets_and_have_no_completion_function() {
        let lower = ToolSurface {
            plugin: None,
            transfer_prefix: "handoff_to_",
            lowercase_targets: true,
            complete: None,
        };
        assert_eq!(lower.transfer_name("RefundAgent"), "handoff_to_refundagent");
        assert_eq!(lower.qualified("handoff_to_refundagent"), "handoff_to_refundagent");
        assert!(!lower.is_reserved("complete_task"));
        assert_eq!(lower.reserved_names(), "`handoff_to_*`");
    }
}
