//! A model's API that answers with an error (an HTTP status with OpenAI's error body, or no
//! answer in time) or with a refusal, and what each framework then does.
//!
//! All three frameworks reach the model through the OpenAI Python client (`openai` 3.57,
//! `_base_client.py`), which tries a request again on a timeout and on the statuses 408,
//! 409, 429 and 5xx, `max_retries` times (default 2), before it raises
//! (`RateLimitError`, `BadRequestError`, `APITimeoutError`, ...: `Error code: 429 - <the
//! body's message>`). Each framework then surfaces the client's exception its own way,
//! read from its source: Semantic Kernel's connector wraps it in a
//! `ServiceResponseException` that the handoff actor's exception handler hands to the
//! orchestration's result (`get()` raises it); Agent Framework's client wraps it in a
//! `ChatClientException` and the workflow fails (`executor_failed`, status `FAILED`, and
//! `workflow.run` raises); the OpenAI Agents SDK's `Runner.run` raises the client's own
//! exception. A refusal (`message.refusal`) is, in Semantic Kernel Python's streamed
//! answers, no content at all (its chunk parser reads `delta.content` only); Agent
//! Framework's client reads it as text; the Agents SDK raises `ModelRefusalError`.

use serde_json::{Value, json};

use crate::engine::Profile;

/// How many times the OpenAI Python client tries a failed request again (`DEFAULT_MAX_RETRIES`).
pub const CLIENT_RETRIES: u32 = 2;

/// What the model's API answered instead of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status; `None` for no answer in time (the client's `APITimeoutError`).
    pub status: Option<u16>,
    /// The error body's `code` (`context_length_exceeded`, `rate_limit_exceeded`), if any.
    pub code: Option<String>,
    /// The error body's `type` (`invalid_request_error`, `requests`, `server_error`).
    pub kind: String,
    /// The error body's `message`.
    pub message: String,
}

impl ApiError {
    /// No answer before the client's timeout.
    pub fn timeout() -> ApiError {
        ApiError {
            status: None,
            code: None,
            kind: "timeout".into(),
            message: "Request timed out.".into(),
        }
    }

    /// The 400 OpenAI answers a request longer than the model's context window with.
    pub fn context_length_exceeded() -> ApiError {
        ApiError {
            status: Some(400),
            code: Some("context_length_exceeded".into()),
            kind: "invalid_request_error".into(),
            message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 128001 tokens. Please reduce the length of the messages.".into(),
        }
    }

    /// An HTTP `status`, with OpenAI's usual body for it unless `code`, `kind` or
    /// `message` say otherwise.
    pub fn status(status: u16, code: Option<String>, kind: Option<String>, message: Option<String>) -> ApiError {
        let (usual_kind, usual_code, usual_message) = match status {
            400 => ("invalid_request_error", None, "Invalid request."),
            401 => (
                "invalid_request_error",
                Some("invalid_api_key"),
                "Incorrect API key provided.",
            ),
            403 => (
                "invalid_request_error",
                None,
                "You are not allowed to sample from this model.",
            ),
            404 => (
                "invalid_request_error",
                Some("model_not_found"),
                "The model does not exist.",
            ),
            408 => ("timeout", None, "Request timed out."),
            409 => ("conflict", None, "The request conflicted with another one."),
            429 => (
                "requests",
                Some("rate_limit_exceeded"),
                "Rate limit reached for requests. Please try again in 1ms.",
            ),
            503 => (
                "server_error",
                None,
                "The engine is currently overloaded, please try again later.",
            ),
            s if s >= 500 => (
                "server_error",
                None,
                "The server had an error while processing your request. Sorry about that!",
            ),
            _ => ("invalid_request_error", None, "The request was refused."),
        };
        ApiError {
            status: Some(status),
            code: code.or(usual_code.map(String::from)),
            kind: kind.unwrap_or_else(|| usual_kind.into()),
            message: message.unwrap_or_else(|| usual_message.into()),
        }
    }

    /// Whether the OpenAI client tries the request again: a timeout, 408, 409, 429 or 5xx.
    pub fn retried(&self) -> bool {
        match self.status {
            None => true,
            Some(s) => matches!(s, 408 | 409 | 429) || s >= 500,
        }
    }

    /// OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`.
    pub fn body(&self) -> Value {
        json!({ "error": {
            "message": self.message,
            "type": self.kind,
            "param": null,
            "code": self.code,
        } })
    }

    /// The exception the OpenAI Python client raises, and its text.
    pub fn client_exception(&self) -> (&'static str, String) {
        let Some(status) = self.status else {
            return ("APITimeoutError", "Request timed out.".into());
        };
        let class = match status {
            400 => "BadRequestError",
            401 => "AuthenticationError",
            403 => "PermissionDeniedError",
            404 => "NotFoundError",
            409 => "ConflictError",
            422 => "UnprocessableEntityError",
            429 => "RateLimitError",
            s if s >= 500 => "InternalServerError",
            _ => "APIStatusError",
        };
        let text = match self.message.is_empty() {
            true => format!("Error code: {status}"),
            false => format!("Error code: {status} - {}", self.message),
        };
        (class, text)
    }

    /// The error in a line: `429 rate_limit_exceeded`, `a timeout`.
    pub fn describe(&self) -> String {
        match (self.status, &self.code) {
            (None, _) => "a timeout".into(),
            (Some(s), Some(code)) => format!("HTTP {s} ({code})"),
            (Some(s), None) => format!("HTTP {s}"),
        }
    }

    /// The error as structured fields, for `outcome.detail`.
    pub fn detail(&self) -> Value {
        let (exception, text) = self.client_exception();
        json!({
            "status": self.status,
            "code": self.code,
            "type": self.kind,
            "message": self.message,
            "client_exception": exception,
            "client_text": text,
        })
    }
}

/// What a framework does with a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It reads no content: a response with nothing (Semantic Kernel's streamed answers).
    Nothing,
    /// It reads the refusal as the response's text (Agent Framework).
    Text,
    /// It raises `ModelRefusalError` (the OpenAI Agents SDK): the run fails.
    Raises,
}

/// What a profile's framework does when its model's API fails or refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorRules {
    /// How many times its client tries a failed request again.
    pub retries: u32,
    /// What it reads in a refusal.
    pub refusal: Refusal,
}

impl ErrorRules {
    /// The rules of `profile`'s framework.
    pub fn of(profile: &Profile) -> ErrorRules {
        let refusal = match profile.name {
            "agent-framework" => Refusal::Text,
            "openai-agents" => Refusal::Raises,
            _ => Refusal::Nothing,
        };
        let retries = match profile.name {
            // .NET's OpenAI client (System.ClientModel's `ClientRetryPolicy`) tries 3 more times.
            "semantic-kernel-dotnet" => 3,
            _ => CLIENT_RETRIES,
        };
        ErrorRules { retries, refusal }
    }

    /// The exception the run ends with, after the client gave up: the framework's own
    /// wrapping of the client's exception, as `Type: text`.
    pub fn exception(profile: &Profile, error: &ApiError) -> String {
        let (class, text) = error.client_exception();
        match profile.name {
            "agent-framework" => format!(
                "ChatClientException: <class 'agent_framework_openai._chat_completion_client.OpenAIChatCompletionClient'> service failed to complete the prompt: {text}"
            ),
            "openai-agents" => format!("{class}: {text}"),
            "semantic-kernel-dotnet" => match error.status {
                Some(status) => format!(
                    "HttpOperationException: Service request failed.\nStatus: {status}\n\n{}",
                    error.body()
                ),
                None => {
                    "HttpOperationException: The operation was cancelled because it exceeded the configured timeout."
                        .into()
                }
            },
            _ => format!(
                "ServiceResponseException: (\"<class 'semantic_kernel.connectors.ai.open_ai.services.open_ai_chat_completion.OpenAIChatCompletion'> service failed to complete the prompt\", {class}({}))",
                crate::design::python_repr(&text)
            ),
        }
    }

    /// The error the OpenAI Agents SDK raises for a refusal.
    pub fn refusal_error(refusal: &str) -> String {
        format!("ModelRefusalError: Model refused to produce output: {refusal}")
    }
}
