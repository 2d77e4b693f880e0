//! The rules of the profiles, one test each. Where a trace shows the rule, the test runs its
//! scenario, requires the harness to match the trace call for call (`conforming`), and then
//! asserts the rule itself on the trace and the run, the expected side read from the trace.
//! Where no trace shows a rule, a focused run of the harness checks it against the
//! framework's source (the file and function are named in each test).

use handoff_harness::design::ToolKind;
use handoff_harness::{Outcome, Scenario};

use super::run::HarnessRun;
use super::trace::Framework::{AgentFramework, OpenAiAgents, SemanticKernel};
use super::trace::{Framework, Trace};
use super::{conforming, run};

/// The first traced response with several handoff calls: what each call does (the target's
/// name, or `complete`), and the agent whose model the trace shows called next (`None`: the
/// run ended).
fn several_handoffs(trace: &Trace, harness: &HarnessRun) -> (Vec<String>, Option<String>) {
    let design = harness.run.design();
    let calls = trace.calls();
    for (i, call) in calls.iter().enumerate() {
        let agent = design.find(call["agent"].as_str().unwrap()).unwrap();
        let effects: Vec<String> = call["reply"]["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(
                |c| match design.resolve_tool(agent, c["name"].as_str().unwrap())?.kind {
                    ToolKind::Transfer(target) => Some(design.agent(target).name.clone()),
                    ToolKind::Complete => Some("complete".to_string()),
                    ToolKind::Own(_) => None,
                },
            )
            .collect();
        if effects.len() > 1 {
            let next = calls.get(i + 1).map(|c| c["agent"].as_str().unwrap().to_string());
            return (effects, next);
        }
    }
    panic!("{}: no response with several handoff calls", trace.label());
}

/// The text of the tool message answering the n-th (1-based) model call's first call, as
/// the harness showed it to the following call.
fn first_result(harness: &HarnessRun, n: usize) -> String {
    let id = harness.calls[n]
        .messages
        .iter()
        .rev()
        .find_map(|m| m.call_id.clone())
        .unwrap();
    let message = harness.calls[n]
        .messages
        .iter()
        .find(|m| m.call_id.as_deref() == Some(&id))
        .unwrap();
    message.text.clone().unwrap()
}

#[test]
fn semantic_kernel_runs_every_transfer_and_the_last_wins() {
    for probe in ["two_transfers", "two_transfers_reversed"] {
        let (trace, harness) = conforming(SemanticKernel, probe);
        let (targets, next) = several_handoffs(&trace, &harness);
        assert_eq!(next.as_ref(), targets.last(), "{probe}: the last transfer wins");
    }
}

#[test]
fn semantic_kernel_completes_whatever_transfer_comes_with_complete_task() {
    for probe in ["complete_beside_transfer", "complete_beside_transfer_reversed"] {
        let (trace, harness) = conforming(SemanticKernel, probe);
        let (effects, next) = several_handoffs(&trace, &harness);
        assert!(effects.contains(&"complete".to_string()), "{probe}");
        assert_eq!(next, None, "{probe}: no transfer target runs");
        assert!(matches!(harness.run.outcome(), Outcome::Completed { .. }), "{probe}");
    }
}

#[test]
fn agent_framework_and_the_agents_sdk_take_the_first_of_several_handoffs() {
    for framework in [AgentFramework, OpenAiAgents] {
        for probe in ["two_transfers", "two_transfers_reversed"] {
            let (trace, harness) = conforming(framework, probe);
            let (targets, next) = several_handoffs(&trace, &harness);
            assert_eq!(
                next.as_ref(),
                targets.first(),
                "{}: the first handoff wins",
                trace.label()
            );
        }
    }
}

#[test]
fn the_agents_sdk_answers_the_ignored_handoff_before_the_winner() {
    let (trace, harness) = conforming(OpenAiAgents, "two_transfers");
    let ids = &trace.reply_ids()[0];
    let results: Vec<&str> = harness.calls[1]
        .messages
        .iter()
        .filter_map(|m| m.call_id.as_deref())
        .collect();
    assert_eq!(
        results,
        [ids[1].as_str(), ids[0].as_str()],
        "the ignored call's output comes first"
    );
}

#[test]
fn text_beside_a_handoff_reaches_the_target_in_agent_framework_and_the_agents_sdk() {
    for (framework, probe) in [
        (AgentFramework, "text_beside_handoff"),
        (AgentFramework, "text_beside_handoff_split_stream"),
        (OpenAiAgents, "text_beside_handoff"),
        (OpenAiAgents, "text_beside_handoff_calls_first"),
    ] {
        let (trace, harness) = conforming(framework, probe);
        let text = trace.calls()[0]["reply"]["text"].as_str().unwrap();
        let target_sees = harness.calls[1]
            .messages
            .iter()
            .any(|m| m.role == "assistant" && m.text.as_deref() == Some(text));
        assert!(
            target_sees,
            "{}: the target reads the text said beside the handoff",
            trace.label()
        );
    }
}

#[test]
fn semantic_kernel_never_passes_on_text_beside_a_handoff() {
    for probe in [
        "text_beside_handoff_earlier_chunk",
        "text_beside_handoff_same_chunk",
        "text_beside_handoff_same_chunk__usage_chunk",
    ] {
        let (trace, harness) = conforming(SemanticKernel, probe);
        let text = trace.calls()[0]["reply"]["text"].as_str().unwrap();
        for call in &harness.calls[1..] {
            assert!(
                call.messages.iter().all(|m| m.text.as_deref() != Some(text)),
                "{probe}: no later input holds the text (not the target's, not the speaker's own wire)"
            );
        }
    }
}

#[test]
fn a_text_reply_without_a_human_ends_the_run_as_each_framework_ends_it() {
    for framework in Framework::ALL {
        let (trace, harness) = conforming(framework, "no_human");
        assert_eq!(harness.calls.len(), 1, "{}", trace.label());
        let expected = trace.outcome();
        assert_eq!(harness.run.outcome().kind(), expected.kind, "{}", trace.label());
    }
}

#[test]
fn an_unknown_tool_gets_an_error_and_the_same_agent_is_asked_again() {
    for (framework, probe) in [
        (SemanticKernel, "unknown_tool"),
        (AgentFramework, "unknown_tool"),
        (OpenAiAgents, "unknown_tool__return_error_to_model"),
    ] {
        let (trace, harness) = conforming(framework, probe);
        assert_eq!(harness.calls[1].agent, harness.calls[0].agent, "{}", trace.label());
        let theirs = trace.record(&trace.calls()[1]);
        let error = theirs.messages.last().unwrap().text.clone().unwrap();
        assert_eq!(first_result(&harness, 1), error, "{}", trace.label());
    }
}

#[test]
fn the_agents_sdk_fails_the_run_on_an_unknown_tool_by_default() {
    let (trace, harness) = conforming(OpenAiAgents, "unknown_tool");
    assert_eq!(harness.calls.len(), 1);
    let Outcome::FrameworkError { error, guard, .. } = harness.run.outcome() else {
        panic!("{:?}", harness.run.outcome())
    };
    assert_eq!(*error, trace.outcome().text);
    assert!(!guard, "a refused call is no loop guard");
}

#[test]
fn a_call_without_its_arguments_gets_the_frameworks_error_and_is_retried() {
    for framework in Framework::ALL {
        let (trace, harness) = conforming(framework, "missing_argument");
        let theirs = trace.record(&trace.calls()[1]);
        let error = theirs.messages.last().unwrap().text.clone().unwrap();
        assert_eq!(first_result(&harness, 1), error, "{}", trace.label());
        assert_eq!(harness.calls[1].agent, harness.calls[0].agent, "{}", trace.label());
    }
}

#[test]
fn agent_framework_fails_the_workflow_after_100_supersteps() {
    let (trace, harness) = conforming(AgentFramework, "endless_bounce");
    let Outcome::FrameworkError { guard, .. } = harness.run.outcome() else {
        panic!("{:?}", harness.run.outcome())
    };
    assert!(guard);
    // One superstep per agent run, a handoff's target running in the next: 100 runs.
    assert_eq!(harness.calls.len() as u64, trace.outcome().model_calls);
    assert_eq!(trace.json["outcome"]["last_superstep"], 100);
}

#[test]
fn agent_framework_makes_40_tool_rounds_then_calls_the_model_with_tool_choice_none() {
    let (trace, harness) = conforming(AgentFramework, "tool_rounds");
    let choices: Vec<&str> = harness
        .calls
        .iter()
        .map(|c| c.tool_choice.as_deref().unwrap())
        .collect();
    let (last, before) = choices.split_last().unwrap();
    assert_eq!(*last, "none");
    assert!(before.iter().all(|c| *c == "auto"), "{choices:?}");
    assert_eq!(harness.calls.len() as u64, trace.outcome().model_calls);
    assert_eq!(
        harness.calls.last().unwrap().tools,
        harness.calls[0].tools,
        "the tools stay listed"
    );
}

#[test]
fn the_agents_sdk_raises_max_turns_after_10_model_calls_handoffs_included() {
    for probe in ["endless_bounce", "tool_rounds"] {
        let (trace, harness) = conforming(OpenAiAgents, probe);
        assert_eq!(harness.calls.len(), 10, "{probe}");
        assert!(
            matches!(harness.run.outcome(), Outcome::FrameworkError { guard: true, .. }),
            "{probe}: {:?}",
            harness.run.outcome()
        );
        assert_eq!(trace.json["outcome"]["error_type"], "MaxTurnsExceeded");
    }
}

#[test]
fn the_agents_sdk_counts_max_turns_anew_for_every_human_turn() {
    // 12 calls in 7 `Runner.run`s, more than 10 in all, fewer in each.
    let (trace, harness) = conforming(OpenAiAgents, "customer_support");
    assert!(harness.calls.len() > 10);
    assert_eq!(trace.json["outcome"]["runs"], 7);
    assert!(matches!(harness.run.outcome(), Outcome::Completed { .. }));
}

#[test]
fn semantic_kernel_ends_an_invocation_after_5_tool_rounds_without_another_call() {
    let (trace, harness) = conforming(SemanticKernel, "tool_rounds");
    let attempts: Vec<u64> = harness.calls.iter().map(|c| c.attempt.unwrap()).collect();
    assert_eq!(attempts, [0, 1, 2, 3, 4]);
    assert_eq!(trace.outcome().kind, "framework-error");
    for probe in ["tool_rounds__usage_chunk", "tool_rounds__with_text"] {
        let (_, harness) = conforming(SemanticKernel, probe);
        let sixth = &harness.calls[5];
        assert_eq!(
            sixth.attempt,
            Some(0),
            "{probe}: the human's reply starts a new invocation"
        );
        assert_eq!(sixth.tools, harness.calls[0].tools, "{probe}: with every tool");
    }
}

#[test]
fn semantic_kernel_drops_the_thread_of_a_first_turn_that_streams_nothing() {
    for (probe, keeps) in [
        ("first_turn_handoff", false),
        ("tool_then_handoff", false),
        ("text_beside_handoff_same_chunk", false),
        ("first_turn_handoff__usage_chunk", true),
        ("tool_then_handoff__usage_chunk", true),
        ("text_beside_handoff_same_chunk__usage_chunk", true),
        ("text_beside_handoff_earlier_chunk", true),
    ] {
        let (trace, harness) = conforming(SemanticKernel, probe);
        let task = trace.design()["task"].as_str().unwrap();
        let back = harness
            .calls
            .iter()
            .rposition(|c| c.agent == harness.calls[0].agent)
            .unwrap();
        let sees_task = harness.calls[back]
            .messages
            .iter()
            .any(|m| m.text.as_deref() == Some(task));
        assert_eq!(
            sees_task, keeps,
            "{probe}: the start agent sees the task when control returns"
        );
    }
}

#[test]
fn agent_framework_and_the_agents_sdk_keep_every_thread() {
    for framework in [AgentFramework, OpenAiAgents] {
        for probe in ["first_turn_handoff", "tool_then_handoff"] {
            let (trace, harness) = conforming(framework, probe);
            let first_call = &trace.reply_ids()[0][0];
            let back = harness.calls.last().unwrap();
            assert_eq!(back.agent, harness.calls[0].agent);
            assert!(
                back.messages.iter().any(|m| m.call_id.as_ref() == Some(first_call)),
                "{}: the start agent still sees the result of its first call",
                trace.label()
            );
        }
    }
}

/// Agent Framework 1.4 has no option for which tool calls later agents read (.NET's
/// `HandoffToolCallFilteringBehavior` has no Python counterpart): `_run_agent_and_emit`
/// broadcasts `clean_conversation_for_handoff(response.messages)`, the text of each message
/// and nothing else (a message with no text left is dropped). An agent reads its own calls
/// and results, never another's; text said beside a call reaches everyone.
#[test]
fn agent_framework_shows_no_agent_another_agents_calls_or_results() {
    let (trace, harness) = conforming(AgentFramework, "tool_call_filtering");
    let reply_ids = trace.reply_ids();
    for (n, call) in harness.calls.iter().enumerate() {
        let own: Vec<&String> = harness.calls[..n]
            .iter()
            .zip(&reply_ids)
            .filter(|(earlier, _)| earlier.agent == call.agent)
            .flat_map(|(_, ids)| ids)
            .collect();
        for m in &call.messages {
            let ids = m.calls.iter().filter_map(|c| c.id.as_ref()).chain(m.call_id.as_ref());
            for id in ids {
                assert!(
                    own.contains(&id),
                    "{}: model call #{} ({}) reads call {id}, not its own",
                    trace.label(),
                    n + 1,
                    call.agent
                );
            }
        }
    }
    // Triage's text beside its own tool call reaches the agent that speaks last.
    let beside = trace.calls()[0]["reply"]["text"].as_str().unwrap();
    let last = harness.calls.last().unwrap();
    assert!(
        last.messages
            .iter()
            .any(|m| m.role == "assistant" && m.text.as_deref() == Some(beside) && m.calls.is_empty()),
        "{}: {} reads {beside:?}",
        trace.label(),
        last.agent
    );
}

/// Runs an inline scenario of `agent-framework` and returns each call's tool choice.
fn agent_framework_run(model: &str, user: &str) -> (Vec<Option<String>>, Outcome) {
    let text = format!(
        r#"{{"profile": "agent-framework", "task": "t", "start": "A",
            "agents": [{{"name": "A", "tools": [{{"name": "f", "parameters": {{"x": null}}, "result": "ok"}}]}}, {{"name": "B"}}],
            "handoffs": {{"A": {{"B": null}}}},
            "user": {user},
            "limits": {{"handoffs_per_turn": null, "model_calls": null, "human_turns": null, "tool_rounds": null}},
            "model": {{"scripted": {{"A": {model}}}}}}}"#
    );
    let scenario = Scenario::parse(&text, "inline.json", None).unwrap();
    let trace_like = run::record_run(&scenario, AgentFramework);
    (
        trace_like.calls.iter().map(|c| c.tool_choice.clone()).collect(),
        trace_like.run.outcome().clone(),
    )
}

#[test]
fn agent_framework_calls_the_model_without_tools_after_3_rounds_with_errors() {
    // No trace shows it: `_tools.py` `DEFAULT_MAX_CONSECUTIVE_ERRORS_PER_REQUEST = 3`,
    // `_update_consecutive_error_count` (read in the source).
    let model = r#"{"rules": [
        {"when": {"call": {"max": 3}}, "call": {"tool": "f", "args": {}, "unchecked": true}},
        {"when": {"call": 4}, "say": "giving up"},
        {"complete": "bye"}]}"#;
    let (choices, outcome) = agent_framework_run(model, r#"["go on"]"#);
    let auto = Some("auto".to_string());
    assert_eq!(
        choices,
        [auto.clone(), auto.clone(), auto.clone(), Some("none".into()), auto]
    );
    assert!(matches!(outcome, Outcome::Completed { .. }), "{outcome:?}");
}

#[test]
fn agent_framework_counts_supersteps_over_the_whole_conversation() {
    // No trace shows it: every run after an input is a superstep, and so is the delivery of a
    // text reply; the count is not reset for `responses=` continuations (`_workflow.py`), so
    // one agent answering in text fails at the 50th human reply, before its model is called
    //.
    let user: Vec<String> = (1..=60).map(|i| format!("\"h{i}\"")).collect();
    let (choices, outcome) = agent_framework_run(r#"{"rules": [{"say": "hi"}]}"#, &format!("[{}]", user.join(",")));
    assert_eq!(choices.len(), 50);
    assert!(
        matches!(&outcome, Outcome::FrameworkError { error, guard: true, .. } if error.starts_with("WorkflowConvergenceException")),
        "{outcome:?}"
    );
}

#[test]
fn every_function_is_declared_as_its_framework_declares_it() {
    // The exact `tools` entries, names, descriptions and parameter schemas in the
    // framework's dialect. The Agents SDK's trace holds its tools as the Responses API takes
    // them; on Chat Completions the SDK nests the same fields under `function`
    // (`Converter.tool_to_openai`), as the harness writes them.
    let mut differences = Vec::new();
    for framework in Framework::ALL {
        for trace in Trace::all(framework) {
            let scenario = Scenario::load(super::scenario::path(&trace)).unwrap();
            let design = &scenario.design;
            for (agent, tools) in trace.json["tools_by_agent"].as_object().unwrap() {
                let theirs: Vec<serde_json::Value> = tools
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| match framework {
                        OpenAiAgents => {
                            let mut function = t.clone();
                            function.as_object_mut().unwrap().remove("type");
                            serde_json::json!({ "type": "function", "function": function })
                        }
                        _ => t.clone(),
                    })
                    .collect();
                let ours: Vec<serde_json::Value> = design
                    .tools(design.find(agent).unwrap())
                    .iter()
                    .map(|t| t.json_schema())
                    .collect();
                if ours != theirs {
                    differences.push(format!(
                        "{} {agent}:\n{}",
                        trace.label(),
                        super::diff(&lines(&theirs), &lines(&ours))
                    ));
                }
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Each value on a line of its own.
fn lines(values: &[serde_json::Value]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}
