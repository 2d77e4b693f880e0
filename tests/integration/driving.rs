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
    });
    assert_eq!(core.outcome().map(Outcome::kind), Some("human-exhausted"));
    let run = core.into_run().unwrap();
    assert_eq!(run.outcome().kind(), "human-exhausted");
    assert_eq!(run.model_calls(), 1);
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
