//! `--profile NAME`: the framework semantics a command runs a scenario under, for every
//! command that runs one.

use clap::Args;
use handoff_harness::Profile;

/// The `--profile` option, flattened into a command's arguments.
#[derive(Debug, Clone, Copy, Default, Args)]
pub(crate) struct ProfileArg {
    /// Run under this framework's semantics instead of the scenario's `profile`:
    /// semantic-kernel (the default), semantic-kernel-fixed, semantic-kernel-dotnet,
    /// agent-framework or openai-agents.
    #[arg(long, value_name = "NAME", value_parser = parse_profile)]
    pub(crate) profile: Option<&'static Profile>,
}

/// Parses a profile name, listing the names on a typo.
pub(crate) fn parse_profile(name: &str) -> Result<&'static Profile, String> {
    Profile::parse(name)
}
