//! The real thing: Semantic Kernel's tutorial sample (`examples/semantic-kernel/step4_handoff.py`,
//! `semantic-kernel==1.45.0`, installed by `examples/semantic-kernel/setup.sh` into a virtual
//! environment under `target/` on first use) runs under `handoff serve`, answered from
//! `scenarios/customer_support.json`.
//!
//! - The conversation serve prints is the tutorial's sample output, line for line; the
//!   recording it writes replays; the design it observed is the tutorial's graph.
//! - With an edge of the sample removed, serve reports the divergence at the first request
//!   that shows it.
//!
//! And the OpenAI Agents SDK's own customer-service example (`examples/openai-agents/`,
//! `openai-agents==0.24.0`, the Responses API) under the `openai-agents` profile, and its
//! handoff-inputs example (`input_type`, `on_handoff`: the app's callback gets the scenario's
//! arguments).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::scenarios::TUTORIAL_SAMPLE_OUTPUT;
use crate::support::{handoff_within, root, setup_once};

/// Runs `examples/NAME/setup.sh` once per test process (the venv is cached under `target/`).
fn install(ready: &'static OnceLock<Result<PathBuf, String>>, name: &str) {
    setup_once(ready, &format!("examples/{name}/setup.sh"));
}

/// Installs Semantic Kernel.
fn semantic_kernel() {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    install(&READY, "semantic-kernel");
}

/// `handoff serve SERVE_ARGS --timeout 60 -- COMMAND` (ended after 90 s at most): stdout,
/// stderr, exit code.
fn serve_app(serve_args: &[&str], command: &[&str]) -> (String, String, i32) {
    let mut args = vec!["serve"];
    args.extend_from_slice(serve_args);
    args.extend(["--timeout", "60", "--"]);
    args.extend_from_slice(command);
    let output = handoff_within(&args, 90);
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

/// `handoff serve scenarios/customer_support.json EXTRA -- [ENV...] python.sh SAMPLE`, the
/// Semantic Kernel venv installed: stdout, stderr, exit code.
fn serve_sample(sample: &Path, extra: &[&str]) -> (String, String, i32) {
    serve_sample_with(sample, extra, &[])
}

/// [`serve_sample`], the app run under `env ENV...`.
fn serve_sample_with(sample: &Path, extra: &[&str], env: &[&str]) -> (String, String, i32) {
    semantic_kernel();
    let python = root().join("examples/semantic-kernel/python.sh");
    let mut args = vec!["scenarios/customer_support.json", "--wait", "5"];
    args.extend_from_slice(extra);
    let mut command = vec!["env"];
    command.extend_from_slice(env);
    command.extend([python.to_str().unwrap(), sample.to_str().unwrap()]);
    serve_app(&args, &command)
}

fn sample() -> PathBuf {
    root().join("examples/semantic-kernel/step4_handoff.py")
}

#[test]
fn the_real_tutorial_sample_under_serve_is_the_tutorial_line_for_line_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let (recording, design) = (dir.path().join("recording.json"), dir.path().join("design.json"));
    let (stdout, stderr, code) = serve_sample(
        &sample(),
        &[
            "--record",
            recording.to_str().unwrap(),
            "--write-design",
            design.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("  ok     traffic: 12 requests, each the expected one\n"),
        "{stdout}"
    );
    assert!(stdout.contains("app: the app exited with status 0\n"), "{stdout}");
    // The conversation, without the harness's own lines (task, handoffs, tools, verdict).
    let conversation: String = stdout
        .lines()
        .skip_while(|l| !l.starts_with("TriageAgent: "))
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with('['))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(conversation, format!("{TUTORIAL_SAMPLE_OUTPUT}\n"));
    // The app printed each agent reply itself, in order (its own output is on stderr, prefixed).
    let app: Vec<&str> = stderr.lines().filter_map(|l| l.strip_prefix("app | ")).collect();
    let mut printed = app.iter();
    for reply in TUTORIAL_SAMPLE_OUTPUT.lines().filter(|l| !l.starts_with("User: ")) {
        assert!(
            printed.any(|l| l.ends_with(reply)),
            "the app did not print `{reply}`:\n{stderr}"
        );
    }

    let replayed = handoff_within(
        &[
            "replay",
            "scenarios/customer_support.json",
            "--transcript",
            recording.to_str().unwrap(),
        ],
        30,
    );
    let replay_text = String::from_utf8_lossy(&replayed.stdout);
    assert_eq!(replayed.status.code(), Some(0), "{replay_text}");
    assert!(
        replay_text.contains("replay: 12 of 12 recorded calls replayed, every one as recorded"),
        "{replay_text}"
    );

    // The observed graph: what the sample wires, with the descriptions SK drops left empty.
    let observed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&design).unwrap()).unwrap();
    assert_eq!(observed["start"], "TriageAgent");
    assert_eq!(
        observed["handoffs"]["TriageAgent"]["OrderReturnAgent"],
        "Transfer to this agent if the issue is order return related"
    );
    assert_eq!(observed["handoffs"]["OrderStatusAgent"]["TriageAgent"], "");
    let never: Vec<&str> = observed["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("instructions").is_none())
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        never,
        ["RefundAgent"],
        "the conversation never reaches the refund agent"
    );
}

#[test]
fn a_sample_with_an_edge_removed_diverges_where_the_app_first_shows_it() {
    let original = std::fs::read_to_string(sample()).unwrap();
    let edge = "    .add(\n        source_agent=order_status_agent.name,\n        target_agent=support_agent.name,\n        description=\"Transfer to this agent if the issue is not order status related\",\n    )\n";
    assert!(
        original.contains(edge),
        "the sample's edge from OrderStatusAgent back to triage moved"
    );
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("step4_handoff.py");
    std::fs::write(&changed, original.replace(edge, "")).unwrap();

    let (stdout, stderr, code) = serve_sample(&changed, &[]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("traffic: diverged at OrderStatusAgent call 1 (model call 3): the request differs from the one the framework sends here"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n-tool Handoff-transfer_to_TriageAgent: \n"),
        "{stdout}"
    );
    // The app was told, and stopped: its error names the divergence.
    assert!(
        stderr.contains("the app's request diverges from the run at OrderStatusAgent call 1"),
        "{stderr}"
    );
    assert!(stdout.contains("app: the app exited with status 1\n"), "{stdout}");
}

#[test]
fn the_agents_sdk_customer_service_example_under_serve_is_each_request_the_expected_one() {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    install(&READY, "openai-agents");
    let python = root().join("examples/openai-agents/python.sh");
    let main = root().join("examples/openai-agents/main.py");
    let (stdout, stderr, code) = serve_app(
        &["--task-on-stdin", "examples/openai-agents/customer_service.json"],
        &[python.to_str().unwrap(), main.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("  ok     traffic: 13 requests, each the expected one\n"),
        "{stdout}"
    );
    for line in [
        "[handoff] Triage Agent -> FAQ Agent",
        "[handoff] Triage Agent -> Seat Booking Agent",
        "app: the app exited with status 0",
    ] {
        assert!(stdout.contains(line), "`{line}` missing:\n{stdout}");
    }
}

/// `handoff serve [SERVE_ARGS] -- env PYTHONPATH=<sdk> OPENAI_AGENTS_DISABLE_TRACING=1 python -m
/// MODULE`: a sample of the Agents SDK as it publishes it (unpacked from its source
/// distribution by `examples/openai-agents/setup.sh`), run as its docs say, with environment
/// settings only. Asserts that serve passed; its stdout and stderr.
fn sdk_sample(serve_args: &[&str], module: &str) -> (String, String) {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    install(&READY, "openai-agents");
    let sdk = root().join("target/examples/openai-agents/sdk");
    let python = root().join("examples/openai-agents/python.sh");
    let pythonpath = format!("PYTHONPATH={}", sdk.display());
    let command = [
        "env",
        &pythonpath,
        "OPENAI_AGENTS_DISABLE_TRACING=1",
        python.to_str().unwrap(),
        "-m",
        module,
    ];
    let (stdout, stderr, code) = serve_app(serve_args, &command);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.ends_with("PASS\n"), "{stdout}");
    (stdout, stderr)
}

#[test]
fn the_agents_sdk_customer_service_sample_unchanged_ends_at_its_input_s_end_and_passes() {
    let (stdout, _) = sdk_sample(
        &["--task-on-stdin", "examples/openai-agents/customer_service.json"],
        "examples.customer_service.main",
    );
    for line in [
        "  ok     traffic: 13 requests, each the expected one\n",
        "app: the app stopped at the end of its input (EOFError: the scripted human had nothing more to say; status 1)\n",
    ] {
        assert!(stdout.contains(line), "`{line}` missing:\n{stdout}");
    }
}

/// The tutorial as Semantic Kernel's published samples wire it: every service an
/// `AzureChatCompletion(credential=AzureCliCredential())` (step4b's wiring), written to `dir`.
fn azure_tutorial(dir: &Path) -> PathBuf {
    let original = std::fs::read_to_string(sample()).unwrap();
    let import = "from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion\n";
    assert!(original.contains(import), "the tutorial's import moved");
    let azure = original
        .replace(
            import,
            "from azure.identity import AzureCliCredential\nfrom semantic_kernel.connectors.ai.open_ai import AzureChatCompletion\n",
        )
        .replace(
            "OpenAIChatCompletion()",
            "AzureChatCompletion(credential=AzureCliCredential())",
        );
    let file = dir.join("step4_handoff_azure.py");
    std::fs::write(&file, azure).unwrap();
    file
}

#[test]
fn the_tutorial_on_azure_clients_passes_with_a_key_and_with_the_azure_cli_credential() {
    let dir = tempfile::tempdir().unwrap();
    let app = azure_tutorial(dir.path());
    // With the key serve gives it, SK posts `{AZURE_OPENAI_BASE_URL}/deployments/NAME/...`.
    // With the key serve gives it; without a key, SK asks AzureCliCredential, which runs
    // serve's stand-in `az`.
    for env in [&[][..], &["-u", "AZURE_OPENAI_API_KEY"]] {
        let (stdout, stderr, code) = serve_sample_with(&app, &[], env);
        assert_eq!(code, 0, "{env:?}: {stdout}\n{stderr}");
        assert!(
            stdout.contains("  ok     traffic: 12 requests, each the expected one\n"),
            "{stdout}"
        );
    }
}

#[test]
fn the_published_samples_scenarios_run_as_their_samples_document() {
    for (file, ending) in [
        (
            "examples/published/semantic-kernel/step4a_handoff_structured_inputs.json",
            "Task is completed with summary: No handoff agent name provided and no human response function set. Ending task.\n",
        ),
        (
            "examples/published/semantic-kernel/step4b_handoff_streaming_agent_response_callback.json",
            "Task is completed with summary: Handled order return for order ID 321 due to a broken item, and successfully processed the return.\n",
        ),
        (
            "examples/published/agent-framework/handoff_simple.json",
            "Task is completed with summary: You're welcome! If you have any more questions or need assistance in the future, feel free to reach out. Have a great day!\n",
        ),
    ] {
        let output = handoff_within(&["run", file], 30);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{file}: {stdout}");
        assert!(stdout.contains(ending), "{file}: {stdout}");
    }
}

/// `handoff serve FILES --conversations N -- many_customers.py FILES`: the Agents SDK's agents
/// holding one conversation per file at once; stdout and exit code.
fn customers_at_once(files: &[&str]) -> (String, i32) {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    install(&READY, "openai-agents");
    let python = root().join("examples/openai-agents/python.sh");
    let app = root().join("examples/openai-agents/many_customers.py");
    let mut unique: Vec<&str> = files.to_vec();
    unique.dedup();
    let count = files.len().to_string();
    let mut args = vec!["serve"];
    args.extend(&unique);
    args.extend([
        "--conversations",
        &count,
        "--timeout",
        "60",
        "--",
        python.to_str().unwrap(),
        app.to_str().unwrap(),
    ]);
    args.extend(files);
    let output = handoff_within(&args, 90);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (stdout, output.status.code().unwrap_or(-1))
}

#[test]
fn two_customers_of_a_real_app_at_once_are_each_their_own_conversation() {
    let (bags, seat) = (
        "examples/openai-agents/customer_service.json",
        "examples/openai-agents/customer_service_seat.json",
    );
    let (report, code) = customers_at_once(&[bags, seat]);
    assert_eq!(code, 0, "{report}");
    for line in [
        "Task: How many bags can I bring on the plane?\n",
        "Task: I'd like to change my seat.\n",
        "  ok     traffic: 13 requests, each the expected one\n",
        "  ok     traffic: 5 requests, each the expected one\n",
    ] {
        assert!(report.contains(line), "`{line}` missing:\n{report}");
    }
    // The same app gives the same report, whichever customer's requests came first.
    assert_eq!(customers_at_once(&[bags, seat]).0, report);
    // Equal customers at once are two conversations, not one with retries.
    let (report, code) = customers_at_once(&[seat, seat]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report
            .matches("  ok     traffic: 5 requests, each the expected one\n")
            .count(),
        2,
        "{report}"
    );
    assert!(!report.contains("sent again"), "{report}");
}

#[test]
fn the_agents_sdk_message_filter_sample_unchanged_passes_strict_serve() {
    // Its tool returns a random number: the scenario checks it by a pattern.
    let (stdout, stderr) = sdk_sample(
        &["examples/published/openai-agents/message_filter.json"],
        "examples.handoffs.message_filter",
    );
    for line in [
        "[host] the app runs Second Assistant for this reply\n",
        "[handoff] Second Assistant -> Spanish Assistant\n",
        "  ok     traffic: 6 requests, each the expected one\n",
        "app: the app exited with status 0\n",
    ] {
        assert!(stdout.contains(line), "`{line}` missing:\n{stdout}");
    }
    // The sample printed its four steps and the final messages.
    assert!(stderr.contains("app | Step 4 done"), "{stderr}");
}

#[test]
fn two_semantic_kernel_orchestrations_on_one_runtime_are_each_their_own_conversation() {
    semantic_kernel();
    let python = root().join("examples/semantic-kernel/python.sh");
    let app = root().join("examples/semantic-kernel/many_customers.py");
    let (first, second) = (
        "scenarios/customer_support.json",
        "examples/semantic-kernel/second_customer.json",
    );
    for (files, customers) in [([first, second], [first, second]), ([first, first], [first, first])] {
        let mut args = vec!["serve"];
        args.extend(if files[0] == files[1] { &files[..1] } else { &files[..] });
        args.extend([
            "--conversations",
            "2",
            "--timeout",
            "60",
            "--",
            python.to_str().unwrap(),
            app.to_str().unwrap(),
        ]);
        args.extend(customers);
        let output = handoff_within(&args, 90);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            stdout
                .matches("  ok     traffic: 12 requests, each the expected one\n")
                .count(),
            2,
            "{stdout}"
        );
        assert!(!stdout.contains("sent again"), "{stdout}");
    }
}

/// The Agents SDK's handoff-inputs example (`examples/openai-agents/escalation.py`:
/// `handoff(agent, on_handoff=on_handoff, input_type=EscalationData)`) under serve: every
/// request is the expected one, the transfer's schema included; the app's own `on_handoff`
/// gets the scenario's arguments; the design serve writes keeps the `input_type`.
#[test]
fn the_agents_sdk_handoff_inputs_example_gets_the_scenario_s_arguments_in_its_callback() {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    install(&READY, "openai-agents");
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("observed.json");
    let python = root().join("examples/openai-agents/python.sh");
    let app = root().join("examples/openai-agents/escalation.py");
    let (stdout, stderr, code) = serve_app(
        &[
            "--task-on-stdin",
            "examples/openai-agents/escalation.json",
            "--write-design",
            written.to_str().unwrap(),
        ],
        &[python.to_str().unwrap(), app.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("  ok     traffic: 3 requests, each the expected one\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains("Escalation agent called with reason: package never arrived, no answer to emails"),
        "{stderr}"
    );
    let design: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    let input = &design["handoffs"]["Triage agent"]["Escalation agent"]["input_type"]["parameters"];
    assert_eq!(input["title"], "EscalationData", "{design}");
    assert_eq!(input["required"], serde_json::json!(["reason"]));
}
