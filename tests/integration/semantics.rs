//! One test per rule of the engine's semantics (Semantic Kernel Python's, plus the harness's
//! limits and loop proofs).

use handoff_harness::engine::{
    Event, EventKind, EventLog, Limit, Message, MultipleHandoffs, NoHuman, ToolOutput, Visibility,
};
use handoff_harness::{
    Agent, Design, Limits, ModelRequest, Orchestration, Outcome, Policy, Response, Run, Script, ScriptedHuman,
    ScriptedModel, Step, Tool,
};
use serde_json::{Map, json};

use crate::support::{FnModel, Recorder, run};

/// A, B, C: A may hand off to B and C, B and C back to A. B has a tool `look(id)`.
fn abc() -> Design {
    Design::builder()
        .agent(Agent::new("A").description("triage").instructions("route"))
        .agent(
            Agent::new("B")
                .description("bee")
                .tool(Tool::new("look").parameter("id", "").result("found {id}")),
        )
        .agent(Agent::new("C").description("sea"))
        .handoff("A", "B", "to B")
        .handoff("A", "C", "to C")
        .handoff_to("B", "A")
        .handoff_to("C", "A")
        .build()
        .unwrap()
}

fn model(design: &Design, scripts: &[(&str, Script)]) -> ScriptedModel {
    ScriptedModel::new(design, scripts.iter().map(|(n, s)| (*n, s))).unwrap()
}

fn orchestration(design: &Design) -> Orchestration {
    Orchestration::new(design.clone()).task("task")
}

/// The orchestration under `semantic-kernel-fixed`: Semantic Kernel as it is meant to work,
/// for the rules the exact profile changes (its quirks are tested in `profiles`).
fn fixed(design: &Design) -> Orchestration {
    orchestration(design)
        .profile(&handoff_harness::engine::Profile::SEMANTIC_KERNEL_FIXED)
        .unwrap()
}

fn names(run: &Run, ids: &[handoff_harness::design::AgentId]) -> Vec<String> {
    ids.iter().map(|a| run.name(*a).to_string()).collect()
}

/// Text of every message in `agent`'s thread, as `role:author:text`.
fn thread(run: &Run, agent: &str) -> Vec<String> {
    let id = run.design().find(agent).unwrap();
    run.log()
        .thread(id)
        .map(|m| match m {
            Message::User { text } => format!("user:{text}"),
            Message::Input { role, content, .. } => format!("{}:{}", role.name(), content.unwrap_or("")),
            Message::Assistant {
                author, text, calls, ..
            } => {
                let calls: Vec<&str> = calls.iter().map(|c| &*c.name).collect();
                format!(
                    "assistant:{}:{text}{}",
                    run.name(author),
                    if calls.is_empty() {
                        String::new()
                    } else {
                        format!(" {calls:?}")
                    }
                )
            }
            Message::Tool { name, output, .. } => {
                format!("tool:{name}:{}", output.text().unwrap_or("None"))
            }
        })
        .collect()
}

fn agent_of(request: &ModelRequest<'_>) -> String {
    format!("{}#{}", request.agent_name(), request.call_number())
}

#[test]
fn a_handoff_ends_the_turn_and_the_target_is_called_next() {
    let d = abc();
    let inner = model(
        &d,
        &[
            ("A", Script::responses([Step::new().handoff("B")])),
            ("B", Script::responses([Step::new().complete("done")])),
        ],
    );
    let mut recorder = Recorder {
        inner,
        seen: Vec::new(),
        view: agent_of,
    };
    let run = run(&orchestration(&d), &mut recorder, &mut NoHuman);
    assert_eq!(recorder.seen, ["A#1", "B#1"]);
    assert_eq!(names(&run, &run.path()), ["A", "B"]);
    assert!(matches!(run.outcome(), Outcome::Completed { summary, .. } if summary == "done"));
}

#[test]
fn a_text_reply_is_broadcast_the_human_answers_and_the_same_agent_goes_on() {
    let d = abc();
    let m = model(
        &d,
        &[(
            "A",
            Script::rules([
                Step::new().when_user("bye").complete("ok"),
                Step::new().when_user("help").say("sure"),
                Step::new().say("hello"),
            ]),
        )],
    );
    let mut recorder = Recorder {
        inner: m,
        seen: Vec::new(),
        view: agent_of,
    };
    let run = run(
        &orchestration(&d),
        &mut recorder,
        &mut ScriptedHuman::new(["help", "bye"]),
    );
    assert_eq!(recorder.seen, ["A#1", "A#2", "A#3"]);
    assert_eq!(
        thread(&run, "A"),
        [
            "user:task",
            "assistant:A:hello",
            "user:help",
            "assistant:A:sure",
            "user:bye",
            "assistant:A: [\"complete_task\"]",
            "tool:complete_task:None"
        ]
    );
    // Everyone else hears the text and the human, not A's tool calls.
    assert_eq!(
        thread(&run, "C"),
        [
            "user:task",
            "assistant:A:hello",
            "user:help",
            "assistant:A:sure",
            "user:bye"
        ]
    );
    assert_eq!(run.human_turns(), 2);
}

#[test]
fn tool_calls_results_and_text_of_a_handoff_turn_stay_private() {
    let d = abc();
    let m = model(
        &d,
        &[
            (
                "A",
                Script::rules([Step::new().when_call(1).handoff("B"), Step::new().complete("end")]),
            ),
            (
                "B",
                Script::rules([
                    Step::new().when_tool_result("found (?P<id>\\d+)").say("it is {id}"),
                    Step::new().when_user("look").call("look", [("id", "7")]),
                    Step::new().when_user("task").say("What shall I look up?"),
                    Step::new().say("Passing you back.").handoff("A"),
                ]),
            ),
        ],
    );
    let run = run(
        &orchestration(&d),
        &mut { m },
        &mut ScriptedHuman::new(["look please", "thanks"]),
    );
    // B looked something up privately, said it aloud, then handed back with words only it keeps.
    let b = thread(&run, "B");
    assert!(b.contains(&"tool:look:found 7".to_string()), "{b:?}");
    assert!(
        b.contains(&"assistant:B:Passing you back. [\"transfer_to_A\"]".to_string()),
        "{b:?}"
    );
    let a = thread(&run, "A");
    assert!(
        a.contains(&"assistant:B:it is 7".to_string()),
        "A hears B's text: {a:?}"
    );
    assert!(
        !a.iter()
            .any(|m| m.contains("found 7") || m.contains("Passing you back") || m.contains("look\"")),
        "{a:?}"
    );
    assert!(
        run.text()
            .contains("[not broadcast] B: Passing you back.\n[handoff] B -> A\n"),
        "{}",
        run.text()
    );
}

#[test]
fn a_call_to_a_tool_the_agent_lacks_gets_an_error_and_the_model_is_asked_again() {
    let d = abc();
    // B may only hand off to A; it tries C (a real agent, not its target).
    let m = model(
        &d,
        &[
            ("A", Script::responses([Step::new().handoff("B")])),
            (
                "B",
                Script::rules([
                    Step::new()
                        .when_tool_result("not part of the provided tools")
                        .say("sorry"),
                    Step::new().handoff("C"),
                ]),
            ),
        ],
    );
    let run = run(&orchestration(&d), &mut { m }, &mut NoHuman);
    let b = thread(&run, "B");
    assert!(
        b.contains(&format!(
            "tool:transfer_to_C:{}",
            handoff_harness::engine::Profile::default()
                .texts
                .unknown_tool
                .text("transfer_to_C", "B")
        )),
        "{b:?}"
    );
    assert_eq!(names(&run, &run.path()), ["A", "B"], "no handoff happened");
    assert!(matches!(run.outcome(), Outcome::EndedWithoutHuman { text, .. } if text == "sorry"));
}

#[test]
fn a_missing_argument_gets_an_error_and_the_model_is_asked_again() {
    let d = abc();
    let mut m = FnModel(|r: &ModelRequest<'_>| match r.tool_result() {
        None => Response::call("complete_task", Map::new()),
        Some((_, output)) => Response::text(output.text().unwrap().to_string()),
    });
    let run = run(&orchestration(&d), &mut m, &mut NoHuman);
    let Outcome::EndedWithoutHuman { text, .. } = run.outcome() else {
        panic!("{:?}", run.outcome())
    };
    assert_eq!(
        text,
        "Missing required argument(s): ['task_summary']. Please revise the arguments to match the function signature."
    );
}

#[test]
fn a_scripted_call_marked_unchecked_is_made_as_written() {
    let d = abc();
    let unchecked = |tool: &str, args: serde_json::Value| handoff_harness::scripted::CallSpec {
        tool: tool.into(),
        args: args.as_object().unwrap().clone(),
        unchecked: true,
    };
    let b = Script::responses([
        Step {
            calls: Some(vec![
                unchecked("look", json!({})),
                unchecked("Handoff-transfer_to_Nobody", json!({})),
            ]),
            ..Step::new()
        },
        Step::new().say("done"),
    ]);
    let script = |calls| {
        let text = json!({ "B": { "responses": [{ "calls": calls }] } }).to_string();
        serde_json::from_str::<std::collections::BTreeMap<String, Script>>(&text).unwrap()
    };
    let refused = script(json!([{ "tool": "look", "args": {} }]));
    let error = ScriptedModel::new(&d, [("B", &refused["B"])]).unwrap_err();
    assert!(error.message.contains("missing argument `id`"), "{error}");
    let m = model(&d, &[("A", Script::responses([Step::new().handoff("B")])), ("B", b)]);
    let run = run(&orchestration(&d), &mut { m }, &mut NoHuman);
    let b = thread(&run, "B");
    assert!(
        b.iter().any(|m| m.contains("Missing required argument(s): ['id']")),
        "the missing argument reaches the framework: {b:?}"
    );
    assert!(
        b.iter()
            .any(|m| m.contains("`Handoff-transfer_to_Nobody` is not part of the provided tools")),
        "the made-up name too: {b:?}"
    );
}

fn two_handoffs(policy: MultipleHandoffs, first: &str, second: &str) -> Run {
    let d = abc();
    let step = |target: &str| {
        if target == "done" {
            Step::new().complete("done")
        } else {
            Step::new().handoff(target)
        }
    };
    let mut both = step(first);
    let second = step(second);
    both.handoff = both.handoff.or(second.handoff);
    both.complete = both.complete.or(second.complete);
    let m = model(
        &d,
        &[
            ("A", Script::responses([both])),
            ("B", Script::responses([Step::new().say("B here")])),
            ("C", Script::responses([Step::new().say("C here")])),
        ],
    );
    let orch = orchestration(&d).policy(Policy {
        multiple_handoffs: policy,
    });
    run(&orch, &mut { m }, &mut NoHuman)
}

#[test]
fn several_handoffs_in_one_response_follow_the_policy() {
    // `handoff` is called before `complete` in a step; B is A's first target, C its second.
    let d = abc();
    let m = model(
        &d,
        &[
            (
                "A",
                Script::responses([Step {
                    calls: Some(vec![call("transfer_to_B"), call("transfer_to_C")]),
                    ..Step::default()
                }]),
            ),
            ("B", Script::responses([Step::new().say("B here")])),
            ("C", Script::responses([Step::new().say("C here")])),
        ],
    );
    let cases = [
        (MultipleHandoffs::Last, Some("C")),
        (MultipleHandoffs::First, Some("B")),
        (MultipleHandoffs::Reject, None),
    ];
    for (policy, winner) in cases {
        let orch = orchestration(&d).policy(Policy {
            multiple_handoffs: policy,
        });
        let run = run(&orch, &mut m.clone(), &mut NoHuman);
        // Every call gets its result, whoever wins.
        let results = run
            .log()
            .events()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::ToolResult { .. }))
            .count();
        assert_eq!(results, 2, "{policy:?}");
        match winner {
            Some(w) => {
                assert_eq!(names(&run, &run.path()), ["A", w], "{policy:?}");
                assert!(
                    run.text()
                        .contains(&format!("policy `{}` takes `transfer_to_{w}`", policy.name())),
                    "{}",
                    run.text()
                );
            }
            None => assert!(
                matches!(run.outcome(), Outcome::AmbiguousHandoff { calls, .. } if calls == &["transfer_to_B", "transfer_to_C"]),
                "{:?}",
                run.outcome()
            ),
        }
    }
}

fn call(tool: &str) -> handoff_harness::scripted::CallSpec {
    handoff_harness::scripted::CallSpec {
        tool: tool.into(),
        args: Map::new(),
        unchecked: false,
    }
}

#[test]
fn complete_task_beats_a_transfer_in_the_same_response_under_the_default_policy() {
    let run = two_handoffs(MultipleHandoffs::Last, "B", "done");
    assert!(
        matches!(run.outcome(), Outcome::Completed { summary, .. } if summary == "done"),
        "{:?}",
        run.outcome()
    );
    // Under `first`, the transfer (called first) wins.
    let run = two_handoffs(MultipleHandoffs::First, "B", "done");
    assert_eq!(names(&run, &run.path()), ["A", "B"]);
}

#[test]
fn without_a_human_a_text_reply_ends_the_run() {
    let d = abc();
    let m = model(&d, &[("A", Script::responses([Step::new().say("Hi there")]))]);
    let run = run(&orchestration(&d), &mut { m }, &mut NoHuman);
    assert!(matches!(run.outcome(), Outcome::EndedWithoutHuman { text, .. } if text == "Hi there"));
    assert!(run.outcome().is_success());
    assert!(run.text().ends_with(&format!(
        "Task is completed with summary: {}\n",
        handoff_harness::engine::profile::NO_HUMAN_SUMMARY
    )));
}

#[test]
fn an_empty_response_ends_the_run_with_an_error_outcome() {
    let d = abc();
    let run = run(
        &fixed(&d),
        &mut FnModel(|_: &ModelRequest<'_>| Response::default()),
        &mut NoHuman,
    );
    assert!(matches!(run.outcome(), Outcome::EmptyResponse { .. }));
    assert!(!run.outcome().is_success());
}

#[test]
fn a_human_with_no_more_replies_ends_the_run() {
    let d = abc();
    let m = model(&d, &[("A", Script::rules([Step::new().say("anything else?")]))]);
    let run = run(&orchestration(&d), &mut { m }, &mut ScriptedHuman::new(["one"]));
    assert!(
        matches!(run.outcome(), Outcome::HumanExhausted { .. }),
        "{:?}",
        run.outcome()
    );
    assert_eq!(run.human_turns(), 1);
}

#[test]
fn two_agents_bouncing_in_the_same_state_is_a_proven_loop() {
    let d = abc();
    let m = model(
        &d,
        &[
            ("A", Script::rules([Step::new().when_user("refund").handoff("B")])),
            ("B", Script::rules([Step::new().handoff("A")])),
        ],
    );
    let orch = Orchestration::new(d.clone())
        .task("refund please")
        .limits(Limits::none());
    let run = run(&orch, &mut { m }, &mut NoHuman);
    let Outcome::LoopDetected { cycle } = run.outcome() else {
        panic!("{:?}", run.outcome())
    };
    assert_eq!(names(&run, cycle), ["A", "B", "A"]);
    assert_eq!(
        run.model_calls(),
        2,
        "proved at the first repeat, before any further model call"
    );
    assert!(run.text().ends_with("Run stopped: endless loop: A -> B -> A would hand off forever without a human turn (the same agent came back with the model's deciding state unchanged)\n"));
}

#[test]
fn a_model_whose_state_grows_is_stopped_by_the_handoff_limit() {
    let d = abc();
    // A's rules read its call count up to 1,000, so for its first 1,000 calls its state
    // never repeats: no proof, only the limit.
    let m = model(
        &d,
        &[
            (
                "A",
                Script::rules([
                    Step::new().when_call(1).handoff("B"),
                    Step::new().when_calls(2..=1000).handoff("B"),
                ]),
            ),
            ("B", Script::rules([Step::new().handoff("A")])),
        ],
    );
    let limits = Limits {
        handoffs_per_turn: Some(6),
        ..Limits::default()
    };
    let run = run(&orchestration(&d).limits(limits), &mut { m }, &mut NoHuman);
    assert_eq!(
        run.outcome(),
        &Outcome::LimitReached {
            limit: Limit::HandoffsPerTurn,
            value: 6,
            agent: d.find("A").unwrap()
        }
    );
    assert_eq!(
        names(&run, &run.path()),
        ["A", "B", "A", "B", "A", "B", "A"],
        "6 handoffs, then A's 7th is refused"
    );
}

#[test]
fn a_model_that_cannot_name_its_state_is_bounded_by_limits_alone() {
    let d = abc();
    let mut m = FnModel(|r: &ModelRequest<'_>| Response::handoff(if r.agent_name() == "A" { "B" } else { "A" }));
    let limits = Limits {
        handoffs_per_turn: None,
        model_calls: Some(40),
        ..Limits::default()
    };
    let run = run(&orchestration(&d).limits(limits), &mut m, &mut NoHuman);
    assert!(
        matches!(
            run.outcome(),
            Outcome::LimitReached {
                limit: Limit::ModelCalls,
                value: 40,
                ..
            }
        ),
        "{:?}",
        run.outcome()
    );
    assert_eq!(run.model_calls(), 40);
}

#[test]
fn the_human_turn_and_tool_round_limits_stop_a_run() {
    let d = abc();
    let chatty = model(&d, &[("A", Script::rules([Step::new().say("more?")]))]);
    let limits = Limits {
        human_turns: Some(3),
        ..Limits::default()
    };
    let talk = run(
        &orchestration(&d).limits(limits),
        &mut { chatty },
        &mut ScriptedHuman::new(["x"; 10]),
    );
    assert!(
        matches!(
            talk.outcome(),
            Outcome::LimitReached {
                limit: Limit::HumanTurns,
                value: 3,
                ..
            }
        ),
        "{:?}",
        talk.outcome()
    );
    assert_eq!(talk.human_turns(), 3);

    // A model that cannot name its state: only the limit stops its tool rounds.
    let mut looker = FnModel(|r: &ModelRequest<'_>| match r.agent_name() {
        "A" => Response::handoff("B"),
        _ => Response::call("look", json!({"id": "1"}).as_object().unwrap().clone()),
    });
    let run = run(&fixed(&d), &mut looker, &mut NoHuman);
    assert!(
        matches!(
            run.outcome(),
            Outcome::LimitReached {
                limit: Limit::ToolRounds,
                value: 5,
                ..
            }
        ),
        "{:?}",
        run.outcome()
    );
    assert_eq!(
        run.model_calls(),
        1 + 5,
        "five tool rounds, as `tool_rounds: 5` says, and no sixth"
    );
}

#[test]
fn with_limits_off_a_long_bounce_runs_to_its_end_like_semantic_kernel() {
    let d = abc();
    let mut bounces = 0;
    let mut m = FnModel(move |r: &ModelRequest<'_>| {
        bounces += 1;
        match (r.agent_name(), bounces > 300) {
            (_, true) => Response::complete("tired"),
            ("A", _) => Response::handoff("B"),
            _ => Response::handoff("A"),
        }
    });
    let run = run(&orchestration(&d).limits(Limits::none()), &mut m, &mut NoHuman);
    assert!(
        matches!(run.outcome(), Outcome::Completed { .. }),
        "{:?}",
        run.outcome()
    );
    assert_eq!(run.path().len(), 301);
}

#[test]
fn a_model_with_no_matching_rule_fails_with_the_rules_it_tried() {
    let d = abc();
    let m = model(
        &d,
        &[(
            "A",
            Script::rules([
                Step::new().when_user("refund").handoff("B"),
                Step::new().when_call(5).say("five"),
            ]),
        )],
    );
    let first = run(&orchestration(&d), &mut { m }, &mut NoHuman);
    let Outcome::ModelFailed { message, .. } = first.outcome() else {
        panic!("{:?}", first.outcome())
    };
    assert_eq!(
        message,
        "no rule of `A` matches its model call #1 (latest user message: \"task\"; no tool result in this turn)\n  rules tried, in order:\n    rules[0] (when user ~ /refund/): the user message does not match\n    rules[1] (when call #5): this is call #1"
    );
    let unscripted = model(&d, &[("A", Script::responses([Step::new().handoff("C")]))]);
    let run = run(&orchestration(&d), &mut { unscripted }, &mut NoHuman);
    let Outcome::ModelFailed { message, .. } = run.outcome() else {
        panic!()
    };
    assert!(
        message.starts_with("`C` has no script (model.scripted.C is missing)"),
        "{message}"
    );
}

#[test]
fn a_response_list_that_runs_out_fails_the_run() {
    let d = abc();
    let m = model(&d, &[("A", Script::responses([Step::new().say("one")]))]);
    let run = run(&orchestration(&d), &mut { m }, &mut ScriptedHuman::new(["again"]));
    let Outcome::ModelFailed { message, .. } = run.outcome() else {
        panic!("{:?}", run.outcome())
    };
    assert!(
        message.starts_with("the response list of `A` has 1 responses, all used; model call #2 has none left"),
        "{message}"
    );
}

#[test]
fn the_observer_sees_every_event_in_order() {
    let d = abc();
    let m = model(
        &d,
        &[
            ("A", Script::responses([Step::new().handoff("B")])),
            ("B", Script::responses([Step::new().complete("x")])),
        ],
    );
    let mut seen: Vec<Event> = Vec::new();
    let orch = orchestration(&d);
    let run = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(
            orch.run_observed(&mut { m }, &mut NoHuman, &mut |e: &Event, _: &EventLog, _: &Design| {
                seen.push(e.clone())
            }),
        );
    assert_eq!(seen, run.log().events());
    assert!(matches!(seen.last().unwrap().kind, EventKind::Completed { .. }));
}

#[test]
fn every_thread_is_exactly_the_events_its_agent_may_see() {
    let scenario =
        handoff_harness::Scenario::load(crate::support::root().join("scenarios/customer_support.json")).unwrap();
    let run = scenario.run_blocking().unwrap();
    for agent in run.design().ids() {
        let sharing = run.settings().profile.sharing;
        let naive: Vec<&Event> = run
            .log()
            .events()
            .iter()
            .filter(|e| match sharing.visibility(e) {
                Visibility::All => true,
                Visibility::Others(a) => a != agent,
                Visibility::Only(a) => a == agent,
                Visibility::Nobody => false,
            })
            .collect();
        assert_eq!(run.log().thread(agent).count(), naive.len(), "{}", run.name(agent));
    }
}

#[test]
fn the_same_scenario_gives_the_same_bytes_every_time() {
    let scenario =
        handoff_harness::Scenario::load(crate::support::root().join("scenarios/customer_support.json")).unwrap();
    let first = serde_json::to_string(&scenario.run_blocking().unwrap().to_json()).unwrap();
    for _ in 0..5 {
        assert_eq!(
            serde_json::to_string(&scenario.run_blocking().unwrap().to_json()).unwrap(),
            first
        );
    }
    assert!(first.contains("\"call_0006\""), "call ids come from a counter");
}

#[test]
fn tool_results_render_from_their_templates_with_json_for_non_strings() {
    let d = abc();
    let mut m = FnModel(|r: &ModelRequest<'_>| match (r.agent_name(), r.tool_result()) {
        ("A", _) => Response::handoff("B"),
        (_, None) => Response::call("look", json!({"id": 42}).as_object().unwrap().clone()),
        (_, Some((_, out))) => Response::text(format!("saw {}", out.text().unwrap())),
    });
    let run = run(&orchestration(&d), &mut m, &mut NoHuman);
    assert!(
        matches!(run.outcome(), Outcome::EndedWithoutHuman { text, .. } if text == "saw found 42"),
        "{:?}",
        run.outcome()
    );
    let outputs: Vec<&ToolOutput> = run
        .log()
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolResult { output, .. } => Some(output),
            _ => None,
        })
        .collect();
    assert_eq!(outputs[1], &ToolOutput::Text("found 42".into()));
}

/// Semantic Kernel Python loses the thread of an agent whose first turn is a handoff (no text
/// is streamed, so the actor never receives the thread it created) and the agent forgets
/// what it read. Under `semantic-kernel-fixed` every agent keeps its thread for the whole run.
#[test]
fn an_agent_whose_first_turn_is_a_handoff_remembers_what_it_read() {
    let d = abc();
    let m = model(
        &d,
        &[
            (
                "A",
                Script::rules([Step::new().when_call(1).handoff("B"), Step::new().complete("back")]),
            ),
            ("B", Script::rules([Step::new().handoff("A")])),
        ],
    );
    let run = run(&fixed(&d), &mut { m }, &mut NoHuman);
    assert_eq!(
        thread(&run, "A"),
        [
            "user:task",
            "assistant:A: [\"transfer_to_B\"]",
            "tool:transfer_to_B:None",
            "assistant:A: [\"complete_task\"]",
            "tool:complete_task:None"
        ]
    );
}

/// Agent Framework's error guard: after three rounds whose calls all failed, the model is
/// called once without tools, and calls it still returns are not made. (Agent Framework
/// names its handoff functions `handoff_to_<agent>`: `transfer_to_B` is unknown there.)
#[test]
fn after_three_failed_rounds_agent_framework_calls_the_model_without_tools_and_makes_none_of_its_calls() {
    let d = abc();
    let mut offered = Vec::new();
    let mut m = FnModel(|r: &ModelRequest<'_>| {
        offered.push(r.tools_off());
        Response::handoff("B")
    });
    let orchestration = orchestration(&d)
        .profile(&handoff_harness::engine::Profile::AGENT_FRAMEWORK)
        .unwrap();
    let run = run(&orchestration, &mut m, &mut NoHuman);
    let text = run.text();
    assert_eq!(offered, [false, false, false, true], "{text}");
    assert_eq!(
        text.matches("-> error: Error: Requested function \"transfer_to_B\" not found.")
            .count(),
        3,
        "{text}"
    );
    assert!(
        text.contains("called the model without tools: the calls of its response (transfer_to_B) are not made"),
        "{text}"
    );
    let calls_of_last = run.log().events().iter().rev().find_map(|e| match &e.kind {
        EventKind::Reply { calls, .. } => Some(calls.len()),
        _ => None,
    });
    assert_eq!(calls_of_last, Some(0), "the last response's call was left out");
}

/// Under a framework without `complete_task` (the OpenAI Agents SDK), a human who has nothing
/// more to say ends the conversation with the agent's last text reply as the result.
#[test]
fn without_complete_task_the_last_text_reply_is_the_result_when_the_human_has_no_more() {
    let d = abc();
    let mut m = FnModel(|_: &ModelRequest<'_>| Response::text("Your order ships tomorrow."));
    let orchestration = orchestration(&d)
        .profile(&handoff_harness::engine::Profile::OPENAI_AGENTS)
        .unwrap();
    let run = run(&orchestration, &mut m, &mut ScriptedHuman::new(Vec::<String>::new()));
    assert_eq!(
        run.outcome(),
        &Outcome::Completed {
            agent: d.find("A").unwrap(),
            summary: "Your order ships tomorrow.".into()
        },
        "{}",
        run.text()
    );
}
