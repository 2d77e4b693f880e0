//! A trace of a real framework (`conformance/traces/<sk|af|oai>/<probe>.json`, format in
//! `conformance/README.md`), read into the neutral shape of `view.rs`: what each model call
//! was shown and answered, and how the run ended.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::view::{CallRecord, CallView, Msg, ReplyView, ToolView, arguments, tool_view};
use crate::support::root;

/// The frameworks traced (named as they name themselves, one of them "...Framework").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub enum Framework {
    /// Semantic Kernel 1.45 (Python).
    SemanticKernel,
    /// Agent Framework 1.4 (Python `HandoffBuilder`).
    AgentFramework,
    /// The OpenAI Agents SDK 0.24.
    OpenAiAgents,
}

impl Framework {
    /// Every framework traced.
    pub const ALL: [Framework; 3] = [
        Framework::SemanticKernel,
        Framework::AgentFramework,
        Framework::OpenAiAgents,
    ];

    /// The folder of its traces (and scenarios).
    pub fn dir(self) -> &'static str {
        match self {
            Framework::SemanticKernel => "sk",
            Framework::AgentFramework => "af",
            Framework::OpenAiAgents => "oai",
        }
    }

    /// The harness profile that models it.
    pub fn profile(self) -> &'static str {
        match self {
            Framework::SemanticKernel => "semantic-kernel",
            Framework::AgentFramework => "agent-framework",
            Framework::OpenAiAgents => "openai-agents",
        }
    }
}

/// One trace file.
pub struct Trace {
    /// Its framework.
    pub framework: Framework,
    /// The probe's name (the file stem).
    pub probe: String,
    /// The file's JSON.
    pub json: Value,
}

/// How a run ended, neutral: the harness's outcome kind, the result or error text, the
/// number of model calls, the agents whose models were called, and the handoffs made.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeView {
    /// The harness's kind (`completed`, `framework-error`, ...).
    pub kind: String,
    /// The result (SK: its message; AF, OAI: the final output) or the error.
    pub text: String,
    /// Model calls made.
    pub model_calls: u64,
    /// The agents called, in order, a run of calls of one agent once (as the probes write
    /// `agent_path`): a handoff after the last call is in `handoffs`, not here.
    pub path: Vec<String>,
    /// Every handoff, `source -> target`, where the trace records them (AF's `handoff_sent`
    /// events, the Agents SDK's `on_handoff` hooks; SK's trace has no such record).
    pub handoffs: Option<Vec<String>>,
}

impl OutcomeView {
    /// As lines, for a diff.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("kind {}", self.kind),
            format!("text {}", serde_json::to_string(&self.text).unwrap()),
            format!("model_calls {}", self.model_calls),
        ];
        lines.extend(self.path.iter().map(|agent| format!("called {agent}")));
        for handoff in self.handoffs.iter().flatten() {
            lines.push(format!("handoff {handoff}"));
        }
        lines
    }
}

/// `source -> target`.
pub fn handoff(source: &str, target: &str) -> String {
    format!("{source} -> {target}")
}

/// The messages of a call whose trace keeps only their count and the last two (the long
/// probes elide the middle calls): the count in the framework's units, and the last two.
pub struct Elided {
    /// Messages the call had (AF `Message`s, the instructions not counted).
    pub count: usize,
    /// The last two, neutral.
    pub last: Vec<Msg>,
}

impl Trace {
    /// Every trace of `framework`, by file name.
    pub fn all(framework: Framework) -> Vec<Trace> {
        let dir = root().join("conformance/traces").join(framework.dir());
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths.into_iter().map(|path| Trace::load(framework, path)).collect()
    }

    /// The trace of `probe`.
    pub fn named(framework: Framework, probe: &str) -> Trace {
        let path = root()
            .join("conformance/traces")
            .join(framework.dir())
            .join(format!("{probe}.json"));
        Trace::load(framework, path)
    }

    fn load(framework: Framework, path: PathBuf) -> Trace {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let probe = path.file_stem().unwrap().to_str().unwrap().to_string();
        assert_eq!(
            json["probe"],
            probe.as_str(),
            "{}: the probe is named as the file",
            path.display()
        );
        Trace { framework, probe, json }
    }

    /// `sk/first_turn_handoff`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.framework.dir(), self.probe)
    }

    /// The design the probe ran.
    pub fn design(&self) -> &Value {
        &self.json["design"]
    }

    /// What the host's session held at the end (`session.get_items()`), where it kept one.
    pub fn session_items(&self) -> Option<&[Value]> {
        self.json["session_items"].as_array().map(Vec::as_slice)
    }

    /// The model calls, in order.
    pub fn calls(&self) -> &[Value] {
        self.json["calls"].as_array().map(Vec::as_slice).unwrap_or_default()
    }

    /// The human's scripted replies; `None` when no human takes part.
    pub fn human(&self) -> Option<Vec<String>> {
        let turns = self.design()["human_turns_scripted"].as_array()?;
        Some(turns.iter().map(|t| t.as_str().unwrap().to_string()).collect())
    }

    /// After which model call the host ended the conversation instead of answering (AF's
    /// `terminate()`), if it did.
    pub fn terminated_after(&self) -> Option<u64> {
        self.json["human_turns"]
            .as_array()?
            .iter()
            .find(|t| t["terminate"] == true)
            .and_then(|t| t["after_call"].as_u64())
    }

    /// The model-call budget of the probe's fake, if it had one (it stops the run there).
    pub fn call_budget(&self) -> Option<u64> {
        self.design()["fake"]["call_budget"].as_u64()
    }

    /// The agent's tools exactly as the framework offered them.
    pub fn tool_schemas(&self, agent: &str) -> &[Value] {
        self.json["tools_by_agent"][agent]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The ids of each call's reply calls: the fakes number every call they make, in order
    /// (`call_0001`, ...); where the trace records the ids, they are checked.
    pub fn reply_ids(&self) -> Vec<Vec<String>> {
        let mut next = 0;
        self.calls()
            .iter()
            .map(|call| {
                let reply = &call["reply"];
                let ids: Vec<String> = reply["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|_| {
                        next += 1;
                        format!("call_{next:04}")
                    })
                    .collect();
                let recorded: Option<Vec<&str>> = match self.framework {
                    Framework::SemanticKernel => Some(
                        reply["call_ids"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|i| i.as_str().unwrap())
                            .collect(),
                    ),
                    Framework::OpenAiAgents => Some(
                        reply["output_items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|i| i["type"] == "function_call")
                            .map(|i| i["call_id"].as_str().unwrap())
                            .collect(),
                    ),
                    Framework::AgentFramework => None,
                };
                if let Some(recorded) = recorded {
                    assert_eq!(
                        recorded,
                        ids,
                        "{}: call #{} numbers its calls in order",
                        self.label(),
                        call["n"]
                    );
                }
                ids
            })
            .collect()
    }

    /// The result every call got, by call id, as later inputs show it.
    pub fn results(&self) -> BTreeMap<String, String> {
        let mut results = BTreeMap::new();
        for call in self.calls() {
            let (messages, elided) = self.inputs(call);
            for message in messages.into_iter().chain(elided.into_iter().flat_map(|e| e.last)) {
                if let (Some(id), Some(text)) = (message.call_id, message.text) {
                    results.insert(id, text);
                }
            }
        }
        results
    }

    /// The call as the framework made it (of an elided call, what the trace kept).
    pub fn record(&self, call: &Value) -> CallRecord {
        let agent = call["agent"].as_str().unwrap().to_string();
        let schemas = self.tool_schemas(&agent);
        let tools: Vec<ToolView> = call["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|name| {
                let name = name.as_str().unwrap();
                let schema = schemas
                    .iter()
                    .find(|t| tool_view(t).name == name)
                    .unwrap_or_else(|| panic!("{}: `{name}` is offered but not in tools_by_agent", self.label()));
                tool_view(schema)
            })
            .collect();
        // The request's settings: SK's wire request, AF's chat options (its client sends
        // `allow_multiple_tool_calls` as `parallel_tool_calls`), the Agents SDK's model
        // settings (which name neither here).
        let settings = match self.framework {
            Framework::SemanticKernel => &call["wire_request"],
            Framework::AgentFramework => &call["options"],
            Framework::OpenAiAgents => &call["model_settings"],
        };
        let attempt = call["function_invoke_attempt"].as_u64();
        let tool_choice = settings["tool_choice"].as_str().map(String::from);
        let parallel_tool_calls = settings["allow_multiple_tool_calls"]
            .as_bool()
            .or(settings["parallel_tool_calls"].as_bool());
        let reply = &call["reply"];
        let (mut messages, elided) = self.inputs(call);
        let elided = elided.map(|e| {
            messages.extend(e.last);
            e.count
        });
        // The Responses API's `text` the Agents SDK sends for an agent's output_type.
        let output_type = call.get("text_format").map(|text| {
            let mut format = text["format"].clone();
            format.as_object_mut().unwrap().remove("type");
            format
        });
        CallRecord {
            output_type,
            agent,
            attempt,
            tool_choice,
            parallel_tool_calls,
            tools,
            messages,
            elided,
            reply: ReplyView {
                text: reply["text"].as_str().filter(|t| !t.is_empty()).map(String::from),
                calls: reply["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| CallView {
                        id: None,
                        name: c["name"].as_str().unwrap().to_string(),
                        arguments: arguments(&c["arguments"]),
                    })
                    .collect(),
            },
        }
    }

    /// A call's input messages, the instructions first as a system message; for an elided
    /// call, what the trace kept instead.
    pub fn inputs(&self, call: &Value) -> (Vec<Msg>, Option<Elided>) {
        let convert = |messages: &[Value]| -> Vec<Msg> { messages.iter().flat_map(|m| self.message(m)).collect() };
        let system = |text: &Value| Msg {
            role: "system".into(),
            name: None,
            text: Some(text.as_str().unwrap().to_string()),
            calls: Vec::new(),
            call_id: None,
        };
        if let Some(elided) = call.get("messages_elided") {
            let elided = Elided {
                count: elided["count"].as_u64().unwrap() as usize,
                last: convert(elided["last_two"].as_array().unwrap()),
            };
            return (vec![system(&call["instructions"])], Some(elided));
        }
        let messages = call["messages"].as_array().unwrap();
        let mut out = match self.framework {
            // SK's wire messages hold the system message already.
            Framework::SemanticKernel => Vec::new(),
            Framework::AgentFramework => vec![system(&call["instructions"])],
            Framework::OpenAiAgents => vec![system(&call["system_instructions"])],
        };
        out.extend(convert(messages));
        (out, None)
    }

    /// One message of the trace, neutral (an AF `tool` message answering several calls
    /// gives one message per result, as the Chat Completions wire does).
    fn message(&self, m: &Value) -> Vec<Msg> {
        let text = |v: &Value| v.as_str().map(String::from);
        let msg = |role: &str, name: Option<String>, text: Option<String>, calls: Vec<CallView>, call_id| Msg {
            role: role.into(),
            name,
            text,
            calls,
            call_id,
        };
        let call = |id: &Value, name: &Value, args: &Value| CallView {
            id: text(id),
            name: name.as_str().unwrap().to_string(),
            arguments: arguments(args),
        };
        match self.framework {
            Framework::SemanticKernel => {
                let calls = m["tool_calls"].as_array().map(Vec::as_slice).unwrap_or_default();
                let calls = calls
                    .iter()
                    .map(|c| call(&c["id"], &c["function"]["name"], &c["function"]["arguments"]))
                    .collect();
                // A list of content parts is its texts joined, as the API reads it (SK writes
                // an assistant message with no items, an empty reply, as `content: []`).
                let content = match &m["content"] {
                    Value::Array(parts) => Some(parts.iter().filter_map(|p| p["text"].as_str()).collect()),
                    other => text(other),
                };
                vec![msg(
                    m["role"].as_str().unwrap(),
                    text(&m["name"]),
                    content,
                    calls,
                    text(&m["tool_call_id"]),
                )]
            }
            Framework::AgentFramework => {
                let role = m["role"].as_str().unwrap();
                let contents = m["contents"].as_array().unwrap();
                if role == "tool" {
                    // A tool message's author is not sent on the wire (the connector names
                    // only non-tool messages), so it is not compared.
                    return contents
                        .iter()
                        .map(|c| {
                            assert_eq!(c["type"], "function_result", "{}: {c}", self.label());
                            let result = match &c["result"] {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            msg("tool", None, Some(result), Vec::new(), text(&c["call_id"]))
                        })
                        .collect();
                }
                let mut texts = Vec::new();
                let mut calls = Vec::new();
                for c in contents {
                    match c["type"].as_str().unwrap() {
                        "text" => texts.push(c["text"].as_str().unwrap()),
                        "function_call" => calls.push(call(&c["call_id"], &c["name"], &c["arguments"])),
                        // The approval request the framework keeps beside its call for the resumed
                        // call: its bookkeeping, no message content the harness models.
                        "function_approval_request" => {}
                        other => panic!("{}: a content of type `{other}` is not modelled", self.label()),
                    }
                }
                let joined = (!texts.is_empty()).then(|| texts.concat());
                vec![msg(role, text(&m["author_name"]), joined, calls, None)]
            }
            Framework::OpenAiAgents => match m.get("type").and_then(Value::as_str).unwrap_or("message") {
                "message" => {
                    // A message of the task may have no content (an input item's `null`).
                    let content = match &m["content"] {
                        Value::String(s) => Some(s.clone()),
                        Value::Array(parts) => Some(parts.iter().filter_map(|p| p["text"].as_str()).collect()),
                        Value::Null => None,
                        other => panic!("{}: content {other}", self.label()),
                    };
                    vec![msg(m["role"].as_str().unwrap(), None, content, Vec::new(), None)]
                }
                "function_call" => vec![msg(
                    "assistant",
                    None,
                    None,
                    vec![call(&m["call_id"], &m["name"], &m["arguments"])],
                    None,
                )],
                "function_call_output" => vec![msg("tool", None, text(&m["output"]), Vec::new(), text(&m["call_id"]))],
                // A reasoning item: its summary's text, under the role `reasoning`.
                "reasoning" => {
                    let parts = m["summary"].as_array().unwrap();
                    let summary = parts.iter().filter_map(|p| p["text"].as_str()).collect();
                    vec![msg("reasoning", None, Some(summary), Vec::new(), None)]
                }
                other => panic!("{}: an item of type `{other}` is not modelled", self.label()),
            },
        }
    }

    /// How the run ended, in the harness's terms: the kind a run of the same conversation
    /// ends with in the harness (SK's result is `completed` when `complete_task` made it and
    /// `ended-without-human` when no human function was set; AF's idle workflow is
    /// `completed` after `terminate()` and `ended-without-human` while a request is pending;
    /// the OpenAI Agents SDK's last final output is `completed`; an error the framework
    /// raises is `framework-error`; the probe's call budget is the harness's `model_calls`
    /// limit).
    pub fn outcome(&self) -> OutcomeView {
        let o = &self.json["outcome"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let error = || format!("{}: {}", text(&o["error_type"]), text(&o["error"]));
        let (kind, result) = match (self.framework, o["kind"].as_str().unwrap()) {
            // The host cancelled a call in flight: what its framework raised.
            (_, "error" | "cancelled") if self.design()["cancel"]["at_call"].is_u64() => match o["error_type"] {
                Value::String(ref t) if t == "CancelledError" => ("cancelled", "asyncio.CancelledError".into()),
                _ => ("cancelled", error()),
            },
            (Framework::SemanticKernel, "result") => {
                let last = self.calls().last().unwrap();
                let completed = last["reply"]["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["name"] == "Handoff-complete_task");
                let kind = if completed { "completed" } else { "ended-without-human" };
                (kind, text(&o["result"]["content"]))
            }
            (Framework::SemanticKernel, "probe_stop") => (
                "limit-reached",
                format!("model_calls {}", o["probe_stopped_at_call_budget"]),
            ),
            // The host had no decision for a pending approval request: the workflow idles.
            (Framework::AgentFramework, "completed")
                if o["how_it_ended"].as_str().is_some_and(|h| h.contains("approval")) =>
            {
                let last = self.json["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .rev()
                    .find(|e| e["type"] == "request_info");
                (
                    "awaiting-approval",
                    text(&last.unwrap()["data"]["function_call"]["name"]),
                )
            }
            (Framework::AgentFramework, "completed") => {
                let output: String = o["last_agent_output"]["contents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|c| c["text"].as_str())
                    .collect();
                let kind = match o["final_status"].as_str().unwrap() {
                    "IDLE" => "completed",
                    "IDLE_WITH_PENDING_REQUESTS" => "ended-without-human",
                    other => panic!("{}: final status {other}", self.label()),
                };
                (kind, output)
            }
            (Framework::OpenAiAgents, "completed") => {
                let kind = if self.human().is_some() {
                    "completed"
                } else {
                    "ended-without-human"
                };
                // A structured final output (an output_type's, a handler's value) as JSON.
                let output = match &o["final_output"] {
                    Value::String(s) => s.clone(),
                    structured => structured.to_string(),
                };
                (kind, output)
            }
            // The endpoint's HTTP error the client gave up on: the model failed (SK's fake is a
            // subclass of the connector, which names its class in the message).
            (_, "error") if self.calls().last().is_some_and(super::errors::failed) => (
                "model-failed",
                error().replace(
                    "sk_fake.FakeChatCompletion",
                    "semantic_kernel.connectors.ai.open_ai.services.open_ai_chat_completion.OpenAIChatCompletion",
                ),
            ),
            (_, "error") => ("framework-error", error()),
            // `Runner.run` returned with `result.interruptions` and no decision was left.
            (Framework::OpenAiAgents, "interrupted") => {
                let pending = o["pending"].as_array().unwrap().iter();
                let tools: Vec<&str> = pending.map(|p| p["tool"].as_str().unwrap()).collect();
                ("awaiting-approval", tools.join(", "))
            }
            (_, other) => panic!("{}: outcome kind `{other}` is not mapped", self.label()),
        };
        OutcomeView {
            kind: kind.into(),
            text: result,
            model_calls: o["model_calls"].as_u64().unwrap(),
            path: o["agent_path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect(),
            handoffs: self.handoffs(),
        }
    }

    /// The agents in control, as a scenario's `expect.path` names them: the start agent, then
    /// each handoff's target, also one whose model was not called before the run ended (AF's
    /// and the Agents SDK's traces record the handoffs; SK's are read off the calls: a run
    /// that a probe stopped after a transfer had handed off to the last one called).
    pub fn control_path(&self) -> Vec<String> {
        let outcome = self.outcome();
        match outcome.handoffs {
            Some(handoffs) => {
                // A run that made no model call (`max_turns=0`) was still its start agent's.
                let start = || self.design()["start_agent"].as_str().unwrap().to_string();
                let mut path = vec![outcome.path.first().cloned().unwrap_or_else(start)];
                path.extend(handoffs.iter().map(|h| h.rsplit(" -> ").next().unwrap().to_string()));
                path
            }
            None => {
                let mut path = outcome.path;
                let last = &self.calls().last().unwrap()["reply"]["calls"];
                let transfer = last.as_array().unwrap().iter().rev().find_map(|c| {
                    c["name"]
                        .as_str()
                        .unwrap()
                        .strip_prefix("Handoff-transfer_to_")
                        .map(String::from)
                });
                path.extend(transfer.filter(|_| outcome.kind == "limit-reached"));
                path
            }
        }
    }

    /// The handoffs the trace records.
    fn handoffs(&self) -> Option<Vec<String>> {
        let name = |v: &Value| v.as_str().unwrap().to_string();
        match self.framework {
            Framework::SemanticKernel => None,
            Framework::AgentFramework => Some(
                self.json["outcome"]["handoffs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|pair| handoff(&name(&pair[0]), &name(&pair[1])))
                    .collect(),
            ),
            Framework::OpenAiAgents => Some(
                self.json["runs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|run| run["hooks"].as_array().unwrap())
                    .filter(|hook| hook["hook"] == "on_handoff")
                    .map(|hook| handoff(&name(&hook["from_agent"]), &name(&hook["to_agent"])))
                    .collect(),
            ),
        }
    }
}
