//! The engine: where a handoff happens. A sans-IO routing [`Core`] fed model replies and
//! human answers, consulting its [`Profile`] (the framework semantics it follows), the append-only [`EventLog`] whose views are each agent's [`Thread`], the
//! loop proofs, the [`Outcome`] of a run, its [`Limits`] and [`Policy`], the [`Model`] and
//! [`Human`] traits, the async [`Orchestration`] that drives the core, and the finished
//! [`Run`] with its renderings.

mod api_error;
mod approval;
mod autonomous;
mod cancel;
mod core;
mod enablement;
mod event;
mod final_output;
mod history;
mod input;
mod loops;
mod model;
mod orchestration;
mod outcome;
pub mod profile;
mod run;
mod settings;

pub use api_error::{ApiError, CLIENT_RETRIES, ErrorRules, Refusal};
pub use approval::{Approval, ApprovalRequest};
pub(crate) use approval::{decided_call, own_rejection_text};
pub use autonomous::{AutonomousAgent, AutonomousMode};
pub use cancel::{Cancel, Cancellation};
pub use core::{Core, Next, session_items};
pub use enablement::{Enablement, HandoffCondition};
pub use event::{
    CallId, CallSpan, Event, EventIndex, EventKind, EventLog, Message, Thread, ThreadCursor, ToolCall, ToolOutput,
    Visibility, arguments_text,
};
pub use history::{EdgeHistory, HandoffHistory, HistorySummary, InputFilter, ItemPart, Rewrite};
pub use input::{InputMessage, InputRole, SummaryRecord, summary_line, summary_records};
pub use model::{Call, Calls, HumanRequest, Model, ModelError, ModelRequest, Response};
pub use orchestration::{Human, NoHuman, Observer, Orchestration, ScriptedHuman, block_on};
pub use outcome::Outcome;
pub use profile::Profile;
pub use run::{Run, TextLines};
pub use settings::{
    HandlerOutput, Limit, Limits, MAX_CEILING, MAX_EVENTS, MaxTurns, MultipleHandoffs, Policy, Settings, StreamedRuns,
    Termination,
};
