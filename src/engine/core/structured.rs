//! Structured final outputs (the OpenAI Agents SDK's `Agent(output_type=...)`): a text reply
//! of an agent with an output type is read as JSON of the type, the run's final output, or
//! the SDK raises `ModelBehaviorError`; an empty one makes the SDK call the model again (the
//! `invalid_final_output` error handler answers both, where the run has one); an error
//! handler's final output is validated against the type and written as its dump.

use super::Core;
use crate::design::{INVALID_HANDLER_OUTPUT, INVALID_OUTPUT};
use crate::engine::{HandlerOutput, Outcome};

/// What a text turn's reply is, read by the agent's output type.
pub(super) enum Read {
    /// The run goes on as after any text reply.
    Final,
    /// The run ended (an invalid output), a handler answered, or the model is called again
    /// (no output): nothing more to do.
    Done,
}

/// What the SDK hands the `invalid_final_output` handler for a reply without text.
const NO_OUTPUT: &str = "ModelBehaviorError: Model returned no final output for the structured output type.";

impl Core {
    /// The final output of the text turn that ends: a handler's value, else the reply read as
    /// JSON of the agent's output type (an empty reply is no output: the SDK runs the agent
    /// again; an invalid one raises).
    pub(super) fn read_final_output(&mut self) -> Read {
        let agent = self.active;
        if let Some(value) = self.structured.handler.take() {
            self.structured.latest = (!value.is_string()).then_some(value);
            return Read::Final;
        }
        self.structured.latest = None;
        let Some(output_type) = self.design.agent(agent).output_type.clone() else {
            return Read::Final;
        };
        if self.last_text.is_empty() {
            // `potential_final_output_text` is empty: the invalid_final_output handler, else
            // `NextStepRunAgain`.
            match self.settings.invalid_output.clone() {
                Some(output) => self.end_with_handler_output(NO_OUTPUT, "invalid_final_output", output),
                None => self.call_model_next(),
            }
            return Read::Done;
        }
        match output_type.parse(&self.last_text) {
            Ok(value) => {
                self.structured.latest = Some(value);
                Read::Final
            }
            Err(_) if self.settings.invalid_output.is_some() => {
                let output = self.settings.invalid_output.clone().expect("checked");
                self.end_with_handler_output(INVALID_OUTPUT, "invalid_final_output", output);
                Read::Done
            }
            Err(why) => {
                let name = self.design.agent(agent).name.clone();
                self.note(
                    agent,
                    format!(
                        "{name}'s reply is not JSON of its output_type ({why}): {} validates it as the final output, and raises",
                        self.settings.profile.framework
                    ),
                );
                self.finish(Outcome::FrameworkError {
                    agent,
                    error: INVALID_OUTPUT.to_string(),
                    guard: false,
                });
                Read::Done
            }
        }
    }

    /// An error handler's `output` as the active agent's final output: its value and the text
    /// of the message the SDK writes (the dump of the agent's output type, else Python's
    /// `str`); `None` when the output is not of the type (the run then ends with the SDK's
    /// `UserError`).
    pub(super) fn handler_final_output(&mut self, error: &str, kind: &str, output: &HandlerOutput) -> Option<String> {
        let agent = self.active;
        let Some(output_type) = self.design.agent(agent).output_type.clone() else {
            self.structured.handler = Some(output.value.clone());
            return Some(output.text.clone());
        };
        match output_type.handler_output(&output.value) {
            Ok((value, text)) => {
                self.structured.handler = Some(value);
                Some(text)
            }
            Err(why) => {
                let name = self.design.agent(agent).name.clone();
                self.note(
                    agent,
                    format!("{error}: the run's {kind} error handler returns a final output that is not of {name}'s output_type ({why}): the SDK raises"),
                );
                self.finish(Outcome::FrameworkError {
                    agent,
                    error: INVALID_HANDLER_OUTPUT.to_string(),
                    guard: false,
                });
                None
            }
        }
    }
}
