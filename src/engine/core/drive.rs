//! Driving a run without a runtime: the core alone, answered by closures.

use super::Core;
use crate::engine::{HumanRequest, ModelError, ModelRequest, Response};

impl Core {
    /// Drives the run to its end without a runtime: `model` answers each model call (with
    /// the model's deciding state after it, see [`Core::model_replied`]), `human` each text
    /// reply (`None`: nothing more to say). A call that waits for approval gets none: the run
    /// ends waiting ([`Core::drive_approving`] answers them). Stops within
    /// [`Core::step_budget`], like every driver.
    pub fn drive(
        self,
        model: impl FnMut(&ModelRequest<'_>) -> (Result<Response, ModelError>, Option<u64>),
        human: impl FnMut(HumanRequest<'_>) -> Option<String>,
    ) -> crate::engine::Run {
        self.drive_approving(model, human, |_| None)
    }
}
