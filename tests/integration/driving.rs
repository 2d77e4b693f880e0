//! The public API a user drives a run with by hand: the sans-IO `Core` (its outcome before
//! and after the end, a run stopped from outside) and a custom `Human` that reads what the
//! agent said.

use std::future::{Future, ready};

use handoff_harness::engine::{Core, HumanRequest, Next};
use handoff_harness::{Agent, Design, Human, Orchestration, Outcome, Response, Script, ScriptedModel, Step};

fn design() -> Design {
    Design::builder()
        .agent(Agent::new("TriageAgent").instructions("Handle customer requests."))
        .agent(Agent::new("RefundAgent").instructions("Handle refund requests."))
        .handoff("TriageAgent", "RefundAgent", "refunds")
        .build()
        .unwrap()
}

#[test]
fn a_core_driven_by_hand_has_no_outcome_until_it_ends_and_can_be_stopped_from_outside() {
    let orchestration = Orchestration::new(design()).task("A customer is on the line.");
    let mut core: Core = orchestration.core(true, None);
    assert_eq!(core.next(), Next::CallModel);
    assert_eq!(core.outcome(), None);
    core.model_replied(Ok(Response::text("Hello! How can I help?")), None);
    assert_eq!(core.next(), Next::AskHuman);
    assert_eq!(core.human_request().text, "Hello! How can I help?");
    assert_eq!(core.human_request().agent_name, "TriageAgent");
    assert_eq!(core.outcome(), None);
    // Stopped from outside, waiting for the human: the driver's outcome is the run's.
    let agent = core.human_request().agent;
    core.abort(Outcome::HumanExhausted { agent });
    assert_eq!(core.next(), Next::Done);
    assert_eq!(core.outcome().map(Outcome::kind), Some("human-exhausted"));
    // Once ended, it stays as it ended.
    core.abort(Outcome::ModelFailed {
        agent,
        message: "too late".into(),
        detail: None,
    });
    assert_eq!(core.outcome().map(Outcome::kind), Some("human-exhausted"));
    let run = core.into_run().unwrap();
    assert_eq!(run.outcome().kind(), "human-exhausted");
    assert_eq!(run.model_calls(), 1);
}

#[test]
fn a_driver_stops_within_the_limits_and_the_budget_spent_ends_the_run_at_the_ceiling() {
    use handoff_harness::engine::Limits;
    let limits = Limits {
        model_calls: Some(7),
        human_turns: Some(3),
        ..Limits::default()
    };
    let orchestration = Orchestration::new(design()).task("x").limits(limits);
    assert_eq!(orchestration.core(true, None).step_budget(), 7 + 3 + 16);
    let unlimited = Limits {
        model_calls: None,
        max_events: 500,
        ..limits
    };
    let orchestration = Orchestration::new(design()).task("x").limits(unlimited);
    let mut core = orchestration.core(true, None);
    assert_eq!(
        core.step_budget(),
        500 + 16,
        "without a call limit the ceiling bounds it"
    );
    let tight = Limits {
        max_events: 5,
        ..limits
    };
    let orchestration = Orchestration::new(design()).task("x").limits(tight);
    assert_eq!(
        orchestration.core(true, None).step_budget(),
        5 + 16,
        "the smaller bound wins"
    );
    core.stop_at_ceiling();
    assert_eq!(core.next(), Next::Done);
    assert_eq!(
        core.outcome(),
        Some(&Outcome::CeilingReached {
            events: 500,
            agent: design().find("TriageAgent").unwrap()
        })
    );
}

/// A human who answers what the agent said, echoed.
struct Echo {
    heard: Vec<String>,
}

impl Human for Echo {
    fn answer(&mut self, request: HumanRequest<'_>) -> impl Future<Output = Option<String>> + Send {
        self.heard.push(format!("{}: {}", request.agent_name, request.text));
        ready((self.heard.len() < 3).then(|| format!("you said {:?}", request.text)))
    }
}

#[test]
fn a_custom_human_reads_what_the_agent_said() {
    let design = design();
    let triage = Script::rules([
        Step::new().when_call(1).say("Hello!"),
        Step::new().when_user("(?i)refund").handoff("RefundAgent"),
        Step::new().say("Anything else?"),
    ]);
    let refund = Script::rules([Step::new().say("Refunds here.")]);
    let mut model = ScriptedModel::new(&design, [("TriageAgent", &triage), ("RefundAgent", &refund)]).unwrap();
    let mut human = Echo { heard: Vec::new() };
    let orchestration = Orchestration::new(design).task("A customer is on the line.");
    let run = crate::support::run(&orchestration, &mut model, &mut human);
    assert_eq!(
        human.heard,
        [
            "TriageAgent: Hello!",
            "TriageAgent: Anything else?",
            "TriageAgent: Anything else?"
        ]
    );
    assert!(run.text().contains("User: you said \"Hello!\"\n"), "{}", run.text());
    assert_eq!(run.outcome().kind(), "human-exhausted");
}

/// A model whose reply is a function of its request alone (so its state never changes): it
/// polls again with the last result's value, grown by `grow`; or, with `ping`, pings with the
/// number of the round (a different call each round, the same result).
struct Poller {
    grow: &'static str,
    ping: bool,
}

impl handoff_harness::Model for Poller {
    fn respond(
        &mut self,
        request: &handoff_harness::ModelRequest<'_>,
    ) -> impl Future<Output = Result<Response, handoff_harness::engine::ModelError>> + Send {
        let last = request
            .tool_result()
            .and_then(|(_, output)| output.text())
            .and_then(|text| text.strip_prefix("status "))
            .map_or("1".to_string(), |n| format!("{n}{}", self.grow));
        let mut arguments = serde_json::Map::new();
        if self.ping {
            arguments.insert("n".into(), request.round().to_string().into());
            return ready(Ok(Response::call("ping", arguments)));
        }
        arguments.insert("n".into(), last.into());
        ready(Ok(Response::call("poll", arguments)))
    }

    fn state(&self) -> Option<u64> {
        Some(0)
    }
}

#[test]
fn a_loop_of_tool_rounds_is_proven_only_when_the_rounds_are_the_same_not_when_the_state_is() {
    let design = Design::builder()
        .agent(
            Agent::new("A")
                .instructions("Poll.")
                .tool(
                    handoff_harness::Tool::new("poll")
                        .parameter("n", "")
                        .result("status {n}"),
                )
                .tool(handoff_harness::Tool::new("ping").parameter("n", "").result("ok")),
        )
        .agent(Agent::new("B").instructions("Other."))
        .handoff("A", "B", "to B")
        .build()
        .unwrap();
    let orchestration = Orchestration::new(design).task("Check it.");
    let run = |grow, ping| {
        let mut model = Poller { grow, ping };
        crate::support::run(&orchestration, &mut model, &mut handoff_harness::engine::NoHuman)
    };
    // The same call and result each round, the state unchanged: a proven loop.
    let same = run("", false);
    assert_eq!(same.outcome().kind(), "tool-loop", "{}", same.text());
    // The state is as unchanged, but each round's result differs: no loop to prove; the
    // framework's guard (5 rounds in Semantic Kernel) ends the turn.
    let growing = run("x", false);
    assert_eq!(growing.outcome().kind(), "framework-error", "{}", growing.text());
    assert!(
        growing.text().contains(r#"poll({"n":"1xxxx"}) -> status 1xxxx"#),
        "{}",
        growing.text()
    );
    // Each round a different call, each with the same result: not the same round either.
    let pinging = run("", true);
    assert_eq!(pinging.outcome().kind(), "framework-error", "{}", pinging.text());
    assert!(
        pinging.text().contains(r#"ping({"n":"4"}) -> ok"#),
        "{}",
        pinging.text()
    );
}

/// A model that calls `poll` twice and `ping` once every round, its state never changing.
struct Repeater;

impl handoff_harness::Model for Repeater {
    fn respond(
        &mut self,
        _: &handoff_harness::ModelRequest<'_>,
    ) -> impl Future<Output = Result<Response, handoff_harness::engine::ModelError>> + Send {
        let mut response = Response::call("poll", serde_json::Map::new());
        response.calls.push(response.calls[0].clone());
        response
            .calls
            .extend(Response::call("ping", serde_json::Map::new()).calls);
        ready(Ok(response))
    }

    fn state(&self) -> Option<u64> {
        Some(7)
    }
}

#[test]
fn a_tool_loop_names_each_function_of_the_round_once_in_the_order_called() {
    let design = Design::builder()
        .agent(
            Agent::new("A")
                .tool(handoff_harness::Tool::new("poll").result("pending"))
                .tool(handoff_harness::Tool::new("ping").result("ok")),
        )
        .agent(Agent::new("B"))
        .handoff("A", "B", "to B")
        .build()
        .unwrap();
    let orchestration = Orchestration::new(design.clone()).task("Check it.");
    let run = crate::support::run(&orchestration, &mut Repeater, &mut handoff_harness::engine::NoHuman);
    assert_eq!(
        run.outcome(),
        &Outcome::ToolLoop {
            agent: design.find("A").unwrap(),
            tools: vec!["poll".into(), "ping".into()]
        },
        "{}",
        run.text()
    );
}
