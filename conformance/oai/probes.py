"""OpenAI Agents SDK (openai-agents 0.24.0) handoff conformance probes, offline (scripted Model, see
oai_fake.py).

Usage: python probes.py OUT_DIR [probe ...]

Host loop (the SDK's examples/customer_service/main.py): append the user item, Runner.run(current,
items), items = result.to_input_list(), current = result.last_agent; the next scripted human reply
starts the next run; the conversation ends when the scripted human has nothing more to say. With
tools that need approval, as examples/agent_patterns/human_in_the_loop.py does: while
result.interruptions, state = result.to_state(), the human's next scripted decision for each
(state.approve / state.reject), then Runner.run(current, state); a human with no decision left
ends the conversation with the interruption pending.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from importlib.metadata import version
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))

from dataclasses import dataclass  # noqa: E402

from agents import Agent, FunctionTool, RunConfig, Runner, function_tool, handoff  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from typing_extensions import TypedDict  # noqa: E402
from agents.tracing import set_trace_processors  # noqa: E402
from oai_fake import (  # noqa: E402
    ARGUMENTS,
    Calls,
    Counters,
    Errors,
    ModelRequest,
    RecordingHooks,
    RecordingTraceProcessor,
    Refusal,
    Reply,
    ScriptedModel,
    Text,
    jsonable,
    run_item_view,
)
from tracefile import log, selected, write_trace  # noqa: E402
from agents.extensions import handoff_filters  # noqa: E402

FILTERS = {"remove_all_tools": handoff_filters.remove_all_tools}

FRAMEWORK = "openai_agents"
VERSION = f"openai-agents {version('openai-agents')}"
REFERENCE = str(Path(__file__).resolve().parents[3] / "shared/reference/frameworks/openai_agents/seed_trace.json")


@function_tool
def check_order_status(order_id: str) -> str:
    """Check the status of an order."""
    return f"Order {order_id} is shipped and will arrive in 2-3 days."


@function_tool
def process_refund(order_id: str, reason: str) -> str:
    """Process a refund for an order."""
    return f"Refund for order {order_id} has been processed successfully."


@function_tool
def process_return(order_id: str, reason: str) -> str:
    """Process a return for an order."""
    return f"Return for order {order_id} has been processed successfully."


@function_tool
def lookup_customer(email: str) -> str:
    """Look up a customer by email."""
    return f"Customer {email} has 2 open orders."


TUTORIAL = {
    "agents": [
        ("TriageAgent", "A customer support agent that triages issues.", "Handle customer requests.", []),
        ("RefundAgent", "A customer support agent that handles refunds.", "Handle refund requests.", [process_refund]),
        ("OrderStatusAgent", "A customer support agent that checks order status.", "Handle order status requests.",
         [check_order_status]),
        ("OrderReturnAgent", "A customer support agent that handles order returns.", "Handle order return requests.",
         [process_return]),
    ],
    "edges": {
        "TriageAgent": {
            "RefundAgent": "Transfer to this agent if the issue is refund related",
            "OrderStatusAgent": "Transfer to this agent if the issue is order status related",
            "OrderReturnAgent": "Transfer to this agent if the issue is order return related",
        },
        "RefundAgent": {"TriageAgent": "Transfer to this agent if the issue is not refund related"},
        "OrderStatusAgent": {"TriageAgent": "Transfer to this agent if the issue is not order status related"},
        "OrderReturnAgent": {"TriageAgent": "Transfer to this agent if the issue is not order return related"},
    },
}

SMALL = {
    "agents": [
        ("TriageAgent", "A customer support agent that triages issues.", "Handle customer requests.", [lookup_customer]),
        ("RefundAgent", "A customer support agent that handles refunds.", "Handle refund requests.", [process_refund]),
        ("OrderStatusAgent", "A customer support agent that checks order status.", "Handle order status requests.",
         [check_order_status]),
    ],
    "edges": {
        "TriageAgent": {
            "RefundAgent": "Transfer to this agent if the issue is refund related",
            "OrderStatusAgent": "Transfer to this agent if the issue is order status related",
        },
        "RefundAgent": {"TriageAgent": "Transfer to this agent if the issue is not refund related"},
        "OrderStatusAgent": {"TriageAgent": "Transfer to this agent if the issue is not order status related"},
    },
}

BOUNCE = {
    "agents": [("AgentA", "Agent A.", "You are agent A.", []), ("AgentB", "Agent B.", "You are agent B.", [])],
    "edges": {"AgentA": {"AgentB": "Transfer to agent B"}, "AgentB": {"AgentA": "Transfer to agent A"}},
}

TASK = "A customer is on the line."


class EscalationData(BaseModel):
    """The arguments of the escalation handoff (a pydantic model)."""
    reason: str
    priority: int


@dataclass
class RefundRequest:
    """The arguments of the refund handoff (a dataclass, one field with a default)."""
    order_id: str
    amount: float = 0.0


INPUT_TYPES = {"EscalationData": EscalationData, "RefundRequest": RefundRequest}

# What each on_handoff callback received, in order: (target agent, input type, the value).
ON_HANDOFF: list[dict[str, Any]] = []


def recorder(target: str):
    def on_handoff(ctx, data) -> None:
        value = data.model_dump() if isinstance(data, BaseModel) else dict(data.__dict__)
        ON_HANDOFF.append({"target": target, "type": type(data).__name__, "value": value})
    return on_handoff


def make_handoff(target: Agent, e) -> Any:
    # An edge is its description, or {"description": ..., "tool_name_override": ...,
    # "input_type": <a name in INPUT_TYPES>, "input_filter": <a name in FILTERS>,
    # "nest_handoff_history": bool}; an input type comes with an on_handoff that records what it got.
    if not isinstance(e, dict):
        return handoff(target, tool_description_override=e)
    kw: dict[str, Any] = {}
    if "input_type" in e:
        kw.update(input_type=INPUT_TYPES[e["input_type"]], on_handoff=recorder(target.name))
    if "input_filter" in e:
        kw.update(input_filter=FILTERS[e["input_filter"]])
    if "is_enabled" in e:
        kw.update(is_enabled=enablement(e["is_enabled"]))
    return handoff(target, tool_description_override=e.get("description"),
                   tool_name_override=e.get("tool_name_override"),
                   nest_handoff_history=e.get("nest_handoff_history"), **kw)


def build(d: dict, policy, c: Counters) -> dict[str, Agent]:
    agents = {name: Agent(name=name, handoff_description=desc, instructions=instr, tools=list(tools))
              for name, desc, instr, tools in d["agents"]}
    for name, a in agents.items():
        a.model = ScriptedModel(name, policy, c, check_offered=False)
        a.handoffs = [make_handoff(agents[t], e) for t, e in d["edges"].get(name, {}).items()]
        a.output_type = d.get("output_types", {}).get(name)  # Agent(output_type=...): None is plain text
    return agents


def design_view(d: dict, agents: dict[str, Agent]) -> dict:
    return {
        "start_agent": d["agents"][0][0],
        "agents": [{"name": n, "handoff_description": a.handoff_description, "instructions": a.instructions,
                    "tools": [t.name for t in a.tools],
                    # Only where a tool needs approval (older traces have no such key).
                    **({"needs_approval": names} if (names := [t.name for t in a.tools if isinstance(t, FunctionTool)
                                                              and t.needs_approval is True]) else {}),
                    "handoffs": [{"target": h.agent_name, "tool_name": h.tool_name,
                                  "tool_description": h.tool_description,
                                  # Only where the edge overrides the name (the SDK keeps the
                                  # derived identity otherwise).
                                  **({} if h._default_tool_identity else {"tool_name_override": h.tool_name}),
                                  **({"input_filter": next(k for k, f in FILTERS.items() if f is h.input_filter)}
                                     if h.input_filter is not None else {}),
                                  **({"nest_handoff_history": h.nest_handoff_history}
                                     if h.nest_handoff_history is not None else {}),
                                  # Only where the edge's is_enabled is a condition (the
                                  # scenario's form of the callable the probe built).
                                  **({"is_enabled": d["edges"][n][h.agent_name]["is_enabled"]}
                                     if isinstance(d["edges"][n].get(h.agent_name), dict)
                                     and "is_enabled" in d["edges"][n][h.agent_name] else {}),
                                  # Only where the edge gives an input_type: its class and the
                                  # schema the SDK made of it (the function's parameters).
                                  **({"input_type": d["edges"][n][h.agent_name]["input_type"],
                                      "input_json_schema": h.input_json_schema}
                                     if isinstance(d["edges"][n].get(h.agent_name), dict)
                                     and "input_type" in d["edges"][n][h.agent_name] else {})}
                                 for h in a.handoffs],
                     # Only where the agent has an output_type: the schema the SDK sends for it.
                     **({"output_type": output_type_view(a)} if a.output_type is not None else {})}
                   for n, a in agents.items()],
        "edges": [{"source": s, "target": t, "description": desc.get("description") if isinstance(desc, dict) else desc}
                  for s, ts in d["edges"].items()
                  for t, desc in ts.items()],
    }


def output_type_view(a: Agent) -> dict:
    from agents.agent_output import AgentOutputSchema
    schema = AgentOutputSchema(a.output_type)
    return {"name": schema.name(), "json_schema": schema.json_schema(), "strict": schema.is_strict_json_schema(),
            "wrapped": schema._is_wrapped}


def script(steps: list[tuple[str, Reply]]):
    used = [0]

    def policy(req: ModelRequest) -> Reply:
        i = used[0]
        if i >= len(steps):
            raise RuntimeError(f"fake model: script exhausted ({req.agent})")
        agent, reply = steps[i]
        if agent != req.agent:
            raise RuntimeError(f"fake model: step {i + 1} expected {agent}, got {req.agent}")
        used[0] += 1
        return reply

    return policy


def summary(m: dict) -> str:
    if m["function_calls"]:
        return "assistant: " + ", ".join(f"call {f['name']}({json.dumps(f['arguments'])})" for f in m["function_calls"])
    if m["function_results"]:
        return "tool: " + ", ".join(f"output {f['name']} = {f['result']!r}" for f in m["function_results"])
    return f"{m['role']}: {m['content']!r}"


def seen(tr: dict, n: int) -> list[str]:
    return [summary(m) for m in tr["calls"][n - 1]["neutral_messages"]]


async def run_probe(name: str, description: str, d: dict, policy, *, human_turns: list[str], task: str = TASK,
                    run_config: RunConfig | None = None, run_config_view: dict | None = None,
                    max_turns: int | None = None, error_handlers: dict | None = None,
                    error_handlers_view: dict | None = None, approvals: list[str] | None = None, check=None,
                    notes=None, session=None, run_kwargs: dict | None = None) -> dict[str, Any]:
    c = Counters()
    ON_HANDOFF.clear()
    agents = build(d, policy, c)
    proc = RecordingTraceProcessor()
    set_trace_processors([proc])  # replaces the default exporter: nothing leaves the process
    runs: list[dict[str, Any]] = []
    human_log: list[dict[str, Any]] = []
    items: list = []
    decisions = list(approvals or [])
    approval_log: list[dict[str, Any]] = []
    current = agents[d["agents"][0][0]]
    inputs = [("task", task)] + [("human", h) for h in human_turns]
    outcome: dict[str, Any] = {}
    kw: dict[str, Any] = {}
    if run_config is not None:
        kw["run_config"] = run_config
    if max_turns is not None:
        kw["max_turns"] = max_turns
    if error_handlers is not None:
        kw["error_handlers"] = error_handlers
    if session is not None:  # the host keeps a session: each run gets only the new message
        kw["session"] = session
    kw.update(run_kwargs or {})
    for i, (kind, text) in enumerate(inputs):
        if kind == "human":
            human_log.append({"turn": len(human_log) + 1, "after_call": c.calls, "text": text,
                              "to_agent": current.name})
        items.extend(text) if isinstance(text, list) else items.append({"content": text, "role": "user"})
        hooks_log: list = []
        before = c.calls
        try:
            result = await Runner.run(current, text if session is not None else items,
                                      hooks=RecordingHooks(hooks_log), **kw)
            while result.interruptions and decisions:
                state = result.to_state()
                for item in result.interruptions:
                    if not decisions:
                        break
                    decision = decisions.pop(0)
                    approval_log.append({"after_call": c.calls, "agent": item.agent.name, "tool": item.name,
                                         "call_id": item.raw_item.call_id, "arguments": json.loads(item.arguments),
                                         "decision": decision})
                    (state.approve if decision == "approve" else state.reject)(item)
                else:
                    result = await Runner.run(current, state, hooks=RecordingHooks(hooks_log), **kw)
                    continue
                break  # the human decided only some of them: the rest stay pending
        except Exception as e:  # noqa: BLE001
            runs.append({"run_index": i + 1, "input_kind": kind, "starting_agent": current.name,
                         "model_calls": list(range(before + 1, c.calls + 1)), "hooks": hooks_log,
                         "error": {"type": type(e).__name__, "message": str(e)}})
            outcome.update(kind="error", error_type=type(e).__name__, error=str(e),
                           error_mro=[k.__name__ for k in type(e).__mro__][:-1], in_run=i + 1)
            break
        if result.interruptions:
            # The human has no decision left: the app does not resume the run.
            pending = [{"agent": it.agent.name, "tool": it.name, "call_id": it.raw_item.call_id}
                       for it in result.interruptions]
            runs.append({"run_index": i + 1, "input_kind": kind, "starting_agent": current.name,
                         "model_calls": list(range(before + 1, c.calls + 1)), "hooks": hooks_log,
                         "new_items": [run_item_view(it) for it in result.new_items], "interruptions": pending})
            outcome.update(kind="interrupted", how_it_ended="Runner.run returned with result.interruptions and "
                           "the scripted human had no decision left", pending=pending, in_run=i + 1)
            break
        runs.append({"run_index": i + 1, "input_kind": kind, "starting_agent": current.name,
                     "model_calls": list(range(before + 1, c.calls + 1)),
                     "new_items": [run_item_view(it) for it in result.new_items],
                     "final_output": jsonable(result.final_output), "last_agent": result.last_agent.name,
                     "hooks": hooks_log})
        items = result.to_input_list()
        current = result.last_agent
    else:
        outcome.update(kind="completed", how_it_ended="the last Runner.run returned a text final_output and the "
                       "scripted human had no more input", final_output=runs[-1]["final_output"],
                       last_agent=runs[-1]["last_agent"])
    outcome["model_calls"] = c.calls
    outcome["runs"] = len(runs)
    path = []
    for call in c.log:
        if not path or path[-1] != call["agent"]:
            path.append(call["agent"])
    outcome["agent_path"] = path
    calls = [{"n": x["call_index"], "agent": x["agent"], "system_instructions": x["system_instructions"],
              "tools": x["tools_offered"], "handoff_tools": x["handoff_tools"], "model_settings": x["model_settings"],
              "messages": x["input_items"], "neutral_messages": x["messages_in"], "reply": x["reply"],
              **({"text_format": x["text_format"]} if "text_format" in x else {})}
             for x in c.log]
    trace = {
        "framework": FRAMEWORK,
        "version": VERSION,
        "probe": name,
        "description": description,
        "design": {**design_view(d, agents), "task": task, "human_turns_scripted": human_turns,
                   "run_config": run_config_view or {}, "max_turns": max_turns,
                   **({"error_handlers": error_handlers_view} if error_handlers_view is not None else {}),
                   **({} if approvals is None else {"approvals_scripted": approvals}),
                   **({} if session is None else {"session": f"{type(session).__name__}(':memory:')"}),
                   "fake": {"plugged_in_at": "agents.models.interface.Model.get_response (oai_fake.py)"}},
        "tools_by_agent": c.tool_schemas_by_agent,
        "calls": calls,
        "human_turns": human_log,
        **({} if approvals is None else {"approvals": approval_log}),
        "runs": runs,
        "outcome": outcome,
        "events": proc.records,
        "notes": notes or [],
    }
    if ON_HANDOFF:
        trace["on_handoff"] = list(ON_HANDOFF)
    if session is not None:
        trace["session_items"] = jsonable(await session.get_items())
    for call, x in zip(calls, c.log):
        for key in ("previous_response_id", "conversation_id"):
            if x.get(key) is not None:
                call[key] = x[key]
    if check is not None:
        trace["observations"] = check(trace)
    return trace


TR = "transfer_to_"
HUMAN = ["I'd like to track the status of my order", "My order ID is 123", "I want to return another order of mine",
         "Order ID 321", "Broken item", "No, bye"]
SUMMARY = "Handled order return for order ID 321 due to a broken item, and successfully processed the return."


async def p_customer_support(name):
    steps = [
        ("TriageAgent", Text("Hello! Thank you for reaching out. How can I assist you today?")),
        ("TriageAgent", Calls([(TR + "orderstatusagent", {})])),
        ("OrderStatusAgent", Text("Sure, I can help you with that. Could you please provide me with your order ID?")),
        ("OrderStatusAgent", Calls([("check_order_status", {"order_id": "123"})])),
        ("OrderStatusAgent", Text("Your order with ID 123 has been shipped and is expected to arrive in 2-3 days. "
                                  "Is there anything else I can assist you with?")),
        ("OrderStatusAgent", Calls([(TR + "triageagent", {})])),
        ("TriageAgent", Calls([(TR + "orderreturnagent", {})])),
        ("OrderReturnAgent", Text("I can help you with returning your order. Could you please provide the order ID "
                                  "for the return and the reason you'd like to return it?")),
        ("OrderReturnAgent", Text("Please provide the reason for returning the order with ID 321.")),
        ("OrderReturnAgent", Calls([("process_return", {"order_id": "321", "reason": "Broken item"})])),
        ("OrderReturnAgent", Text("The return for your order with ID 321 has been successfully processed due to the "
                                  "broken item. Is there anything else I can assist you with?")),
        ("OrderReturnAgent", Text(SUMMARY)),
    ]
    tr = await run_probe(name, "The tutorial conversation as in the shared reference seed (12 model calls, 7 runs; "
                         "no complete_task in the SDK, the last reply is text).", TUTORIAL, script(steps),
                         human_turns=HUMAN)
    if os.path.exists(REFERENCE):
        with open(REFERENCE) as f:
            ref = json.load(f)
        mine = [(x["agent"], x["tools"], x["messages"], x["system_instructions"]) for x in tr["calls"]]
        theirs = [(x["agent"], x["tools_offered"], x["input_items"], x["system_instructions"]) for x in ref["calls"]]
        log(f"[oai] customer_support vs shared reference seed_trace.json: "
            f"{'identical model inputs' if mine == theirs else 'DIFFERENT model inputs'}")
    return tr


def _tbh(name, text_first, desc):
    steps = [
        ("TriageAgent", Reply(text="Let me transfer you to our refund team.", calls=((TR + "refundagent", {}),),
                              text_first=text_first)),
        ("RefundAgent", Text("Refund team here. What is the order ID?")),
        ("RefundAgent", Calls([(TR + "triageagent", {})])),
        ("TriageAgent", Text("Back at triage.")),
    ]

    def check(tr):
        return {"refund_agent_first_call_sees": seen(tr, 2), "triage_sees_when_control_returns": seen(tr, 4)}

    return run_probe(name, desc, SMALL, script(steps), human_turns=["Order 42, but actually it is about something else"],
                     check=check)


async def p_text_beside_handoff(name):
    return await _tbh(name, True, "Triage's first reply has a text message item AND a transfer_to_refundagent call "
                                  "(text first).")


async def p_text_beside_handoff_calls_first(name):
    return await _tbh(name, False, "As text_beside_handoff with the call item before the text item.")


def _two(name, order, desc):
    steps = [("TriageAgent", Calls([(TR + t, {}) for t in order])), ("*", Text("Hi, how can I help with that?"))]
    state = {"i": 0}

    def policy(req):
        agent, reply = steps[min(state["i"], len(steps) - 1)]
        state["i"] += 1
        if agent != "*" and agent != req.agent:
            raise RuntimeError(f"expected {agent}, got {req.agent}")
        return reply

    def check(tr):
        return {"winner": tr["calls"][1]["agent"] if len(tr["calls"]) > 1 else None, "order_in_reply": order,
                "winner_sees": seen(tr, 2) if len(tr["calls"]) > 1 else None}

    return run_probe(name, desc, SMALL, policy, human_turns=[], check=check)


async def p_two_transfers(name):
    return await _two(name, ["refundagent", "orderstatusagent"],
                      "Triage's first reply calls transfer_to_refundagent and transfer_to_orderstatusagent.")


async def p_two_transfers_reversed(name):
    return await _two(name, ["orderstatusagent", "refundagent"], "As two_transfers, calls in the other order.")


UNKNOWN_STEPS = [("TriageAgent", Calls([(TR + "warrantyagent", {})])),
                 ("TriageAgent", Calls([(TR + "refundagent", {})])),
                 ("RefundAgent", Text("Refund team here."))]


async def p_unknown_tool(name):
    return await run_probe(name, "Triage calls transfer_to_warrantyagent (not offered), then (if it gets another call) "
                           "hands off to Refund. Default RunConfig.", SMALL, script(UNKNOWN_STEPS), human_turns=[])


async def p_unknown_tool__return_error_to_model(name):
    def check(tr):
        return {"second_call_sees": seen(tr, 2)}

    return await run_probe(name, "As unknown_tool with RunConfig(tool_not_found_behavior='return_error_to_model').",
                           SMALL, script(UNKNOWN_STEPS), human_turns=[],
                           run_config=RunConfig(tool_not_found_behavior="return_error_to_model"),
                           run_config_view={"tool_not_found_behavior": "return_error_to_model"}, check=check)


async def p_missing_argument(name):
    steps = [("TriageAgent", Calls([("lookup_customer", {})])),
             ("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})])),
             ("TriageAgent", Text("You have 2 open orders."))]

    def check(tr):
        return {"second_call_sees": seen(tr, 2) if len(tr["calls"]) > 1 else None}

    return await run_probe(name, "Triage calls its own lookup_customer without the required 'email', then with it.",
                           SMALL, script(steps), human_turns=[], check=check)


async def p_no_human(name):
    return await run_probe(name, "A plain text reply, no human input.", SMALL,
                           script([("TriageAgent", Text("Hello! How can I help you today?"))]), human_turns=[])


async def p_first_turn_handoff(name):
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text("Refund team here. What is the order ID?")),
             ("RefundAgent", Calls([(TR + "triageagent", {})])),
             ("TriageAgent", Text("Back at triage."))]

    def check(tr):
        return {"triage_sees_when_control_returns": seen(tr, 4)}

    return await run_probe(name, "Triage's very first reply is a handoff; Refund answers (run ends), the human replies, "
                           "Refund hands back. What does Triage see?", SMALL, script(steps),
                           human_turns=["It is about order 42, not a refund"], check=check)


async def p_tool_then_handoff(name):
    steps = [("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})])),
             ("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text("Refund team here. What is the order ID?")),
             ("RefundAgent", Calls([(TR + "triageagent", {})])),
             ("TriageAgent", Text("Back at triage."))]

    def check(tr):
        return {"triage_sees_when_control_returns": seen(tr, 5)}

    return await run_probe(name, "Triage calls its own tool, then hands off on the next turn; Refund answers, the "
                           "human replies, Refund hands back.", SMALL, script(steps),
                           human_turns=["Actually it is not about a refund"], check=check)


async def p_endless_bounce(name):
    def policy(req):
        return Calls([(TR + ("agentb" if req.agent == "AgentA" else "agenta"), {})])

    return await run_probe(name, "AgentA and AgentB hand off to each other forever. What stops it (default max_turns)?",
                           BOUNCE, policy, task="Ping", human_turns=[])


async def p_tool_rounds(name):
    def policy(req):
        return Calls([("lookup_customer", {"email": "a@b.c"})])

    def check(tr):
        return {"tools_per_call": [x["tools"] for x in tr["calls"]][-2:],
                "tool_choice_per_call": [(x["model_settings"] or {}).get("tool_choice") for x in tr["calls"]]}

    return await run_probe(name, "Triage calls its own tool over and over. What limits it?", SMALL, policy,
                           human_turns=[], check=check)


async def p_max_turns_3(name):
    def policy(req):
        return Calls([("lookup_customer", {"email": "a@b.c"})])

    return await run_probe(name, "Triage calls its own tool over and over under Runner.run(..., max_turns=3) "
                           "(tests/test_max_turns.py uses 3): which call raises MaxTurnsExceeded?", SMALL, policy,
                           human_turns=[], max_turns=3)


async def _max_turns_handled(name, output, view, desc):
    steps = [("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})]))] * 3 + [
        ("TriageAgent", Text("You have 2 open orders."))]
    return await run_probe(name, desc, SMALL, script(steps), human_turns=["How many orders do I have?"], max_turns=3,
                           error_handlers={"max_turns": output}, error_handlers_view={"max_turns": view},
                           check=_history_check)


async def p_max_turns_handler(name):
    return await _max_turns_handled(
        name, lambda data: "Sorry, I could not finish that.", "Sorry, I could not finish that.",
        "Triage calls its own tool over and over under Runner.run(..., max_turns=3, error_handlers={'max_turns': "
        "lambda data: 'Sorry, I could not finish that.'}) (tests/test_max_turns.py): the handler's output ends the "
        "run instead of MaxTurnsExceeded; the human replies; what does the next run read?")


async def p_max_turns_handler_skip_history(name):
    from agents import RunErrorHandlerResult
    return await _max_turns_handled(
        name, lambda data: RunErrorHandlerResult(final_output="Sorry.", include_in_history=False),
        {"final_output": "Sorry.", "include_in_history": False},
        "As max_turns_handler, the handler returning RunErrorHandlerResult(final_output='Sorry.', "
        "include_in_history=False): is the output left out of what the next run reads?")


async def p_max_turns_handler_nested(name):
    steps = [("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})]))] * 2 + [
        ("TriageAgent", Reply(text="Refunds can help.", calls=((TR + "refundagent", {}),))),
        ("RefundAgent", Text("Refund team here."))]
    return await run_probe(name, "Under RunConfig(nest_handoff_history=True), max_turns=2 and error_handlers="
                           "{'max_turns': ...}: Triage's tool loop ends with the handler's output; the human "
                           "replies; Triage hands off: how does the summary quote the handler's message?", SMALL,
                           script(steps), human_turns=["A refund, please"], max_turns=2,
                           error_handlers={"max_turns": lambda data: "Sorry, I could not finish that."},
                           error_handlers_view={"max_turns": "Sorry, I could not finish that."},
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


COLLIDING = {
    "agents": [("triage", "Triages.", "Route the request.", []),
               ("Billing Agent", "Handles billing.", "Handle billing.", []),
               ("billing agent", "Handles billing too.", "Handle billing too.", [])],
    "edges": {"triage": {"Billing Agent": None, "billing agent": None}},
}


async def p_name_collision(name):
    steps = [("triage", Calls([(TR + "billing_agent", {})])), ("billing agent", Text("Billing here."))]
    return await run_probe(name, "test_agent_runner.py::test_run_reports_derived_agent_name_collisions_before_model_call "
                           "(handoff surface, default tool_name_collision_policy='warn'): triage hands off to "
                           "'Billing Agent' and 'billing agent', both transfer_to_billing_agent. Which is offered, "
                           "and where does the call go?", COLLIDING, script(steps), task="Route this request",
                           human_turns=[])


OVERRIDDEN = {**COLLIDING, "edges": {"triage": {
    "Billing Agent": None, "billing agent": {"tool_name_override": "transfer_to_normalized_billing"}}}}


async def p_name_override(name):
    steps = [("triage", Calls([("transfer_to_normalized_billing", {})])), ("billing agent", Text("Billing here."))]
    return await run_probe(name, "test_handoff_tool.py::test_handoff_derived_name_collision_allows_explicit_override: "
                           "the same two agents, the second handed to as handoff(..., tool_name_override="
                           "'transfer_to_normalized_billing'). Are both offered, and does the overridden name reach "
                           "its agent?", OVERRIDDEN, script(steps), task="Route this request", human_turns=[])


def _nested_steps():
    return [
        ("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})])),
        ("TriageAgent", Reply(text="Let me transfer you to our refund team.", calls=((TR + "refundagent", {}),))),
        ("RefundAgent", Text("Refund team here. What is the order ID?")),
        ("RefundAgent", Calls([("process_refund", {"order_id": "42", "reason": "late"})])),
        ("RefundAgent", Text("Refunded order 42. Anything else?")),
        ("RefundAgent", Reply(text="Over to triage.", calls=((TR + "triageagent", {}),))),
        ("TriageAgent", Text("Back at triage.")),
    ]


def _compact(probe):
    """The probe with compact call arguments: nested summaries quote them as the model sent them."""
    async def run(name):
        ARGUMENTS["separators"] = (",", ":")
        try:
            return await probe(name)
        finally:
            ARGUMENTS["separators"] = None
    return run


def _history_check(tr):
    return {f"call_{x['n']}_{x['agent']}": seen(tr, x["n"]) for x in tr["calls"]}


NESTED_DESIGN = "Triage looks up the customer, then says a sentence and hands off to Refund; Refund asks, the " \
    "human answers, Refund calls process_refund, answers; the human replies, Refund says a sentence and hands back."
NESTED_HUMAN = ["Order 42, it came late", "Something else, please"]


def _edge(d: dict, source: str, target: str, **options) -> dict:
    edges = {s: dict(ts) for s, ts in d["edges"].items()}
    edges[source][target] = {"description": edges[source][target], **options}
    return {**d, "edges": edges}


async def p_nested_history(name):
    return await run_probe(name, NESTED_DESIGN + " Under RunConfig(nest_handoff_history=True).", SMALL,
                           script(_nested_steps()), human_turns=NESTED_HUMAN,
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


async def p_nested_history_twice_in_one_run(name):
    steps = [
        ("TriageAgent", Reply(text="Refunds can help.", calls=((TR + "refundagent", {}),))),
        ("RefundAgent", Calls([("process_refund", {"order_id": "7", "reason": "broken"})])),
        ("RefundAgent", Calls([(TR + "triageagent", {})])),
        ("TriageAgent", Text("Your refund is on its way. Anything else?")),
        ("TriageAgent", Text("Goodbye.")),
    ]
    return await run_probe(name, "Under RunConfig(nest_handoff_history=True), in one Runner.run: Triage says a sentence "
                           "and hands off; Refund calls process_refund, then hands back with no text (a second "
                           "nesting, of a history that holds a summary); Triage answers; the human replies once "
                           "more (test_opt_in_handoff_history_accumulates_across_multiple_handoffs, and what the "
                           "next run reads).", SMALL, script(steps), human_turns=["No, thanks"],
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


async def p_nested_history_per_handoff(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", nest_handoff_history=True)
    return await run_probe(name, NESTED_DESIGN + " Only Triage's handoff to Refund is "
                           "handoff(..., nest_handoff_history=True).", d, script(_nested_steps()),
                           human_turns=NESTED_HUMAN, check=_history_check)


async def p_remove_all_tools(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter="remove_all_tools")
    return await run_probe(name, NESTED_DESIGN + " Triage's handoff to Refund is "
                           "handoff(..., input_filter=handoff_filters.remove_all_tools).", d, script(_nested_steps()),
                           human_turns=NESTED_HUMAN, check=_history_check)


async def p_remove_all_tools_run_wide(name):
    return await run_probe(name, NESTED_DESIGN + " Under RunConfig(handoff_input_filter=handoff_filters."
                           "remove_all_tools, nest_handoff_history=True): the filter replaces the nesting.", SMALL,
                           script(_nested_steps()), human_turns=NESTED_HUMAN,
                           run_config=RunConfig(handoff_input_filter=handoff_filters.remove_all_tools,
                                                nest_handoff_history=True),
                           run_config_view={"handoff_input_filter": "remove_all_tools", "nest_handoff_history": True},
                           check=_history_check)
ESCALATION = {
    "agents": [("TriageAgent", "Triages issues.", "Route the request.", []),
               ("EscalationAgent", "Handles escalations.", "Handle escalated issues.", []),
               ("RefundAgent", "Handles refunds.", "Handle refund requests.", [])],
    "edges": {"TriageAgent": {"EscalationAgent": {"input_type": "EscalationData"},
                              "RefundAgent": {"input_type": "RefundRequest"}}},
}


async def p_handoff_input_type(name):
    steps = [("TriageAgent", Calls([(TR + "escalationagent", {"reason": "Customer is angry", "priority": 2})])),
             ("EscalationAgent", Text("Escalation team here. What happened?")),
             ("EscalationAgent", Text("Thanks, we will call you back today."))]

    def check(tr):
        return {"offered": {t["name"]: t["parameters"] for t in tr["tools_by_agent"]["TriageAgent"]},
                "on_handoff_got": tr.get("on_handoff"),
                "escalation_sees_on_its_second_call": seen(tr, 3)}

    return await run_probe(name, "test_agent_runner.py::test_handoff_on_input with typed models: Triage hands off to "
                           "EscalationAgent, handoff(..., input_type=EscalationData(reason: str, priority: int), "
                           "on_handoff=record), with its arguments; RefundAgent's handoff takes a dataclass "
                           "RefundRequest(order_id: str, amount: float = 0.0). What schema is offered, what does "
                           "on_handoff get, and who sees the arguments?", ESCALATION, script(steps),
                           human_turns=["The delivery was late twice"], check=check)


async def p_handoff_input_invalid(name):
    steps = [("TriageAgent", Calls([(TR + "escalationagent", {"reason": "Customer is angry", "priority": "high"})])),
             ("EscalationAgent", Text("Escalation team here."))]

    def check(tr):
        return {"on_handoff_got": tr.get("on_handoff"), "error": tr["outcome"].get("error")}

    return await run_probe(name, "test_agent_runner.py::test_invalid_handoff_input_json_causes_error in a run: Triage "
                           "calls the escalation handoff with priority \"high\" (not an int). What does the SDK do?",
                           ESCALATION, script(steps), human_turns=[], check=check)


RATE_LIMIT = (429, {"error": {"message": "Rate limit reached for requests. Please try again in 1ms.",
                               "type": "requests", "param": None, "code": "rate_limit_exceeded"}})
CONTEXT_LENGTH = (400, {"error": {"message": "This model's maximum context length is 128000 tokens. However, your "
                                   "messages resulted in 128001 tokens. Please reduce the length of the messages.",
                                   "type": "invalid_request_error", "param": None, "code": "context_length_exceeded"}})
THROUGH = ("The errors go through a real AsyncOpenAI client (default max_retries 2) to a mock transport "
           "(retry-after-ms 1); its exception, if it raises, is what the fake model raises to the Runner.")


async def p_rate_limit_then_success(name):
    steps = [("TriageAgent", Errors([RATE_LIMIT], Calls([("transfer_to_refundagent", {})]))),
             ("RefundAgent", Text("Refund team here. What is the order ID?"))]
    return await run_probe(name, "Triage's first request is answered HTTP 429, the client's retry gets the handoff. "
                           + THROUGH, SMALL, script(steps), human_turns=[])


async def p_rate_limit_exhausted(name):
    steps = [("TriageAgent", Errors([RATE_LIMIT] * 3))]
    return await run_probe(name, "Every try of Triage's first request is answered HTTP 429: the client tries 3 "
                           "times and raises. " + THROUGH, SMALL, script(steps), human_turns=[])


async def p_context_length_exceeded(name):
    steps = [("TriageAgent", Calls([("transfer_to_refundagent", {})])),
             ("RefundAgent", Errors([CONTEXT_LENGTH]))]
    return await run_probe(name, "Triage hands off; Refund's request is answered HTTP 400 context_length_exceeded, "
                           "which the client does not retry. " + THROUGH, SMALL, script(steps), human_turns=[])


async def p_refusal(name):
    steps = [("TriageAgent", Refusal("I can't help with that."))]
    return await run_probe(name, "Triage's model answers with a refusal content part only.", SMALL, script(steps),
                           human_turns=[])


async def p_refusal_handler(name):
    steps = [("TriageAgent", Refusal("I can't help with that.")), ("TriageAgent", Text("What is the order ID?"))]
    return await run_probe(name, "Triage's model refuses, under Runner.run(..., error_handlers={'model_refusal': "
                           "lambda data: 'Sorry, not here.'}) (tests/test_max_turns.py): the handler's output ends "
                           "the run; the human replies; what does the next run read?", SMALL, script(steps),
                           human_turns=["It is about my order"],
                           error_handlers={"model_refusal": lambda data: "Sorry, not here."},
                           error_handlers_view={"model_refusal": "Sorry, not here."}, check=_history_check)


@function_tool(needs_approval=True)
def issue_refund(order_id: str, reason: str) -> str:
    """Issue a refund for an order (needs a human's approval)."""
    return f"Refund for order {order_id} has been issued."


APPROVAL = {
    "agents": [
        ("TriageAgent", "A customer support agent that triages issues.", "Handle customer requests.", []),
        ("RefundAgent", "A customer support agent that handles refunds.", "Handle refund requests.",
         [issue_refund, lookup_customer]),
    ],
    "edges": {
        "TriageAgent": {"RefundAgent": "Transfer to this agent if the issue is refund related"},
        "RefundAgent": {"TriageAgent": "Transfer to this agent if the issue is not refund related"},
    },
}


async def p_approval_approve(name):
    steps = [("TriageAgent", Text("Hello! How can I help you today?")),
             ("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Calls([("issue_refund", {"order_id": "7", "reason": "late"})])),
             ("RefundAgent", Text("Your refund for order 7 has been issued."))]

    def check(tr):
        return {"refund_agent_after_approval_sees": seen(tr, 4)}

    return await run_probe(name, "examples/agent_patterns/human_in_the_loop.py in the customer-service chat loop: "
                           "Refund calls issue_refund (@function_tool(needs_approval=True)) after a handoff; "
                           "Runner.run returns with result.interruptions, the human approves (state.approve), "
                           "Runner.run(agent, state) resumes.", APPROVAL, script(steps),
                           human_turns=["I want a refund for order 7, it came late"], approvals=["approve"],
                           check=check)


async def p_approval_reject(name):
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Reply(text="Let me issue that refund.", calls=(
                 ("issue_refund", {"order_id": "7", "reason": "late"}), ("lookup_customer", {"email": "a@b.c"}),
                 ("issue_refund", {"order_id": "8", "reason": "late"}), (TR + "triageagent", {})))),
             ("TriageAgent", Text("The refunds were not all approved. Anything else?"))]

    def check(tr):
        return {"triage_sees_after_the_decisions": seen(tr, 3)}

    return await run_probe(name, "One response of Refund calls issue_refund (needs approval), lookup_customer, "
                           "issue_refund again and transfer_to_triageagent; the human rejects the first and "
                           "approves the second. Which calls run before the interruption, in what order do the "
                           "results come, and when is the handoff made?", APPROVAL, script(steps), human_turns=[],
                           approvals=["reject", "approve"], check=check)


async def p_approval_nested(name):
    steps = [("TriageAgent", Reply(text="Refunds can help.", calls=((TR + "refundagent", {}),))),
             ("RefundAgent", Reply(text="Let me issue that refund.", calls=(
                 ("issue_refund", {"order_id": "7", "reason": "late"}), (TR + "triageagent", {})))),
             ("TriageAgent", Text("Your refund is on its way.")), ("TriageAgent", Text("You're welcome."))]
    return await run_probe(name, "Under RunConfig(nest_handoff_history=True): Triage says a sentence and hands off "
                           "(nested); Refund says a sentence, calls issue_refund (needs approval) and hands back in one "
                           "response; the human approves; the handoff is made on resume "
                           "(test_pending_handoff_in_interrupted_turn_survives_run_state): is Refund's sentence "
                           "summarized or forwarded? The human then thanks Triage.", APPROVAL, script(steps),
                           human_turns=["Thanks"], approvals=["approve"],
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


async def p_approval_pending(name):
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Calls([("issue_refund", {"order_id": "7", "reason": "late"})]))]
    return await run_probe(name, "Refund calls issue_refund (needs approval) and the human has no decision: the run "
                           "returns with result.interruptions and is not resumed.", APPROVAL, script(steps),
                           human_turns=[], approvals=[])


PROBES = {
    "rate_limit_then_success": p_rate_limit_then_success,
    "rate_limit_exhausted": p_rate_limit_exhausted,
    "context_length_exceeded": p_context_length_exceeded,
    "refusal": p_refusal,
    "refusal_handler": p_refusal_handler,
    "customer_support": p_customer_support,
    "text_beside_handoff": p_text_beside_handoff,
    "text_beside_handoff_calls_first": p_text_beside_handoff_calls_first,
    "two_transfers": p_two_transfers,
    "two_transfers_reversed": p_two_transfers_reversed,
    "unknown_tool": p_unknown_tool,
    "unknown_tool__return_error_to_model": p_unknown_tool__return_error_to_model,
    "missing_argument": p_missing_argument,
    "no_human": p_no_human,
    "first_turn_handoff": p_first_turn_handoff,
    "tool_then_handoff": p_tool_then_handoff,
    "endless_bounce": p_endless_bounce,
    "tool_rounds": p_tool_rounds,
    "max_turns_3": p_max_turns_3,
    "max_turns_handler": p_max_turns_handler,
    "max_turns_handler_skip_history": p_max_turns_handler_skip_history,
    "max_turns_handler_nested": _compact(p_max_turns_handler_nested),
    "name_collision": p_name_collision,
    "name_override": p_name_override,
    "nested_history": _compact(p_nested_history),
    "nested_history_per_handoff": _compact(p_nested_history_per_handoff),
    "nested_history_twice_in_one_run": _compact(p_nested_history_twice_in_one_run),
    "remove_all_tools": _compact(p_remove_all_tools),
    "remove_all_tools_run_wide": _compact(p_remove_all_tools_run_wide),
    "handoff_input_type": p_handoff_input_type,
    "handoff_input_invalid": p_handoff_input_invalid,
    "approval_approve": p_approval_approve,
    "approval_reject": p_approval_reject,
    "approval_pending": p_approval_pending,
    "approval_nested": _compact(p_approval_nested),
}



# --- Handoff input filters beyond remove_all_tools, and how the host continues (to_input_list mode).
# The SDK's own tests' filters: the identity, the public nest_handoff_history used as a filter, and
# test_agent_runner.py's remove_new_items (input_history kept, pre_handoff_items and new_items dropped).

def identity(data):
    return data


def remove_new_items(data):
    from agents import HandoffInputData
    return HandoffInputData(input_history=data.input_history, pre_handoff_items=(), new_items=(),
                            run_context=data.run_context)


FILTERS.update({"identity": identity, "nest_handoff_history": handoff_filters.nest_handoff_history,
                "remove_new_items": remove_new_items})


def _continuing(probe, mode: str):
    """The probe with a host that goes on from result.to_input_list(mode=mode)."""
    from agents.result import RunResultBase
    plain = RunResultBase.to_input_list

    async def run(name):
        RunResultBase.to_input_list = lambda self, *, mode_=mode, **kw: plain(self, mode=mode_)
        try:
            tr = await probe(name)
        finally:
            RunResultBase.to_input_list = plain
        tr["design"]["host_continuation"] = mode
        return tr
    return run


def _one_run_steps():
    return [
        ("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})])),
        ("TriageAgent", Reply(text="Let me transfer you to our refund team.", calls=((TR + "refundagent", {}),))),
        ("RefundAgent", Calls([("process_refund", {"order_id": "42", "reason": "late"})])),
        ("RefundAgent", Reply(text="Refunded. Over to triage.", calls=((TR + "triageagent", {}),))),
        ("TriageAgent", Text("Back at triage.")),
        ("TriageAgent", Text("Goodbye.")),
    ]


ONE_RUN = "In one Runner.run: Triage looks up the customer, says a sentence and hands off to Refund; Refund calls " \
    "process_refund, says a sentence and hands back; Triage answers; the human replies once more."


async def p_identity_after_nesting(name):
    d = _edge(SMALL, "RefundAgent", "TriageAgent", input_filter="identity")
    return await run_probe(name, ONE_RUN + " Under RunConfig(nest_handoff_history=True); Refund's handoff back is "
                           "handoff(..., input_filter=identity), a filter returning the data as given "
                           "(test_identity_filter_preserves_prior_nested_history_ownership).", d,
                           script(_one_run_steps()), human_turns=["Thanks"],
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


async def p_remove_new_items_after_nesting(name):
    d = _edge(SMALL, "RefundAgent", "TriageAgent", input_filter="remove_new_items")
    return await run_probe(name, ONE_RUN + " Under RunConfig(nest_handoff_history=True); Refund's handoff back is "
                           "handoff(..., input_filter=remove_new_items).", d,
                           script(_one_run_steps()), human_turns=["Thanks"],
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


async def p_identity_over_run_filter(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter="identity")
    return await run_probe(name, NESTED_DESIGN + " Under RunConfig(handoff_input_filter=remove_all_tools, "
                           "nest_handoff_history=True); Triage's handoff to Refund has its own identity filter, "
                           "which wins over both (test_falsey_per_handoff_input_filter_takes_precedence).", d,
                           script(_nested_steps()), human_turns=NESTED_HUMAN,
                           run_config=RunConfig(handoff_input_filter=handoff_filters.remove_all_tools,
                                                nest_handoff_history=True),
                           run_config_view={"handoff_input_filter": "remove_all_tools", "nest_handoff_history": True},
                           check=_history_check)


async def p_nest_filter(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter="nest_handoff_history")
    return await run_probe(name, NESTED_DESIGN + " Triage's handoff to Refund is handoff(..., input_filter="
                           "handoff_filters.nest_handoff_history), the public function as a filter "
                           "(test_public_nested_history_filter_*).", d, script(_nested_steps()),
                           human_turns=NESTED_HUMAN, check=_history_check)


async def p_remove_new_items(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter="remove_new_items")
    return await run_probe(name, NESTED_DESIGN + " Triage's handoff to Refund is handoff(..., input_filter="
                           "remove_new_items), test_agent_runner.py's filter: input_history kept, "
                           "pre_handoff_items and new_items dropped (test_handoff_filters).", d,
                           script(_nested_steps()), human_turns=NESTED_HUMAN, check=_history_check)


def _chain(*names):
    """The filters of FILTERS applied in order, as one filter (its name: the names joined by '+')."""
    def chained(data):
        for n in names:
            data = FILTERS[n](data)
        return data
    FILTERS["+".join(names)] = chained
    return "+".join(names)


def _chained(probe):
    """The probe's trace with a chained edge filter written as the list of its names."""
    async def run(name):
        tr = await probe(name)
        for a in tr["design"]["agents"]:
            for h in a["handoffs"]:
                if "+" in h.get("input_filter", ""):
                    h["input_filter"] = h["input_filter"].split("+")
        return tr
    return run


async def p_nest_then_remove_all_tools(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter=_chain("nest_handoff_history", "remove_all_tools"))
    return await run_probe(name, NESTED_DESIGN + " Triage's handoff to Refund is handoff(..., input_filter=lambda d: "
                           "remove_all_tools(nest_handoff_history(d))) (test_public_nested_history_filter_preserves_"
                           "ownership[chained]).", d, script(_nested_steps()), human_turns=NESTED_HUMAN,
                           check=_history_check)


async def p_remove_all_tools_then_nest(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter=_chain("remove_all_tools", "nest_handoff_history"))
    return await run_probe(name, NESTED_DESIGN + " Triage's handoff to Refund is handoff(..., input_filter=lambda d: "
                           "nest_handoff_history(remove_all_tools(d))): the tools leave before the summary is "
                           "written, as nest_handoff_history's docstring advises.", d, script(_nested_steps()),
                           human_turns=NESTED_HUMAN, check=_history_check)


PROBES.update({
    "identity_after_nesting": _compact(p_identity_after_nesting),
    "identity_over_run_filter": _compact(p_identity_over_run_filter),
    "nest_filter": _compact(p_nest_filter),
    "remove_new_items": _compact(p_remove_new_items),
    "remove_new_items_after_nesting": _compact(p_remove_new_items_after_nesting),
    "identity_after_nesting_normalized": _continuing(_compact(p_identity_after_nesting), "normalized"),
    "nest_then_remove_all_tools": _chained(_compact(p_nest_then_remove_all_tools)),
    "remove_all_tools_then_nest": _chained(_compact(p_remove_all_tools_then_nest)),
    "nested_history_normalized": _continuing(_compact(p_nested_history), "normalized"),
    "remove_all_tools_normalized": _continuing(_compact(p_remove_all_tools), "normalized"),
    "remove_new_items_normalized": _continuing(_compact(p_remove_new_items), "normalized"),
})



# --- Sessions -----------------------------------------------------------------------------------------
# The host keeps a session (agents.memory.SQLiteSession, in memory): each human turn runs
# Runner.run(last_agent, new_message, session=session) instead of result.to_input_list() + the
# message; the trace's `session_items` are session.get_items() at the end.

from agents import SQLiteSession  # noqa: E402


def _session():
    return SQLiteSession("handoff-harness", ":memory:")


def _session_check(tr):
    return {**_history_check(tr), "session": [summary_item(x) for x in tr.get("session_items", [])]}


def summary_item(item: dict) -> str:
    kind = item.get("type", "message")
    if kind == "function_call":
        return f"function_call {item['name']} {item['call_id']}"
    if kind == "function_call_output":
        return f"function_call_output {item['call_id']}: {item['output']!r}"
    content = item.get("content")
    if isinstance(content, list):
        content = "".join(part.get("text", part.get("refusal", "")) for part in content)
    return f"{item.get('role')}: {content!r}"


async def p_session_flat(name):
    steps = [("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})])),
             ("TriageAgent", Reply(text="Let me transfer you.", calls=((TR + "refundagent", {}),))),
             ("RefundAgent", Text("Refund team here. What is the order ID?")),
             ("RefundAgent", Text("Refunded order 42."))]
    return await run_probe(name, "The host keeps a SQLiteSession: Triage looks up the customer and hands off to "
                           "Refund, which asks; the human's reply runs Runner.run(RefundAgent, reply, session=...). "
                           "What does each call read, and what does the session hold?", SMALL, script(steps),
                           human_turns=["Order 42"], session=_session(), check=_session_check)


async def p_session_nested(name):
    return await run_probe(name, NESTED_DESIGN + " Under RunConfig(nest_handoff_history=True), the host keeping a "
                           "SQLiteSession (test_nested_handoff_filters_model_input_but_preserves_session_items): "
                           "what does the next run read, the nested input or the session's items?", SMALL,
                           script(_nested_steps()), human_turns=NESTED_HUMAN,
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, session=_session(),
                           check=_session_check)


async def p_session_remove_all_tools(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter="remove_all_tools")
    return await run_probe(name, NESTED_DESIGN + " Triage's handoff to Refund is handoff(..., input_filter="
                           "remove_all_tools), the host keeping a SQLiteSession.", d, script(_nested_steps()),
                           human_turns=NESTED_HUMAN, session=_session(), check=_session_check)


async def _session_max_turns(name, output, view, desc, human):
    steps = [("TriageAgent", Reply(text="Let me look.", calls=(("lookup_customer", {"email": "a@b.c"}),)))] + [
        ("TriageAgent", Text("You have 2 open orders."))]
    return await run_probe(name, desc, SMALL, script(steps), human_turns=human, max_turns=1,
                           error_handlers={"max_turns": output}, error_handlers_view={"max_turns": view},
                           session=_session(), check=_session_check)


async def p_session_max_turns_handler(name):
    return await _session_max_turns(
        name, lambda data: "Let me look.", "Let me look.",
        "test_max_turns.py (test_*_max_turns_handler_persists_output_to_session, "
        "test_max_turns_handler_records_equal_message_occurrences): Triage says 'Let me look.' beside a tool call, "
        "max_turns=1 and a max_turns handler answering the same text, the host keeping a SQLiteSession; the human "
        "replies: what does the session hold, what does the next run read?", ["How many orders?"])


async def p_session_max_turns_handler_skip_history(name):
    from agents import RunErrorHandlerResult
    return await _session_max_turns(
        name, lambda data: RunErrorHandlerResult(final_output="Sorry.", include_in_history=False),
        {"final_output": "Sorry.", "include_in_history": False},
        "As session_max_turns_handler, the handler returning RunErrorHandlerResult(include_in_history=False) "
        "(test_max_turns_handler_persisted_count_matches_after_tool_turn, "
        "test_streamed_max_turns_handler_can_skip_history_with_session).", ["How many orders?"])


async def p_session_max_turns_exceeded(name):
    def policy(req):
        return Calls([("lookup_customer", {"email": "a@b.c"})])

    return await run_probe(name, "Triage calls its own tool over and over under max_turns=2 with no handler, the host "
                           "keeping a SQLiteSession: what has the session kept when MaxTurnsExceeded is raised?",
                           SMALL, policy, human_turns=[], max_turns=2, session=_session(), check=_session_check)


def _staged_steps():
    return [("TriageAgent", Calls([(TR + "refundagent", {})])),
            ("RefundAgent", Calls([("issue_refund", {"order_id": "7", "reason": "late"}),
                                   ("issue_refund", {"order_id": "8", "reason": "late"}),
                                   (TR + "triageagent", {})])),
            ("TriageAgent", Text("Done.")), ("TriageAgent", Text("Bye."))]


async def p_session_approvals(name):
    return await run_probe(name, "test_resumed_handoff_persists_all_staged_approval_outputs: Refund calls issue_refund "
                           "twice (needs approval) and hands back in one response; the human approves the first and "
                           "rejects the second; the run resumes; the human says thanks. The host keeps a "
                           "SQLiteSession: is each call and output in it once?", APPROVAL, script(_staged_steps()),
                           human_turns=["Thanks"], approvals=["approve", "reject"], session=_session(),
                           check=_session_check)


async def p_session_approvals_nested(name):
    return await run_probe(name, "As session_approvals, under RunConfig(nest_handoff_history=True).", APPROVAL,
                           script(_staged_steps()), human_turns=["Thanks"], approvals=["approve", "reject"],
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, session=_session(),
                           check=_session_check)


async def p_session_approval_pending(name):
    return await run_probe(name, "As session_approvals with no decision: the run returns with the interruptions and "
                           "is not resumed. What has the session kept?", APPROVAL, script(_staged_steps()),
                           human_turns=[], approvals=[], session=_session(), check=_session_check)


PROBES.update({
    "session_flat": p_session_flat,
    "session_nested": _compact(p_session_nested),
    "session_remove_all_tools": _compact(p_session_remove_all_tools),
    "session_max_turns_handler": p_session_max_turns_handler,
    "session_max_turns_handler_skip_history": p_session_max_turns_handler_skip_history,
    "session_max_turns_exceeded": p_session_max_turns_exceeded,
    "session_approvals": p_session_approvals,
    "session_approvals_nested": _compact(p_session_approvals_nested),
    "session_approval_pending": p_session_approval_pending,
})


# Server-managed conversations: Runner.run(..., auto_previous_response_id=True), the fake's
# responses given ids (resp_0001...); the SDK's warnings are kept in the trace's `warnings`.

import oai_fake  # noqa: E402

RESPONSE_IDS = [False]
_plain_get_response = oai_fake.ScriptedModel.get_response


async def _get_response_with_id(self, *args, **kwargs):
    response = await _plain_get_response(self, *args, **kwargs)
    if RESPONSE_IDS[0]:
        response.response_id = f"resp_{self.c.calls:04d}"
    return response


oai_fake.ScriptedModel.get_response = _get_response_with_id


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


async def _server_managed(name, desc, d, run_config=None, run_config_view=None):
    steps = [("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})])),
             ("TriageAgent", Reply(text="Let me transfer you.", calls=((TR + "refundagent", {}),))),
             ("RefundAgent", Text("Refund team here."))]
    warnings = _Warnings()
    logger = logging.getLogger("openai.agents")
    level = logger.level
    logger.addHandler(warnings)
    logger.setLevel(logging.WARNING)
    RESPONSE_IDS[0] = True
    try:
        tr = await run_probe(name, desc, d, script(steps), human_turns=[], run_config=run_config,
                             run_config_view=run_config_view, run_kwargs={"auto_previous_response_id": True},
                             check=_history_check)
    finally:
        RESPONSE_IDS[0] = False
        logger.removeHandler(warnings)
        logger.setLevel(level)
    tr["design"]["server_managed"] = "auto_previous_response_id=True"
    tr["warnings"] = warnings.messages
    return tr


async def p_server_managed_flat(name):
    return await _server_managed(name, "Runner.run(..., auto_previous_response_id=True): Triage looks up the customer, "
                                 "says a sentence and hands off. What does each model call get?", SMALL)


async def p_server_managed_nested(name):
    return await _server_managed(name, "test_server_managed_handoff_history_auto_disables_with_warning: the same under "
                                 "RunConfig(nest_handoff_history=True): the SDK warns and sends Refund only the new "
                                 "items.", SMALL, RunConfig(nest_handoff_history=True), {"nest_handoff_history": True})


async def p_server_managed_filter(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter="remove_all_tools")
    return await _server_managed(name, "test_server_managed_handoff_input_filters_still_raise: the same with "
                                 "handoff(..., input_filter=remove_all_tools): UserError at the handoff.", d)


PROBES.update({
    "server_managed_flat": p_server_managed_flat,
    "server_managed_nested": p_server_managed_nested,
    "server_managed_filter": _compact(p_server_managed_filter),
})



# --------------------------------------------------------------------------- #
# Cancelling a run: the host runs its chat loop (Runner.run per input) in an asyncio task and cancels that task
# once model call N has been answered by the model but before the SDK reads the answer (the request was sent, the
# answer never used), or after the loop returned.
# --------------------------------------------------------------------------- #


class CancellingModel(ScriptedModel):
    """The scripted model; ``on_answered(n)`` runs when call n has its answer, before the SDK gets it."""

    on_answered: Any = None

    async def get_response(self, *args, **kwargs):
        response = await super().get_response(*args, **kwargs)
        if CancellingModel.on_answered is not None:
            CancellingModel.on_answered(self.c.calls)
        await asyncio.sleep(0)  # where a real client awaits the network: a cancelled task stops here
        return response


async def run_cancel_probe(name: str, description: str, d: dict, steps, *, human_turns: list[str],
                           cancel_at: int | None) -> dict[str, Any]:
    c = Counters()
    policy = script(steps)
    agents = {n: Agent(name=n, handoff_description=desc, instructions=instr, tools=list(tools))
              for n, desc, instr, tools in d["agents"]}
    for n, a in agents.items():
        a.model = CancellingModel(n, policy, c, check_offered=False)
        a.handoffs = [make_handoff(agents[t], e) for t, e in d["edges"].get(n, {}).items()]
    set_trace_processors([RecordingTraceProcessor()])
    holder: dict[str, Any] = {}
    cancel_log: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []

    def on_answered(n: int) -> None:
        if n != cancel_at:
            return
        cancel_log.append({"when": f"while model call {n} is in flight", "after_calls": n,
                           "how": "task.cancel()", "task_cancel_returned": holder["task"].cancel()})

    CancellingModel.on_answered = on_answered

    async def host():
        current, items = agents[d["agents"][0][0]], []
        for text in [TASK] + human_turns:
            items.append({"content": text, "role": "user"})
            hooks_log: list = []
            result = await Runner.run(current, items, hooks=RecordingHooks(hooks_log))
            runs.append({"input": text, "hooks": hooks_log, "final_output": jsonable(result.final_output),
                         "last_agent": result.last_agent.name,
                         "new_items": [run_item_view(it) for it in result.new_items],
                         "to_input_list": jsonable(result.to_input_list())})
            items, current = result.to_input_list(), result.last_agent
        return "host loop returned"

    task = asyncio.create_task(host())
    holder["task"] = task
    outcome: dict[str, Any] = {}
    try:
        outcome.update(kind="completed", host=await task)
    except asyncio.CancelledError:
        outcome.update(kind="cancelled", error_type="CancelledError", error="")
    except Exception as e:  # noqa: BLE001
        outcome.update(kind="error", error_type=type(e).__name__, error=str(e))
    finally:
        CancellingModel.on_answered = None
    if cancel_at is None:
        cancel_log.append({"when": "after the host loop returned", "after_calls": c.calls, "how": "task.cancel()",
                           "task_cancel_returned": task.cancel()})
    outcome["model_calls"] = c.calls
    path: list[str] = []
    for call in c.log:
        if not path or path[-1] != call["agent"]:
            path.append(call["agent"])
    outcome["agent_path"] = path
    if runs and outcome["kind"] == "completed":
        outcome.update(final_output=runs[-1]["final_output"], last_agent=runs[-1]["last_agent"])
    calls = [{"n": x["call_index"], "agent": x["agent"], "system_instructions": x["system_instructions"],
              "tools": x["tools_offered"], "handoff_tools": x["handoff_tools"], "model_settings": x["model_settings"],
              "messages": x["input_items"], "neutral_messages": x["messages_in"], "reply": x["reply"]}
             for x in c.log]
    return {
        "framework": FRAMEWORK, "version": VERSION, "probe": name, "description": description,
        "design": {**design_view(d, agents), "task": TASK, "human_turns_scripted": human_turns,
                   "run_config": {}, "max_turns": None,
                   "cancel": {"at_call": cancel_at} if cancel_at is not None else "after_completion",
                   "fake": {"plugged_in_at": "agents.models.interface.Model.get_response (oai_fake.py), "
                                             "answered before the SDK reads it (CancellingModel)"}},
        "tools_by_agent": c.tool_schemas_by_agent, "calls": calls, "runs": runs, "cancel": cancel_log,
        "outcome": outcome, "events": [], "notes": [],
    }


async def p_cancel_during_handoff(name):
    steps = [("TriageAgent", Text("How can I help?")),
             ("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text("Refund it is."))]
    return await run_cancel_probe(name, "The human asks for a refund; the host cancels its task while Triage's second "
                                  "call (a handoff) is in flight.", SMALL, steps, human_turns=["I want a refund"],
                                  cancel_at=2)


async def p_cancel_after_completion(name):
    steps = [("TriageAgent", Text("How can I help?"))]
    return await run_cancel_probe(name, "The host loop returns; then the host cancels its finished task.", SMALL,
                                  steps, human_turns=[], cancel_at=None)


PROBES.update({
    "cancel_during_handoff": p_cancel_during_handoff,
    "cancel_after_completion": p_cancel_after_completion,
})

# --- Structured outputs: Agent(output_type=...), and the error handlers' structured final outputs ---

class FooModel(BaseModel):
    summary: str


class RefundResult(BaseModel):
    order_id: str
    approved: bool


class FooDict(TypedDict):
    a: str


STRUCTURED = {**SMALL, "output_types": {"RefundAgent": RefundResult}}


async def p_output_type(name):
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text('{"order_id":"7","approved":true}')),
             ("RefundAgent", Text('{"approved": false, "order_id": "8"}'))]
    return await run_probe(name, "RefundAgent has Agent(output_type=RefundResult(order_id: str, approved: bool)): "
                           "Triage hands off, Refund replies in JSON text (its final output, validated); the human "
                           "replies and Refund answers again with the keys in another order. What schema goes in "
                           "the request, and what does the next run read?", STRUCTURED, script(steps),
                           human_turns=["And order 8?"], check=_history_check)


async def p_output_type_invalid(name):
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text('{"order_id": 7}'))]
    return await run_probe(name, "RefundAgent (output_type=RefundResult) replies with JSON that does not fit the "
                           "class (order_id an int, approved missing): what does the SDK raise?", STRUCTURED,
                           script(steps), human_turns=[])


async def p_output_type_handoff_and_final(name):
    d = {**SMALL, "output_types": {"TriageAgent": RefundResult}}
    steps = [("TriageAgent", Reply(text='{"order_id":"7","approved":true}', calls=((TR + "refundagent", {}),))),
             ("RefundAgent", Text("Refund team here."))]
    return await run_probe(name, "test_run_step_execution.py::test_handoff_and_final_output_leads_to_handoff_next_"
                           "step in a run: Triage (output_type=RefundResult) replies with a valid final output AND a "
                           "handoff: the handoff wins.", d, script(steps), human_turns=[])


def _structured_handler(name, output_type, kind, output, view, desc, steps, max_turns=None, human=()):
    d = {**SMALL, "output_types": {"TriageAgent": output_type} if output_type is not None else {}}
    return run_probe(name, desc, d, script(steps), human_turns=list(human), max_turns=max_turns,
                     error_handlers={kind: lambda data: output}, error_handlers_view={kind: view},
                     check=_history_check)


LOOKUP = ("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})]))


async def p_max_turns_handler_pydantic(name):
    return await _structured_handler(
        name, FooModel, "max_turns", FooModel(summary="ok"), {"summary": "ok"},
        "test_max_turns.py::test_structured_output_max_turns_handler_pydantic_output in the chat loop: Triage "
        "(output_type=FooModel(summary: str)) calls its tool under max_turns=1; the handler returns FooModel(summary="
        "'ok'); the human replies and Triage answers in JSON.",
        [LOOKUP, ("TriageAgent", Text('{"summary":"fine"}'))], max_turns=1, human=["Thanks"])


async def p_max_turns_handler_list(name):
    return await _structured_handler(
        name, list[str], "max_turns", ["a", "b"], ["a", "b"],
        "test_max_turns.py::test_structured_output_max_turns_handler_list_output: Triage (output_type=list[str], "
        "wrapped by the SDK in {'response': ...}) under max_turns=0; the handler returns ['a', 'b'].",
        [], max_turns=0)


async def p_max_turns_handler_dict(name):
    return await _structured_handler(
        name, None, "max_turns", {"summary": "ok"}, {"summary": "ok"},
        "test_max_turns.py::test_non_streamed_max_turns_handler_raw_dict_output in the chat loop: Triage (no "
        "output_type) calls its tool under max_turns=1; the handler returns the dict {'summary': 'ok'}; the human "
        "replies: what does the next run read?", [LOOKUP, ("TriageAgent", Text("Hello."))], max_turns=1,
        human=["Thanks"])


async def p_max_turns_handler_invalid(name):
    return await _structured_handler(
        name, FooDict, "max_turns", {"summary": "nope"}, {"summary": "nope"},
        "test_max_turns.py::test_structured_output_max_turns_handler_invalid_output: Triage (output_type=Foo, a "
        "TypedDict with a: str) under max_turns=0; the handler returns {'summary': 'nope'}.", [], max_turns=0)


async def p_refusal_handler_structured(name):
    return await _structured_handler(
        name, FooModel, "model_refusal", FooModel(summary="safe fallback"), {"summary": "safe fallback"},
        "test_max_turns.py::test_non_streamed_refusal_handler_returns_structured_output: Triage (output_type="
        "FooModel) refuses; the model_refusal handler returns FooModel(summary='safe fallback').",
        [("TriageAgent", Refusal("I cannot help with that request."))])


async def p_output_type_invalid_handled(name):
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text('{"order_id": 7}')),
             ("RefundAgent", Text("")),
             ("RefundAgent", Text('{"order_id":"9","approved":true}'))]
    return await run_probe(name, "RefundAgent (output_type=RefundResult) replies with JSON that does not fit, under "
                           "error_handlers={'invalid_final_output': lambda data: RefundResult(order_id='0', approved="
                           "False)}; the human replies, Refund replies with no text (no final output: the handler "
                           "again); the human replies, Refund answers in JSON. What does each next run read?",
                           STRUCTURED, script(steps), human_turns=["Try again", "Once more"],
                           error_handlers={"invalid_final_output": lambda data: RefundResult(order_id="0",
                                                                                             approved=False)},
                           error_handlers_view={"invalid_final_output": {"order_id": "0", "approved": False}},
                           check=_history_check)


PROBES.update({
    "output_type_invalid_handled": p_output_type_invalid_handled,
    "output_type": p_output_type,
    "output_type_invalid": p_output_type_invalid,
    "output_type_handoff_and_final": p_output_type_handoff_and_final,
    "max_turns_handler_pydantic": p_max_turns_handler_pydantic,
    "max_turns_handler_list": p_max_turns_handler_list,
    "max_turns_handler_dict": p_max_turns_handler_dict,
    "max_turns_handler_invalid": p_max_turns_handler_invalid,
    "refusal_handler_structured": p_refusal_handler_structured,
})

# --------------------------------------------------------------------------- #
# A task given as several messages (Runner.run(agent, [items])), and summaries in that input
# --------------------------------------------------------------------------- #

def _legacy_summary(*lines: str) -> dict:
    return {"role": "assistant", "content": "\n".join([
        "For context, here is the conversation so far between the user and the previous agent:",
        "<CONVERSATION HISTORY>", *lines, "</CONVERSATION HISTORY>"])}


async def p_task_messages(name):
    task = [{"role": "system", "content": "The customer called before."},
            {"role": "user", "name": "bob", "content": "first question"},
            {"role": "assistant", "content": ""},
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": "I want a refund for order 7"}]
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text("I can help with the refund for order 7."))]
    return await run_probe(name, "Runner.run(agent, [items]): a system item, a named user item, an empty assistant "
                           "item, a developer item and a user item as the first run's input; Triage hands off, "
                           "Refund replies, the human has nothing more to say.", SMALL, script(steps),
                           human_turns=[], task=task, check=_history_check)


async def p_task_messages_nested(name):
    task = [{"role": "user", "content": "first question"},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": None},
            {"role": "user", "name": "bob", "content": ""},
            {"role": "user", "content": "second question"}]
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Calls([(TR + "triageagent", {})])),
             ("TriageAgent", Text("Anything else?"))]
    return await run_probe(name, "Under RunConfig(nest_handoff_history=True), the input holds turns with no content "
                           "(empty, None, named): Triage hands off (the input summarized), Refund hands back (the "
                           "summary taken apart and summarized again) "
                           "(test_nested_history_keeps_turns_with_no_content, "
                           "test_nested_history_survives_repeated_handoffs, "
                           "test_second_pass_nesting_keeps_empty_turns_provider_valid).", SMALL, script(steps),
                           human_turns=[], task=task, run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


async def p_task_messages_older_summary(name):
    task = [_legacy_summary("1. user: first question", "2. assistant", "3. assistant: ",
                            "4. some stray prose with no separator", "5. user (bob)", "6. user: second question"),
            {"role": "user", "content": "I want a refund"}]
    steps = [("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text("Refund it is."))]
    return await run_probe(name, "Under RunConfig(nest_handoff_history=True), the input starts with a summary an older "
                           "SDK wrote (bare roles without a separator, a separator with nothing after it, a numbered "
                           "line of prose); Triage hands off: the summary is taken apart as history.py parses it "
                           "(test_bare_role_record_from_an_older_summary_is_recovered, "
                           "test_prose_inside_the_summary_block_is_still_rejected, "
                           "test_recovered_empty_turn_keeps_explicit_content).", SMALL, script(steps),
                           human_turns=[], task=task, run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)



# --------------------------------------------------------------------------- #
# Handoffs enabled turn by turn (handoff(agent, is_enabled=callable))
# --------------------------------------------------------------------------- #

def _item_text(item: dict) -> str:
    content = item.get("content", item.get("output"))
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def enablement(form: dict):
    """The callable of a scenario's is_enabled condition, reading ctx.turn_input."""
    import re

    if "input_matches" in form:
        return lambda ctx, agent: any(re.search(form["input_matches"], _item_text(i)) for i in ctx.turn_input)
    if "user_messages" in form:
        return lambda ctx, agent: sum(1 for i in ctx.turn_input if i.get("role") == "user") >= form["user_messages"]
    kind, message = form["raises"].split(": ", 1)

    async def raises(ctx, agent):
        raise {"RuntimeError": RuntimeError, "ValueError": ValueError}[kind](message)
    return raises


async def p_enablement_per_turn(name):
    d = _edge(_edge(SMALL, "TriageAgent", "RefundAgent", is_enabled={"input_matches": "(?i)refund"}),
              "TriageAgent", "OrderStatusAgent", is_enabled={"user_messages": 3})
    steps = [("TriageAgent", Text("Hello! How can I help you today?")),
             ("TriageAgent", Text("Could you tell me more?")),
             ("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text("Refunded."))]
    tr = await run_probe(name, "handoff(RefundAgent, is_enabled=<any item of ctx.turn_input matches (?i)refund>) and "
                           "handoff(OrderStatusAgent, is_enabled=<at least 3 user items in ctx.turn_input>): Triage is "
                           "offered neither on the task, RefundAgent once the human says 'refund' (the next "
                           "Runner.run's input holds it), OrderStatusAgent from the third user message on; it hands off "
                           "to Refund (test_handoff_is_enabled_callable, "
                           "test_handoff_enablement_uses_initialized_turn_context).", d, script(steps),
                           human_turns=["My order is late", "I want a refund"], check=_history_check)
    return tr


async def p_enablement_raises(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", is_enabled={"raises": "RuntimeError: enablement failed"})
    steps = [("TriageAgent", Text("never called"))]
    return await run_probe(name, "handoff(RefundAgent, is_enabled=<an async callable raising RuntimeError('enablement "
                           "failed')>): get_handoffs raises before Triage's model is called "
                           "(test_get_handoffs_cancels_sibling_enablement_checks_on_error).", d, script(steps),
                           human_turns=[])


# --------------------------------------------------------------------------- #
# A handoff's arguments as text that is no JSON (handoff(agent, input_type=...))
# --------------------------------------------------------------------------- #

async def _raw_arguments(name, raw: str):
    steps = [("TriageAgent", Calls([(TR + "escalationagent", raw)])),
             ("EscalationAgent", Text("Escalation team here."))]

    def check(tr):
        return {"on_handoff_got": tr.get("on_handoff"), "error": tr["outcome"].get("error")}

    return await run_probe(name, f"test_handoff_tool.py::test_handoff_input_type ({raw!r}) and "
                           "test_agent_runner.py::test_invalid_handoff_input_json_causes_error in a run: Triage calls "
                           f"the escalation handoff (input_type=EscalationData) with the arguments text {raw!r}.",
                           ESCALATION, script(steps), human_turns=[], check=check)


async def p_handoff_input_not_json(name):
    return await _raw_arguments(name, "not json")


async def p_handoff_input_empty(name):
    return await _raw_arguments(name, "")


PROBES.update({
    "handoff_input_not_json": p_handoff_input_not_json,
    "handoff_input_empty": p_handoff_input_empty,
    "enablement_per_turn": p_enablement_per_turn,
    "enablement_raises": p_enablement_raises,
    "task_messages": p_task_messages,
    "task_messages_nested": _compact(p_task_messages_nested),
    "task_messages_older_summary": _compact(p_task_messages_older_summary),
})


# --------------------------------------------------------------------------- #
# Reasoning items (a response's ResponseReasoningItem, test_agent_runner.py::
# test_nested_handoff_filters_reasoning_items_from_model_input, test_handoff_history_duplication.py)
# --------------------------------------------------------------------------- #

def _reasoning_steps():
    return [
        ("TriageAgent", Reply(reasoning="Thinking about a handoff.", calls=((TR + "refundagent", {}),))),
        ("RefundAgent", Reply(reasoning="The customer wants a refund.", text="Refund team here. Order ID?")),
        ("RefundAgent", Text("Refunded.")),
    ]


async def p_reasoning_flat(name):
    return await run_probe(name, "Triage's response is a reasoning item and the handoff to Refund; Refund answers "
                           "with a reasoning item and a sentence; the human replies. Without nesting, every later "
                           "input holds the reasoning items as the model sent them.", SMALL,
                           script(_reasoning_steps()), human_turns=["Order 42"], check=_history_check)


async def p_reasoning_nested(name):
    return await run_probe(name, "The same under RunConfig(nest_handoff_history=True): the reasoning item goes into "
                           "the summary Refund reads, never as an item "
                           "(test_nested_handoff_filters_reasoning_items_from_model_input, "
                           "test_reasoning_items_are_filtered_from_input_items); Refund's own reasoning stays in "
                           "the next run's input.", SMALL, script(_reasoning_steps()), human_turns=["Order 42"],
                           run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


async def p_reasoning_nested_pre_handoff(name):
    steps = [("TriageAgent", Reply(reasoning="Let me look the customer up.",
                                   calls=(("lookup_customer", {"email": "a@b.c"}),))),
             ("TriageAgent", Calls([(TR + "refundagent", {})])),
             ("RefundAgent", Text("Refund team here."))]
    return await run_probe(name, "Under RunConfig(nest_handoff_history=True): Triage's first response is a reasoning "
                           "item and a lookup; its second hands off: the reasoning item is an item before the "
                           "handoff, quoted in the summary (test_pre_handoff_reasoning_items_are_filtered).", SMALL,
                           script(steps), human_turns=[], run_config=RunConfig(nest_handoff_history=True),
                           run_config_view={"nest_handoff_history": True}, check=_history_check)


async def p_reasoning_remove_all_tools(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter="remove_all_tools")
    return await run_probe(name, "The reasoning probe with Triage's handoff to Refund given "
                           "handoff(..., input_filter=handoff_filters.remove_all_tools): the filter drops the "
                           "reasoning items with the function calls and their outputs.", d,
                           script(_reasoning_steps()), human_turns=["Order 42"], check=_history_check)


async def p_reasoning_identity_filter(name):
    d = _edge(SMALL, "TriageAgent", "RefundAgent", input_filter="identity")
    return await run_probe(name, "The reasoning probe with Triage's handoff to Refund given "
                           "handoff(..., input_filter=lambda data: data): every item goes on, the reasoning items "
                           "too.", d, script(_reasoning_steps()), human_turns=["Order 42"], check=_history_check)


PROBES.update({
    "reasoning_remove_all_tools": _compact(p_reasoning_remove_all_tools),
    "reasoning_identity_filter": _compact(p_reasoning_identity_filter),
    "reasoning_flat": _compact(p_reasoning_flat),
    "reasoning_nested": _compact(p_reasoning_nested),
    "reasoning_nested_pre_handoff": _compact(p_reasoning_nested_pre_handoff),
})


async def main(argv):
    logging.basicConfig(level=logging.CRITICAL)
    out = argv[0]
    for name in selected(argv[1:], list(PROBES)):
        tr = await PROBES[name](name)
        path = write_trace(out, tr)
        o = tr["outcome"]
        log(f"[oai] {name}: {o['kind']} calls={o['model_calls']} path={'>'.join(o['agent_path'])} "
            f"{o.get('error', '') or repr(o.get('final_output'))} -> {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
