//! `handoff discover`: real apps, unchanged, run against the explorer; the design they show
//! is the one their scenario in this repository declares, function for function as the model
//! is offered them, and the scenario discover writes passes strict `handoff serve` against
//! the same app.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use handoff_harness::Scenario;
use handoff_harness::wire::request_lines;
use serde_json::Value;

use crate::support::{handoff_within, root, setup_once};

/// Each agent as strict serve compares its requests: its system message, and every function
/// offered (own tools and transfers: name, parameters, description, as the framework sends
/// them), one line each (`wire::request_lines`); by agent name.
fn wire_surface(file: &Path) -> Vec<(String, Vec<String>)> {
    let scenario = Scenario::load(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let design = &scenario.design;
    let mut agents: Vec<_> = design
        .ids()
        .map(|id| {
            let agent = design.agent(id);
            let tools: Vec<Value> = design.tools(id).iter().map(|t| t.json_schema()).collect();
            (agent.name.clone(), request_lines(&agent.instructions, &tools, []))
        })
        .collect();
    agents.sort();
    agents
}

/// What one discovery showed.
struct Found {
    _dir: tempfile::TempDir,
    design: PathBuf,
    scenario: PathBuf,
    stderr: String,
    stdout: String,
}

/// `handoff discover --write-design --write-scenario ARGS -- COMMAND`, asserted to exit 0.
fn discover(args: &[&str], command: &[&str]) -> Found {
    let dir = tempfile::tempdir().unwrap();
    let design = dir.path().join("design.json");
    let scenario = dir.path().join("scenario.json");
    let mut all = vec![
        "discover",
        "--write-design",
        design.to_str().unwrap(),
        "--write-scenario",
        scenario.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    all.push("--");
    all.extend_from_slice(command);
    let started = Instant::now();
    let output = handoff_within(&all, 180);
    eprintln!("discover {command:?}: {:.1} s", started.elapsed().as_secs_f64());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    Found {
        _dir: dir,
        design,
        scenario,
        stderr,
        stdout,
    }
}

/// `handoff serve SCENARIO SERVE_ARGS -- COMMAND`, asserted to pass strict.
fn serve_passes(scenario: &Path, serve_args: &[&str], command: &[&str]) -> String {
    let mut all = vec!["serve", scenario.to_str().unwrap(), "--timeout", "60", "--wait", "5"];
    all.extend_from_slice(serve_args);
    all.push("--");
    all.extend_from_slice(command);
    let output = handoff_within(&all, 120);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.ends_with("PASS\n"), "{stdout}");
    stdout
}

#[test]
fn the_tutorial_sample_shows_the_tutorials_design_and_replays_strict() {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    setup_once(&READY, "examples/semantic-kernel/setup.sh");
    let python = root().join("examples/semantic-kernel/python.sh");
    let sample = root().join("examples/semantic-kernel/step4_handoff.py");
    let command = [python.to_str().unwrap(), sample.to_str().unwrap()];
    let found = discover(&[], &command);
    // One run: every edge taken and every tool called, then complete_task.
    assert!(
        found
            .stderr
            .contains("run 1: 10 request(s), 6 transfer(s), 3 tool call(s); app: the app exited with status 0"),
        "{}",
        found.stderr
    );
    assert!(
        found
            .stderr
            .contains("discovered 4 agents under `semantic-kernel` in 1 run(s), 10 request(s)\n"),
        "{}",
        found.stderr
    );
    // The analysis of the design is printed.
    assert!(
        found.stdout.contains("4 agents, 6 handoffs, start `TriageAgent`"),
        "{}",
        found.stdout
    );
    // Function for function what the tutorial's design offers each agent's model. (The three
    // edges back to triage are declared by name, and Semantic Kernel drops their
    // descriptions: no request carries them, and the discovered edges have none.)
    let tutorial = root().join("scenarios/customer_support.json");
    assert_eq!(wire_surface(&found.design), wire_surface(&tutorial));
    let text = std::fs::read_to_string(&found.design).unwrap();
    assert_eq!(text.matches("\"TriageAgent\": \"\"").count(), 3, "{text}");
    let stdout = serve_passes(&found.scenario, &[], &command);
    assert!(
        stdout.contains("  ok     traffic: 10 requests, each the expected one\n"),
        "{stdout}"
    );
}

#[test]
fn the_agents_sdk_customer_service_sample_shows_its_design_and_replays_strict() {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    setup_once(&READY, "examples/openai-agents/setup.sh");
    let python = root().join("examples/openai-agents/python.sh");
    let main = root().join("examples/openai-agents/main.py");
    let command = [python.to_str().unwrap(), main.to_str().unwrap()];
    // The sample reads its first message from its input.
    let found = discover(&["--input", "Hello"], &command);
    assert!(
        found
            .stderr
            .contains("discovered 3 agents under `openai-agents` in 1 run(s), 7 request(s)\n"),
        "{}",
        found.stderr
    );
    // The SDK writes a transfer's description from the target's: the agents' descriptions
    // come back, and the design is the scenario's, descriptions included.
    let reference = root().join("examples/openai-agents/customer_service.json");
    assert_eq!(wire_surface(&found.design), wire_surface(&reference));
    let diff = handoff_within(
        &[
            "analyze",
            "--diff",
            reference.to_str().unwrap(),
            found.design.to_str().unwrap(),
        ],
        30,
    );
    let diff = String::from_utf8_lossy(&diff.stdout);
    assert!(
        diff.contains("no changes to agents, handoffs, descriptions or start"),
        "{diff}"
    );
    let stdout = serve_passes(&found.scenario, &["--task-on-stdin"], &command);
    assert!(
        stdout.contains("[handoff] Triage Agent -> Seat Booking Agent\n"),
        "{stdout}"
    );
}

#[test]
fn an_agent_framework_app_shows_its_mesh_and_replays_strict() {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let python = setup_once(&READY, "examples/published/agent-framework/setup.sh");
    let app = root().join("examples/agent-framework/support_desk.py");
    let command = [python.to_str().unwrap(), app.to_str().unwrap()];
    let found = discover(&[], &command);
    assert!(
        found
            .stderr
            .contains("discovered 4 agents under `agent-framework` in 1 run(s)"),
        "{}",
        found.stderr
    );
    let reference = root().join("examples/agent-framework/support_desk.json");
    assert_eq!(wire_surface(&found.design), wire_surface(&reference));
    // Every one of the twelve edges (some twice, on the way) in one turn: the scenario raises
    // the limit of handoffs per turn (10) its replay needs.
    let scenario: Value = serde_json::from_str(&std::fs::read_to_string(&found.scenario).unwrap()).unwrap();
    let handoffs = scenario["expect"]["path"].as_array().unwrap().len() - 1;
    assert!(handoffs >= 12, "{scenario}");
    assert_eq!(scenario["limits"]["handoffs_per_turn"], handoffs + 1, "{scenario}");
    serve_passes(&found.scenario, &[], &command);
}

#[test]
fn an_app_that_cannot_start_or_never_asks_is_said_so() {
    let output = handoff_within(&["discover", "--", "/no/such/program"], 30);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the command after `--` could not be started"),
        "{stderr}"
    );
    let output = handoff_within(&["discover", "--", "true"], 30);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("discover: the app sent no model request"), "{stderr}");
    // The outputs are checked before the app runs.
    let output = handoff_within(
        &[
            "discover",
            "--write-design",
            "x.json",
            "--write-scenario",
            "./x.json",
            "--",
            "true",
        ],
        30,
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--write-design and --write-scenario name the same file"),
        "{stderr}"
    );
}

#[test]
fn a_chain_with_typed_tools_is_walked_to_its_end_and_replays_strict() {
    // `tests/apps/sk_billing_chain.py`: Disputes is reached only through Billing; Billing has
    // two tools (a string and an int; a bool with a default); there is no human function.
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    setup_once(&READY, "examples/semantic-kernel/setup.sh");
    let python = root().join("examples/semantic-kernel/python.sh");
    let app = root().join("tests/apps/sk_billing_chain.py");
    let command = [python.to_str().unwrap(), app.to_str().unwrap()];
    let found = discover(&[], &command);
    assert!(
        found
            .stderr
            .contains("discovered 3 agents under `semantic-kernel` in 1 run(s), 9 request(s)\n"),
        "{}",
        found.stderr
    );
    let design: Value = serde_json::from_str(&std::fs::read_to_string(&found.design).unwrap()).unwrap();
    assert_eq!(design["start"], "FrontDesk");
    assert_eq!(
        design["handoffs"]["Billing"]["Disputes"],
        "Transfer when the customer disputes a charge"
    );
    // Each tool called once, with arguments of its types; the results the app returned.
    let billing = &design["agents"][1];
    assert_eq!(billing["name"], "Billing");
    let results: Vec<&str> = billing["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        ["Invoice 1 of 1: 42.00 EUR, paid.", "Invoice 1 sent again by post."]
    );
    let stdout = serve_passes(&found.scenario, &[], &command);
    assert!(
        stdout.contains("  ok     path: FrontDesk -> Billing -> Disputes -> FrontDesk"),
        "{stdout}"
    );
}

/// The Agents SDK's handoff-inputs example (`input_type=EscalationData`): the transfer's
/// schema comes back as the edge's `input_type`, the replayed handoff gives the example
/// arguments discovery sent (which the app's `on_handoff` got), and the scenario replays strict.
#[test]
fn an_agents_sdk_handoff_with_an_input_type_is_discovered_and_replays_strict() {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    setup_once(&READY, "examples/openai-agents/setup.sh");
    let python = root().join("examples/openai-agents/python.sh");
    let app = root().join("examples/openai-agents/escalation.py");
    let command = [python.to_str().unwrap(), app.to_str().unwrap()];
    let found = discover(&["--input", "My package never arrived"], &command);
    assert!(
        found.stderr.contains("Escalation agent called with reason: example"),
        "{}",
        found.stderr
    );
    // The start agent is named by no transfer (`UnknownAgent1`): compare what each offers.
    let offered = |file: &Path| {
        let mut lines: Vec<Vec<String>> = wire_surface(file).into_iter().map(|(_, l)| l).collect();
        lines.sort();
        lines
    };
    let reference = root().join("examples/openai-agents/escalation.json");
    assert_eq!(offered(&found.design), offered(&reference));
    let scenario: Value = serde_json::from_str(&std::fs::read_to_string(&found.scenario).unwrap()).unwrap();
    let rule = &scenario["model"]["scripted"]["UnknownAgent1"]["rules"][0];
    assert_eq!(
        rule["handoff"],
        serde_json::json!({"to": "Escalation agent", "args": {"reason": "example"}}),
        "{scenario}"
    );
    let stdout = serve_passes(&found.scenario, &["--task-on-stdin"], &command);
    assert!(
        stdout.contains("transfer_to_escalation_agent({\"reason\":\"example\"})"),
        "{stdout}"
    );
}
