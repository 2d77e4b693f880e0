//! The structured final output of a run of the app (the OpenAI Agents SDK's
//! `result.final_output` where it is not the reply's text): what the routing core keeps of it
//! as the run goes (`core/structured.rs` reads and validates it).

use serde_json::Value;

/// The structured final output of the latest `Runner.run`, and an error handler's value on
/// its way to the text turn it ends.
#[derive(Debug, Default)]
pub(crate) struct FinalOutput {
    /// The value an error handler returned, for the text turn it ends.
    pub(crate) handler: Option<Value>,
    /// The final output of the latest `Runner.run` that ended with one, where it is not the
    /// reply's text itself: an output type's value, or a handler's value that is no string.
    pub(crate) latest: Option<Value>,
}
