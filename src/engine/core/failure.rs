//! A model call the model's API answered with an error, and a refusal: what the profile's
//! framework makes of them ([`ErrorRules`]). A status the OpenAI client tries again (a
//! timeout, 408, 409, 429, 5xx) is the same call made again, up to the client's retries: each
//! try reads the script's next answer (its call number counts tries), and one that succeeds
//! goes on as the call's response. Any other error, or the last try's, ends the run
//! (`model-failed`) with the exception the framework raises, as it words it.

use serde_json::Value;

use super::Core;
use crate::design::AgentId;
use crate::engine::{ErrorRules, ModelError, Outcome, Refusal, Response};

impl Core {
    /// The response of `agent`'s model to go on with, if any: an error of its API is tried
    /// again or ends the run, a refusal is read as the framework reads it.
    pub(super) fn accept(&mut self, agent: AgentId, reply: Result<Response, ModelError>) -> Option<Response> {
        let mut response = match reply {
            Ok(response) => response,
            Err(error) => {
                self.model_error(agent, error);
                return None;
            }
        };
        self.retries = 0;
        (response.refusal.is_none() || self.read_refusal(agent, &mut response)).then_some(response)
    }

    /// The model of `agent` failed to answer the current call with `error`.
    fn model_error(&mut self, agent: AgentId, error: ModelError) {
        let Some(api) = error.api else {
            return self.finish(Outcome::ModelFailed {
                agent,
                message: error.message,
                detail: error.detail,
            });
        };
        // The try used one answer of the script.
        self.calls_per_agent[agent.index()] += 1;
        let profile = self.settings.profile;
        let rules = ErrorRules::of(profile);
        if api.retried() && self.retries < rules.retries {
            self.retries += 1;
            let text = format!(
                "the model's API answered {}: the framework's OpenAI client tries the call again (retry {} of {})",
                api.describe(),
                self.retries,
                rules.retries
            );
            return self.note(agent, text);
        }
        let tries = self.retries + 1;
        self.retries = 0;
        self.model_calls += 1;
        self.calls_in_human_turn += 1;
        let why = match (api.retried(), tries) {
            (false, _) => format!(
                "the model's API answered {}, which the client does not try again",
                api.describe()
            ),
            (true, n) => format!(
                "the model's API answered {} {n} times, and the client gave up",
                api.describe()
            ),
        };
        self.note(agent, why);
        let mut detail = api.detail();
        if let Value::Object(fields) = &mut detail {
            fields.insert("kind".into(), "api-error".into());
            fields.insert("tries".into(), tries.into());
        }
        self.finish(Outcome::ModelFailed {
            agent,
            message: ErrorRules::exception(profile, &api),
            detail: Some(Box::new(detail)),
        });
    }

    /// Reads the refusal of `response` as the framework does: no content, text, or an
    /// error that ends the run (then `false`: the response goes no further).
    fn read_refusal(&mut self, agent: AgentId, response: &mut Response) -> bool {
        let refusal = response.refusal.take().unwrap_or_default();
        let profile = self.settings.profile;
        match ErrorRules::of(profile).refusal {
            Refusal::Nothing => {
                self.notes.push(format!(
                    "the model refused (\"{refusal}\"); {} reads no content in a streamed refusal",
                    profile.framework
                ));
                true
            }
            Refusal::Text => {
                let text = response.text.get_or_insert_with(String::new);
                text.push_str(&refusal);
                true
            }
            Refusal::Raises => {
                self.model_calls += 1;
                self.calls_in_human_turn += 1;
                self.calls_per_agent[agent.index()] += 1;
                if let Some(output) = self.settings.refusal_output.clone() {
                    // The refused response stays in the conversation: a message without text
                    // (its content is the refusal part, which the note quotes), then the
                    // handler's output.
                    let refused = crate::engine::EventKind::Reply {
                        text: None,
                        calls: crate::engine::CallSpan::NONE,
                    };
                    self.append(Some(agent), refused);
                    self.end_with_handler_output(&ErrorRules::refusal_error(&refusal), "model_refusal", output);
                    return false;
                }
                self.finish(Outcome::FrameworkError {
                    agent,
                    error: ErrorRules::refusal_error(&refusal),
                    guard: false,
                });
                false
            }
        }
    }
}
