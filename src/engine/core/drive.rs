//! Driving a run without a runtime: the core alone, answered by two closures.

use super::{Core, Next};
use crate::engine::{HumanRequest, ModelError, ModelRequest, Response};

impl Core {
    /// Drives the run to its end without a runtime: `model` answers each model call (with
    /// the model's deciding state after it, see [`Core::model_replied`]), `human` each text
    /// reply (`None`: nothing more to say). Stops within [`Core::step_budget`], like every driver.
    pub fn drive(
        mut self,
        mut model: impl FnMut(&ModelRequest<'_>) -> (Result<Response, ModelError>, Option<u64>),
        mut human: impl FnMut(HumanRequest<'_>) -> Option<String>,
    ) -> crate::engine::Run {
        let (budget, mut steps) = (self.step_budget(), 0u64);
        loop {
            if steps == budget {
                self.stop_at_ceiling();
            } else if steps > budget {
                break; // only a core that does not stop when told gets here
            }
            steps += 1;
            match self.next {
                Next::CallModel => {
                    let (reply, state) = model(&self.request());
                    self.model_replied(reply, state);
                }
                Next::AskHuman => {
                    let answer = human(self.human_request());
                    self.human_answered(answer);
                }
                Next::Done => break,
            }
        }
        self.into_run()
            .expect("the routing core ended no run within its step budget")
    }
}
