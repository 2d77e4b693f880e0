//! The model `handoff discover` plays (sans-IO): it answers each request of the app so that,
//! over one run or a few, every handoff edge the app's functions offer is taken once and
//! every own tool called once, with arguments its schema accepts, until every agent the
//! traffic reveals has been reached. It learns each agent by its system message, and its name
//! from the wire (Semantic Kernel names the system message) or from the transfer that led to
//! it, and keeps what each run answered, to write the scenario that replays it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{Map, Value};

use super::answer::{Answer, AnswerCall};
use super::extract::{Function, ObservedDesign, function, named};
use super::request::{Api, AppRequest};
use crate::design::example_arguments;

/// At most this many requests in one run of the app: past them, it is ended.
pub const MAX_REQUESTS_PER_RUN: u32 = 200;

/// The text of the summary a run ends with (`complete_task`'s argument), or of the reply that
/// ends a run of a framework without one.
pub const ENDING: &str = "Discovery run complete.";

/// An agent the traffic showed, by its system message.
#[derive(Debug, Clone)]
struct Known {
    instructions: String,
    name: Option<String>,
}

/// What was answered to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A call of an own tool, with these arguments.
    Tool {
        /// The function's name on the wire (`Plugin-name`).
        function: String,
        /// Its arguments.
        args: Map<String, Value>,
    },
    /// A transfer to the agent this names.
    Transfer {
        /// The function's name on the wire.
        function: String,
        /// The agent it transfers to, as named.
        target: String,
    },
    /// The completion function, ending the run.
    Complete {
        /// The function's name on the wire.
        function: String,
    },
    /// A text reply (ending the run where there is no completion function).
    Say,
}

/// One answer of a run: which agent, its how-manieth call of the run, and the step.
#[derive(Debug, Clone)]
pub struct Answered {
    /// The agent, by its index among those learnt.
    agent: usize,
    /// Its call number in the run, from 1.
    pub call: u32,
    /// What it was answered.
    pub step: Step,
}

impl Answered {
    /// The agent answered, by its index among those learnt ([`Explorer::name`]).
    pub fn agent(&self) -> usize {
        self.agent
    }
}

/// What one run of the app showed and was answered.
#[derive(Debug, Clone, Default)]
pub struct RunLog {
    /// The first request's user message: the run's task.
    pub task: Option<String>,
    /// Every answer, in order.
    pub answers: Vec<Answered>,
    /// Whether it ended as planned (the completion function or a final text).
    pub ended: bool,
    /// The app's own replies to a text answer (its scripted human, or its input), in order.
    pub human: Vec<String>,
}

/// The explorer: what it has learnt, what is left, and what each run answered.
#[derive(Debug, Default)]
pub struct Explorer {
    agents: Vec<Known>,
    /// Functions already used, by agent and wire name.
    done: BTreeSet<(usize, String)>,
    /// Every request seen, with its agent.
    seen: Vec<(usize, AppRequest)>,
    /// The runs, the current one last.
    runs: Vec<RunLog>,
    /// The transfer the last answer made, until the next agent's request names its target.
    pending_transfer: Option<(usize, String)>,
    calls: BTreeMap<usize, u32>,
    requests: u32,
    next_call_id: u32,
}

impl Explorer {
    /// Starts a run of the app.
    pub fn start_run(&mut self) {
        self.runs.push(RunLog::default());
        self.pending_transfer = None;
        self.calls.clear();
        self.requests = 0;
    }

    /// The runs so far.
    pub fn runs(&self) -> &[RunLog] {
        &self.runs
    }

    /// How many requests were answered, over all runs.
    pub fn requests(&self) -> usize {
        self.seen.len()
    }

    /// The answer to `request`, the next of the current run.
    pub fn answer(&mut self, request: &AppRequest) -> Answer {
        if self.runs.is_empty() {
            self.start_run();
        }
        let agent = self.agent_of(request);
        self.seen.push((agent, request.clone()));
        let run = self.runs.last_mut().expect("a run is started");
        if run.task.is_none() {
            run.task = request
                .messages
                .iter()
                .find_map(|m| m.content.clone().filter(|_| m.role == crate::wire::chat::Role::User));
        }
        // A request after a text answer carries the human's reply, as its last user message.
        if run.answers.last().is_some_and(|a| a.step == Step::Say)
            && let Some(reply) = request
                .messages
                .iter()
                .rev()
                .find(|m| m.role == crate::wire::chat::Role::User)
        {
            run.human.push(reply.content.clone().unwrap_or_default());
        }
        self.requests += 1;
        let call = {
            let count = self.calls.entry(agent).or_insert(0);
            *count += 1;
            *count
        };
        let step = self.choose(agent, request);
        let answer = self.render(&step, request);
        if let Step::Transfer { target, .. } = &step {
            self.pending_transfer = Some((agent, target.clone()));
        }
        let run = self.runs.last_mut().expect("a run is started");
        run.ended |= matches!(step, Step::Complete { .. } | Step::Say);
        run.answers.push(Answered { agent, call, step });
        answer
    }

    /// Whether every agent known has no function left to try (every transfer taken, so every
    /// agent they name reached).
    pub fn finished(&self) -> bool {
        !self.agents.is_empty() && (0..self.agents.len()).all(|a| !self.has_work(a))
    }

    /// The agent's name, or `UnknownAgentN` where neither the wire nor a transfer named it.
    pub fn name(&self, agent: usize) -> String {
        self.agents[agent].name.clone().unwrap_or_else(|| {
            let unnamed = self.agents[..agent].iter().filter(|a| a.name.is_none()).count();
            format!("UnknownAgent{}", unnamed + 1)
        })
    }

    /// The name of the agent a transfer's `target` names: the learnt one, else as spelled.
    pub fn name_of(&self, target: &str) -> String {
        self.resolve(target)
            .map_or_else(|| target.to_string(), |agent| self.name(agent))
    }

    /// The design the traffic showed, every agent under the name learnt.
    pub fn design(&self) -> ObservedDesign {
        let mut design = ObservedDesign::default();
        for (agent, request) in &self.seen {
            design.observe(Some(&self.name(*agent)), request);
        }
        design
    }

    /// The profile of the framework whose wire the requests speak: `semantic-kernel` (its
    /// functions are qualified, `Handoff-transfer_to_X`), `openai-agents` (its handoffs are
    /// described "Handoff to the X agent ..."), `agent-framework` (`handoff_to_X`).
    pub fn profile(&self) -> &'static str {
        let functions = || {
            self.seen
                .iter()
                .flat_map(|(_, r)| r.tools.iter().map(|t| &t["function"]))
        };
        let named = |f: &Value| f["name"].as_str().unwrap_or("").to_string();
        if functions().any(|f| named(f).starts_with("Handoff-")) {
            "semantic-kernel"
        } else if functions().any(|f| named(f).starts_with("handoff_to_")) {
            "agent-framework"
        } else if functions().any(|f| {
            f["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("Handoff to the "))
        }) || self.seen.iter().any(|(_, r)| r.api == Api::Responses)
        {
            "openai-agents"
        } else {
            "semantic-kernel"
        }
    }

    /// The agent of `request`: known by its system message, else new; named from the wire,
    /// else from the transfer that led to it.
    fn agent_of(&mut self, request: &AppRequest) -> usize {
        let instructions = request.system.clone().unwrap_or_default();
        let index = match self.agents.iter().position(|a| a.instructions == instructions) {
            Some(index) => index,
            None => {
                self.agents.push(Known {
                    instructions,
                    name: None,
                });
                self.agents.len() - 1
            }
        };
        if let Some(name) = &request.system_name {
            self.agents[index].name = Some(name.clone());
        }
        if let Some((from, target)) = self.pending_transfer.take()
            && from != index
            && self.agents[index].name.is_none()
            && !self.agents.iter().any(|a| a.name.as_deref() == Some(target.as_str()))
        {
            self.agents[index].name = Some(target);
        }
        index
    }

    /// The agent a transfer function's target names, if it is known.
    fn resolve(&self, target: &str) -> Option<usize> {
        named(self.agents.iter().map(|a| a.name.as_deref()), target)
    }

    /// The functions an agent's requests offered (the last request's, the union being rare).
    fn offered(&self, agent: usize) -> Vec<&Value> {
        let mut offered: Vec<&Value> = Vec::new();
        for (_, request) in self.seen.iter().filter(|(a, _)| *a == agent) {
            for tool in request.tools.iter() {
                if !offered
                    .iter()
                    .any(|t| t["function"]["name"] == tool["function"]["name"])
                {
                    offered.push(tool);
                }
            }
        }
        offered
    }

    /// Whether an agent has a function not yet tried (a transfer not taken leads to an agent
    /// perhaps not reached).
    fn has_work(&self, agent: usize) -> bool {
        self.offered(agent).iter().any(|tool| {
            let name = tool["function"]["name"].as_str().unwrap_or("");
            match function(name) {
                Function::Complete => false,
                Function::Own(..) | Function::Transfer(_) => !self.done.contains(&(agent, name.to_string())),
            }
        })
    }

    /// What to answer `agent`: an own tool not yet called, else a transfer not yet taken,
    /// else the first transfer on the shortest way to an agent with work left, else the end.
    fn choose(&mut self, agent: usize, request: &AppRequest) -> Step {
        let tools: Vec<&Value> = request.tools.iter().collect();
        let untried = |kind: fn(&Function) -> bool| {
            tools.iter().find(|tool| {
                let name = tool["function"]["name"].as_str().unwrap_or("");
                kind(&function(name)) && !self.done.contains(&(agent, name.to_string()))
            })
        };
        let step = if self.requests > MAX_REQUESTS_PER_RUN {
            None
        } else if let Some(tool) = untried(|f| matches!(f, Function::Own(..))) {
            Some(Step::Tool {
                function: wire_name(tool),
                args: example_arguments(&tool["function"]["parameters"]),
            })
        } else if let Some(tool) = untried(|f| matches!(f, Function::Transfer(_))) {
            Some(transfer(tool))
        } else {
            self.way_to_work(agent, &tools).map(transfer)
        };
        let step = step.unwrap_or_else(|| {
            match tools
                .iter()
                .find(|t| matches!(function(&wire_name(t)), Function::Complete))
            {
                Some(tool) => Step::Complete {
                    function: wire_name(tool),
                },
                None => Step::Say,
            }
        });
        if let Step::Tool { function, .. } | Step::Transfer { function, .. } = &step {
            self.done.insert((agent, function.clone()));
        }
        step
    }

    /// The transfer function of `tools` that starts the shortest way, over the transfers
    /// known, to an agent with work left (breadth first, in the order functions are offered).
    fn way_to_work<'a>(&self, agent: usize, tools: &[&'a Value]) -> Option<&'a Value> {
        let transfers = |from: usize| -> Vec<(usize, String)> {
            self.offered(from)
                .into_iter()
                .filter(|t| matches!(function(&wire_name(t)), Function::Transfer(_)))
                .filter_map(|t| Some((self.resolve(&target_name(t))?, wire_name(t))))
                .collect()
        };
        let mut first_step: BTreeMap<usize, String> = BTreeMap::new();
        let mut queue = VecDeque::new();
        for (to, via) in transfers(agent) {
            if to != agent && !first_step.contains_key(&to) {
                first_step.insert(to, via);
                queue.push_back(to);
            }
        }
        while let Some(at) = queue.pop_front() {
            if self.has_work(at) {
                let via = &first_step[&at];
                return tools.iter().copied().find(|t| wire_name(t) == *via);
            }
            for (to, _) in transfers(at) {
                if to != agent && !first_step.contains_key(&to) {
                    first_step.insert(to, first_step[&at].clone());
                    queue.push_back(to);
                }
            }
        }
        None
    }

    /// The answer on the wire for `step`.
    fn render(&mut self, step: &Step, request: &AppRequest) -> Answer {
        let mut call = |name: &str, arguments: Value| {
            self.next_call_id += 1;
            Answer {
                text: None,
                calls: vec![AnswerCall {
                    id: crate::engine::CallId(self.next_call_id).to_string(),
                    name: name.to_string(),
                    arguments: arguments.to_string(),
                }],
                text_in_call_chunk: false,
                call: 0,
            }
        };
        let declared = |function: &str| {
            request
                .tools
                .iter()
                .find(|t| t["function"]["name"] == function)
                .map(|t| t["function"]["parameters"].clone())
                .unwrap_or(Value::Null)
        };
        match step {
            Step::Tool { function, args } => call(function, Value::Object(args.clone())),
            // A handoff may take arguments too (the Agents SDK's `input_type`).
            Step::Transfer { function, .. } => call(function, Value::Object(example_arguments(&declared(function)))),
            Step::Complete { function } => {
                let mut args = example_arguments(&declared(function));
                for value in args.values_mut() {
                    if value.is_string() {
                        *value = ENDING.into();
                    }
                }
                call(function, Value::Object(args))
            }
            Step::Say => Answer::text(ENDING),
        }
    }
}

/// A function's name on the wire.
fn wire_name(tool: &Value) -> String {
    tool["function"]["name"].as_str().unwrap_or("").to_string()
}

/// The transfer step of a transfer function.
fn transfer(tool: &Value) -> Step {
    Step::Transfer {
        function: wire_name(tool),
        target: target_name(tool),
    }
}

/// The agent a transfer function names: as its description names it where the framework
/// writes the agent's own name there (the Agents SDK's "Handoff to the Seat Booking Agent
/// agent to handle the request."), else as its name spells it.
fn target_name(tool: &Value) -> String {
    let declared = &tool["function"];
    if let Some(named) = declared["description"]
        .as_str()
        .and_then(|d| d.strip_prefix("Handoff to the "))
        .and_then(|d| d.split_once(" agent to handle the request"))
        .map(|(name, _)| name)
    {
        return named.to_string();
    }
    match function(declared["name"].as_str().unwrap_or("")) {
        Function::Transfer(target) => target.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
