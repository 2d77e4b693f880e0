//! # handoff-harness
//!
//! Runs **handoff orchestrations** (agents pass control with `transfer_to_<Agent>` tool
//! calls, a human answers text replies, `complete_task` ends the run) against scripted
//! models or recorded conversations, deterministically, with Semantic Kernel's semantics: the
//! same input gives the same event log, byte for byte, and an endless bounce is reported,
//! never run forever.
//!
//! ```
//! use handoff_harness::{Agent, Design, Orchestration, Outcome, Script, ScriptedHuman, ScriptedModel, Step};
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
//! let run = handoff_harness::engine::block_on(
//!     Orchestration::new(design).task("A customer is on the line.").run(&mut model, &mut human),
//! )?;
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
//! A scenario file holds all of that in JSON (`scenarios/README.md`):
//!
//! ```
//! let scenario = handoff_harness::Scenario::load("scenarios/refund.json")?;
//! let run = scenario.run_blocking()?;
//! assert!(scenario.verdict(&run).passed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Layout
//!
//! One folder per layer; each uses only the layers listed after it.
//!
//! - [`serve`]: the user's real application against a scenario: an OpenAI-compatible
//!   endpoint that answers each request from the scenario's model, in lockstep with its run,
//!   and reports where the app's traffic is not what its framework sends.
//! - [`compare`]: one scenario under several profiles, call by call.
//! - [`suite`], [`fuzz`], [`analysis`], [`bench`](mod@bench): what the commands do with scenarios: run a
//!   directory of them against expectations and insta snapshots ([`Suite`]); search human
//!   inputs for endless bouncing and shrink what fails ([`Fuzzer`]); the handoff graph and
//!   its findings, drawings, coverage and design diffs; the ping-pong workload that measures
//!   routing overhead.
//! - [`scenario`]: the scenario file ([`Scenario`]): design, human replies, model (scripted
//!   rules or a recording), limits, expectations ([`scenario::Expect`]) and invariants.
//! - [`wire`]: the model's side of the wire: the Chat Completions format, the live client,
//!   the recorder, transcripts and their fingerprints, replay, import of production logs.
//! - [`scripted`]: the scripted model ([`ScriptedModel`]): rules ([`Step`]) and response
//!   lists ([`Script`]), compiled against a design.
//! - [`engine`]: where a handoff happens: the sans-IO routing [`engine::Core`], the
//!   append-only [`engine::EventLog`] whose views are each agent's thread, loop proofs,
//!   [`Outcome`]s, [`Limits`] and [`Policy`], the [`Model`] and [`Human`] traits, the async
//!   [`Orchestration`], and the finished [`Run`] with its renderings.
//! - [`design`]: agents, tools, handoff edges and tool-result templates, validated
//!   ([`Design`]).
//! - [`files`]: reading files and naming the place of an error; atomic writes.
//!
//! The `handoff` command line (`src/cli/`) is the binary's, built on this API.

#![warn(missing_docs)]

pub mod analysis;
pub mod bench;
pub mod compare;
pub mod design;
pub mod engine;
pub mod files;
pub mod fuzz;
pub mod lint;
pub mod scenario;
pub mod scripted;
pub mod serve;
pub mod suite;
pub mod wire;

pub use design::{Agent, Design, DesignError, Tool};
pub use engine::{
    Human, Limits, Model, ModelRequest, Orchestration, Outcome, Policy, Profile, Response, Run, ScriptedHuman,
};
pub use fuzz::Fuzzer;
pub use scenario::{Scenario, ScenarioError};
pub use scripted::{Script, ScriptedModel, Step};
pub use suite::Suite;
