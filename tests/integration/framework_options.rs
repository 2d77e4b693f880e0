//! Framework options a scenario's `profile` object sets, each against the framework's own
//! tests (translated into scenarios) and source: the OpenAI Agents SDK's
//! `tool_name_collision_policy` and `max_turns`, Agent Framework's pending request and
//! `termination_condition`.

use handoff_harness::design::{Agent, Collisions, Design, ToolKind, ToolSurface};

use crate::support::{arg, handoff, temp_file};

/// A command's standard output, as text.
pub(crate) fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A command's standard error, as text.
pub(crate) fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `handoff run FILE` refuses it as bad input (exit 2), saying `words`.
pub(crate) fn refused(file: &std::path::Path, words: &str) {
    let out = handoff(&["run", arg(file)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(words), "{}", stderr(&out));
}

/// The functions `agent`'s model is offered: name and description, in order.
pub(crate) fn offered<'a>(design: &'a Design, agent: &str) -> Vec<(&'a str, &'a str)> {
    design
        .tools(design.find(agent).unwrap())
        .iter()
        .map(|t| (&*t.qualified_name, t.description.as_str()))
        .collect()
}

/// `triage` hands off to `Billing Agent` and `billing agent`, both `transfer_to_billing_agent`
/// on the wire; `profile` is the scenario's profile value, `triage` triage's script.
fn billing(profile: &str, triage: &str) -> String {
    format!(
        r#"{{"task": "Route this request", "profile": {profile},
            "agents": [{{"name": "triage"}}, {{"name": "Billing Agent"}}, {{"name": "billing agent"}}],
            "handoffs": {{"triage": {{"Billing Agent": null, "billing agent": null}}}},
            "model": {{"scripted": {{"triage": {triage},
                "Billing Agent": {{"responses": [{{"say": "first"}}]}},
                "billing agent": {{"responses": [{{"say": "second"}}]}}}}}}}}"#
    )
}

/// openai-agents 0.24 `test_agent_runner.py::test_run_reports_derived_agent_name_collisions_before_model_call`
/// (surface `handoff`, policy `warn`, the default): the model is called, the SDK warns once
/// ("Ambiguous ..." with "Pass an explicit"), and (`test_handoff_tool.py`,
/// `resolved_handoffs == [handoffs[1]]`) only the last agent's transfer is offered.
#[test]
fn agents_sdk_default_collision_policy_warns_and_offers_the_last_agent() {
    let dir = tempfile::tempdir().unwrap();
    let done = r#"{"responses": [{"say": "done"}]}"#;
    let file = temp_file(&dir, "warn.json", billing(r#""openai-agents""#, done).as_bytes());
    let out = handoff(&["run", arg(&file)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("warns: Ambiguous ")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].contains("Pass an explicit `tool_name_override=` to one of them."),
        "{text}"
    );
    assert!(text.contains("triage: done\n"), "the model was called:\n{text}");
    assert!(text.ends_with("Task is completed with summary: done\n"), "{text}");

    // The one transfer offered reaches the last agent, whichever of the two a rule names.
    for target in ["Billing Agent", "billing agent"] {
        let script = format!(r#"{{"responses": [{{"handoff": "{target}"}}]}}"#);
        let file = temp_file(&dir, "last.json", billing(r#""openai-agents""#, &script).as_bytes());
        let text = stdout(&handoff(&["run", arg(&file)]));
        assert!(
            text.contains("transfer_to_billing_agent({}) -> {\"assistant\": \"billing agent\"}"),
            "{text}"
        );
        assert!(
            text.contains("[handoff] triage -> billing agent\nbilling agent: second\n"),
            "{text}"
        );
    }
}

/// The same test under `tool_name_collision_policy="error"`: `UserError` matching
/// "Ambiguous (agent tool|handoff|agent routing) configuration" before any model call: the
/// scenario is refused, naming the later handoff.
#[test]
fn agents_sdk_error_collision_policy_refuses_the_design_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let done = r#"{"responses": [{"say": "done"}]}"#;
    for key in ["tool_name_collision_policy", "collision_policy"] {
        let profile = format!(r#"{{"name": "openai-agents", "{key}": "error"}}"#);
        let file = temp_file(&dir, "error.json", billing(&profile, done).as_bytes());
        let out = handoff(&["run", arg(&file)]);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        let error = stderr(&out);
        assert!(
            error.contains("handoffs.triage[\"billing agent\"]: UserError: Ambiguous handoff configuration: agents 'Billing Agent' and 'billing agent' both derive the handoff tool name `transfer_to_billing_agent`."),
            "{error}"
        );
        assert!(stdout(&out).is_empty(), "no model call: {}", stdout(&out));
    }
    let profile = r#"{"name": "openai-agents", "tool_name_collision_policy": "warn"}"#;
    let file = temp_file(&dir, "warn.json", billing(profile, done).as_bytes());
    assert_eq!(handoff(&["run", arg(&file)]).status.code(), Some(0));
    let profile = r#"{"name": "agent-framework", "tool_name_collision_policy": "warn"}"#;
    let file = temp_file(&dir, "af.json", billing(profile, done).as_bytes());
    refused(&file, "only changes what `openai-agents` does");
}

/// `test_1` with `some_function`, scripted as `tests/test_max_turns.py` scripts it: `rounds`
/// responses of text beside a call, then `last` if any; the profile sets `max_turns`.
fn max_turns(max_turns: &str, rounds: usize, last: Option<&str>) -> String {
    let mut responses: Vec<String> = (1..=rounds)
        .map(|i| format!(r#"{{"say": "{i}", "call": {{"tool": "some_function", "args": {{"a": "b"}}}}}}"#))
        .collect();
    responses.extend(last.map(|text| format!(r#"{{"say": "{text}"}}"#)));
    format!(
        r#"{{"task": "user_message", "profile": {{"name": "openai-agents", "max_turns": {max_turns}}},
            "agents": [{{"name": "test_1", "tools": [{{"name": "some_function", "description": "",
                "parameters": {{"a": "string"}}, "result": "result"}}]}}],
            "model": {{"scripted": {{"test_1": {{"responses": [{}]}}}}}}}}"#,
        responses.join(", ")
    )
}

/// The run's outcome as JSON, and how many model calls it made.
fn outcome(dir: &tempfile::TempDir, scenario: &str) -> (serde_json::Value, u64) {
    let file = temp_file(dir, "turns.json", scenario.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    let calls = run["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "reply")
        .count();
    (run["outcome"].clone(), calls as u64)
}

/// `test_max_turns.py::test_non_streamed_max_turns` and `test_streamed_max_turns` (streaming
/// changes nothing a conversation shows): five tool-calling responses, `max_turns=3`:
/// `MaxTurnsExceeded` after three model calls.
#[test]
fn agents_sdk_max_turns_ends_the_run_with_max_turns_exceeded() {
    let dir = tempfile::tempdir().unwrap();
    let (ended, calls) = outcome(&dir, &max_turns("3", 5, None));
    assert_eq!(ended["kind"], "framework-error", "{ended}");
    assert_eq!(ended["error"], "MaxTurnsExceeded: Max turns (3) exceeded", "{ended}");
    assert_eq!(ended["guard"], true);
    assert_eq!(calls, 3);
    // The default is the SDK's DEFAULT_MAX_TURNS, 10 (here the harness's tool_rounds limit,
    // 5, stops the agent first, so lift it).
    let default = max_turns("10", 12, None).replace(
        r#""max_turns": 10}"#,
        r#""max_turns": 10}, "limits": {"tool_rounds": null}"#,
    );
    let (ended, calls) = outcome(&dir, &default);
    assert_eq!(
        (ended["error"].as_str(), calls),
        (Some("MaxTurnsExceeded: Max turns (10) exceeded"), 10)
    );
    let unset = default.replace(r#"{"name": "openai-agents", "max_turns": 10}"#, r#""openai-agents""#);
    assert_eq!(outcome(&dir, &unset), (ended, 10));
    // max_turns=0 (the SDK's error-handler tests use it): the run fails before any call.
    let (ended, calls) = outcome(&dir, &max_turns("0", 1, Some("done")));
    assert_eq!(
        (ended["error"].as_str(), calls),
        (Some("MaxTurnsExceeded: Max turns (0) exceeded"), 0)
    );
}

/// `test_non_streamed_max_turns_none_disables_limit` and its streamed twin: `max_turns=None`,
/// four tool-calling responses then "done": the final output is "done".
#[test]
fn agents_sdk_max_turns_none_disables_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let (ended, calls) = outcome(&dir, &max_turns("null", 4, Some("done")));
    // No human takes part: the SDK's `Runner.run` returns, its final output the last text
    // (not the texts spoken beside the calls before it).
    assert_eq!(ended["kind"], "ended-without-human", "{ended}");
    assert_eq!(ended["text"], "done");
    assert_eq!(calls, 5);
    let (ended, _) = outcome(
        &dir,
        &max_turns("null", 30, None).replace(
            r#""max_turns": null}"#,
            r#""max_turns": null}, "limits": {"tool_rounds": 25}"#,
        ),
    );
    assert_eq!(
        ended["kind"], "limit-reached",
        "only the harness's own limit stops it: {ended}"
    );
}

/// What counts as a turn (`run.py`: `current_turn += 1` before each model call of one
/// `Runner.run`): every model call, the handoff's and the target's included; a human reply
/// starts a new `Runner.run` and the count again.
#[test]
fn agents_sdk_max_turns_counts_every_model_call_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |max: u32| {
        format!(
            r#"{{"task": "hi", "profile": {{"name": "openai-agents", "max_turns": {max}}}, "user": ["again"],
                "agents": [{{"name": "triage"}}, {{"name": "billing", "tools": [{{"name": "lookup", "description": "", "result": "ok"}}]}}],
                "handoffs": {{"triage": {{"billing": null}}}},
                "model": {{"scripted": {{"triage": {{"responses": [{{"handoff": "billing"}}]}},
                    "billing": {{"responses": [{{"call": {{"tool": "lookup", "args": {{}}}}}}, {{"say": "Found it."}},
                        {{"call": {{"tool": "lookup", "args": {{}}}}}}, {{"say": "Again."}}]}}}}}}}}"#
        )
    };
    // handoff, lookup, text: three calls before the human's reply.
    let (ended, calls) = outcome(&dir, &scenario(2));
    assert_eq!(
        (ended["error"].as_str(), calls),
        (Some("MaxTurnsExceeded: Max turns (2) exceeded"), 2)
    );
    assert_eq!(ended["agent"], "billing");
    // Three suffice: after "again" billing's run makes two calls, counted afresh.
    let (ended, calls) = outcome(&dir, &scenario(3));
    assert_eq!((ended["kind"].as_str(), calls), (Some("completed"), 5), "{ended}");
}

#[test]
fn max_turns_is_a_number_or_null_under_openai_agents_only() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |scenario: String, why: &str| {
        let file = temp_file(&dir, "bad.json", scenario.as_bytes());
        let out = handoff(&["run", arg(&file)]);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(stderr(&out).contains(why), "{}", stderr(&out));
    };
    refused(max_turns("-1", 1, None), "profile");
    refused(max_turns("\"3\"", 1, None), "profile");
    let af = max_turns("3", 1, None).replace("openai-agents", "agent-framework");
    refused(af, "`max_turns` only changes what `openai-agents` does");
}

/// Semantic Kernel 1.45's `OrchestrationHandoffs.add` called twice for one pair
/// (`_add`: `setdefault(source, {})[target] = description or ""`, a Python dict assignment):
/// the edge written as a list of its declarations keeps the key's position among the
/// transfer functions and takes the last description; the run goes on as usual.
#[test]
fn semantic_kernel_edge_added_twice_keeps_its_place_and_the_last_description() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(
        &dir,
        "twice.json",
        br#"{"task": "hi", "agents": [{"name": "A"}, {"name": "B", "description": "B agent"}, {"name": "C", "description": "C agent"}],
            "handoffs": {"A": {"B": ["first", "last"], "C": null}},
            "model": {"scripted": {"A": {"responses": [{"handoff": "B"}]}, "B": {"responses": [{"complete": "done"}]}}}}"#,
    );
    let scenario = handoff_harness::scenario::Scenario::load(&file).unwrap();
    let orchestration = scenario.orchestration_only().unwrap();
    let design = orchestration.design();
    let offered = offered(design, "A");
    assert_eq!(
        offered,
        [
            ("Handoff-transfer_to_B", "last"),
            ("Handoff-transfer_to_C", "C agent"),
            (
                "Handoff-complete_task",
                "Complete the task with a summary when no further requests are given."
            ),
        ]
    );
    assert_eq!(design.duplicate_handoffs().len(), 1);
    let out = handoff(&["run", arg(&file)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("Task is completed with summary: done\n"),
        "{}",
        stdout(&out)
    );
    // The second declaration by name loses its description (SK#13115), as a single one does.
    let by_name = std::fs::read_to_string(&file).unwrap().replace(
        r#"["first", "last"]"#,
        r#"["first", {"description": "later", "by_name": true}]"#,
    );
    let file = temp_file(&dir, "by_name.json", by_name.as_bytes());
    let scenario = handoff_harness::scenario::Scenario::load(&file).unwrap();
    let design = scenario.orchestration_only().unwrap().design().clone();
    assert_eq!(design.tools(design.find("A").unwrap())[0].description, "");
    // A key given twice is still refused: the list says the same without a duplicate key.
    let twice = std::fs::read_to_string(&file).unwrap().replace(
        r#""B": ["first", {"description": "later", "by_name": true}]"#,
        r#""B": "first", "B": "last""#,
    );
    let file = temp_file(&dir, "dup_key.json", twice.as_bytes());
    let out = handoff(&["run", arg(&file)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`B` is given twice"), "{}", stderr(&out));
    for bad in [r#"[]"#, r#"[["x"]]"#] {
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace(r#""B": "first", "B": "last""#, &format!(r#""B": {bad}"#));
        let file = temp_file(&dir, "bad_list.json", text.as_bytes());
        let out = handoff(&["run", arg(&file)]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stderr(&out).contains("handoffs"), "{bad}: {}", stderr(&out));
    }
}

/// Under the OpenAI Agents SDK an agent listed twice (`handoffs=[b, b, c]`, the list form's
/// order) gives two handoffs under one name: `resolve_tool_name_collisions` keeps the last
/// and warns "... is used by multiple handoffs" (or raises it under `error`).
#[test]
fn agents_sdk_an_agent_listed_twice_is_offered_once_in_its_last_place() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |profile: &str| {
        format!(
            r#"{{"task": "hi", "profile": {profile}, "agents": [{{"name": "A"}}, {{"name": "B"}}, {{"name": "C"}}],
                "handoffs": {{"A": {{"B": ["first", "last"], "C": "to C"}}}},
                "model": {{"scripted": {{"A": {{"responses": [{{"say": "hello"}}]}}}}}}}}"#
        )
    };
    let file = temp_file(&dir, "twice.json", scenario(r#""openai-agents""#).as_bytes());
    let design = handoff_harness::scenario::Scenario::load(&file)
        .unwrap()
        .orchestration_only()
        .unwrap()
        .design()
        .clone();
    let offered = offered(&design, "A");
    assert_eq!(offered, [("transfer_to_b", "last"), ("transfer_to_c", "to C")]);
    let text = stdout(&handoff(&["run", arg(&file)]));
    assert!(
        text.contains("warns: Ambiguous handoff configuration: the handoff tool name `transfer_to_b` is used by multiple handoffs. Pass a unique `tool_name_override=` to each handoff."),
        "{text}"
    );
    let strict = scenario(r#"{"name": "openai-agents", "tool_name_collision_policy": "error"}"#);
    let file = temp_file(&dir, "strict.json", strict.as_bytes());
    refused(&file, "handoffs.A.B: UserError: Ambiguous handoff configuration");
}

/// The library's face of the policy: the surface's `collisions`.
#[test]
fn agents_sdk_handoffs_under_one_name_keep_the_last_or_are_refused() {
    // openai-agents 0.24 `resolve_tool_name_collisions`: "warn" keeps the last handoff.
    let build = |collisions| {
        Design::builder()
            .tool_surface(ToolSurface {
                collisions,
                ..ToolSurface::AGENTS_SDK
            })
            .agent(Agent::new("triage"))
            .agent(Agent::new("Billing Agent"))
            .agent(Agent::new("billing agent"))
            .agent(Agent::new("Refunds"))
            .handoff_to("triage", "Billing Agent")
            .handoff_to("triage", "Refunds")
            .handoff_to("triage", "billing agent")
            .build()
    };
    let d = build(Collisions::LastKept).unwrap();
    let id = |name: &str| d.find(name).unwrap();
    let offered: Vec<_> = d.tools(d.find("triage").unwrap()).iter().map(|t| t.kind).collect();
    assert_eq!(
        offered,
        [
            ToolKind::Transfer(id("Refunds")),
            ToolKind::Transfer(id("billing agent"))
        ],
        "the last in its own place"
    );
    let [collision] = d.name_collisions() else {
        panic!("{:?}", d.name_collisions())
    };
    assert_eq!(collision.targets, [id("Billing Agent"), id("billing agent")]);
    assert!(
        collision.warning(d.agents()).starts_with(
            "Ambiguous handoff configuration: agents 'Billing Agent' and 'billing agent' both derive the handoff tool name `transfer_to_billing_agent`."
        )
    );
    let error = build(Collisions::Refused).unwrap_err();
    assert_eq!(error.place(), "handoffs.triage[\"billing agent\"]");
    assert!(
        error.to_string().contains("Pass an explicit `tool_name_override=`"),
        "{error}"
    );
}

/// Agent Framework 1.4 (`_handoff.py`, `HandoffAgentExecutor`): an agent's reply without a
/// handoff ends in `ctx.request_info(HandoffAgentUserRequest(...))`; when the human has
/// nothing more to say the request stays pending and the workflow idles, unless the app's
/// host answers `HandoffAgentUserRequest.terminate()` (an empty response), as the
/// framework's `handoff_simple.py` sample does: then the workflow completes.
#[test]
fn agent_framework_leaves_the_request_pending_when_the_human_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |profile: &str| {
        format!(
            r#"{{"task": "hi", "start": "A", "profile": {profile}, "user": ["thanks"],
                "agents": [{{"name": "A"}}, {{"name": "B", "description": "B"}}], "handoffs": {{"A": {{"B": null}}}},
                "model": {{"scripted": {{"A": {{"responses": [{{"say": "Hello."}}, {{"say": "Bye."}}]}}}}}}}}"#
        )
    };
    let (ended, calls) = outcome(&dir, &scenario(r#""agent-framework""#));
    assert_eq!(ended["kind"], "ended-without-human", "{ended}");
    assert_eq!(
        (ended["agent"].as_str(), ended["text"].as_str()),
        (Some("A"), Some("Bye."))
    );
    assert_eq!(
        ended["message"],
        "Run ended: A waits for input no human gives (Agent Framework 1.4 (Python HandoffBuilder) leaves the workflow idle with a pending request)"
    );
    assert_eq!(calls, 2);
    let pending = scenario(r#"{"name": "agent-framework", "human_done": "pending"}"#);
    assert_eq!(outcome(&dir, &pending).0, ended);
    let terminated = scenario(r#"{"name": "agent-framework", "human_done": "terminate"}"#);
    let (ended, _) = outcome(&dir, &terminated);
    assert_eq!(
        (ended["kind"].as_str(), ended["summary"].as_str()),
        (Some("completed"), Some("Bye."))
    );
    let file = temp_file(
        &dir,
        "sdk.json",
        scenario(r#"{"name": "openai-agents", "human_done": "terminate"}"#).as_bytes(),
    );
    refused(&file, "`human_done` only changes what `agent-framework` does");
}

/// Agent Framework 1.4 `HandoffBuilder(termination_condition=...)`, in its common forms
/// (`_handoff.py`, `HandoffAgentExecutor._run_agent_and_emit`): the condition reads the full
/// conversation before the agent runs (the task and the human's replies are its user
/// messages) and again after a text reply, before `request_info`; when it holds the executor
/// returns and the workflow ends.
fn terminating(condition: &str, user: &str, a: &str) -> String {
    format!(
        r#"{{"task": "hi", "start": "A", "profile": {{"name": "agent-framework", "termination_condition": {condition}}}, "user": {user},
            "agents": [{{"name": "A"}}, {{"name": "B", "description": "B"}}], "handoffs": {{"A": {{"B": null}}}},
            "model": {{"scripted": {{"A": {{"responses": {a}}}, "B": {{"responses": [{{"say": "B here."}}]}}}}}}}}"#
    )
}

#[test]
fn agent_framework_termination_condition_ends_the_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let replies = r#"[{"say": "Hello."}, {"say": "Still here."}, {"say": "More."}]"#;
    // `sum(1 for m in conversation if m.role == "user") >= 2`: the human's first reply is the
    // second user message; the condition holds before A answers it.
    let (ended, calls) = outcome(
        &dir,
        &terminating(r#"{"user_messages": 2}"#, r#"["thanks", "again"]"#, replies),
    );
    assert_eq!(
        (
            ended["kind"].as_str(),
            ended["agent"].as_str(),
            ended["summary"].as_str()
        ),
        (Some("completed"), Some("A"), Some("Hello.")),
        "{ended}"
    );
    assert_eq!(calls, 1);
    let (ended, calls) = outcome(
        &dir,
        &terminating(r#"{"user_messages": 3}"#, r#"["thanks", "again"]"#, replies),
    );
    assert_eq!((ended["summary"].as_str(), calls), (Some("Still here."), 2), "{ended}");
    // The task alone is one user message: the workflow ends before any model call.
    let (ended, calls) = outcome(&dir, &terminating(r#"{"user_messages": 1}"#, "[]", replies));
    assert_eq!(
        (ended["kind"].as_str(), ended["summary"].as_str(), calls),
        (Some("completed"), Some(""), 0)
    );

    // `"goodbye" in conversation[-1].text.lower()`: after A's reply, before its request_info
    // (the human, who has more to say, is not asked).
    let bye = r#"[{"say": "Hello."}, {"say": "Goodbye then."}]"#;
    let cond = r#"{"last_message_contains": "GOODBYE", "ignore_case": true}"#;
    let (ended, calls) = outcome(&dir, &terminating(cond, r#"["thanks", "again"]"#, bye));
    assert_eq!(
        (ended["summary"].as_str(), calls),
        (Some("Goodbye then."), 2),
        "{ended}"
    );
    let exact = r#"{"last_message_contains": "GOODBYE"}"#;
    let (ended, _) = outcome(&dir, &terminating(exact, r#"["thanks"]"#, bye));
    assert_eq!(ended["kind"], "ended-without-human", "case counts: {ended}");
    // The human's reply is the last message before A runs again.
    let (ended, calls) = outcome(
        &dir,
        &terminating(r#"{"last_message_contains": "stop"}"#, r#"["please stop"]"#, bye),
    );
    assert_eq!((ended["summary"].as_str(), calls), (Some("Hello."), 1), "{ended}");
    // Text beside a handoff is in the conversation B's executor reads before B runs.
    let handing = r#"[{"say": "Over to B, stop.", "handoff": "B"}]"#;
    let (ended, calls) = outcome(
        &dir,
        &terminating(r#"{"last_message_contains": "stop"}"#, "[]", handing),
    );
    assert_eq!(
        (ended["agent"].as_str(), ended["summary"].as_str(), calls),
        (Some("B"), Some(""), 1),
        "{ended}"
    );
}

#[test]
fn termination_condition_is_agent_frameworks_in_its_common_forms() {
    let dir = tempfile::tempdir().unwrap();
    let sk = terminating(r#"{"user_messages": 2}"#, "[]", "[]").replace("agent-framework", "openai-agents");
    refused(
        &temp_file(&dir, "sdk.json", sk.as_bytes()),
        "`termination_condition` only changes what `agent-framework` does",
    );
    for bad in [
        r#"{"user_messages": 2, "last_message_contains": "x"}"#,
        r#"{}"#,
        r#"{"user_messages": 2, "ignore_case": true}"#,
    ] {
        let file = temp_file(&dir, "bad.json", terminating(bad, "[]", "[]").as_bytes());
        refused(&file, "`termination_condition` is {\"user_messages\": N}");
    }
    let file = temp_file(
        &dir,
        "lambda.json",
        terminating(r#""lambda c: True""#, "[]", "[]").as_bytes(),
    );
    refused(&file, "profile");
}
