//! # handoff-harness
//!
//! Runs **handoff orchestrations** (agents pass control with `transfer_to_<Agent>` tool
//! calls, a human answers text replies, `complete_task` ends the run) against scripted
//! models or recorded conversations, deterministically, with Semantic Kernel's semantics: the same input gives the
//! same event log, byte for byte, and an endless bounce is reported, never run forever.
//!
//! ```
//! use handoff_harness::{Agent, Design, Orchestration, Script, ScriptedHuman, ScriptedModel, Step, Outcome};
//!
//! // The design: who may hand off to whom.
//! let design = Design::builder()
//!     .agent(Agent::new("TriageAgent").instructions("Handle customer requests."))
//!     .agent(Agent::new("RefundAgent").instructions("Handle refund requests."))
//!     .handoff("TriageAgent", "RefundAgent", "Transfer to this agent if the issue is refund related")
//!     .handoff("RefundAgent", "TriageAgent", "Transfer to this agent if the issue is not refund related")
//!     .build()?;
//!
//! // How each agent's model behaves: the first matching rule answers.
//! let triage = Script::rules([
//!     Step::new().when_call(1).say("Hello! How can I help?"),
//!     Step::new().when_user("(?i)refund").handoff("RefundAgent"),
//! ]);
//! let refund = Script::rules([
//!     Step::new().when_user("(?i)bye").complete("Refunded order 7."),
//!     Step::new().say("Your refund is on its way."),
//! ]);
//! let mut model = ScriptedModel::new(&design, [("TriageAgent", &triage), ("RefundAgent", &refund)])?;
//! let mut human = ScriptedHuman::new(["I want a refund for order 7", "Thanks, bye"]);
//!
//! let run = tokio::runtime::Builder::new_current_thread().build()?.block_on(
//!     Orchestration::new(design).task("A customer is on the line.").run(&mut model, &mut human),
//! );
//! assert!(matches!(run.outcome(), Outcome::Completed { summary, .. } if summary == "Refunded order 7."));
//! assert_eq!(
//!     run.text(),
//!     "Task: A customer is on the line.\n\
//!      TriageAgent: Hello! How can I help?\n\
//!      User: I want a refund for order 7\n\
//!      [handoff] TriageAgent -> RefundAgent\n\
//!      RefundAgent: Your refund is on its way.\n\
//!      User: Thanks, bye\n\
//!      Task is completed with summary: Refunded order 7.\n"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pieces, one module each:
//! - [`Design`]: agents, tools, handoff edges, validated;
//! - [`Orchestration`] with the [`Model`], [`Human`] and [`Observer`] traits: the async run;
//! - [`Core`]: the sans-IO routing state machine under it;
//! - [`EventLog`]: the append-only record; each agent's [`Thread`] is a view into it;
//! - [`ScriptedModel`]: rules and response lists; [`Scenario`]: the JSON file format;
//! - [`Limits`], [`Policy`]: bounds and the choices where frameworks differ;
//! - [`Suite`] and [`snapshot`]: a directory of scenarios against expectations and snapshots;
//! - [`fuzz`]: [`Fuzzer`] generates what the human says, checks every run for bouncing, and
//!   shrinks what fails (`handoff fuzz`);
//! - [`PingPong`]: the workload `handoff bench pingpong` times, to measure routing overhead;
//! - [`LiveModel`]: an OpenAI-compatible Chat Completions endpoint ([`chat`] is the wire
//!   format); a [`Recorder`] around any model writes a [`Transcript`], which a
//!   [`ReplayModel`] answers from, reporting the first [`Divergence`] (`handoff record`,
//!   `handoff replay`, `handoff import`);
//! - [`analysis`]: the handoff graph ([`HandoffGraph`], petgraph) and its [`Finding`]s, read
//!   from a [`DesignFile`] before any model call; drawings, coverage and design diffs.

#![warn(missing_docs)]

pub mod analysis;
pub mod chat;
mod design;
mod engine;
mod event;
mod expect;
mod files;
pub mod fuzz;
mod import;
mod invariant;
mod live;
mod loops;
mod model;
mod orchestration;
mod ordered;
mod outcome;
mod pingpong;
mod policy;
mod record;
mod render;
mod replay;
mod run;
mod scenario;
mod scripted;
pub mod snapshot;
mod suite;
mod template;
pub mod transcript;

pub mod cli;

pub use analysis::{Analysis, Code, Finding, HandoffGraph, Severity, Tally};
pub use design::{
    Agent, AgentId, Design, DesignBuilder, DesignError, Handoff, HandoffSpec, Hint, Tool, ToolKind, ToolSpec,
};
pub use design::{COMPLETE_TASK, COMPLETE_TASK_DESCRIPTION, HANDOFF_PLUGIN, TASK_SUMMARY, TRANSFER_PREFIX};
pub use engine::{Core, Next};
pub use event::{
    CallId, Event, EventIndex, EventKind, EventLog, Message, Thread, ThreadCursor, ToolCall, ToolOutput, Visibility,
};
pub use expect::{Check, Expect, Verdict};
pub use fuzz::{Case, Counterexample, Fuzzer, Violation};
pub use import::{ImportError, log_entries};
pub use invariant::Invariant;
pub use live::{Auth, Endpoint, LiveModel, Redactor};
pub use model::{Call, HumanRequest, Model, ModelError, ModelRequest, Response, unknown_tool_message};
pub use orchestration::{Human, NoHuman, Observer, Orchestration, ScriptedHuman};
pub use outcome::Outcome;
pub use pingpong::{PingPong, PingPongReport, RingModel, peak_memory};
pub use policy::{Limit, Limits, MultipleHandoffs, Policy, Settings};
pub use record::Recorder;
pub use render::NO_HUMAN_SUMMARY;
pub use replay::{Divergence, Matching, Replay, ReplayModel, Unused};
pub use run::Run;
pub use scenario::{DesignFile, Scenario, ScenarioError};
pub use scripted::{CallCount, CallSpec, Script, ScriptError, ScriptedModel, Step, When};
pub use suite::{Failure, ScenarioReport, Suite, SuiteError};
pub use template::{Template, TemplateError};
pub use transcript::{Fingerprint, Transcript};
