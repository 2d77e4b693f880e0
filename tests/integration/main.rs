//! One integration-test binary (each file in `tests/` would link the crate again).
//!
//! - `architecture`: imports flow one way, layers use only the layers below, file sizes;
//! - `analysis`: each finding of the graph analysis, and properties on arbitrary designs;
//! - `analyze`: `handoff analyze` findings, drawings, coverage and diff through the binary;
//! - `drawings`: the DOT drawings rendered by Graphviz (`scripts/graphviz.sh`), red only for problems;
//! - `bench`: the ping-pong workload and `handoff bench pingpong`;
//! - `fuzz`: the fuzzer finds, shrinks and reproduces bounces;
//! - `fuzz_reach`: what fuzz cases reach (the effectiveness figures), and the script gaps;
//! - `shared_designs`: scenarios naming one design file; regressions that follow their scenario;
//! - `conformance`: every trace of a real framework in `conformance/traces/`, call by call;
//! - `trace`: every model call of the customer-support run against the real Semantic Kernel trace;
//! - `typed_tools`: typed tool parameters as each profile offers them, against the real frameworks;
//! - `model_errors`: a scripted HTTP error, timeout, context-length error or refusal under each profile;
//! - `semantics`: one test per rule of the engine: visibility, policies, limits, loops, outcomes;
//! - `scenarios`: every shipped scenario meets its `expect` block, the tutorial's sample output;
//! - `record` (with the fake `endpoint`): `handoff record` against a loopback server, `handoff replay`;
//! - `reliability`: the hostile-input corpus (`tests/hostile/`), runs that would never end,
//!   network faults, files not to lose or overwrite, folders that loop, arbitrary JSON;
//! - `serve`: `handoff serve` through real HTTP clients on loopback, the test as the app;
//! - `serve_new_options`: a real Agents SDK app with a session, enabled handoffs, a task of
//!   messages or server-managed conversations under strict `handoff serve`;
//! - `compare`: `handoff compare`, one scenario under several profiles;
//! - `discover`: `handoff discover` on real apps: the design they show, the scenario that replays them;
//! - `profile_option`: `--profile` on the commands that run a scenario;
//! - `framework_options`: framework options of the `profile` object against the frameworks' own tests;
//! - `framework_options_edges`: framework options of a handoff edge against the frameworks' own tests;
//! - `af_autonomous`: Agent Framework's autonomous mode (`profile.autonomous_mode`): prompts, turn limits, refusals;
//! - `framework_options_input_type`: the Agents SDK's typed handoff arguments (`input_type`) against its own tests;
//! - `tool_approval`: the Agents SDK's tools that need the human's approval: approved, rejected, pending;
//! - `docs`: every shell example of the README and the guide is run, or listed with the test
//!   that runs it; shown output is the real output;
//! - `cli`: exit codes and the error messages of bad scenario files;
//! - `expect_inputs`: `expect.inputs`, what a model call received, as each framework's model reads it;
//! - `snapshots`: every scenario's history against `snapshots/` (insta), and `handoff test`;
//! - `pytest_examples`: `pytest examples/pytest` (the SK tutorial and the Agents SDK sample
//!   in-process) with the wheel and no cargo, green; red with the diff after a changed reply;
//! - `wheel`: the Python package (maturin's wheel) installed into a fresh virtual environment
//!   with no cargo on `PATH`: the binary, `python -m handoff_harness`, the pytest plugin's tests.

mod af_approvals;
mod af_autonomous;
mod af_last_author;
mod analysis;
mod analyze;
mod architecture;
mod bench;
mod cancel;
mod cli;
mod compare;
mod conformance;
mod discover;
mod docs;
mod drawings;
mod driving;
mod endpoint;
mod error_handlers;
mod expect_inputs;
mod framework_options;
mod framework_options_edges;
mod framework_options_input_type;
mod fuzz;
mod fuzz_reach;
mod handoff_conditions;
mod handoff_history;
mod handoff_raw_arguments;
mod host;
mod input_filters;
mod lint;
mod model_errors;
mod profile_option;
mod pytest_examples;
mod real_af;
mod real_app;
mod reasoning_items;
mod record;
mod reliability;
mod scenarios;
mod schemas;
mod script_errors;
mod scripted;
mod sdk_app;
mod semantics;
mod serve;
mod serve_new_options;
mod sessions;
mod shared_designs;
mod shell;
mod snapshots;
mod structured_output;
mod support;
mod task_messages;
mod tool_approval;
mod trace;
mod typed_tools;
mod wheel;
