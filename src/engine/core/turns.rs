//! How a turn ends: a tool round that hands nothing off (the frameworks' round guards, the
//! harness's limit and loop proof), a handoff turn (Semantic Kernel Python's thread dropping),
//! a text turn (what is passed on, the empty turn, autonomous mode, the host that ends the
//! conversation, the human with nothing more to say), and
//! what every invocation's end leaves (Agent Framework's signing of an unstreamed run's messages).

use super::{Core, Next};
use crate::design::AgentId;
use crate::engine::profile::{AfterRounds, EmptyTurn, TurnText};
use crate::engine::{EventIndex, EventKind, Limit, Outcome, Visibility};

impl Core {
    /// A response whose calls did not hand off: the framework's round guards, the harness's
    /// limit and loop proof, then the next round.
    pub(super) fn tool_round(&mut self, agent: AgentId, reply: EventIndex, any_error: bool) {
        self.round += 1;
        let guards = self.settings.profile.guards;
        self.error_rounds = if any_error { self.error_rounds + 1 } else { 0 };
        if guards.error_rounds.is_some_and(|n| self.error_rounds >= n) {
            self.tools_off = true;
        }
        if let Some(guard) = guards.rounds.filter(|g| self.round >= g.rounds) {
            match guard.then {
                // The invocation ends with what it said: a text turn if it passed anything
                // on (its own thread does not get the text back: its last round had calls).
                AfterRounds::EndTurn => return self.end_text_turn(false, true),
                AfterRounds::OneCallWithoutTools => self.tools_off = true,
            }
        }
        if let Some(max) = self.settings.limits.tool_rounds.filter(|&max| self.round >= max) {
            return self.finish(Outcome::LimitReached {
                limit: Limit::ToolRounds,
                value: max,
                agent,
            });
        }
        if let Some(state) = self.model_state
            && self.rounds.repeats(&self.log, state, reply)
        {
            let tools = self.round_tools(reply);
            return self.finish(Outcome::ToolLoop { agent, tools });
        }
        self.call_model_next();
    }

    /// At the end of a handoff turn of `agent`: under Semantic Kernel Python, an invocation
    /// that passed nothing on while the agent had no thread loses the thread it built; under
    /// Agent Framework's autonomous mode, the prompt it was given stays its own.
    #[inline(always)]
    pub(super) fn keep_or_drop_thread(&mut self, agent: AgentId) {
        self.autonomy_handed_off(agent);
        let had = std::mem::replace(&mut self.has_thread[agent.index()], true);
        if !had && !self.yielded && self.settings.profile.turns.drops_threads {
            self.drop_thread(agent);
        }
    }

    /// `agent`'s invocation ends. After a run that does not stream, Agent Framework has
    /// signed the messages of the invocation with the agent's name: its later requests carry
    /// it on them.
    #[inline(always)]
    pub(super) fn end_invocation(&mut self, agent: AgentId) {
        let settings = &self.settings;
        let runs = self.human_turns.saturating_add(self.resumed_runs);
        if settings.profile.wire.signs_unstreamed && !settings.streamed_runs.streams(runs) {
            self.log.sign(agent, self.turn_start);
        }
    }

    fn drop_thread(&mut self, agent: AgentId) {
        self.has_thread[agent.index()] = false;
        self.log.restart_thread(agent);
        if std::mem::replace(&mut self.drop_noted[agent.index()], true) {
            return;
        }
        let name = &self.design.agent(agent).name;
        let first = self.calls_per_agent[agent.index()] <= 1;
        let what = if first && self.turn_text.is_empty() {
            format!("{name}'s first turn was a handoff")
        } else if self.turn_text.is_empty() {
            format!("{name}'s turn made calls and handed off without text")
        } else {
            format!("{name}'s text came in the same stream chunk as its handoff call")
        };
        self.note(
            agent,
            format!(
                "{what}: Semantic Kernel drops {name}'s thread; on its next call {name} will not see the task or anything said before (because the endpoint ends its streams without a usage chunk, `profile.usage_chunk: false`; OpenAI and Azure OpenAI send one)"
            ),
        );
    }

    /// The turn ends in text. `ends_conversation`: the host stops after it (a `complete`
    /// under a framework without a completion function). `last_round_had_calls`: the turn
    /// ended at the framework's round guard, so its own thread does not get the text back.
    pub(super) fn end_text_turn(&mut self, ends_conversation: bool, last_round_had_calls: bool) {
        let agent = self.active;
        let profile = self.settings.profile;
        if let super::structured::Read::Done = self.read_final_output() {
            return;
        }
        if self.turn_text.is_empty() {
            match profile.turns.empty {
                EmptyTurn::Outcome => return self.finish(Outcome::EmptyResponse { agent }),
                // Passed nothing on (no text, no usage chunk): Semantic Kernel has no response.
                EmptyTurn::Error(error) if !self.yielded => {
                    if self.handed_off {
                        self.note(
                            agent,
                            format!(
                                "{} raises this only in the start agent's first turn; in any other turn its runtime swallows the error and the orchestration's result never arrives (get() without a timeout waits forever)",
                                profile.framework
                            ),
                        );
                    }
                    let name = &self.design.agent(agent).name;
                    return self.finish(Outcome::FrameworkError {
                        agent,
                        error: error.replace("{agent}", name),
                        guard: false,
                    });
                }
                _ => {}
            }
        }
        let text = match profile.turns.text {
            TurnText::All => std::mem::take(&mut self.turn_text),
            TurnText::Last => std::mem::take(&mut self.last_text),
        };
        self.has_thread[agent.index()] = true;
        self.end_invocation(agent);
        let mut visibility = last_round_had_calls.then_some(Visibility::Others(agent));
        if self.cancelled_token() {
            let kind = EventKind::Broadcast { text: text.clone() };
            let usual = visibility.unwrap_or_else(|| {
                self.settings.profile.sharing.visibility(&crate::engine::Event {
                    agent: Some(agent),
                    kind,
                })
            });
            visibility = self.cancelled_visibility(agent, false, Some(usual));
        }
        self.append_seen(Some(agent), EventKind::Broadcast { text: text.clone() }, visibility);
        // Agent Framework evaluates its termination condition again after the reply, before
        // the agent's `request_info`: the reply's last message is the conversation's last.
        if self.settings.termination.is_some() {
            let said = std::mem::take(&mut self.last_text);
            self.said(Some(agent), if said.is_empty() { &text } else { &said });
            if self.terminates() {
                return;
            }
        }
        // Autonomous mode runs the agent again before anyone (the host too) is asked.
        if self.goes_on_autonomously(agent, ends_conversation) {
            return;
        }
        if ends_conversation {
            self.append(Some(agent), EventKind::Completed { summary: text.clone() });
            return self.finish(Outcome::Completed { agent, summary: text });
        }
        if !self.has_human {
            return self.finish(Outcome::EndedWithoutHuman { agent, text });
        }
        if let Some(max) = self.settings.limits.human_turns.filter(|&max| self.human_turns >= max) {
            return self.finish(Outcome::LimitReached {
                limit: Limit::HumanTurns,
                value: max,
                agent,
            });
        }
        // Agent Framework delivers the reply in a superstep of its own.
        if self.superstep() {
            self.next = Next::AskHuman;
        }
    }

    /// The OpenAI Agents SDK's `max_turns` guard fired (`guard`): with an error handler for it
    /// (`error_handlers={"max_turns": ...}`) the `Runner.run` ends with the handler's final
    /// output instead, a message of the agent in control (left out of the conversation when
    /// `include_in_history=False`), and the host goes on as after a text reply. `false`
    /// without a handler.
    pub(super) fn max_turns_handled(&mut self, guard: crate::engine::profile::Guard) -> bool {
        let Some(output) = self.settings.max_turns_output.clone() else {
            return false;
        };
        self.end_with_handler_output(&guard.error_text(), "max_turns", output);
        true
    }

    /// An error handler of the OpenAI Agents SDK (`kind`) answered `error` with `output`: the
    /// `Runner.run` ends with it, a message of the agent in control (in the conversation unless
    /// `include_in_history=False`), and the host goes on as after a text reply.
    pub(super) fn end_with_handler_output(&mut self, error: &str, kind: &str, output: crate::engine::HandlerOutput) {
        let agent = self.active;
        let Some(text) = self.handler_final_output(error, kind, &output) else {
            return;
        };
        let kept = match output.include_in_history {
            true => "",
            false => ", left out of the history",
        };
        self.note(
            agent,
            format!("{error}: the run's {kind} error handler ends it with the final output{kept}: {text}"),
        );
        // No model said it: the SDK's message of the agent, in the conversation or not.
        let visibility = match output.include_in_history {
            true => Visibility::All,
            false => Visibility::Nobody,
        };
        let said = EventKind::Broadcast { text: text.clone() };
        self.append_seen(Some(agent), said, Some(visibility));
        self.turn_text.clone_from(&text);
        self.last_text = text;
        self.end_text_turn(false, false);
    }

    /// Before an agent's first model call of the run: its handoffs whose transfers share a
    /// name, of which the framework offers only the last, as the framework warns (once per run
    /// here; the OpenAI Agents SDK logs it each time it prepares the agent's tools).
    #[inline(always)]
    pub(super) fn note_collisions(&mut self) {
        let agent = self.active;
        if self.calls_per_agent[agent.index()] != 0 || self.design.name_collisions().is_empty() {
            return;
        }
        let design = self.design.clone();
        for collision in design.name_collisions().iter().filter(|c| c.agent == agent) {
            let kept = collision.targets.last().map_or("", |&t| design.agent(t).name.as_str());
            self.note(
                agent,
                format!(
                    "{} warns: {} (only the handoff to {kept} is offered)",
                    self.settings.profile.framework,
                    collision.warning(design.agents())
                ),
            );
        }
    }

    /// The human has nothing more to say. Without a completion function the host loop stops
    /// after the agent's reply: completed, its summary that reply (Agent Framework leaves the
    /// request pending unless the host terminates). Elsewhere the agent waits forever.
    #[cold]
    #[inline(never)]
    pub(super) fn human_done(&mut self) {
        let agent = self.active;
        let latest = self
            .log
            .events()
            .iter()
            .rev()
            .find(|e| e.agent == Some(agent))
            // A text turn ends with what it passed on, the agent's latest event.
            .and_then(|e| match &e.kind {
                EventKind::Broadcast { text } => Some(text.clone()),
                _ => None,
            });
        let idles = self.settings.profile.texts.no_human == crate::engine::profile::NoHuman::Idle
            && !self.settings.host_terminates;
        match latest {
            // Agent Framework: the agent's `request_info` stays pending, the workflow idles.
            Some(text) if idles => self.finish(Outcome::EndedWithoutHuman { agent, text }),
            Some(summary) if self.settings.profile.tools.complete.is_none() => self.complete(agent, summary),
            _ => self.finish(Outcome::HumanExhausted { agent }),
        }
    }
}
