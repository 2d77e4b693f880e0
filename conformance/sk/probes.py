"""Semantic Kernel 1.45.0 (Python) HandoffOrchestration conformance probes, offline (see sk_fake.py).

Usage: python probes.py OUT_DIR [probe ...]      (all probes when none is named)

Each probe builds fresh agents, a fresh InProcessRuntime and a fresh HandoffOrchestration, runs it
until the result resolves (or errors, or the probe's wait times out), and writes OUT_DIR/<probe>.json.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
from importlib.metadata import version
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))

from semantic_kernel.agents import ChatCompletionAgent, HandoffOrchestration, OrchestrationHandoffs  # noqa: E402
from semantic_kernel.agents.runtime import InProcessRuntime  # noqa: E402
from semantic_kernel.contents import AuthorRole, ChatMessageContent  # noqa: E402
from semantic_kernel.functions import kernel_function  # noqa: E402
from sk_fake import (  # noqa: E402
    Calls,
    Counters,
    Errors,
    FakeChatCompletion,
    ProbeStop,
    Refusal,
    Reply,
    Request,
    Text,
    TextThenCalls,
    TextWithCalls,
    make_service,
    message_view,
    script,
    streaming_view,
)
from tracefile import log, selected, write_trace  # noqa: E402

FRAMEWORK = "semantic_kernel"
VERSION = version("semantic-kernel")
REFERENCE = os.path.join(HERE, "reference", "sk-customer-support-trace.json")
REFERENCE_WIRE = os.path.join(HERE, "reference", "sk-customer-support-wire.jsonl")

# --------------------------------------------------------------------------- #
# Plugins (the tutorial's, plus a Triage tool for the tool probes)
# --------------------------------------------------------------------------- #


class OrderStatusPlugin:
    @kernel_function
    def check_order_status(self, order_id: str) -> str:
        """Check the status of an order."""
        return f"Order {order_id} is shipped and will arrive in 2-3 days."


class OrderRefundPlugin:
    @kernel_function
    def process_refund(self, order_id: str, reason: str) -> str:
        """Process a refund for an order."""
        return f"Refund for order {order_id} has been processed successfully."


class OrderReturnPlugin:
    @kernel_function
    def process_return(self, order_id: str, reason: str) -> str:
        """Process a return for an order."""
        return f"Return for order {order_id} has been processed successfully."


class TriagePlugin:
    @kernel_function
    def lookup_customer(self, email: str) -> str:
        """Look up a customer by email."""
        return f"Customer {email} has 2 open orders."


# --------------------------------------------------------------------------- #
# Designs
# --------------------------------------------------------------------------- #

TUTORIAL = {
    "agents": [
        ("TriageAgent", "A customer support agent that triages issues.", "Handle customer requests.", []),
        ("RefundAgent", "A customer support agent that handles refunds.", "Handle refund requests.",
         [OrderRefundPlugin]),
        ("OrderStatusAgent", "A customer support agent that checks order status.", "Handle order status requests.",
         [OrderStatusPlugin]),
        ("OrderReturnAgent", "A customer support agent that handles order returns.", "Handle order return requests.",
         [OrderReturnPlugin]),
    ],
    # (method, source, {target: description}); "add" = OrchestrationHandoffs.add(name, name, description)
    # exactly like the tutorial, which drops the description (SK#13115)
    "edges": [
        ("add_many", "TriageAgent", {
            "RefundAgent": "Transfer to this agent if the issue is refund related",
            "OrderStatusAgent": "Transfer to this agent if the issue is order status related",
            "OrderReturnAgent": "Transfer to this agent if the issue is order return related",
        }),
        ("add", "RefundAgent", {"TriageAgent": "Transfer to this agent if the issue is not refund related"}),
        ("add", "OrderStatusAgent", {"TriageAgent": "Transfer to this agent if the issue is not order status related"}),
        ("add", "OrderReturnAgent", {"TriageAgent": "Transfer to this agent if the issue is not order return related"}),
    ],
}

SMALL = {
    "agents": [
        ("TriageAgent", "A customer support agent that triages issues.", "Handle customer requests.", [TriagePlugin]),
        ("RefundAgent", "A customer support agent that handles refunds.", "Handle refund requests.",
         [OrderRefundPlugin]),
        ("OrderStatusAgent", "A customer support agent that checks order status.", "Handle order status requests.",
         [OrderStatusPlugin]),
    ],
    # add_many with a dict keeps the descriptions
    "edges": [
        ("add_many", "TriageAgent", {
            "RefundAgent": "Transfer to this agent if the issue is refund related",
            "OrderStatusAgent": "Transfer to this agent if the issue is order status related",
        }),
        ("add_many", "RefundAgent", {"TriageAgent": "Transfer to this agent if the issue is not refund related"}),
        ("add_many", "OrderStatusAgent", {"TriageAgent": "Transfer to this agent if the issue is not order status related"}),
    ],
}

BOUNCE = {
    "agents": [
        ("AgentA", "Agent A.", "You are agent A.", []),
        ("AgentB", "Agent B.", "You are agent B.", []),
    ],
    "edges": [
        ("add_many", "AgentA", {"AgentB": "Transfer to agent B"}),
        ("add_many", "AgentB", {"AgentA": "Transfer to agent A"}),
    ],
}

T = "Handoff-"
TO_TRIAGE, TO_REFUND, TO_STATUS = T + "transfer_to_TriageAgent", T + "transfer_to_RefundAgent", T + "transfer_to_OrderStatusAgent"
COMPLETE = T + "complete_task"
LOOKUP = "TriagePlugin-lookup_customer"


def design_view(design: dict) -> dict:
    return {
        "members": [a[0] for a in design["agents"]],
        "start_agent": design["agents"][0][0],
        "agents": [{"name": n, "description": d, "instructions": i, "plugins": [p.__name__ for p in ps]}
                   for n, d, i, ps in design["agents"]],
        "edges": [{"method": m, "source": s, "target": t, "description_given": desc}
                  for m, s, targets in design["edges"] for t, desc in targets.items()],
    }


def build(design: dict, policy, c: Counters):
    agents = {}
    for name, desc, instr, plugins in design["agents"]:
        agents[name] = ChatCompletionAgent(name=name, description=desc, instructions=instr,
                                           service=make_service(name, policy, c), plugins=[p() for p in plugins])
    h = OrchestrationHandoffs()
    for method, src, targets in design["edges"]:
        if method == "add_many":
            h = h.add_many(source_agent=src, target_agents=dict(targets))
        else:
            for tgt, desc in targets.items():
                h = h.add(source_agent=src, target_agent=tgt, description=desc)
    return agents, h


# --------------------------------------------------------------------------- #
# Running one orchestration
# --------------------------------------------------------------------------- #


async def run_probe(name: str, description: str, design: dict, policy, *, task: str,
                    human_turns: list[str] | None, usage_chunk: bool = False, max_calls: int | None = None,
                    wait: float = 5.0, notes: list[str] | None = None, check=None) -> dict[str, Any]:
    c = Counters(usage_chunk=usage_chunk, max_calls=max_calls)
    agents, handoffs = build(design, policy, c)
    events: list[dict[str, Any]] = [{"source": "task", "content": task}]
    humans_left = list(human_turns or [])
    human_log: list[dict[str, Any]] = []

    def on_response(m):
        events.append({"source": "agent_response_callback", **message_view(m)})

    def on_stream(m, is_final):
        events.append({"source": "streaming_agent_response_callback", **streaming_view(m, is_final)})

    def human():
        if not humans_left:
            human_log.append({"turn": len(human_log) + 1, "after_call": c.calls, "text": None, "exhausted": True})
            events.append({"source": "human_response_function", "exhausted": True})
            raise ProbeStop("scripted human has no more replies")
        text = humans_left.pop(0)
        human_log.append({"turn": len(human_log) + 1, "after_call": c.calls, "text": text})
        events.append({"source": "human_response_function", "role": "user", "content": text})
        return ChatMessageContent(role=AuthorRole.USER, content=text)

    orch = HandoffOrchestration(
        members=list(agents.values()),
        handoffs=handoffs,
        agent_response_callback=on_response,
        streaming_agent_response_callback=on_stream,
        human_response_function=human if human_turns is not None else None,
    )
    runtime = InProcessRuntime()
    runtime.start()
    outcome: dict[str, Any]
    try:
        result = await orch.invoke(task=task, runtime=runtime)
        try:
            value = await result.get(timeout=wait)
            events.append({"source": "result", **message_view(value)})
            outcome = {"kind": "result", "result": message_view(value)}
        except (TimeoutError, asyncio.TimeoutError):
            outcome = {"kind": "timeout",
                       "detail": f"OrchestrationResult.get(timeout={wait}) timed out: the run produced neither a "
                                 "result nor an error (a get() without timeout would wait forever)"}
        except ProbeStop as e:
            outcome = {"kind": "probe_stop", "error_type": "ProbeStop", "error": str(e)}
        except Exception as e:  # noqa: BLE001
            outcome = {"kind": "error", "error_type": type(e).__name__, "error": str(e)}
    finally:
        await runtime.stop()
    if c.stopped:
        outcome["probe_stopped_at_call_budget"] = max_calls
    outcome["model_calls"] = c.calls
    outcome["human_calls"] = len(human_log)
    path = []
    for call in c.log:
        if not path or path[-1] != call["agent"]:
            path.append(call["agent"])
    outcome["agent_path"] = path

    calls = [{k: call[k] for k in ("n", "agent", "streaming", "function_invoke_attempt", "tools", "messages",
                                   "sk_messages", "reply", "wire_request") if k in call} for call in c.log]
    trace = {
        "framework": FRAMEWORK,
        "version": VERSION,
        "probe": name,
        "description": description,
        "design": {**design_view(design), "task": task, "human_turns_scripted": human_turns,
                   "fake": {"usage_chunk": usage_chunk, "call_budget": max_calls,
                            "plugged_in_at": "OpenAIChatCompletion + httpx.MockTransport (sk_fake.py)"}},
        "tools_by_agent": c.tool_schemas_by_agent,
        "calls": calls,
        "human_turns": human_log,
        "outcome": outcome,
        "events": events,
        "notes": notes or [],
    }
    if check is not None:
        trace["observations"] = check(trace)
    return trace


# --------------------------------------------------------------------------- #
# Probes
# --------------------------------------------------------------------------- #

TASK = "A customer is on the line."
HUMAN = [
    "I'd like to track the status of my order",
    "My order ID is 123",
    "I want to return another order of mine",
    "Order ID 321",
    "Broken item",
    "No, bye",
]
SUMMARY = "Handled order return for order ID 321 due to a broken item, and successfully processed the return."


def sk_summary(m: dict) -> str:
    """One-line rendering of an SK message view."""
    if m["function_calls"]:
        return f"{m['role']}({m['name']}): " + ", ".join(f"call {f['name']}({json.dumps(f['arguments'])})"
                                                         for f in m["function_calls"]) + (
            f" + text {m['content']!r}" if m["content"] else "")
    if m["function_results"]:
        return f"{m['role']}({m['name']}): " + ", ".join(f"result {f['name']} = {f['result']!r}"
                                                         for f in m["function_results"])
    return f"{m['role']}({m['name']}): {m['content']!r}"


def seen(trace: dict, n: int) -> list[str]:
    return [sk_summary(m) for m in trace["calls"][n - 1]["sk_messages"]]


def compare_reference(trace: dict) -> dict:
    with open(REFERENCE) as f:
        ref = json.load(f)
    diffs = []
    if len(ref["calls"]) != len(trace["calls"]):
        diffs.append(f"call count {len(trace['calls'])} vs reference {len(ref['calls'])}")
    for mine, theirs in zip(trace["calls"], ref["calls"]):
        n = mine["n"]
        for key_m, key_r in (("agent", "agent"), ("function_invoke_attempt", "function_invoke_attempt"),
                             ("tools", "tools_offered"), ("sk_messages", "messages_in"), ("streaming", "streaming")):
            if mine[key_m] != theirs[key_r]:
                if key_m == "sk_messages" and len(mine[key_m]) == len(theirs[key_r]):
                    for i, (a, b) in enumerate(zip(mine[key_m], theirs[key_r])):
                        for k in sorted(set(a) | set(b)):
                            if a.get(k) != b.get(k):
                                diffs.append(f"call {n} message {i} {k}: {a.get(k)!r} vs reference {b.get(k)!r}")
                else:
                    diffs.append(f"call {n} {key_m}: {mine[key_m]!r} vs reference {theirs[key_r]!r}")
        rr = {"text": mine["reply"]["text"]} if mine["reply"]["text"] is not None else {"calls": mine["reply"]["calls"]}
        if rr != theirs["reply"]:
            diffs.append(f"call {n} reply: {rr!r} vs reference {theirs['reply']!r}")
    if trace["tools_by_agent"] != {k: v for k, v in ref["tool_schemas_by_agent"].items()}:
        diffs.append("tool schemas differ")
    # the wire bodies recorded by the reference (the tutorial sample against a loopback endpoint); its
    # tool-call ids were call_stub_<k>, ours are call_<kkkk>
    with open(REFERENCE_WIRE) as f:
        wire = [json.loads(line) for line in f if line.strip()]
    if len(wire) != len(trace["calls"]):
        diffs.append(f"wire request count {len(trace['calls'])} vs reference {len(wire)}")
    for mine, body in zip(trace["calls"], wire):
        theirs = json.loads(re.sub(r"call_stub_(\d+)", lambda m: f"call_{int(m.group(1)):04d}", json.dumps(body)))
        if mine["messages"] != theirs["messages"]:
            diffs.append(f"call {mine['n']} wire messages differ")
        if mine["tools"] != [t["function"]["name"] for t in theirs.get("tools", [])]:
            diffs.append(f"call {mine['n']} wire tools differ")
        rest = {k: v for k, v in theirs.items() if k not in ("messages", "tools")}
        if mine["wire_request"] != rest:
            diffs.append(f"call {mine['n']} wire request fields differ: {mine['wire_request']} vs {rest}")
    return {"reference": "conformance/sk/reference/sk-customer-support-trace.json (copy of the shared reference "
                         "run of real SK 1.45.0)",
            "reference_wire": "conformance/sk/reference/sk-customer-support-wire.jsonl (copy of the shared "
                              "reference request bodies)",
            "compared": "per call: agent, function_invoke_attempt, streaming, tools offered, every message as SK "
                        "objects (role, name, content, function calls/results, SK type), reply; tool schemas; the "
                        "Chat Completions request body (messages, tools, model/stream/stream_options/tool_choice)",
            "differences": diffs, "identical": not diffs}


async def p_customer_support(name):
    steps = [
        ("TriageAgent", Text("Hello! Thank you for reaching out. How can I assist you today?")),
        ("TriageAgent", Calls([(T + "transfer_to_OrderStatusAgent", {})])),
        ("OrderStatusAgent", Text("Sure, I can help you with that. Could you please provide me with your order ID?")),
        ("OrderStatusAgent", Calls([("OrderStatusPlugin-check_order_status", {"order_id": "123"})])),
        ("OrderStatusAgent", Text("Your order with ID 123 has been shipped and is expected to arrive in 2-3 days. "
                                  "Is there anything else I can assist you with?")),
        ("OrderStatusAgent", Calls([(TO_TRIAGE, {})])),
        ("TriageAgent", Calls([(T + "transfer_to_OrderReturnAgent", {})])),
        ("OrderReturnAgent", Text("I can help you with returning your order. Could you please provide the order ID "
                                  "for the return and the reason you'd like to return it?")),
        ("OrderReturnAgent", Text("Please provide the reason for returning the order with ID 321.")),
        ("OrderReturnAgent", Calls([("OrderReturnPlugin-process_return", {"order_id": "321", "reason": "Broken item"})])),
        ("OrderReturnAgent", Text("The return for your order with ID 321 has been successfully processed due to the "
                                  "broken item. Is there anything else I can assist you with?")),
        ("OrderReturnAgent", Calls([(COMPLETE, {"task_summary": SUMMARY})])),
    ]
    policy, _ = script(steps)
    tr = await run_probe(name, "The tutorial conversation (step4b shape, as in the shared reference trace): 12 model "
                         "calls Triage -> OrderStatus -> Triage -> OrderReturn, 6 human replies, ends with "
                         "complete_task.", TUTORIAL, policy, task=TASK, human_turns=HUMAN)
    tr["reference_comparison"] = compare_reference(tr)
    return tr


def _tbh(name, reply_factory, desc, usage=False):
    steps = [
        ("TriageAgent", reply_factory("Let me transfer you to our refund team.", [(TO_REFUND, {})])),
        ("RefundAgent", Text("Refund team here. What is the order ID?")),
        ("RefundAgent", Calls([(TO_TRIAGE, {})])),
        ("TriageAgent", Calls([(COMPLETE, {"task_summary": "done"})])),
    ]
    policy, _ = script(steps)

    def check(tr):
        last = tr["calls"][3]
        return {
            "refund_agent_first_call_sees": seen(tr, 2),
            "triage_sees_when_control_returns": seen(tr, 4),
            "triage_wire_messages_when_control_returns": last["messages"],
            "handoff_turn_text_broadcast_to_refund": any(
                "transfer you" in (m["content"] or "") for m in tr["calls"][1]["sk_messages"]),
            "handoff_turn_text_in_triage_thread_later": [sk_summary(m) for m in last["sk_messages"]
                                                         if "transfer you" in (m["content"] or "")],
            "handoff_turn_text_on_the_wire_later": any("transfer you" in (m.get("content") or "")
                                                       for m in last["messages"]),
            "agent_response_callback_texts": [e["content"] for e in tr["events"]
                                              if e["source"] == "agent_response_callback" and e["content"]],
        }

    return run_probe(name, desc, SMALL, policy, task=TASK, usage_chunk=usage,
                     human_turns=["Order 42, but actually it is about something else"], check=check)


async def p_text_beside_handoff_same_chunk(name):
    return await _tbh(name, TextWithCalls, "Triage's FIRST reply carries text AND Handoff-transfer_to_RefundAgent in "
                      "the SAME stream chunk. Who sees the text (Refund? Triage itself when control comes back?).")


async def p_text_beside_handoff_earlier_chunk(name):
    return await _tbh(name, TextThenCalls, "Triage's FIRST reply streams text in an EARLIER chunk, then "
                      "Handoff-transfer_to_RefundAgent. The actor's response is that text, but a handoff was set.")


async def p_text_beside_handoff_same_chunk__usage_chunk(name):
    return await _tbh(name, TextWithCalls, "As text_beside_handoff_same_chunk, but every reply stream ends with the "
                      "usage-only chunk the real OpenAI API sends (stream_options.include_usage).", usage=True)


def _two(name, order, desc):
    steps = [
        ("TriageAgent", Text("Hello! How can I help you today?")),
        ("TriageAgent", Calls([(t, {}) for t in order])),
        ("__winner__", Text("Hi, how can I help with that?")),
        ("__winner__", Calls([(COMPLETE, {"task_summary": "done"})])),
    ]
    state = {"i": 0}

    def policy(req: Request) -> Reply:
        i = state["i"]
        state["i"] += 1
        agent, reply = steps[i]
        if agent != "__winner__" and agent != req.agent:
            raise RuntimeError(f"expected {agent}, got {req.agent}")
        return reply

    def check(tr):
        return {"winner": tr["calls"][2]["agent"] if len(tr["calls"]) > 2 else None,
                "call_order_in_reply": list(order),
                "triage_tool_results": [sk_summary(e) for e in tr["events"]
                                        if e["source"] == "agent_response_callback" and e["function_results"]]}

    return run_probe(name, desc, SMALL, policy, task=TASK, human_turns=["I have two problems", "bye"], check=check)


async def p_two_transfers(name):
    return await _two(name, [TO_REFUND, TO_STATUS], "One reply calls two transfer functions (Refund first, then "
                      "OrderStatus). Which agent runs next?")


async def p_two_transfers_reversed(name):
    return await _two(name, [TO_STATUS, TO_REFUND], "Same as two_transfers with the two calls in the other order.")


async def p_complete_beside_transfer(name):
    steps = [
        ("TriageAgent", Calls([(TO_REFUND, {}), (COMPLETE, {"task_summary": "closed"})])),
    ]
    policy, _ = script(steps)
    return await run_probe(name, "The first reply calls Handoff-transfer_to_RefundAgent AND Handoff-complete_task. "
                           "Does the run end or hand off?", SMALL, policy, task=TASK, human_turns=[])


async def p_complete_beside_transfer_reversed(name):
    steps = [
        ("TriageAgent", Calls([(COMPLETE, {"task_summary": "closed"}), (TO_REFUND, {})])),
    ]
    policy, _ = script(steps)
    return await run_probe(name, "As complete_beside_transfer with complete_task first.", SMALL, policy, task=TASK,
                           human_turns=[])


async def p_unknown_tool(name):
    steps = [
        ("TriageAgent", Calls([(T + "transfer_to_WarrantyAgent", {})])),
        ("TriageAgent", Calls([(TO_REFUND, {})])),
        ("RefundAgent", Calls([(COMPLETE, {"task_summary": "done"})])),
    ]
    policy, _ = script(steps)

    def check(tr):
        return {"second_call_sees": seen(tr, 2), "second_call_attempt": tr["calls"][1]["function_invoke_attempt"]}

    return await run_probe(name, "Triage calls Handoff-transfer_to_WarrantyAgent (not offered, no such agent), then on "
                           "the next call hands off to RefundAgent.", SMALL, policy, task=TASK, human_turns=[],
                           check=check)


async def p_missing_argument(name):
    steps = [
        ("TriageAgent", Calls([(LOOKUP, {})])),
        ("TriageAgent", Calls([(COMPLETE, {})])),
        ("TriageAgent", Calls([(COMPLETE, {"task_summary": "done"})])),
    ]
    policy, _ = script(steps)

    def check(tr):
        return {"second_call_sees": seen(tr, 2), "third_call_sees": seen(tr, 3)}

    return await run_probe(name, "Triage calls its own TriagePlugin-lookup_customer without the required 'email', then "
                           "Handoff-complete_task without 'task_summary', then complete_task properly.", SMALL,
                           policy, task=TASK, human_turns=[], check=check)


async def p_no_human(name):
    policy, _ = script([("TriageAgent", Text("Hello! How can I help you today?"))])
    return await run_probe(name, "A plain text reply with no human_response_function configured.", SMALL, policy,
                           task=TASK, human_turns=None)


def _first_turn(name, usage):
    steps = [
        ("TriageAgent", Calls([(TO_REFUND, {})])),
        ("RefundAgent", Text("Refund team here. What is the order ID?")),
        ("RefundAgent", Calls([(TO_TRIAGE, {})])),
        ("TriageAgent", Calls([(COMPLETE, {"task_summary": "done"})])),
    ]
    policy, _ = script(steps)

    def check(tr):
        return {"triage_first_call_sees": seen(tr, 1), "triage_sees_when_control_returns": seen(tr, 4),
                "task_visible_to_triage_on_return": any(m["content"] == TASK for m in tr["calls"][3]["sk_messages"]),
                "own_handoff_call_visible_on_return": any(m["function_calls"] for m in tr["calls"][3]["sk_messages"])}

    return run_probe(name, "Triage's very first reply is a handoff (no text). Refund answers, the human replies, "
                     "Refund hands back. What does Triage see on its second activation?" + (
                         " Reply streams end with the usage-only chunk the real OpenAI API sends." if usage else ""),
                     SMALL, policy, task=TASK, usage_chunk=usage, human_turns=["It is about order 42, not a refund"],
                     check=check)


async def p_first_turn_handoff(name):
    return await _first_turn(name, False)


async def p_first_turn_handoff__usage_chunk(name):
    return await _first_turn(name, True)


def _tool_then(name, usage):
    steps = [
        ("TriageAgent", Calls([(LOOKUP, {"email": "a@b.c"})])),
        ("TriageAgent", Calls([(TO_REFUND, {})])),
        ("RefundAgent", Text("Refund team here. What is the order ID?")),
        ("RefundAgent", Calls([(TO_TRIAGE, {})])),
        ("TriageAgent", Calls([(COMPLETE, {"task_summary": "done"})])),
    ]
    policy, _ = script(steps)

    def check(tr):
        return {"triage_round2_sees": seen(tr, 2), "triage_sees_when_control_returns": seen(tr, 5),
                "own_tool_call_visible_on_return": any(m["function_calls"] for m in tr["calls"][4]["sk_messages"])}

    return run_probe(name, "Triage's first turn calls its own tool (TriagePlugin-lookup_customer), then in the next "
                     "auto-invoke round hands off to Refund; Refund answers, human replies, Refund hands back." + (
                         " Reply streams end with the usage-only chunk." if usage else ""),
                     SMALL, policy, task=TASK, usage_chunk=usage, human_turns=["Actually it is not about a refund"],
                     check=check)


async def p_tool_then_handoff(name):
    return await _tool_then(name, False)


async def p_tool_then_handoff__usage_chunk(name):
    return await _tool_then(name, True)


async def p_endless_bounce(name):
    def policy(req: Request) -> Reply:
        return Calls([(T + ("transfer_to_AgentB" if req.agent == "AgentA" else "transfer_to_AgentA"), {})])

    def check(tr):
        return {"input_sizes": [len(c["sk_messages"]) for c in tr["calls"]],
                "agents": [c["agent"] for c in tr["calls"]]}

    return await run_probe(name, "AgentA and AgentB hand off to each other forever (the fake always transfers). SK "
                           "has no loop guard: the probe stops the run itself after 12 model calls (the 13th model "
                           "call raises ProbeStop inside the fake).", BOUNCE, policy, task="Ping", human_turns=None,
                           max_calls=12, wait=10.0, check=check,
                           notes=["outcome.kind=error/ProbeStop comes from the probe's own budget, not from SK"])


def _rounds(name, usage, text_first):
    def policy(req: Request) -> Reply:
        if req.n <= 7 and LOOKUP in req.tool_names:
            if text_first:
                return TextThenCalls(f"Looking up (round {req.n}).", [(LOOKUP, {"email": "a@b.c"})])
            return Calls([(LOOKUP, {"email": "a@b.c"})])
        if COMPLETE in req.tool_names:
            return Calls([(COMPLETE, {"task_summary": "done"})])
        return Text("No tools offered any more.")

    def check(tr):
        return {
            "calls": [{"n": c["n"], "attempt": c["function_invoke_attempt"], "tools": c["tools"],
                       "tool_choice": c["wire_request"].get("tool_choice"), "n_messages": len(c["messages"])}
                      for c in tr["calls"]],
        }

    variant = ("text in an earlier chunk + tool call each round" if text_first else "tool call only") + (
        ", usage chunk" if usage else "")
    return run_probe(name, "Triage calls its own tool over and over (FunctionChoiceBehavior.Auto default "
                     f"maximum_auto_invoke_attempts=5; variant: {variant}). What happens after 5 rounds, and what "
                     "does a 6th model call see (tools still offered?). The fake calls the tool on calls 1..7 and "
                     "then complete_task.", SMALL, policy, task=TASK, usage_chunk=usage,
                     human_turns=["go on", "go on", "go on"], check=check)


async def p_tool_rounds(name):
    return await _rounds(name, False, False)


async def p_tool_rounds__usage_chunk(name):
    return await _rounds(name, True, False)


async def p_tool_rounds__with_text(name):
    return await _rounds(name, False, True)


RATE_LIMIT = (429, {"error": {"message": "Rate limit reached for requests. Please try again in 1ms.",
                               "type": "requests", "param": None, "code": "rate_limit_exceeded"}})
CONTEXT_LENGTH = (400, {"error": {"message": "This model's maximum context length is 128000 tokens. However, your "
                                   "messages resulted in 128001 tokens. Please reduce the length of the messages.",
                                   "type": "invalid_request_error", "param": None, "code": "context_length_exceeded"}})


async def p_rate_limit_then_success(name):
    steps = [
        ("TriageAgent", Errors([RATE_LIMIT], Calls([(TO_REFUND, {})]))),
        ("RefundAgent", Calls([(COMPLETE, {"task_summary": "done"})])),
    ]
    policy, _ = script(steps)
    return await run_probe(name, "The endpoint answers Triage's first request with HTTP 429 (OpenAI's rate-limit body, "
                           "retry-after-ms 1); the OpenAI client (max_retries 2) tries again and gets the handoff; "
                           "Refund completes.", SMALL, policy, task=TASK, human_turns=[])


async def p_rate_limit_exhausted(name):
    steps = [("TriageAgent", Errors([RATE_LIMIT] * 3))]
    policy, _ = script(steps)
    return await run_probe(name, "The endpoint answers every try of Triage's first request with HTTP 429: the OpenAI "
                           "client tries 3 times, then raises; the orchestration's get() raises.", SMALL, policy,
                           task=TASK, human_turns=[])


async def p_context_length_exceeded(name):
    steps = [
        ("TriageAgent", Calls([(TO_REFUND, {})])),
        ("RefundAgent", Errors([CONTEXT_LENGTH])),
    ]
    policy, _ = script(steps)
    return await run_probe(name, "Triage hands off; the endpoint answers Refund's request with HTTP 400 "
                           "context_length_exceeded, which the OpenAI client does not retry; get() raises.", SMALL,
                           policy, task=TASK, human_turns=[])


async def p_refusal__usage_chunk(name):
    policy, _ = script([("TriageAgent", Refusal("I can't help with that.")),
                        ("TriageAgent", Calls([(COMPLETE, {"task_summary": "closed"})]))])
    return await run_probe(name, "Triage's model streams a refusal (delta.refusal, no content), then the usage chunk; "
                           "the human answers and Triage completes.", SMALL, policy, task=TASK,
                           human_turns=["Please help."], usage_chunk=True)


PROBES = {
    "refusal__usage_chunk": p_refusal__usage_chunk,
    "rate_limit_then_success": p_rate_limit_then_success,
    "rate_limit_exhausted": p_rate_limit_exhausted,
    "context_length_exceeded": p_context_length_exceeded,
    "customer_support": p_customer_support,
    "text_beside_handoff_same_chunk": p_text_beside_handoff_same_chunk,
    "text_beside_handoff_earlier_chunk": p_text_beside_handoff_earlier_chunk,
    "text_beside_handoff_same_chunk__usage_chunk": p_text_beside_handoff_same_chunk__usage_chunk,
    "two_transfers": p_two_transfers,
    "two_transfers_reversed": p_two_transfers_reversed,
    "complete_beside_transfer": p_complete_beside_transfer,
    "complete_beside_transfer_reversed": p_complete_beside_transfer_reversed,
    "unknown_tool": p_unknown_tool,
    "missing_argument": p_missing_argument,
    "no_human": p_no_human,
    "first_turn_handoff": p_first_turn_handoff,
    "first_turn_handoff__usage_chunk": p_first_turn_handoff__usage_chunk,
    "tool_then_handoff": p_tool_then_handoff,
    "tool_then_handoff__usage_chunk": p_tool_then_handoff__usage_chunk,
    "endless_bounce": p_endless_bounce,
    "tool_rounds": p_tool_rounds,
    "tool_rounds__usage_chunk": p_tool_rounds__usage_chunk,
    "tool_rounds__with_text": p_tool_rounds__with_text,
}


# --------------------------------------------------------------------------- #
# Cancelling a run (OrchestrationResult.cancel(), as test_handoff.py's test_invoke_cancel_*):
# the host cancels while model call N is in flight, or after the result resolved; then
# `runtime.stop_when_idle()` lets the actors finish what they hold, as the tests do.
# --------------------------------------------------------------------------- #


async def run_cancel_probe(name: str, description: str, design: dict, steps, *, task: str,
                           human_turns: list[str] | None, cancel_at: int | None, wait: float = 5.0) -> dict[str, Any]:
    """Runs ``steps``; the host calls ``result.cancel()`` when model call ``cancel_at`` starts (``None``: after
    ``get()`` returned)."""
    c = Counters()
    inner, _ = script(steps)
    holder: dict[str, Any] = {}
    cancel_log: list[dict[str, Any]] = []

    def cancel(when: str) -> None:
        try:
            holder["result"].cancel()
            cancel_log.append({"when": when, "after_calls": c.calls, "raised": None})
        except Exception as e:  # noqa: BLE001
            cancel_log.append({"when": when, "after_calls": c.calls, "raised": f"{type(e).__name__}: {e}"})

    def policy(req: Request) -> Reply:
        if req.n == cancel_at:
            cancel(f"while model call {req.n} is in flight")
        return inner(req)

    agents, handoffs = build(design, policy, c)
    humans_left = list(human_turns or [])
    human_log: list[dict[str, Any]] = []

    def human():
        if not humans_left:
            human_log.append({"turn": len(human_log) + 1, "after_call": c.calls, "text": None, "exhausted": True})
            raise ProbeStop("scripted human has no more replies")
        text = humans_left.pop(0)
        human_log.append({"turn": len(human_log) + 1, "after_call": c.calls, "text": text})
        return ChatMessageContent(role=AuthorRole.USER, content=text)

    orch = HandoffOrchestration(members=list(agents.values()), handoffs=handoffs,
                                human_response_function=human if human_turns is not None else None)
    # The answer of the call in flight comes back after the host saw the cancellation, as over a network: the
    # connector waits 50 ms before reading the stream of the cancelled call.
    inner_stream = FakeChatCompletion._inner_get_streaming_chat_message_contents

    async def latency(self, *args, **kwargs):
        waited = False
        async for x in inner_stream(self, *args, **kwargs):  # the policy (and the cancel) ran before the first item
            if not waited and c.calls == cancel_at:
                waited = True
                await asyncio.sleep(0.05)
            yield x

    FakeChatCompletion._inner_get_streaming_chat_message_contents = latency
    runtime = InProcessRuntime()
    runtime.start()
    try:
        result = await orch.invoke(task=task, runtime=runtime)
        holder["result"] = result
        try:
            value = await result.get(timeout=wait)
            outcome = {"kind": "result", "result": message_view(value)}
        except (TimeoutError, asyncio.TimeoutError):
            outcome = {"kind": "timeout"}
        except Exception as e:  # noqa: BLE001
            outcome = {"kind": "error", "error_type": type(e).__name__, "error": str(e)}
        if cancel_at is None:
            cancel("after get() returned")
    finally:
        await asyncio.wait_for(runtime.stop_when_idle(), timeout=wait)
        FakeChatCompletion._inner_get_streaming_chat_message_contents = inner_stream
    outcome.update({"model_calls": c.calls, "human_calls": len(human_log),
                    "cancelled_token": holder["result"].cancellation_token.is_cancelled()})
    path: list[str] = []
    for call in c.log:
        if not path or path[-1] != call["agent"]:
            path.append(call["agent"])
    outcome["agent_path"] = path
    calls = [{k: call[k] for k in ("n", "agent", "streaming", "function_invoke_attempt", "tools", "messages",
                                   "sk_messages", "reply", "wire_request") if k in call} for call in c.log]
    return {
        "framework": FRAMEWORK, "version": VERSION, "probe": name, "description": description,
        "design": {**design_view(design), "task": task, "human_turns_scripted": human_turns,
                   "cancel": {"at_call": cancel_at} if cancel_at is not None else "after_completion",
                   "fake": {"usage_chunk": False, "call_budget": None,
                            "plugged_in_at": "OpenAIChatCompletion + httpx.MockTransport (sk_fake.py)"}},
        "tools_by_agent": c.tool_schemas_by_agent, "calls": calls, "human_turns": human_log,
        "cancel": cancel_log, "outcome": outcome, "events": [], "notes": [],
    }


async def p_cancel_during_text(name):
    steps = [("TriageAgent", Text("How can I help?")),
             ("TriageAgent", Calls([(TO_REFUND, {})])),
             ("RefundAgent", Calls([(COMPLETE, {"task_summary": "done"})]))]
    return await run_cancel_probe(name, "The host cancels while Triage's first call (a text reply) is in flight; the "
                                  "human would ask for a refund.", SMALL, steps, task=TASK,
                                  human_turns=["I want a refund"], cancel_at=1)


async def p_cancel_during_handoff(name):
    steps = [("TriageAgent", Calls([(TO_REFUND, {})])),
             ("RefundAgent", Text("Refund it is.")),
             ("RefundAgent", Calls([(COMPLETE, {"task_summary": "done"})]))]
    return await run_cancel_probe(name, "The host cancels while Triage's first call (a handoff to Refund) is in "
                                  "flight.", SMALL, steps, task=TASK, human_turns=["yes"], cancel_at=1)


async def p_cancel_no_human(name):
    steps = [("TriageAgent", Text("How can I help?"))]
    return await run_cancel_probe(name, "test_invoke_cancel_before_completion's shape: no human function; the host "
                                  "cancels while Triage's first call (text) is in flight.", SMALL, steps, task=TASK,
                                  human_turns=None, cancel_at=1)


async def p_cancel_after_completion(name):
    steps = [("TriageAgent", Text("How can I help?"))]
    return await run_cancel_probe(name, "test_invoke_cancel_after_completion's shape: no human function, the result "
                                  "resolves, then the host cancels.", SMALL, steps, task=TASK, human_turns=None,
                                  cancel_at=None)


PROBES.update({
    "cancel_during_text": p_cancel_during_text,
    "cancel_during_handoff": p_cancel_during_handoff,
    "cancel_no_human": p_cancel_no_human,
    "cancel_after_completion": p_cancel_after_completion,
})


# --------------------------------------------------------------------------- #
# A task given as several messages (orchestration.invoke(task=[ChatMessageContent, ...]))
# --------------------------------------------------------------------------- #

TASK_MESSAGES = [
    {"role": "system", "content": "The customer called before."},
    {"role": "user", "name": "bob", "content": "first question"},
    {"role": "assistant", "content": ""},
    {"role": "user", "content": ""},
    {"role": "developer", "content": "Be brief."},
    {"role": "user", "content": "I want a refund for order 7"},
]


def _task_message(m: dict) -> ChatMessageContent:
    return ChatMessageContent(role=AuthorRole(m["role"]), content=m["content"], name=m.get("name"))


async def _with_task_messages(tr_coro, messages):
    tr = await tr_coro
    tr["design"]["task"] = messages
    tr["events"][0]["content"] = messages
    return tr


async def p_task_messages(name):
    policy, _ = script([("TriageAgent", Calls([(TO_REFUND, {})])),
                        ("RefundAgent", Text("I can help with the refund for order 7."))])

    def check(tr):
        return {"triage_sees": seen(tr, 1), "refund_sees": seen(tr, 2)}

    task = [_task_message(m) for m in TASK_MESSAGES]
    return await _with_task_messages(run_probe(
        name, "orchestration.invoke(task=[ChatMessageContent, ...]): a system message, a named user message, an "
        "empty assistant message and a user message; every member's actor caches them; Triage hands off, Refund "
        "replies (no human).", SMALL, policy, task=task, human_turns=None, check=check), TASK_MESSAGES)


async def p_task_messages_two_users(name):
    messages = [{"role": "user", "content": "test_message_1"}, {"role": "user", "content": "test_message_2"}]
    policy, _ = script([("TriageAgent", Text("mock_response"))])

    def check(tr):
        return {"triage_sees": seen(tr, 1)}

    return await _with_task_messages(run_probe(
        name, "test_invoke_with_list: task=[two user ChatMessageContent]; Triage replies (no human).", SMALL, policy,
        task=[_task_message(m) for m in messages], human_turns=None, check=check), messages)


PROBES.update({
    "task_messages": p_task_messages,
    "task_messages_two_users": p_task_messages_two_users,
})


async def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.CRITICAL)
    out = argv[0]
    rc = 0
    for name in selected(argv[1:], list(PROBES)):
        tr = await PROBES[name](name)
        path = write_trace(out, tr)
        o = tr["outcome"]
        log(f"[sk] {name}: {o['kind']} calls={o['model_calls']} path={'>'.join(o['agent_path']) if len(o['agent_path']) < 7 else '>'.join(o['agent_path'][:4]) + '>...'} "
            f"{o.get('error', '') or (o.get('result') or {}).get('content', '')} -> {os.path.relpath(path)}")
        if name == "customer_support" and not tr["reference_comparison"]["identical"]:
            log("[sk] customer_support differs from the reference:\n  " +
                "\n  ".join(tr["reference_comparison"]["differences"]))
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
