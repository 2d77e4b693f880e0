//! Building a recording from a Chat Completions log: the requests an application sent (its
//! `messages` and `tools`) and the responses it got, so that a production conversation
//! becomes a regression to replay against the design.
//!
//! A log is a JSON array, or JSON Lines, of entries `{"request": {...}, "response": {...}}`:
//! the request body and the response body of each call, in the order they were made. Each
//! request is attributed to the agent of the design whose instructions are its system message
//! and whose functions are its tools; a request no agent fits both ways is an error naming the
//! closest. Function-call ids are renumbered `call_0001`, `call_0002`, ... in order of
//! appearance, as a run numbers them, so that strict replay can compare requests; a log that
//! gives two calls one id, or whose requests carry a call or a reply no logged response made
//! (an entry is missing), is refused: its recording could not replay strictly.

use std::collections::HashMap;

use serde_json::Value;

use crate::design::Design;
use crate::engine::{CallId, Profile};
use crate::wire::chat::{ChatMessage, ChatToolCall, Role, response_of};
use crate::wire::{Fingerprint, RecordedAgent, RecordedCall, RecordedToolResult, Transcript};

/// Why a log cannot be imported: where (`entries[3].request.messages[2]`) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct ImportError {
    /// The place in the log.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

fn error(place: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError {
        place: place.into(),
        message: message.into(),
    }
}

/// The entries of a log: a JSON array, or one JSON object per line.
pub fn log_entries(text: &str) -> Result<Vec<Value>, ImportError> {
    if text.trim_start().starts_with('[') {
        return match serde_json::from_str(text) {
            Ok(Value::Array(entries)) => Ok(entries),
            Ok(_) => Err(error("(top level)", "expected an array of entries")),
            Err(e) => Err(error(format!("{}:{}", e.line(), e.column()), format!("not JSON: {e}"))),
        };
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| error(format!("line {}", i + 1), format!("not JSON: {e}")))
        })
        .collect()
}

impl Transcript {
    /// The recording of the conversation in a log's `entries` (see [`log_entries`]), as a
    /// run of `design` under `profile` would have made it; `scenario` names it.
    pub fn import(
        design: &Design,
        profile: &Profile,
        scenario: &str,
        entries: &[Value],
    ) -> Result<Transcript, ImportError> {
        let mut transcript = import(design, scenario, entries)?;
        transcript.profile = profile.name.to_string();
        let fingerprints = transcript
            .fingerprints()
            .expect("agents are listed and calls numbered as they were added");
        for (call, fingerprint) in transcript.calls.iter_mut().zip(fingerprints) {
            call.fingerprint = fingerprint;
        }
        Ok(transcript)
    }
}

fn import(design: &Design, scenario: &str, entries: &[Value]) -> Result<Transcript, ImportError> {
    let mut transcript = Transcript::new(scenario);
    let mut ids: HashMap<String, String> = HashMap::new();
    // Per agent of the transcript: the messages of its latest request, and its calls so far.
    let mut threads: Vec<(Vec<ChatMessage>, u32)> = Vec::new();
    let mut human: Vec<String> = Vec::new();
    // The entry whose response made each logged call id.
    let mut made_by: HashMap<String, usize> = HashMap::new();
    // Per agent of the transcript: the texts its logged responses said.
    let mut said: Vec<Vec<String>> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let place = format!("entries[{i}]");
        let request = entry.get("request").ok_or_else(|| {
            error(
                &place,
                "no `request` (each entry is `{\"request\": ..., \"response\": ...}`)",
            )
        })?;
        let response = entry.get("response").ok_or_else(|| error(&place, "no `response`"))?;
        if transcript.model.is_none() {
            transcript.model = request.get("model").and_then(Value::as_str).map(String::from);
        }
        let tools: Vec<Value> = match request.get("tools") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(tools)) => tools.clone(),
            Some(_) => return Err(error(format!("{place}.request.tools"), "not a list")),
        };
        let mut messages = wire_messages(request, &format!("{place}.request.messages"), &mut ids)?;
        let instructions = match messages.first() {
            Some(m) if m.role == Role::System => messages.remove(0).content.unwrap_or_default(),
            _ => String::new(),
        };
        let agent = agent_of(design, &instructions, &tools).map_err(|why| error(format!("{place}.request"), why))?;
        let index = match transcript.agent(agent) {
            Some(index) => index,
            None => {
                transcript.agents.push(RecordedAgent {
                    name: agent.to_string(),
                    instructions: instructions.clone(),
                    tools: tools.clone(),
                });
                threads.push((Vec::new(), 0));
                said.push(Vec::new());
                transcript.agents.len() - 1
            }
        };
        let (seen, calls) = &mut threads[index];
        if !messages.starts_with(seen) {
            return Err(error(
                format!("{place}.request.messages"),
                format!(
                    "{agent}'s thread does not continue its previous request (a trimmed or edited history cannot be replayed)"
                ),
            ));
        }
        let new = messages[seen.len()..].to_vec();
        missing_entries(&new, agent, &said[index], &made_by, &ids, &place)?;
        let users: Vec<&str> = messages
            .iter()
            .filter(|m| m.role == Role::User)
            .map(|m| m.content.as_deref().unwrap_or(""))
            .collect();
        if users.len() > human.len() + 1 {
            human = users[1..].iter().map(|s| s.to_string()).collect();
        }
        for message in new.iter().filter(|m| m.role == Role::Tool) {
            let id = message.tool_call_id.clone().unwrap_or_default();
            let name = messages
                .iter()
                .flat_map(|m| &m.tool_calls)
                .find(|c| c.id == id)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            transcript.tool_results.push(RecordedToolResult {
                agent: agent.to_string(),
                id,
                name,
                result: message.content.clone().unwrap_or_default(),
                error: false,
            });
        }
        let answer = response_of(response).map_err(|e| error(format!("{place}.response"), e.0))?;
        for (k, call) in response["choices"][0]["message"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let id = call["id"].as_str().unwrap_or("");
            if let Some(&earlier) = made_by.get(id) {
                return Err(error(
                    format!("{place}.response.choices[0].message.tool_calls[{k}].id"),
                    format!(
                        "`{id}` was already the id of a call of entries[{earlier}]: a server that reuses call ids makes a recording that cannot replay strictly"
                    ),
                ));
            }
            made_by.insert(id.to_string(), i);
            renumber(&mut ids, id);
        }
        if let Some(text) = answer.text.as_ref().filter(|t| !t.is_empty()) {
            said[index].push(text.clone());
        }
        *calls += 1;
        transcript.calls.push(RecordedCall {
            agent: agent.to_string(),
            call: *calls,
            restarted: false,
            // Filled in by `Transcript::import`, from the recorded requests, as loading checks them.
            fingerprint: Fingerprint([0; 32]),
            messages: new,
            response: (&answer).into(),
        });
        *seen = messages;
    }
    transcript.human = human;
    // In call order, as a run records them (ids are numbered in that order).
    transcript.tool_results.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(transcript)
}

/// The id a run would have given the call logged as `id`.
fn renumber(ids: &mut HashMap<String, String>, id: &str) -> String {
    let next = ids.len() as u32 + 1;
    ids.entry(id.to_string())
        .or_insert_with(|| CallId(next).to_string())
        .clone()
}

/// The messages of a logged request body, ids renumbered.
fn wire_messages(
    request: &Value,
    place: &str,
    ids: &mut HashMap<String, String>,
) -> Result<Vec<ChatMessage>, ImportError> {
    let list = request
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| error(place, "not a list of messages"))?;
    list.iter()
        .enumerate()
        .map(|(i, m)| {
            let at = |what: &str| error(format!("{place}[{i}]"), what);
            let role: Role = serde_json::from_value(m["role"].clone())
                .map_err(|_| at("`role` is not system, user, assistant or tool"))?;
            let content = match &m["content"] {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                Value::Array(parts) => Some(parts.iter().filter_map(|p| p["text"].as_str()).collect()),
                _ => return Err(at("`content` is not text")),
            };
            let tool_calls = m["tool_calls"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let function = &c["function"];
                    let arguments = match &function["arguments"] {
                        Value::String(s) if s.trim().is_empty() => Default::default(),
                        Value::String(s) => {
                            serde_json::from_str(s).map_err(|_| at("tool call arguments are not a JSON object"))?
                        }
                        Value::Object(map) => map.clone(),
                        _ => Default::default(),
                    };
                    Ok(ChatToolCall {
                        id: renumber(ids, c["id"].as_str().unwrap_or("")),
                        name: function["name"].as_str().unwrap_or("").to_string(),
                        arguments,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ChatMessage {
                role,
                name: m["name"].as_str().map(String::from),
                content: match (role, content) {
                    (Role::Assistant, Some(c)) if c.is_empty() && !tool_calls.is_empty() => None,
                    (_, content) => content,
                },
                tool_call_id: m["tool_call_id"].as_str().map(|id| renumber(ids, id)),
                tool_calls,
                reasoning: None,
            })
        })
        .collect()
}

/// Refuses a request whose new messages show that the log lacks an entry: a function call no
/// logged response made, or a reply of this agent it never gave.
fn missing_entries(
    new: &[ChatMessage],
    agent: &str,
    said: &[String],
    made_by: &HashMap<String, usize>,
    ids: &HashMap<String, String>,
    place: &str,
) -> Result<(), ImportError> {
    let logged: std::collections::HashSet<&String> = made_by.keys().filter_map(|id| ids.get(id)).collect();
    for message in new {
        if let Some(call) = message.tool_calls.iter().find(|c| !logged.contains(&c.id)) {
            return Err(error(
                format!("{place}.request.messages"),
                format!(
                    "{agent}'s history has a call of `{}` that no earlier response in the log made: an entry before this one is missing",
                    call.name
                ),
            ));
        }
        let own = message.role == Role::Assistant && message.name.as_deref().is_none_or(|n| n == agent);
        if let Some(text) = message
            .content
            .as_ref()
            .filter(|t| own && !t.is_empty() && message.tool_calls.is_empty())
            && !said.contains(text)
        {
            return Err(error(
                format!("{place}.request.messages"),
                format!(
                    "{agent}'s history has a reply of its own that no earlier response in the log gave ({}): an entry before this one is missing",
                    serde_json::Value::String(text.chars().take(60).collect())
                ),
            ));
        }
    }
    Ok(())
}

/// The agent whose instructions are `instructions` and whose functions are `tools`; else why
/// none is, naming the agent that comes closest.
fn agent_of<'a>(design: &'a Design, instructions: &str, tools: &[Value]) -> Result<&'a str, String> {
    let names: Vec<&str> = tools.iter().filter_map(|t| t["function"]["name"].as_str()).collect();
    let offered = |agent: &crate::design::Agent| -> Vec<&str> {
        let id = design.find(&agent.name).expect("an agent of the design");
        design.tools(id).iter().map(|t| &*t.qualified_name).collect()
    };
    let agents = design.agents();
    let fits = |a: &&crate::design::Agent| a.instructions == instructions && offered(a) == names;
    if let Some(agent) = agents.iter().find(fits) {
        return Ok(agent.name.as_str());
    }
    let seen = format!(
        "system message {} and tools [{}]",
        serde_json::Value::String(instructions.chars().take(80).collect()),
        names.join(", ")
    );
    let near = agents
        .iter()
        .find(|a| a.instructions == instructions)
        .map(|a| {
            let theirs = offered(a);
            format!(
                "`{}` has this system message but offers [{}]",
                a.name,
                theirs.join(", ")
            )
        })
        .or_else(|| {
            agents
                .iter()
                .find(|a| offered(a) == names)
                .map(|a| format!("`{}` offers these tools but its instructions differ", a.name))
        });
    Err(match near {
        Some(near) => format!("no agent of the design has this {seen}; {near}"),
        None => format!("no agent of the design has this {seen}, nor either of the two"),
    })
}
