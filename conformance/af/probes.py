"""Microsoft Agent Framework (agent-framework-core 1.23.0 + agent-framework-orchestrations 1.4.0)
HandoffBuilder conformance probes, offline (scripted chat client, see maf_fake.py).

Usage: python probes.py OUT_DIR [probe ...]     (PYTHONHASHSEED must be 0: handoff tool order follows
set iteration; the script re-executes itself with it)

Host loop (the framework's handoff_simple.py sample): workflow.run(task, stream=True); every
request_info (HandoffAgentUserRequest) is answered with create_response(next human reply) via
workflow.run(responses=..., stream=True); terminate() when the scripted human has nothing more to say
(probes with human_turns=None leave the request pending instead).
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

from agent_framework import Agent, tool  # noqa: E402
from agent_framework.orchestrations import HandoffAgentUserRequest, HandoffBuilder  # noqa: E402
from maf_fake import (  # noqa: E402
    Calls,
    Counters,
    Errors,
    EventRecorder,
    ModelRequest,
    Reply,
    ScriptedChatClient,
    Text,
    executor_state,
)
from tracefile import log, selected, write_trace  # noqa: E402

FRAMEWORK = "agent_framework"
VERSION = f"agent-framework-core {version('agent-framework-core')}, agent-framework-orchestrations " \
          f"{version('agent-framework-orchestrations')}"
REFERENCE = str(Path(__file__).resolve().parents[3] / "shared/reference/frameworks/agent_framework/seed_trace.json")


@tool(approval_mode="never_require")
def check_order_status(order_id: str) -> str:
    """Check the status of an order."""
    return f"Order {order_id} is shipped and will arrive in 2-3 days."


@tool(approval_mode="never_require")
def process_refund(order_id: str, reason: str) -> str:
    """Process a refund for an order."""
    return f"Refund for order {order_id} has been processed successfully."


@tool(approval_mode="never_require")
def process_return(order_id: str, reason: str) -> str:
    """Process a return for an order."""
    return f"Return for order {order_id} has been processed successfully."


@tool(approval_mode="never_require")
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


def design_view(d: dict) -> dict:
    return {
        "start_agent": d["agents"][0][0],
        "agents": [{"name": n, "description": desc, "instructions": i, "tools": [t.name for t in ts]}
                   for n, desc, i, ts in d["agents"]],
        "edges": [{"source": s, "target": t, "description": desc} for s, ts in d["edges"].items()
                  for t, desc in ts.items()],
        "builder": "HandoffBuilder(participants).with_start_agent(first).add_handoff(src, [tgt], description=...) "
                   "per edge; defaults otherwise (no termination condition, no autonomous mode)",
        # Set only where the probe gives one: .with_termination_condition(...) in a common form.
        **({"termination_condition": d["termination"]} if "termination" in d else {}),
        # .with_autonomous_mode(agents=..., prompts=..., turn_limits=...), only the arguments given.
        **({"autonomous_mode": d["autonomous"]} if "autonomous" in d else {}),
    }


def build(d: dict, policy, c: Counters):
    agents = {
        name: Agent(client=ScriptedChatClient(name, policy, c, check_offered=False), name=name, description=desc,
                    instructions=instr, tools=list(tools), require_per_service_call_history_persistence=True)
        for name, desc, instr, tools in d["agents"]
    }
    b = HandoffBuilder(participants=list(agents.values())).with_start_agent(agents[d["agents"][0][0]])
    for src, targets in d["edges"].items():
        for tgt, desc in targets.items():
            b = b.add_handoff(agents[src], [agents[tgt]], description=desc)
    if "termination" in d:
        b = b.with_termination_condition(termination(d["termination"]))
    if "autonomous" in d:
        mode = d["autonomous"]
        kw = {k: mode[k] for k in ("prompts", "turn_limits") if k in mode}
        if "agents" in mode:
            kw["agents"] = [agents[n] for n in mode["agents"]]
        b = b.with_autonomous_mode(**kw)
    return agents, b.build()


def termination(form: dict):
    """The common forms of a termination condition, as the framework's docs write them."""
    if "user_messages" in form:
        n = form["user_messages"]
        return lambda conversation: sum(1 for m in conversation if m.role == "user") >= n
    text = form["last_message_contains"]
    if form.get("ignore_case"):
        return lambda conversation: len(conversation) > 0 and text.lower() in conversation[-1].text.lower()
    return lambda conversation: len(conversation) > 0 and text in conversation[-1].text


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
    parts = []
    for c in m["contents"]:
        if c["type"] == "text":
            parts.append(repr(c["text"]))
        elif c["type"] == "function_call":
            parts.append(f"call {c['name']}({json.dumps(c['arguments'])})")
        elif c["type"] == "function_result":
            parts.append(f"result {c['call_id']} = {c['result']!r}")
        else:
            parts.append(c["type"])
    return f"{m['role']}({m['author_name']}): " + " ".join(parts)


def seen(tr: dict, n: int) -> list[str]:
    return [summary(m) for m in tr["calls"][n - 1]["messages"]]


async def run_probe(name: str, description: str, d: dict, policy, *, human_turns: list[str] | None,
                    task: str = TASK, max_calls: int | None = None, check=None, notes=None,
                    elide: bool = False) -> dict[str, Any]:
    c = Counters(max_calls=max_calls)
    agents, wf = build(d, policy, c)
    rec = EventRecorder()
    humans = list(human_turns or [])
    human_log: list[dict[str, Any]] = []
    outcome: dict[str, Any] = {}

    async def run(run_index: int, **kw):
        pend = []
        async for e in wf.run(stream=True, **kw):
            rec.add(e, run_index)
            if e.type == "request_info":
                pend.append(e)
        return pend

    run_index = 1
    try:
        pending = await run(1, message=task)
        while pending:
            if human_turns is None:
                outcome["how_it_ended"] = "request_info left unanswered (no human configured); the workflow idles"
                break
            run_index += 1
            ids = [rec.req_id(p.request_id) for p in pending]
            if humans:
                text = humans.pop(0)
                human_log.append({"turn": len(human_log) + 1, "after_call": c.calls, "text": text, "answers": ids})
                responses = {p.request_id: HandoffAgentUserRequest.create_response(text) for p in pending}
            else:
                human_log.append({"turn": None, "after_call": c.calls, "terminate": True, "answers": ids})
                responses = {p.request_id: HandoffAgentUserRequest.terminate() for p in pending}
            pending = await run(run_index, responses=responses)
        else:
            outcome.setdefault("how_it_ended", "workflow idle, no pending request")
        outcome["kind"] = "completed"
    except Exception as e:  # noqa: BLE001
        outcome.update(kind="error", error_type=type(e).__name__, error=str(e),
                       error_mro=[k.__name__ for k in type(e).__mro__][:-1])
    statuses = [ev["state"] for ev in rec.events if ev["type"] == "status"]
    outcome["final_status"] = statuses[-1] if statuses else None
    outcome["model_calls"] = c.calls
    outcome["workflow_runs"] = run_index
    outcome["handoffs"] = [(ev["data"]["source"], ev["data"]["target"]) for ev in rec.events
                           if ev["type"] == "handoff_sent"]
    iters = [ev.get("iteration") for ev in rec.events if ev["type"] == "superstep_completed"]
    outcome["last_superstep"] = iters[-1] if iters else None
    outcome["failed_events"] = [ev for ev in rec.events if ev["type"] in ("failed", "executor_failed")]
    path = []
    for call in c.log:
        if not path or path[-1] != call["agent"]:
            path.append(call["agent"])
    outcome["agent_path"] = path
    outcome["last_agent_output"] = next((ev["data"] for ev in reversed(rec.events) if ev["type"] == "output"), None)

    calls = [{"n": x["call_index"], "agent": x["agent"], "stream": x["stream"], "instructions": x["instructions"],
              "tools": x["tools_offered"], "options": x["options"], "messages": x["messages_in"], "reply": x["reply"]}
             for x in c.log]
    # the streamed per-update output events are bulky and repetitive: keep the non-output events in full
    # and the output events as one line each
    events = []
    for ev in rec.events:
        if ev["type"] in ("superstep_started", "superstep_completed", "executor_invoked", "executor_completed"):
            continue
        if ev["type"] == "output" and isinstance(ev.get("data"), dict):
            dd = ev["data"]
            events.append({"seq": ev["seq"], "run": ev["run"], "type": "output", "executor_id": ev.get("executor_id"),
                           "author_name": dd.get("author_name"), "role": dd.get("role"),
                           "contents": dd.get("contents")})
        else:
            events.append(ev)
    trace = {
        "framework": FRAMEWORK,
        "version": VERSION,
        "probe": name,
        "description": description,
        "design": {**design_view(d), "task": task, "human_turns_scripted": human_turns,
                   "fake": {"call_budget": max_calls, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED"),
                            "plugged_in_at": "BaseChatClient._inner_get_response + FunctionInvocationLayer, "
                                             "ChatMiddlewareLayer, ChatTelemetryLayer (maf_fake.py)"}},
        "tools_by_agent": c.tool_schemas_by_agent,
        "calls": calls,
        "human_turns": human_log,
        "outcome": outcome,
        "events": events,
        "executor_state_at_end": executor_state(wf),
        "notes": notes or [],
    }
    if check is not None:
        trace["observations"] = check(trace)
    if elide:  # long loops: keep calls 1-3 and the last 2 in full, the others as counts + last 2 messages
        for x in trace["calls"][3:-2]:
            msgs = x.pop("messages")
            x["messages_elided"] = {"count": len(msgs), "last_two": msgs[-2:]}
        for st in trace["executor_state_at_end"].values():
            for k in ("session_history", "full_conversation", "cache"):
                st[k] = {"count": len(st[k]), "last_two": st[k][-2:]}
        trace["notes"].append("elided: calls 4..n-2 keep only their message count and last two messages; "
                              "executor_state_at_end keeps counts and the last two messages")
    return trace


HO = "handoff_to_"

# --------------------------------------------------------------------------- #
# Probes
# --------------------------------------------------------------------------- #

HUMAN = ["I'd like to track the status of my order", "My order ID is 123", "I want to return another order of mine",
         "Order ID 321", "Broken item", "No, bye"]
SUMMARY = "Handled order return for order ID 321 due to a broken item, and successfully processed the return."


async def p_customer_support(name):
    steps = [
        ("TriageAgent", Text("Hello! Thank you for reaching out. How can I assist you today?")),
        ("TriageAgent", Calls([(HO + "OrderStatusAgent", {})])),
        ("OrderStatusAgent", Text("Sure, I can help you with that. Could you please provide me with your order ID?")),
        ("OrderStatusAgent", Calls([("check_order_status", {"order_id": "123"})])),
        ("OrderStatusAgent", Text("Your order with ID 123 has been shipped and is expected to arrive in 2-3 days. "
                                  "Is there anything else I can assist you with?")),
        ("OrderStatusAgent", Calls([(HO + "TriageAgent", {})])),
        ("TriageAgent", Calls([(HO + "OrderReturnAgent", {})])),
        ("OrderReturnAgent", Text("I can help you with returning your order. Could you please provide the order ID "
                                  "for the return and the reason you'd like to return it?")),
        ("OrderReturnAgent", Text("Please provide the reason for returning the order with ID 321.")),
        ("OrderReturnAgent", Calls([("process_return", {"order_id": "321", "reason": "Broken item"})])),
        ("OrderReturnAgent", Text("The return for your order with ID 321 has been successfully processed due to the "
                                  "broken item. Is there anything else I can assist you with?")),
        ("OrderReturnAgent", Text(SUMMARY)),
    ]
    tr = await run_probe(name, "The tutorial conversation as in the shared reference seed (12 model calls, 6 human "
                         "replies, terminate() at the end; AF has no complete_task, so the last reply is text).",
                         TUTORIAL, script(steps), human_turns=HUMAN)
    if os.path.exists(REFERENCE):
        with open(REFERENCE) as f:
            ref = json.load(f)
        mine = [(x["agent"], x["tools"], x["messages"], x["instructions"], x["options"]) for x in tr["calls"]]
        theirs = [(x["agent"], x["tools_offered"], x["messages_in"], x["instructions"], x["options"])
                  for x in ref["calls"]]
        log(f"[af] customer_support vs shared reference seed_trace.json: "
            f"{'identical model inputs' if mine == theirs else 'DIFFERENT model inputs'}")
    return tr


def _tbh(name, split, desc):
    steps = [
        ("TriageAgent", Reply(text="Let me transfer you to our refund team.", calls=((HO + "RefundAgent", {}),),
                              split=split)),
        ("RefundAgent", Text("Refund team here. What is the order ID?")),
        ("RefundAgent", Calls([(HO + "TriageAgent", {})])),
        ("TriageAgent", Text("Back at triage. Anything else?")),
    ]

    def check(tr):
        return {"refund_agent_first_call_sees": seen(tr, 2), "triage_sees_when_control_returns": seen(tr, 4)}

    return run_probe(name, desc, SMALL, script(steps), human_turns=["Order 42, but actually it is about something else"],
                     check=check)


async def p_text_beside_handoff(name):
    return await _tbh(name, False, "Triage's first reply has text AND handoff_to_RefundAgent in one streamed update.")


async def p_text_beside_handoff_split_stream(name):
    return await _tbh(name, True, "As text_beside_handoff, but the text and the call come in two streamed updates "
                                  "(text first).")


def _two(name, order, desc):
    steps = [("TriageAgent", Calls([(HO + t, {}) for t in order])), ("*", Text("Hi, how can I help with that?"))]
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
    return await _two(name, ["RefundAgent", "OrderStatusAgent"],
                      "Triage's first reply calls handoff_to_RefundAgent and handoff_to_OrderStatusAgent.")


async def p_two_transfers_reversed(name):
    return await _two(name, ["OrderStatusAgent", "RefundAgent"], "As two_transfers, calls in the other order.")


async def p_unknown_tool(name):
    steps = [("TriageAgent", Calls([(HO + "WarrantyAgent", {})])), ("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund team here."))]

    def check(tr):
        return {"second_call_sees": seen(tr, 2)}

    return await run_probe(name, "Triage calls handoff_to_WarrantyAgent (not offered), then hands off to Refund on the "
                           "next call.", SMALL, script(steps), human_turns=[], check=check)


async def p_missing_argument(name):
    steps = [("TriageAgent", Calls([("lookup_customer", {})])),
             ("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})])),
             ("TriageAgent", Text("You have 2 open orders."))]

    def check(tr):
        return {"second_call_sees": seen(tr, 2)}

    return await run_probe(name, "Triage calls its own lookup_customer without the required 'email', then with it.",
                           SMALL, script(steps), human_turns=[], check=check)


async def p_no_human(name):
    return await run_probe(name, "A plain text reply; the host has no human input (never answers the request_info).",
                           SMALL, script([("TriageAgent", Text("Hello! How can I help you today?"))]), human_turns=None)


async def p_first_turn_handoff(name):
    steps = [("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund team here. What is the order ID?")),
             ("RefundAgent", Calls([(HO + "TriageAgent", {})])),
             ("TriageAgent", Text("Back at triage."))]

    def check(tr):
        return {"triage_sees_when_control_returns": seen(tr, 4)}

    return await run_probe(name, "Triage's very first reply is a handoff; Refund answers, the human replies, Refund "
                           "hands back. What does Triage see?", SMALL, script(steps),
                           human_turns=["It is about order 42, not a refund"], check=check)


async def p_tool_then_handoff(name):
    steps = [("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"})])),
             ("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund team here. What is the order ID?")),
             ("RefundAgent", Calls([(HO + "TriageAgent", {})])),
             ("TriageAgent", Text("Back at triage."))]

    def check(tr):
        return {"triage_sees_when_control_returns": seen(tr, 5)}

    return await run_probe(name, "Triage calls its own tool, then hands off in the next round; Refund answers, the "
                           "human replies, Refund hands back.", SMALL, script(steps),
                           human_turns=["Actually it is not about a refund"], check=check)


async def p_endless_bounce(name):
    def policy(req):
        return Calls([(HO + ("AgentB" if req.agent == "AgentA" else "AgentA"), {})])

    def check(tr):
        return {"input_sizes_first_last": [len(tr["calls"][0]["messages"]), len(tr["calls"][-1]["messages"])]}

    return await run_probe(name, "AgentA and AgentB hand off to each other forever. What stops it?", BOUNCE, policy,
                           task="Ping", human_turns=None, max_calls=150, check=check, elide=True)


async def p_tool_rounds(name):
    def policy(req):
        if req.options.get("tool_choice") == "none":
            return Text("Giving up on tools.")
        return Calls([("lookup_customer", {"email": "a@b.c"})])

    def check(tr):
        return {"per_call": [{"n": x["n"], "tool_choice": x["options"].get("tool_choice"), "tools": x["tools"]}
                             for x in tr["calls"][-3:]]}

    return await run_probe(name, "Triage calls its own tool over and over (the fake answers text only when "
                           "tool_choice is 'none'). What limits the tool loop, and what does the last call see?",
                           SMALL, policy, human_turns=[], max_calls=100, check=check, elide=True)


async def p_termination_user_messages(name):
    steps = [("TriageAgent", Text("Hello! How can I help you today?")),
             ("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund team here. What is the order ID?"))]
    return await run_probe(name, "HandoffBuilder(...).with_termination_condition(lambda conversation: "
                           "sum(1 for m in conversation if m.role == 'user') >= 3): the task and two human replies. "
                           "When is it evaluated, and how does the run end?",
                           {**SMALL, "termination": {"user_messages": 3}}, script(steps),
                           human_turns=["I want a refund", "Order 123", "never read"])


async def p_termination_last_message(name):
    steps = [("TriageAgent", Text("Hello! How can I help you today?")),
             ("TriageAgent", Text("Goodbye, have a nice day."))]
    return await run_probe(name, "with_termination_condition(lambda conversation: 'goodbye' in "
                           "conversation[-1].text.lower()): is the agent's own reply checked before its request_info?",
                           {**SMALL, "termination": {"last_message_contains": "goodbye", "ignore_case": True}},
                           script(steps), human_turns=["No thanks", "never read"])


def user_texts(tr: dict, n: int) -> list[str]:
    """The user messages model call n read, in order."""
    return [" ".join(c.get("text", "") for c in m["contents"] if c["type"] == "text")
            for m in tr["calls"][n - 1]["messages"] if m["role"] == "user"]


async def p_autonomous_turn_limit(name):
    steps = [("TriageAgent", Text("Hello! How can I help you today?")),
             ("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund team here. Let me check your account.")),
             ("RefundAgent", Text("I am still checking.")),
             ("RefundAgent", Text("What is the order ID?")),
             ("RefundAgent", Calls([("process_refund", {"order_id": "123", "reason": "damaged"})])),
             ("RefundAgent", Text("Your refund for order 123 is processed.")),
             ("RefundAgent", Calls([(HO + "TriageAgent", {})])),
             ("TriageAgent", Text("Anything else I can help with?"))]

    def check(tr):
        return {"refund_user_messages_per_call": {x["n"]: user_texts(tr, x["n"]) for x in tr["calls"]
                                                  if x["agent"] == "RefundAgent"},
                "requests_after_calls": [h["after_call"] for h in tr["human_turns"]],
                "triage_sees_at_the_end": seen(tr, 9)}

    return await run_probe(name, "with_autonomous_mode(agents=[RefundAgent], turn_limits={'RefundAgent': 2}): Triage "
                           "(not in the mode) asks the human; Refund's text replies are run again with the default "
                           "prompt twice, then the human is asked; after the human's reply the count starts again; "
                           "Refund hands back to Triage after one more autonomous turn.",
                           {**SMALL, "autonomous": {"agents": ["RefundAgent"], "turn_limits": {"RefundAgent": 2}}},
                           script(steps), human_turns=["I want a refund", "Order 123"], check=check)


async def p_autonomous_all_agents(name):
    steps = [("TriageAgent", Text("Hello! How can I help you today?")),
             ("TriageAgent", Text("Are you still there?")),
             ("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund team here. What is the order ID?"))]

    def check(tr):
        return {"triage_second_call_user_messages": user_texts(tr, 2),
                "requests_after_calls": [h["after_call"] for h in tr["human_turns"]]}

    return await run_probe(name, "with_autonomous_mode(prompts={'TriageAgent': 'Please continue.'}, "
                           "turn_limits={'TriageAgent': 1, 'RefundAgent': 0}) with no agents: every agent is in the "
                           "mode. Triage gets its own prompt once, then the human is asked; Refund's limit 0 asks the "
                           "human at once.",
                           {**SMALL, "autonomous": {"prompts": {"TriageAgent": "Please continue."},
                                                    "turn_limits": {"TriageAgent": 1, "RefundAgent": 0}}},
                           script(steps), human_turns=["I want a refund"], check=check)


async def p_autonomous_default_limit(name):
    def policy(req):
        return Text("Still working on it.")

    def check(tr):
        return {"model_calls": len(tr["calls"]), "last_call_user_messages": len(
            [m for m in tr["calls"][-1]["messages"] if m["role"] == "user"])}

    return await run_probe(name, "with_autonomous_mode() with no arguments: Triage replies in text every time. How "
                           "often is it run again (the default turn limit) and with what prompt, and then?",
                           {**SMALL, "autonomous": {}}, policy, human_turns=None, max_calls=60, check=check,
                           elide=True)


async def p_autonomous_termination(name):
    steps = [("TriageAgent", Text("Hello! How can I help you today?")),
             ("TriageAgent", Text("Are you still there?"))]
    return await run_probe(name, "with_autonomous_mode(agents=[TriageAgent]) and a termination condition of 3 user "
                           "messages: does the prompt count as a user message of the conversation the condition reads?",
                           {**SMALL, "termination": {"user_messages": 3}, "autonomous": {"agents": ["TriageAgent"]}},
                           script(steps), human_turns=["never read"])


async def p_tool_call_filtering(name):
    steps = [("TriageAgent", Reply(text="Let me look you up.", calls=(("lookup_customer", {"email": "a@b.c"}),))),
             ("TriageAgent", Reply(text="You have 2 open orders. Transferring you to refunds.",
                                   calls=((HO + "RefundAgent", {}),))),
             ("RefundAgent", Calls([("process_refund", {"order_id": "42", "reason": "damaged"})])),
             ("RefundAgent", Text("Your refund for order 42 is processed. Anything else?")),
             ("RefundAgent", Calls([(HO + "TriageAgent", {})])),
             ("TriageAgent", Calls([(HO + "OrderStatusAgent", {})])),
             ("OrderStatusAgent", Text("Which order ID should I check?"))]

    def check(tr):
        return {"refund_first_call_sees": seen(tr, 3), "triage_sees_when_control_returns": seen(tr, 6),
                "order_status_sees": seen(tr, 7)}

    return await run_probe(name, "HandoffBuilder has no option for which tool calls later agents see (1.4): its "
                           "clean_conversation_for_handoff keeps text only. Triage says text beside its own tool "
                           "call and beside its handoff; Refund calls its own tool, replies, the human answers, Refund "
                           "hands back and Triage hands on to OrderStatus. Who sees which calls and results?",
                           SMALL, script(steps), human_turns=["Where is my other order?"], check=check)


RATE_LIMIT = (429, {"error": {"message": "Rate limit reached for requests. Please try again in 1ms.",
                               "type": "requests", "param": None, "code": "rate_limit_exceeded"}})
CONTEXT_LENGTH = (400, {"error": {"message": "This model's maximum context length is 128000 tokens. However, your "
                                   "messages resulted in 128001 tokens. Please reduce the length of the messages.",
                                   "type": "invalid_request_error", "param": None, "code": "context_length_exceeded"}})
RAISES = ("The fake raises the ChatClientException agent_framework_openai's OpenAIChatCompletionClient raises once "
          "the OpenAI client gives up (this venv has no openai client; its tries are traced under sk/ and oai/).")


async def p_rate_limit_exhausted(name):
    steps = [("TriageAgent", Errors([RATE_LIMIT] * 3))]
    return await run_probe(name, "Every try of Triage's first request is answered HTTP 429. " + RAISES, SMALL,
                           script(steps), human_turns=[])


async def p_context_length_exceeded(name):
    steps = [("TriageAgent", Calls([(HO + "RefundAgent", {})])), ("RefundAgent", Errors([CONTEXT_LENGTH]))]
    return await run_probe(name, "Triage hands off; Refund's request is answered HTTP 400 context_length_exceeded, "
                           "which the OpenAI client does not retry. " + RAISES, SMALL, script(steps), human_turns=[])


PROBES = {
    "rate_limit_exhausted": p_rate_limit_exhausted,
    "context_length_exceeded": p_context_length_exceeded,
    "customer_support": p_customer_support,
    "text_beside_handoff": p_text_beside_handoff,
    "text_beside_handoff_split_stream": p_text_beside_handoff_split_stream,
    "two_transfers": p_two_transfers,
    "two_transfers_reversed": p_two_transfers_reversed,
    "unknown_tool": p_unknown_tool,
    "missing_argument": p_missing_argument,
    "no_human": p_no_human,
    "first_turn_handoff": p_first_turn_handoff,
    "tool_then_handoff": p_tool_then_handoff,
    "endless_bounce": p_endless_bounce,
    "tool_rounds": p_tool_rounds,
    "termination_user_messages": p_termination_user_messages,
    "termination_last_message": p_termination_last_message,
    "autonomous_turn_limit": p_autonomous_turn_limit,
    "autonomous_all_agents": p_autonomous_all_agents,
    "autonomous_default_limit": p_autonomous_default_limit,
    "autonomous_termination": p_autonomous_termination,
    "tool_call_filtering": p_tool_call_filtering,
}


# --------------------------------------------------------------------------- #
# Cancelling a run: the host runs its loop (workflow.run(..., stream=True), answering each request_info) in an
# asyncio task and cancels that task while model call N is in flight, or after the loop returned.
# --------------------------------------------------------------------------- #


async def run_cancel_probe(name: str, description: str, d: dict, steps, *, human_turns: list[str] | None,
                           cancel_at: int | None, rerun: str | None = None) -> dict[str, Any]:
    """``rerun``: after the cancellation the host sends this message with ``workflow.run`` again."""
    c = Counters()
    inner = script(steps)
    holder: dict[str, Any] = {}
    cancel_log: list[dict[str, Any]] = []

    def policy(req: ModelRequest) -> Reply:
        if c.calls == cancel_at:
            cancel_log.append({"when": f"while model call {c.calls} is in flight", "after_calls": c.calls,
                               "task_cancel_returned": holder["task"].cancel()})
        return inner(req)

    agents, wf = build(d, policy, c)
    rec = EventRecorder()
    humans = list(human_turns or [])
    human_log: list[dict[str, Any]] = []

    async def requests(run_index: int, **kw) -> list[Any]:
        pending = []
        async for e in wf.run(stream=True, **kw):
            rec.add(e, run_index)
            if e.type == "request_info":
                pending.append(e)
        return pending

    async def host():
        pending = await requests(1, message=TASK)
        run_index = 1
        while pending and human_turns is not None:
            run_index += 1
            if humans:
                text = humans.pop(0)
                human_log.append({"turn": len(human_log) + 1, "after_call": c.calls, "text": text})
                responses = {p.request_id: HandoffAgentUserRequest.create_response(text) for p in pending}
            else:
                human_log.append({"turn": None, "after_call": c.calls, "terminate": True})
                responses = {p.request_id: HandoffAgentUserRequest.terminate() for p in pending}
            pending = await requests(run_index, responses=responses)
        return "host loop returned"

    task = asyncio.create_task(host())
    holder["task"] = task
    outcome: dict[str, Any] = {}
    try:
        outcome["host"] = await task
        outcome["kind"] = "completed"
    except asyncio.CancelledError:
        outcome.update(kind="cancelled", error_type="CancelledError", error="")
    except Exception as e:  # noqa: BLE001
        outcome.update(kind="error", error_type=type(e).__name__, error=str(e))
    if cancel_at is None:
        cancel_log.append({"when": "after the host loop returned", "after_calls": c.calls,
                           "task_cancel_returned": task.cancel()})
    if rerun is not None:
        try:
            pending = await requests(99, message=rerun)
            outcome["rerun"] = {"kind": "returned", "pending_requests": len(pending)}
        except Exception as e:  # noqa: BLE001
            outcome["rerun"] = {"kind": "error", "error_type": type(e).__name__, "error": str(e)}
    statuses = [ev["state"] for ev in rec.events if ev["type"] == "status"]
    outcome.update(final_status=statuses[-1] if statuses else None, model_calls=c.calls)
    path: list[str] = []
    for call in c.log:
        if not path or path[-1] != call["agent"]:
            path.append(call["agent"])
    outcome["agent_path"] = path
    outcome["handoffs"] = [(ev["data"]["source"], ev["data"]["target"]) for ev in rec.events
                           if ev["type"] == "handoff_sent"]
    outcome["last_agent_output"] = next((ev["data"] for ev in reversed(rec.events) if ev["type"] == "output"), None)
    calls = [{"n": x["call_index"], "agent": x["agent"], "stream": x["stream"], "instructions": x["instructions"],
              "tools": x["tools_offered"], "options": x["options"], "messages": x["messages_in"], "reply": x["reply"]}
             for x in c.log]
    return {
        "framework": FRAMEWORK, "version": VERSION, "probe": name, "description": description,
        "design": {**design_view(d), "task": TASK, "human_turns_scripted": human_turns,
                   "cancel": {"at_call": cancel_at} if cancel_at is not None else "after_completion",
                   "fake": {"call_budget": None, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED"),
                            "plugged_in_at": "BaseChatClient._inner_get_response + FunctionInvocationLayer, "
                                             "ChatMiddlewareLayer, ChatTelemetryLayer (maf_fake.py)"}},
        "tools_by_agent": c.tool_schemas_by_agent, "calls": calls, "human_turns": human_log, "cancel": cancel_log,
        "outcome": outcome,
        "events": [ev for ev in rec.events if ev["type"] in ("status", "handoff_sent", "request_info", "failed")],
        "notes": [],
    }


async def p_cancel_during_text(name):
    steps = [("TriageAgent", Text("How can I help?")),
             ("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund it is."))]
    return await run_cancel_probe(name, "The host cancels its task while Triage's first call (a text reply) is in "
                                  "flight.", SMALL, steps, human_turns=["I want a refund"], cancel_at=1)


async def p_cancel_during_handoff(name):
    steps = [("TriageAgent", Text("How can I help?")),
             ("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund it is.")),
             ("TriageAgent", Text("Hello again."))]
    return await run_cancel_probe(name, "The human asks for a refund; the host cancels while Triage's second call (a "
                                  "handoff) is in flight; then sends a new message with workflow.run.", SMALL, steps,
                                  human_turns=["I want a refund"], cancel_at=2, rerun="Are you there?")


async def p_cancel_after_completion(name):
    steps = [("TriageAgent", Text("How can I help?"))]
    return await run_cancel_probe(name, "The host loop returns (the human has nothing to say: terminate()); then the "
                                  "host cancels its finished task.", SMALL, steps, human_turns=[], cancel_at=None)


PROBES.update({
    "cancel_during_text": p_cancel_during_text,
    "cancel_during_handoff": p_cancel_during_handoff,
    "cancel_after_completion": p_cancel_after_completion,
})


# --------------------------------------------------------------------------- #
# Tools that need the human's approval (@tool(approval_mode="always_require")): the workflow's request_info carries
# a function_approval_request Content; the host answers it with .to_function_approval_response(approved).
# --------------------------------------------------------------------------- #


@tool(approval_mode="always_require")
def issue_refund(order_id: str) -> str:
    """Issue a refund for an order."""
    return f"Refund for order {order_id} has been issued."


APPROVAL = {
    "agents": [
        ("TriageAgent", "A customer support agent that triages issues.", "Handle customer requests.",
         [lookup_customer, issue_refund]),
        ("RefundAgent", "A customer support agent that handles refunds.", "Handle refund requests.", [process_refund]),
    ],
    "edges": {
        "TriageAgent": {"RefundAgent": "Transfer to this agent if the issue is refund related"},
        "RefundAgent": {"TriageAgent": "Transfer to this agent if the issue is not refund related"},
    },
}


async def run_approval_probe(name: str, description: str, d: dict, steps, *, human_turns: list[str],
                             approvals: list[bool]) -> dict[str, Any]:
    """The host answers each approval request with the next of ``approvals`` (none left: it stops, the request
    pending), each HandoffAgentUserRequest with the next human reply (none left: terminate())."""
    from agent_framework import Content  # noqa: PLC0415

    c = Counters()
    agents, wf = build(d, script(steps), c)
    rec = EventRecorder()
    humans, decisions = list(human_turns), list(approvals)
    human_log: list[dict[str, Any]] = []
    approval_log: list[dict[str, Any]] = []
    outcome: dict[str, Any] = {}
    run_index = 1
    try:
        pending = []
        async for e in wf.run(message=TASK, stream=True):
            rec.add(e, run_index)
            if e.type == "request_info":
                pending.append(e)
        while pending:
            responses: dict[str, Any] = {}
            for p in pending:
                if isinstance(p.data, Content) and p.data.type == "function_approval_request":
                    call = p.data.function_call
                    if not decisions:
                        outcome["how_it_ended"] = "an approval request left unanswered (no decision left)"
                        break
                    approved = decisions.pop(0)
                    approval_log.append({"after_call": c.calls, "agent": p.source_executor_id, "tool": call.name,
                                         "call_id": call.call_id, "arguments": call.arguments, "approved": approved})
                    responses[p.request_id] = p.data.to_function_approval_response(approved=approved)
                elif humans:
                    text = humans.pop(0)
                    human_log.append({"turn": len(human_log) + 1, "after_call": c.calls, "text": text,
                                      "answers": [rec.req_id(p.request_id)]})
                    responses[p.request_id] = HandoffAgentUserRequest.create_response(text)
                else:
                    human_log.append({"turn": None, "after_call": c.calls, "terminate": True,
                                      "answers": [rec.req_id(p.request_id)]})
                    responses[p.request_id] = HandoffAgentUserRequest.terminate()
            else:
                run_index += 1
                pending = []
                async for e in wf.run(responses=responses, stream=True):
                    rec.add(e, run_index)
                    if e.type == "request_info":
                        pending.append(e)
                continue
            break
        outcome.setdefault("how_it_ended", "workflow idle, no pending request")
        outcome["kind"] = "completed"
    except Exception as e:  # noqa: BLE001
        outcome.update(kind="error", error_type=type(e).__name__, error=str(e))
    statuses = [ev["state"] for ev in rec.events if ev["type"] == "status"]
    path: list[str] = []
    for call in c.log:
        if not path or path[-1] != call["agent"]:
            path.append(call["agent"])
    outcome.update(final_status=statuses[-1] if statuses else None, model_calls=c.calls, workflow_runs=run_index,
                   agent_path=path,
                   handoffs=[(ev["data"]["source"], ev["data"]["target"]) for ev in rec.events
                             if ev["type"] == "handoff_sent"],
                   last_agent_output=next((ev["data"] for ev in reversed(rec.events) if ev["type"] == "output"),
                                          None))
    calls = [{"n": x["call_index"], "agent": x["agent"], "stream": x["stream"], "instructions": x["instructions"],
              "tools": x["tools_offered"], "options": x["options"], "messages": x["messages_in"], "reply": x["reply"]}
             for x in c.log]
    needs = {n: [t.name for t in ts if getattr(t, "approval_mode", None) == "always_require"]
             for n, _, _, ts in d["agents"]}
    view = design_view(d)
    for a in view["agents"]:
        if needs.get(a["name"]):
            a["needs_approval"] = needs[a["name"]]
    return {
        "framework": FRAMEWORK, "version": VERSION, "probe": name, "description": description,
        "design": {**view, "task": TASK, "human_turns_scripted": human_turns,
                   "approvals_scripted": ["approve" if a else "reject" for a in approvals],
                   "fake": {"call_budget": None, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED"),
                            "plugged_in_at": "BaseChatClient._inner_get_response + FunctionInvocationLayer, "
                                             "ChatMiddlewareLayer, ChatTelemetryLayer (maf_fake.py)"}},
        "tools_by_agent": c.tool_schemas_by_agent, "calls": calls, "human_turns": human_log,
        "approvals": approval_log, "outcome": outcome,
        "events": [ev for ev in rec.events if ev["type"] in ("status", "handoff_sent", "request_info", "failed")],
        "notes": [],
    }


REFUND_7 = ("issue_refund", {"order_id": "7"})


async def p_approval_approve(name):
    steps = [("TriageAgent", Calls([REFUND_7])),
             ("TriageAgent", Text("Refunded order 7.")),
             ("TriageAgent", Text("Anything else?"))]
    return await run_approval_probe(name, "Triage calls issue_refund (approval_mode='always_require'); the host "
                                    "approves; Triage reads the result and replies; the human answers; Triage "
                                    "replies again (the approved call is not run again).", APPROVAL, steps,
                                    human_turns=["Thanks"], approvals=[True])


async def p_approval_reject(name):
    steps = [("TriageAgent", Calls([REFUND_7])),
             ("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund team here."))]
    return await run_approval_probe(name, "Triage calls issue_refund; the host rejects; Triage reads the rejection "
                                    "and hands off; Refund reads the conversation.", APPROVAL, steps,
                                    human_turns=[], approvals=[False])


async def p_approval_beside_tool(name):
    steps = [("TriageAgent", Calls([("lookup_customer", {"email": "a@b.c"}), REFUND_7])),
             ("TriageAgent", Text("Done."))]
    return await run_approval_probe(name, "Triage calls lookup_customer (no approval) and issue_refund in one "
                                    "response; the host approves.", APPROVAL, steps, human_turns=[],
                                    approvals=[True])


async def p_approval_beside_handoff(name):
    steps = [("TriageAgent", Calls([REFUND_7, (HO + "RefundAgent", {})])),
             ("RefundAgent", Text("Refund team here."))]
    return await run_approval_probe(name, "Triage calls issue_refund and hands off to Refund in one response; the "
                                    "host approves.", APPROVAL, steps, human_turns=[], approvals=[True])


async def p_approval_pending(name):
    steps = [("TriageAgent", Calls([REFUND_7]))]
    return await run_approval_probe(name, "Triage calls issue_refund; the host has no decision: the request stays "
                                    "pending.", APPROVAL, steps, human_turns=[], approvals=[])


PROBES.update({
    "approval_approve": p_approval_approve,
    "approval_reject": p_approval_reject,
    "approval_beside_tool": p_approval_beside_tool,
    "approval_beside_handoff": p_approval_beside_handoff,
    "approval_pending": p_approval_pending,
})


# A termination condition on the last message's author (test_handoff.py's test_simple_handoff_workflow:
# `conversation[-1].author_name == refund_agent.name`), beside the common forms `termination` knows.
_common_termination = termination


def termination(form: dict):  # noqa: F811 -- build() looks the name up when it runs
    if "last_author" in form:
        name = form["last_author"]
        return lambda conversation: len(conversation) > 0 and conversation[-1].author_name == name
    return _common_termination(form)


async def p_termination_last_author(name):
    steps = [("TriageAgent", Text("Hello! How can I help you today?")),
             ("TriageAgent", Reply(text="Let me get the refund team.", calls=((HO + "RefundAgent", {}),))),
             ("RefundAgent", Text("Refund team here. What is the order ID?")),
             ("RefundAgent", Text("never sent"))]
    return await run_probe(name, "termination_condition=lambda conversation: conversation[-1].author_name == "
                           "'RefundAgent': Triage replies, the human asks for a refund, Triage says a line beside its "
                           "handoff (the last message is Triage's), Refund replies: the workflow ends.",
                           {**SMALL, "termination": {"last_author": "RefundAgent"}}, script(steps),
                           human_turns=["I want a refund", "never read"])


PROBES["termination_last_author"] = p_termination_last_author


def short_path(p: list[str]) -> str:
    return ">".join(p) if len(p) <= 6 else ">".join(p[:4]) + f">...({len(p)} segments)"


# --------------------------------------------------------------------------- #
# A task given as several messages (workflow.run(list[Message]))
# --------------------------------------------------------------------------- #

AF_TASK_MESSAGES = [
    {"role": "system", "content": "The customer called before."},
    {"role": "user", "name": "bob", "content": "first question"},
    {"role": "assistant", "content": ""},
    {"role": "user", "content": "I want a refund for order 7"},
]


async def p_task_messages(name):
    from agent_framework import Message

    task = [Message(m["role"], [m["content"]], author_name=m.get("name")) for m in AF_TASK_MESSAGES]
    steps = [("TriageAgent", Calls([(HO + "RefundAgent", {})])),
             ("RefundAgent", Text("I can help with the refund for order 7."))]

    def check(tr):
        return {"triage_sees": seen(tr, 1), "refund_sees": seen(tr, 2)}

    tr = await run_probe(name, "workflow.run([Message, ...]): a system message, a named user message, an empty "
                         "assistant message and a user message; Triage hands off, Refund replies, the host "
                         "terminates.", SMALL, script(steps), human_turns=[], task=task, check=check)
    tr["design"]["task"] = AF_TASK_MESSAGES
    return tr


PROBES.update({"task_messages": p_task_messages})


async def main(argv):
    logging.basicConfig(level=logging.CRITICAL)
    out = argv[0]
    for name in selected(argv[1:], list(PROBES)):
        tr = await PROBES[name](name)
        path = write_trace(out, tr)
        o = tr["outcome"]
        log(f"[af] {name}: {o['kind']} {o.get('final_status')} calls={o['model_calls']} "
            f"path={short_path(o['agent_path'])} {o.get('error', '')} -> {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    sys.exit(asyncio.run(main(sys.argv[1:])))
