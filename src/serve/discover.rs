//! `handoff discover`: the user's app run against the [`Explorer`], as many times as it
//! takes (at most [`Discovery::runs`]), on a serve of its own each time; then the design the
//! traffic showed and a scenario that replays one discovered run.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::app::{AppCommand, AppEnd};
use super::conversation::Served;
use super::explore::{ENDING, Explorer, RunLog, Step};
use super::http::{Limits, Server};
use super::offer::Incoming;
use super::responses;
use crate::scenario::ScenarioError;

/// How to discover an app.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The app, with the lines its input gets on each run.
    pub app: AppCommand,
    /// At most this many runs of the app.
    pub runs: u32,
    /// How long one run may take.
    pub timeout: Duration,
    /// After a run's last answer, how long the app may take to exit.
    pub wait: Duration,
}

/// What discovery found.
#[derive(Debug)]
pub struct Discovered {
    /// The explorer, with the design and runs it learnt.
    pub explorer: Explorer,
    /// How each run of the app ended.
    pub ends: Vec<AppEnd>,
}

/// Runs the app until every function its agents offer has been tried, or `discovery.runs`
/// runs are done.
pub async fn run_discovery(discovery: &Discovery) -> Result<Discovered, ScenarioError> {
    let explorer = Arc::new(Mutex::new(Explorer::default()));
    let mut ends = Vec::new();
    for _ in 0..discovery.runs {
        lock(&explorer).start_run();
        let server = Server::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(ScenarioError::Runtime)?;
        let limits = Limits {
            wait: discovery.wait,
            timeout: discovery.timeout,
            signals: true,
            on_thread: false,
        };
        let shared = explorer.clone();
        let served = server
            .drive(limits, Some(discovery.app.clone()), move |incoming, _| {
                answer_all(incoming, shared)
            })
            .await?;
        let end = served.app.unwrap_or(AppEnd::Exited(None));
        let stop = matches!(end, AppEnd::NotStarted(_) | AppEnd::Interrupted);
        ends.push(end);
        if stop || lock(&explorer).finished() {
            break;
        }
    }
    let explorer = Arc::try_unwrap(explorer)
        .map(|m| m.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()))
        .unwrap_or_default();
    Ok(Discovered { explorer, ends })
}

fn lock(explorer: &Mutex<Explorer>) -> std::sync::MutexGuard<'_, Explorer> {
    explorer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Answers every request of a run from the explorer, until the app stops sending.
async fn answer_all(mut incoming: Incoming, explorer: Arc<Mutex<Explorer>>) -> Result<Served, ScenarioError> {
    let mut number = 0;
    while let Some(exchange) = incoming.recv().await {
        number += 1;
        let answer = lock(&explorer).answer(&exchange.request);
        let _ = exchange
            .reply
            .send(responses::render(&answer, &exchange.request, number));
    }
    Ok(Served::default())
}

impl Discovered {
    /// The design file, as JSON text, named `name`.
    pub fn design_file(&self, name: &str) -> String {
        self.explorer.design().to_design_file(name, self.explorer.profile())
    }

    /// The run [`Discovered::scenario_file`] replays.
    fn replayed(&self) -> Option<&RunLog> {
        let runs = self.explorer.runs();
        runs.iter().find(|r| r.ended).or_else(|| runs.last())
    }

    /// The task of the run the scenario replays.
    pub fn replayed_task(&self) -> Option<String> {
        self.replayed()?.task.clone()
    }

    /// A scenario that replays the first run that ended as planned (else the last): the
    /// design, the run's task, the replies of the app's own human (if a text answer drew any),
    /// and a scripted model answering each agent's call as that run did, with the path it
    /// took expected.
    pub fn scenario_file(&self, name: &str) -> Option<String> {
        let explorer = &self.explorer;
        let run = self.replayed()?;
        let mut scripted: BTreeMap<String, Rules> = BTreeMap::new();
        let mut path: Vec<String> = Vec::new();
        let mut outcome = "ended-without-human";
        let mut transfers: u32 = 0;
        for answered in &run.answers {
            let agent = explorer.name(answered.agent());
            if path.is_empty() {
                path.push(agent.clone());
            }
            let action = match &answered.step {
                Step::Tool { function, args } => {
                    let bare = function.split_once('-').map_or(function.as_str(), |(_, bare)| bare);
                    json!({"call": {"tool": bare, "args": args}})
                }
                Step::Transfer { target, function } => {
                    let target = explorer.name_of(target);
                    path.push(target.clone());
                    transfers += 1;
                    // A transfer that takes arguments (the Agents SDK's `input_type`) was
                    // called with example ones: the rule gives the same.
                    let args = explorer
                        .design()
                        .declared_parameters(&agent, function)
                        .map(crate::design::example_arguments)
                        .unwrap_or_default();
                    match args.is_empty() {
                        true => json!({"handoff": target}),
                        false => json!({"handoff": {"to": target, "args": args}}),
                    }
                }
                Step::Complete { .. } => {
                    outcome = "completed";
                    json!({"complete": ENDING})
                }
                Step::Say => json!({"say": ENDING}),
            };
            let Value::Object(action) = action else {
                unreachable!("each action is an object")
            };
            let rule = Rule {
                when: When { call: answered.call },
                action,
            };
            scripted.entry(agent).or_default().rules.push(rule);
        }
        // The outcome, where the run's end tells it: a reply of the app's own human goes on.
        let mut expect = json!({"path": path});
        if run.human.is_empty() {
            expect["outcome"] = outcome.into();
        }
        let extra = Extra {
            task: run.task.clone().unwrap_or_default(),
            user: (!run.human.is_empty()).then(|| run.human.clone()),
            // One human turn holds every transfer of a discovery run.
            limits: (crate::engine::Limits::default()
                .handoffs_per_turn
                .is_some_and(|limit| transfers >= limit))
            .then(|| json!({"handoffs_per_turn": transfers + 1})),
            model: Model { scripted },
            expect,
        };
        let design = self.design_file(name);
        let body = design.trim_end().strip_suffix('}')?.trim_end();
        let extra = serde_json::to_string_pretty(&extra).expect("JSON serialises");
        let extra = extra.trim_start_matches('{').trim_end_matches('}').trim_matches('\n');
        Some(format!("{body},\n{extra}\n}}\n"))
    }
}

/// The fields a discovered scenario adds to its design, in the order people read them.
#[derive(Serialize)]
struct Extra {
    task: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limits: Option<Value>,
    model: Model,
    expect: Value,
}

#[derive(Serialize)]
struct Model {
    scripted: BTreeMap<String, Rules>,
}

#[derive(Default, Serialize)]
struct Rules {
    rules: Vec<Rule>,
}

/// A scripted rule: `when` first, then the action.
#[derive(Serialize)]
struct Rule {
    when: When,
    #[serde(flatten)]
    action: Map<String, Value>,
}

#[derive(Serialize)]
struct When {
    call: u32,
}
