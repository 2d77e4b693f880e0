//! Framework options a handoff edge sets, each against the framework's own tests and source:
//! the OpenAI Agents SDK's `handoff(agent, tool_name_override=..., tool_description_override=...)`.

use handoff_harness::design::Design;

use crate::framework_options::{offered, refused, stderr, stdout};
use crate::support::{arg, handoff, temp_file};

/// The design of the scenario `text`.
pub(crate) fn design(dir: &tempfile::TempDir, text: &str) -> Design {
    let file = temp_file(dir, "design.json", text.as_bytes());
    handoff_harness::scenario::Scenario::load(&file)
        .unwrap()
        .orchestration_only()
        .unwrap()
        .design()
        .as_ref()
        .clone()
}

/// `triage` hands off to `Billing Agent` and `billing agent` (both `transfer_to_billing_agent`
/// unless an edge overrides the name); `edges` is triage's handoffs object.
fn billing(profile: &str, edges: &str, triage: &str) -> String {
    format!(
        r#"{{"task": "Route this request", "profile": {profile},
            "agents": [{{"name": "triage"}}, {{"name": "Billing Agent"}}, {{"name": "billing agent"}}],
            "handoffs": {{"triage": {edges}}},
            "model": {{"scripted": {{"triage": {triage},
                "Billing Agent": {{"responses": [{{"say": "first"}}]}},
                "billing agent": {{"responses": [{{"say": "second"}}]}}}}}}}}"#
    )
}

/// openai-agents 0.24 `test_handoff_tool.py::test_custom_handoff_setup`: an overridden handoff
/// is offered under `tool_name_override` with `tool_description_override` as its whole
/// description; the other keeps `Handoff.default_tool_name` and `default_tool_description`.
#[test]
fn agents_sdk_overrides_name_and_describe_the_transfer() {
    let dir = tempfile::tempdir().unwrap();
    let d = design(
        &dir,
        r#"{"task": "hi", "profile": "openai-agents",
            "agents": [{"name": "test_3"}, {"name": "test_1"}, {"name": "test_2", "description": "two"}],
            "handoffs": {"test_3": {"test_1": null, "test_2": {"tool_name_override": "custom_tool_name", "tool_description_override": "custom tool description"}}},
            "model": {"scripted": {"test_3": {"responses": [{"say": "hello"}]}}}}"#,
    );
    let offered = offered(&d, "test_3");
    assert_eq!(
        offered,
        [
            (
                "transfer_to_test_1",
                "Handoff to the test_1 agent to handle the request. "
            ),
            ("custom_tool_name", "custom tool description"),
        ]
    );
    // `tool_name_override or Handoff.default_tool_name(agent)`: an empty override is none.
    let d = design(
        &dir,
        r#"{"task": "hi", "profile": "openai-agents", "agents": [{"name": "A"}, {"name": "B Agent"}],
            "handoffs": {"A": {"B Agent": {"tool_name_override": "", "tool_description_override": ""}}}}"#,
    );
    let [t] = d.tools(d.find("A").unwrap()) else { panic!() };
    assert_eq!(&*t.qualified_name, "transfer_to_b_agent");
    assert_eq!(t.description, "Handoff to the B Agent agent to handle the request. ");
}

/// openai-agents 0.24 `test_handoff_tool.py::test_handoff_derived_name_collision_allows_explicit_override`:
/// the override takes one of two colliding handoffs out of the collision, so both are offered
/// and the SDK does not warn; a rule's `handoff` calls the overridden name, which reaches its agent.
#[test]
fn agents_sdk_override_resolves_a_derived_name_collision() {
    let dir = tempfile::tempdir().unwrap();
    let edges = r#"{"Billing Agent": null, "billing agent": {"tool_name_override": "transfer_to_normalized_billing"}}"#;
    for (target, call, reply) in [
        ("billing agent", "transfer_to_normalized_billing", "second"),
        ("Billing Agent", "transfer_to_billing_agent", "first"),
    ] {
        let script = format!(r#"{{"responses": [{{"handoff": "{target}"}}]}}"#);
        let file = temp_file(
            &dir,
            "override.json",
            billing(r#""openai-agents""#, edges, &script).as_bytes(),
        );
        let out = handoff(&["run", arg(&file)]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(!text.contains("Ambiguous"), "{text}");
        assert!(
            text.contains(&format!("{call}({{}}) -> {{\"assistant\": \"{target}\"}}")),
            "{text}"
        );
        assert!(
            text.contains(&format!("[handoff] triage -> {target}\n{target}: {reply}\n")),
            "{text}"
        );
    }
}

/// `resolve_tool_name_collisions` compares the names as offered, overrides included: two
/// handoffs overridden to one name collide, and as neither derives it the SDK says "is used
/// by multiple handoffs" (`_format_tool_name_collision_message`); `warn` keeps the last,
/// `error` raises `UserError`.
#[test]
fn agents_sdk_overrides_to_one_name_collide() {
    let dir = tempfile::tempdir().unwrap();
    let edges =
        r#"{"Billing Agent": {"tool_name_override": "route"}, "billing agent": {"tool_name_override": "route"}}"#;
    let script = r#"{"responses": [{"handoff": "Billing Agent"}]}"#;
    let file = temp_file(
        &dir,
        "route.json",
        billing(r#""openai-agents""#, edges, script).as_bytes(),
    );
    let text = stdout(&handoff(&["run", arg(&file)]));
    assert!(
        text.contains("warns: Ambiguous handoff configuration: the handoff tool name `route` is used by multiple handoffs. Pass a unique `tool_name_override=` to each handoff."),
        "{text}"
    );
    assert!(
        text.contains("[handoff] triage -> billing agent\n"),
        "the last is offered:\n{text}"
    );
    // One overridden onto the other's derived name: still not "both derive".
    let edges = r#"{"Billing Agent": null, "billing agent": {"tool_name_override": "transfer_to_billing_agent"}}"#;
    let file = temp_file(
        &dir,
        "onto.json",
        billing(r#""openai-agents""#, edges, script).as_bytes(),
    );
    let text = stdout(&handoff(&["run", arg(&file)]));
    assert!(
        text.contains("the handoff tool name `transfer_to_billing_agent` is used by multiple handoffs"),
        "{text}"
    );
    let strict = r#"{"name": "openai-agents", "tool_name_collision_policy": "error"}"#;
    let file = temp_file(&dir, "strict.json", billing(strict, edges, script).as_bytes());
    refused(
        &file,
        "UserError: Ambiguous handoff configuration: the handoff tool name `transfer_to_billing_agent`",
    );
}

/// The overrides are the Agents SDK's: other profiles refuse them, naming the place; an edge
/// says its description once; a name the model cannot be offered is refused; declarations of
/// one edge under different names (two handoffs to one agent) are refused.
#[test]
fn edge_overrides_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let edges = r#"{"Billing Agent": null, "billing agent": {"tool_name_override": "to_billing"}}"#;
    for profile in ["semantic-kernel", "agent-framework", "semantic-kernel-dotnet"] {
        let text = billing(&format!(r#""{profile}""#), edges, r#"{"responses": [{"say": "x"}]}"#)
            .replace("Billing Agent", "BillingAgent")
            .replace("billing agent", "billing_agent");
        let file = temp_file(&dir, "elsewhere.json", text.as_bytes());
        refused(
            &file,
            "handoffs.triage.billing_agent.tool_name_override: `tool_name_override` only changes what `openai-agents` does",
        );
        assert!(stderr(&handoff(&["run", arg(&file)])).contains(&format!("`{profile}` names")));
    }
    let bad = |edges: &str, words: &str| {
        let file = temp_file(
            &dir,
            "bad.json",
            billing(r#""openai-agents""#, edges, r#"{"responses": [{"say": "x"}]}"#).as_bytes(),
        );
        refused(&file, words);
    };
    bad(
        r#"{"Billing Agent": {"description": "a", "tool_description_override": "b"}}"#,
        "give the description once",
    );
    bad(
        r#"{"Billing Agent": {"tool_name_override": "to billing"}}"#,
        "`tool_name_override` `to billing` is not a function name",
    );
    bad(
        r#"{"Billing Agent": [{"tool_name_override": "one"}, {"tool_name_override": "two"}]}"#,
        "handoffs.triage[\"Billing Agent\"]: the edge is declared with different `tool_name_override`s",
    );
    // The name of one of the agent's own tools: the handoff wins (see below).
}

/// openai-agents 0.24 `test_handoff_tool.py::test_handoffs_ignore_disabled_derived_name_collision`:
/// `get_handoffs` drops a handoff with `is_enabled=False` before `resolve_tool_name_collisions`
/// compares names, so the enabled one is offered alone and nothing is ambiguous; a call to the
/// disabled one's function is a call to a function the agent does not have (the run fails:
/// `ModelBehaviorError`, or the model is told under `return_error_to_model`).
#[test]
fn agents_sdk_a_disabled_handoff_is_not_offered() {
    let dir = tempfile::tempdir().unwrap();
    let edges = r#"{"Billing Agent": null, "billing agent": {"is_enabled": false}}"#;
    let d = design(
        &dir,
        &billing(r#""openai-agents""#, edges, r#"{"responses": [{"say": "x"}]}"#),
    );
    let offered: Vec<&str> = d
        .tools(d.find("triage").unwrap())
        .iter()
        .map(|t| &*t.qualified_name)
        .collect();
    assert_eq!(offered, ["transfer_to_billing_agent"]);
    assert!(d.name_collisions().is_empty());
    assert_eq!(d.handoffs(d.find("triage").unwrap()).len(), 1);
    let script = r#"{"responses": [{"handoff": "Billing Agent"}]}"#;
    let file = temp_file(
        &dir,
        "disabled.json",
        billing(r#""openai-agents""#, edges, script).as_bytes(),
    );
    let text = stdout(&handoff(&["run", arg(&file)]));
    assert!(!text.contains("Ambiguous"), "{text}");
    assert!(
        text.contains("[handoff] triage -> Billing Agent\nBilling Agent: first\n"),
        "{text}"
    );

    // Only handoff: disabled, the agent has no function at all.
    let only = r#"{"task": "hi", "profile": "openai-agents", "agents": [{"name": "A"}, {"name": "B"}],
        "handoffs": {"A": {"B": {"is_enabled": false}}},
        "model": {"scripted": {"A": {"responses": [{"handoff": "B"}]}}}}"#;
    let d = design(&dir, only);
    assert!(d.tools(d.start()).is_empty());
    let file = temp_file(&dir, "only.json", only.as_bytes());
    let out = handoff(&["run", arg(&file), "--format", "json"]);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["outcome"]["kind"], "framework-error", "{run}");
    assert!(run.to_string().contains("ModelBehaviorError"), "{run}");
    // Enabled (`true`, the default) is offered as if not given.
    let on = only.replace("false", "true");
    let d = design(&dir, &on);
    assert_eq!(d.tools(d.start()).len(), 1);
}

/// `is_enabled` is the Agents SDK's: other profiles refuse it; its callable form is not a
/// scenario's (a bool only).
#[test]
fn is_enabled_is_a_bool_under_openai_agents_only() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |profile: &str, enabled: &str| {
        format!(
            r#"{{"task": "hi", "profile": "{profile}", "agents": [{{"name": "A"}}, {{"name": "B"}}],
                "handoffs": {{"A": {{"B": {{"is_enabled": {enabled}}}}}}},
                "model": {{"scripted": {{"A": {{"responses": [{{"say": "x"}}]}}}}}}}}"#
        )
    };
    let file = temp_file(&dir, "af.json", scenario("agent-framework", "false").as_bytes());
    refused(
        &file,
        "handoffs.A.B.is_enabled: `is_enabled` only changes what `openai-agents` does",
    );
    let file = temp_file(
        &dir,
        "callable.json",
        scenario("openai-agents", r#""lambda ctx, agent: True""#).as_bytes(),
    );
    refused(&file, "`handoff serve` runs it");
}

/// `test_agent_runner.py::test_multiway_mixed_collision_reports_every_owner_must_be_unique`:
/// two function tools `route` and `handoff(Billing, tool_name_override="route")`. Under the
/// default `warn` the SDK drops the tools, offers the handoff and warns once; under `error` it
/// raises.
#[test]
fn agents_sdk_a_handoff_wins_over_a_function_tool_of_its_name() {
    let scenario = |policy: &str| {
        format!(
            r#"{{"task": "hi", "profile": {{"name": "openai-agents", "tool_name_collision_policy": "{policy}"}},
            "agents": [{{"name": "triage", "tools": [{{"name": "route", "description": "", "parameters": {{}}, "result": "first"}},
                                                   {{"name": "route", "description": "", "parameters": {{}}, "result": "second"}}]}},
                       {{"name": "Billing"}}],
            "handoffs": {{"triage": {{"Billing": {{"tool_name_override": "route"}}}}}},
            "model": {{"scripted": {{"triage": {{"responses": [{{"call": {{"tool": "route", "args": {{}}}}}}]}},
                                     "Billing": {{"responses": [{{"say": "done"}}]}}}}}}}}"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "warn.json", scenario("warn").as_bytes());
    let out = handoff(&["run", arg(&file)]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("[note] OpenAI Agents SDK 0.24 warns: Ambiguous tool routing configuration: the tool name `route` is used by both a function tool and a handoff. Assign a unique routed name to every colliding function tool and handoff with `name_override=`, `tool_name=`, `tool_name_override=`, or a namespace. (only the handoff to Billing is offered)\n"),
        "{text}"
    );
    assert!(text.contains("[handoff] triage -> Billing\nBilling: done\n"), "{text}");
    let file = temp_file(&dir, "error.json", scenario("error").as_bytes());
    refused(
        &file,
        "handoffs.triage.Billing: UserError: Ambiguous tool routing configuration: the tool name `route` is used by both a function tool and a handoff.",
    );
}
