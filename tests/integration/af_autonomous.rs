//! Agent Framework's autonomous mode (`profile.autonomous_mode`), against
//! agent-framework-orchestrations 1.4's `_handoff.py` (`HandoffBuilder.with_autonomous_mode`,
//! `HandoffAgentExecutor._run_agent_and_emit`) and its own tests (`test_handoff.py`): which
//! agents it applies to, the prompt, the turn limits and what happens at one, how the
//! termination condition reads the prompts, and its refusal under the other profiles. The
//! real framework's traces (`conformance/traces/af/autonomous_*.json`) are matched call for
//! call by the conformance test.

use handoff_harness::engine::{Message, ScriptedHuman};
use handoff_harness::scenario::Scenario;
use serde_json::Value;

use crate::framework_options::{refused, stderr};
use crate::support::{arg, handoff, run, temp_file};

/// The framework's `_AUTONOMOUS_MODE_DEFAULT_PROMPT`.
const DEFAULT_PROMPT: &str = "User did not respond. Continue assisting autonomously.";

/// Triage hands off to Worker at once; `mode` is the profile's `autonomous_mode`, `worker`
/// Worker's responses, `user` the human's replies.
fn triage_worker(mode: &str, worker: &str, user: &str) -> String {
    format!(
        r#"{{"task": "Start", "start": "Triage", "profile": {{"name": "agent-framework", "autonomous_mode": {mode}}}, "user": {user},
            "agents": [{{"name": "Triage"}}, {{"name": "Worker", "description": "Does the work."}}],
            "handoffs": {{"Triage": {{"Worker": null}}, "Worker": {{"Triage": null}}}},
            "model": {{"scripted": {{"Triage": {{"responses": [{{"handoff": "Worker"}}, {{"say": "Triage again."}}]}},
                "Worker": {{"responses": {worker}}}}}}}}}"#
    )
}

/// `handoff run FILE --format json`: the run's events and outcome.
fn run_json(dir: &tempfile::TempDir, scenario: &str) -> (Vec<Value>, Value) {
    let file = temp_file(dir, "autonomous.json", scenario.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    (run["events"].as_array().unwrap().clone(), run["outcome"].clone())
}

/// The run as one line per event that matters here: `Agent: text` for a reply's text,
/// `Agent calls f` for a call, `User: text`, `prompt to Agent: text`.
fn story(events: &[Value]) -> Vec<String> {
    let mut lines = Vec::new();
    for e in events {
        let agent = e["agent"].as_str().unwrap_or("");
        match e["kind"].as_str().unwrap() {
            "reply" => {
                if let Some(text) = e["text"].as_str() {
                    lines.push(format!("{agent}: {text}"));
                }
                for call in e["calls"].as_array().unwrap() {
                    lines.push(format!("{agent} calls {}", call["name"].as_str().unwrap()));
                }
            }
            "human" => lines.push(format!("User: {}", e["text"].as_str().unwrap())),
            "prompt" => lines.push(format!("prompt to {agent}: {}", e["text"].as_str().unwrap())),
            _ => {}
        }
    }
    lines
}

/// `test_autonomous_mode_resumes_user_input_on_turn_limit`: Worker (limit 2) replies in text
/// every time; it is run again twice with the default prompt, then the human is asked
/// (exactly one request, from Worker). After the human's reply the count starts again.
#[test]
fn the_turn_limit_hands_the_reply_to_the_human_and_the_count_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let worker = r#"[{"say": "w1"}, {"say": "w2"}, {"say": "w3"}, {"say": "w4"}, {"say": "w5"}, {"say": "w6"}]"#;
    let mode = r#"{"agents": ["Worker"], "turn_limits": {"Worker": 2}}"#;
    let (events, outcome) = run_json(&dir, &triage_worker(mode, worker, r#"["go on"]"#));
    let prompt = format!("prompt to Worker: {DEFAULT_PROMPT}");
    let expected = [
        "Triage calls handoff_to_Worker",
        "Worker: w1",
        &prompt,
        "Worker: w2",
        &prompt,
        "Worker: w3",
        "User: go on",
        "Worker: w4",
        &prompt,
        "Worker: w5",
        &prompt,
        "Worker: w6",
    ];
    assert_eq!(story(&events), expected);
    // The human has nothing more to say: Worker's request stays pending.
    assert_eq!(
        (outcome["kind"].as_str(), outcome["agent"].as_str()),
        (Some("ended-without-human"), Some("Worker")),
        "{outcome}"
    );
}

/// A handoff starts the count again (`self._autonomous_mode_turns = 0` on handoff), and the
/// prompt stays in the conversation of the agent it was given to: the agent it hands off to
/// never reads it, the agent itself reads it as a user message without a name.
#[test]
fn a_handoff_starts_the_count_again_and_only_the_agent_reads_its_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let worker = r#"[{"say": "w1"}, {"handoff": "Triage"}, {"say": "w2"}, {"say": "w3"}, {"say": "w4"}]"#;
    let mode = r#"{"agents": ["Worker"], "turn_limits": {"Worker": 1}}"#;
    let triage = r#"[{"handoff": "Worker"}, {"handoff": "Worker"}]"#;
    let scenario =
        triage_worker(mode, worker, "[]").replace(r#"[{"handoff": "Worker"}, {"say": "Triage again."}]"#, triage);
    let (events, _) = run_json(&dir, &scenario);
    let prompt = format!("prompt to Worker: {DEFAULT_PROMPT}");
    let expected = [
        "Triage calls handoff_to_Worker",
        "Worker: w1",
        &prompt,
        "Worker calls handoff_to_Triage",
        "Triage calls handoff_to_Worker",
        "Worker: w2",
        &prompt,
        "Worker: w3",
    ];
    assert_eq!(story(&events), expected);

    let file = temp_file(&dir, "threads.json", scenario.as_bytes());
    let scenario = Scenario::load(&file).unwrap();
    let (orchestration, mut model) = scenario.orchestration().unwrap();
    let finished = run(
        &orchestration,
        &mut model,
        &mut ScriptedHuman::new(Vec::<String>::new()),
    );
    let design = finished.design().clone();
    let users = |agent: &str| -> Vec<String> {
        let thread = finished.log().thread(design.find(agent).unwrap());
        thread
            .filter_map(|m| match m {
                Message::User { text } => Some(text.to_string()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(users("Worker"), ["Start", DEFAULT_PROMPT, DEFAULT_PROMPT]);
    assert_eq!(users("Triage"), ["Start"]);
}

/// `with_autonomous_mode()` without `agents` puts every agent in the mode (so does an empty
/// list, as `if agents` reads it); `prompts` and `turn_limits` are per agent; a limit of 0
/// asks the human at once ("disables autonomous continuation for that agent instead of
/// falling back to the default"); an empty prompt is the default one
/// (`autonomous_mode_prompt or _AUTONOMOUS_MODE_DEFAULT_PROMPT`).
#[test]
fn every_agent_by_default_with_its_own_prompt_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let worker = r#"[{"say": "w1"}, {"say": "w2"}]"#;
    for agents in ["", r#""agents": [], "#] {
        let mode = format!(
            r#"{{{agents}"prompts": {{"Triage": "Keep going.", "Worker": ""}}, "turn_limits": {{"Triage": 1, "Worker": 0}}}}"#
        );
        let scenario = triage_worker(&mode, worker, r#"["more"]"#).replace(
            r#"[{"handoff": "Worker"}, {"say": "Triage again."}]"#,
            r#"[{"say": "t1"}, {"say": "t2"}, {"handoff": "Worker"}]"#,
        );
        let (events, outcome) = run_json(&dir, &scenario);
        let expected = [
            "Triage: t1",
            "prompt to Triage: Keep going.",
            "Triage: t2",
            "User: more",
            "Triage calls handoff_to_Worker",
            "Worker: w1",
        ];
        assert_eq!(story(&events), expected, "{agents}");
        assert_eq!(outcome["kind"], "ended-without-human");
    }
    // Only the agents listed; the others ask the human as without the mode.
    let mode = r#"{"agents": ["Triage"], "turn_limits": {"Triage": 1}}"#;
    let scenario = triage_worker(mode, r#"[{"say": "w1"}]"#, "[]").replace(
        r#"[{"handoff": "Worker"}, {"say": "Triage again."}]"#,
        r#"[{"say": "t1"}, {"handoff": "Worker"}]"#,
    );
    let (events, _) = run_json(&dir, &scenario);
    let prompt = format!("prompt to Triage: {DEFAULT_PROMPT}");
    assert_eq!(
        story(&events),
        ["Triage: t1", &prompt, "Triage calls handoff_to_Worker", "Worker: w1"]
    );
}

/// The default turn limit is 50 (`_DEFAULT_AUTONOMOUS_TURN_LIMIT`): 51 replies, then the
/// human (as `conformance/traces/af/autonomous_default_limit.json` shows the real framework).
#[test]
fn the_default_turn_limit_is_fifty() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = triage_worker("{}", r#"[{"say": "w"}]"#, "[]").replace(
        r#""Triage": {"responses": [{"handoff": "Worker"}, {"say": "Triage again."}]}"#,
        r#""Triage": {"rules": [{"say": "working"}]}"#,
    );
    let (events, outcome) = run_json(&dir, &scenario);
    let lines = story(&events);
    assert_eq!(lines.iter().filter(|l| *l == "Triage: working").count(), 51);
    assert_eq!(lines.iter().filter(|l| l.starts_with("prompt to Triage:")).count(), 50);
    assert_eq!(outcome["kind"], "ended-without-human", "{outcome}");
    // The executor runs the agent again within its superstep (the trace's 51 calls end in
    // the workflow's second superstep): 120 autonomous turns meet no guard of 100 supersteps.
    let long = scenario.replace(
        r#""autonomous_mode": {}"#,
        r#""autonomous_mode": {"turn_limits": {"Triage": 120}}"#,
    );
    let (events, outcome) = run_json(&dir, &long);
    let replies = story(&events).iter().filter(|l| *l == "Triage: working").count();
    assert_eq!(
        (replies, outcome["kind"].as_str()),
        (121, Some("ended-without-human")),
        "{outcome}"
    );
}

/// A scripted rule's `user` reads the latest user message the agent read: the prompt when
/// the mode ran it again; the agent it hands off to reads the human's (or the task).
#[test]
fn a_user_rule_reads_the_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = r#"{"task": "Start", "start": "Triage", "profile": {"name": "agent-framework",
            "autonomous_mode": {"agents": ["Worker"], "prompts": {"Worker": "Wrap up."}, "turn_limits": {"Worker": 3}}},
        "agents": [{"name": "Triage"}, {"name": "Worker"}],
        "handoffs": {"Triage": {"Worker": null}, "Worker": {"Triage": null}},
        "model": {"scripted": {
            "Triage": {"rules": [
                {"when": {"user": "^Start$", "call": 1}, "handoff": "Worker"},
                {"when": {"user": "^Start$"}, "say": "Back with the task."}]},
            "Worker": {"rules": [
                {"when": {"user": "^Wrap up"}, "handoff": "Triage"},
                {"when": {"user": "^Start$"}, "say": "Working."}]}}}}"#;
    let (events, outcome) = run_json(&dir, scenario);
    let expected = [
        "Triage calls handoff_to_Worker",
        "Worker: Working.",
        "prompt to Worker: Wrap up.",
        "Worker calls handoff_to_Triage",
        "Triage: Back with the task.",
    ];
    assert_eq!(story(&events), expected, "{outcome}");
}

/// A `complete` reply (the host terminates after it) that the mode runs again is a plain
/// reply: the host gets no request to answer, and the run says so.
#[test]
fn a_complete_reply_goes_on_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let worker = r#"[{"complete": "done?"}, {"complete": "done."}]"#;
    let mode = r#"{"agents": ["Worker"], "turn_limits": {"Worker": 1}}"#;
    let file = temp_file(&dir, "complete.json", triage_worker(mode, worker, "[]").as_bytes());
    let out = handoff(&["run", arg(&file)]);
    let text = crate::framework_options::stdout(&out);
    assert!(
        text.contains("[note] Worker's reply is a `complete`, but under Agent Framework 1.4 (Python HandoffBuilder)'s autonomous mode Worker goes on (1 of its 1 turns) and the host gets no request to terminate"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "[autonomous] Worker is run again, told: {DEFAULT_PROMPT}\nWorker: done.\n"
        )),
        "{text}"
    );
    assert!(text.contains("Task is completed with summary: done."), "{text}");
}

/// The termination condition reads the conversation of the executor that evaluates it: the
/// prompts an agent was given are user messages of its conversation (and the prompt is its
/// last message before the agent runs again), not of the others'
/// (`conformance/traces/af/autonomous_termination.json`).
#[test]
fn the_termination_condition_reads_the_prompts_of_its_agent_only() {
    let dir = tempfile::tempdir().unwrap();
    let with = |condition: &str, mode: &str, worker: &str, user: &str| {
        triage_worker(mode, worker, user).replace(
            r#""autonomous_mode""#,
            &format!(r#""termination_condition": {condition}, "autonomous_mode""#),
        )
    };
    // The task, then Worker's prompt: 2 user messages before Worker runs again.
    let (events, outcome) = run_json(
        &dir,
        &with(
            r#"{"user_messages": 2}"#,
            r#"{"agents": ["Worker"]}"#,
            r#"[{"say": "w1"}, {"say": "w2"}]"#,
            "[]",
        ),
    );
    assert_eq!(story(&events).len(), 3, "{events:?}");
    assert_eq!(
        (outcome["kind"].as_str(), outcome["summary"].as_str()),
        (Some("completed"), Some("w1")),
        "{outcome}"
    );
    // The prompt is the last message of Worker's conversation when it is evaluated.
    let (_, outcome) = run_json(
        &dir,
        &with(
            r#"{"last_message_contains": "did not respond"}"#,
            r#"{"agents": ["Worker"]}"#,
            r#"[{"say": "w1"}, {"say": "w2"}]"#,
            "[]",
        ),
    );
    assert_eq!(outcome["summary"], "w1", "{outcome}");
    // Worker's prompt is not in Triage's conversation: after Worker hands back, Triage's
    // executor (in the mode, with a limit of 0) counts the task and the human's replies only.
    let (events, outcome) = run_json(
        &dir,
        &with(
            r#"{"user_messages": 3}"#,
            r#"{"turn_limits": {"Triage": 0}}"#,
            r#"[{"say": "w1"}, {"handoff": "Triage"}]"#,
            r#"["one", "two"]"#,
        )
        .replace(
            r#"{"say": "Triage again."}]"#,
            r#"{"say": "t1"}, {"say": "t2"}, {"say": "t3"}]"#,
        ),
    );
    let lines = story(&events);
    // Ended by the human's second reply, the third user message of Triage's conversation
    // (counting Worker's prompt, the first would have ended it).
    assert_eq!(
        lines[lines.len() - 3..],
        ["User: one", "Triage: t2", "User: two"],
        "{lines:?}"
    );
    assert_eq!(
        (outcome["kind"].as_str(), outcome["summary"].as_str()),
        (Some("completed"), Some("t2")),
        "{outcome}"
    );
}

/// `autonomous_mode` is Agent Framework's: every other profile refuses it (exit 2, naming
/// the option), and so does a name that is no agent, or a prompt or limit the framework
/// would ignore (an agent not in the mode).
#[test]
fn autonomous_mode_is_agent_frameworks_and_names_agents_of_the_design() {
    let dir = tempfile::tempdir().unwrap();
    let good = triage_worker("{}", r#"[{"say": "w"}]"#, "[]");
    for profile in [
        "semantic-kernel",
        "semantic-kernel-fixed",
        "semantic-kernel-dotnet",
        "openai-agents",
    ] {
        let file = temp_file(
            &dir,
            "other.json",
            good.replace(r#""agent-framework""#, &format!(r#""{profile}""#))
                .as_bytes(),
        );
        refused(&file, "`autonomous_mode` only changes what `agent-framework` does");
        refused(&file, &format!("`{profile}` has no such mode"));
    }
    for (mode, words) in [
        (
            r#"{"agents": ["Nobody"]}"#,
            "profile.autonomous_mode.agents[0]: `Nobody` is no agent of the design (its agents: `Triage`, `Worker`)",
        ),
        (
            r#"{"agents": ["Worker"], "prompts": {"Triage": "Go."}}"#,
            "profile.autonomous_mode.prompts.Triage: `Triage` is not in `autonomous_mode.agents`, so Agent Framework ignores its prompt",
        ),
        (
            r#"{"turn_limits": {"Nobody": 3}}"#,
            "profile.autonomous_mode.turn_limits.Nobody: `Nobody` is no agent",
        ),
        (r#"{"turn_limits": {"Worker": -1}}"#, "profile"),
        (r#"{"agent": ["Worker"]}"#, "unknown field `agent`"),
        (r#"true"#, "profile"),
    ] {
        let file = temp_file(&dir, "bad.json", triage_worker(mode, "[]", "[]").as_bytes());
        refused(&file, words);
    }
}

/// The python of the Agent Framework environment (installed once, cached under `target/`).
fn python() -> std::path::PathBuf {
    static READY: std::sync::OnceLock<Result<std::path::PathBuf, String>> = std::sync::OnceLock::new();
    crate::support::setup_once(&READY, "examples/published/agent-framework/setup.sh")
}

/// The project's own Agent Framework app (`examples/agent-framework/support_desk.py`, the
/// real agent-framework-orchestrations 1.4) with `.with_autonomous_mode(agents=[exchange_agent],
/// turn_limits={"exchange_agent": 1})` added to its builder, under strict `handoff serve`, over
/// the Responses API (Foundry, the samples' client) and over Chat Completions: every request
/// the framework sends, the exchange agent's autonomous turn with its prompt included, is the
/// one the harness expects.
#[test]
fn the_real_framework_in_autonomous_mode_passes_strict_serve() {
    let dir = tempfile::tempdir().unwrap();
    let root = crate::support::root();
    let app = std::fs::read_to_string(root.join("examples/agent-framework/support_desk.py")).unwrap();
    let builder = "        .with_start_agent(agents[0])\n";
    assert!(app.contains(builder), "the app's builder changed");
    let app = app.replacen(
        builder,
        &format!("{builder}        .with_autonomous_mode(agents=[agents[1]], turn_limits={{\"exchange_agent\": 1}})\n"),
        1,
    );
    let app = temp_file(&dir, "desk_autonomous.py", app.as_bytes());
    let mut scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("examples/agent-framework/support_desk.json")).unwrap(),
    )
    .unwrap();
    scenario["profile"]["autonomous_mode"] =
        serde_json::json!({"agents": ["exchange_agent"], "turn_limits": {"exchange_agent": 1}});
    scenario["model"]["scripted"]["exchange_agent"]["rules"]
        .as_array_mut()
        .unwrap()
        .insert(
            0,
            serde_json::json!({"when": {"user": "^User did not respond"}, "say": "Anything else about the exchange?"}),
        );
    scenario["expect"] = serde_json::json!({"outcome": "completed", "model_calls": 10});
    let scenario = temp_file(&dir, "desk_autonomous.json", scenario.to_string().as_bytes());
    let python = python();
    for settings in [&[][..], &["SUPPORT_DESK_CLIENT=chat-completions"][..]] {
        let mut args = vec!["serve", arg(&scenario), "--timeout", "90", "--wait", "5", "--", "env"];
        args.extend_from_slice(settings);
        args.extend([python.to_str().unwrap(), arg(&app)]);
        let out = crate::support::handoff_within(&args, 120);
        let stdout = crate::framework_options::stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{settings:?}\n{stdout}\n{}", stderr(&out));
        for line in [
            "exchange_agent: Done: the exchange for order 77 is open and a courier comes tomorrow.\n[autonomous] exchange_agent is run again, told: User did not respond. Continue assisting autonomously.\nexchange_agent: Anything else about the exchange?\nUser: Can you also credit me for order 77?\n",
            "  ok     traffic: 10 requests, each the expected one\n",
        ] {
            assert!(stdout.contains(line), "{settings:?}: `{line}` missing:\n{stdout}");
        }
        assert!(stdout.ends_with("PASS\n"), "{stdout}");
    }
}
