"""An OpenAI Agents SDK app whose handoffs rewrite the conversation, for `handoff serve`.

The agents of conformance/oai/probes.py's small design (Triage with `lookup_customer`, Refund with
`process_refund`, OrderStatus with `check_order_status`; Triage hands off to both, each hands
back), in the SDK's customer-service chat loop: one user message per line of standard input (the
first is the task), `Runner.run` from the last agent, `result.to_input_list()` carried on.

    python oai_nested_history.py [--chat] [--filter | --plain] [--edge SOURCE,TARGET,FILTER] [--normalized]
        [--session] [--enabled] [--messages JSON] [--server-managed] < messages.txt

`RunConfig(nest_handoff_history=True)`, or with `--filter` `RunConfig(handoff_input_filter=
handoff_filters.remove_all_tools)`, or with `--plain` `RunConfig()`. `--edge` gives the handoff
from SOURCE to TARGET its own `input_filter`: `identity` (returns the data as given),
`nest_handoff_history` (the SDK's public function), `remove_new_items` (the SDK tests' filter:
`input_history` kept, the run's items dropped) or `remove_all_tools`; `a+b` is `b(a(data))`. `--normalized` carries
`result.to_input_list(mode="normalized")` on. `--chat` puts the agents on Chat Completions
(`set_default_openai_api("chat_completions")`) instead of the SDK's default, the Responses API.

The host's other ways to hold the conversation: `--session` keeps a `SQLiteSession` in memory
and runs each line alone, `Runner.run(agent, line, session=session)`; `--server-managed` lets the
server keep it, `Runner.run(agent, line, auto_previous_response_id=True)` then, for each later
line, `previous_response_id=result.last_response_id`; `--messages JSON` gives the first run a
list of messages (an earlier conversation the app kept) in place of the first line. `--enabled`
offers Triage's handoffs only when they apply, by callables reading `ctx.turn_input`: to Refund
when some message mentions a refund, to OrderStatus from the third user message on.
The client reads `OPENAI_BASE_URL` and `OPENAI_API_KEY`.
"""

import asyncio
import json
import os
import re
import sys

os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"

from agents import (Agent, HandoffInputData, RunConfig, Runner, SQLiteSession, function_tool, handoff,  # noqa: E402
                    set_default_openai_api)
from agents.extensions import handoff_filters  # noqa: E402


@function_tool
def lookup_customer(email: str) -> str:
    """Look up a customer by email."""
    return f"Customer {email} has 2 open orders."


@function_tool
def process_refund(order_id: str, reason: str) -> str:
    """Process a refund for an order."""
    return f"Refund for order {order_id} has been processed successfully."


@function_tool
def check_order_status(order_id: str) -> str:
    """Check the status of an order."""
    return f"Order {order_id} is shipped and will arrive in 2-3 days."


def identity(data: HandoffInputData) -> HandoffInputData:
    return data


def remove_new_items(data: HandoffInputData) -> HandoffInputData:
    return HandoffInputData(input_history=data.input_history, pre_handoff_items=(), new_items=(),
                            run_context=data.run_context)


FILTERS = {"identity": identity, "nest_handoff_history": handoff_filters.nest_handoff_history,
           "remove_new_items": remove_new_items, "remove_all_tools": handoff_filters.remove_all_tools}


def chain(names: str):
    def chained(data: HandoffInputData) -> HandoffInputData:
        for name in names.split("+"):
            data = FILTERS[name](data)
        return data
    return chained


def text(item: dict) -> str:
    content = item.get("content", item.get("output"))
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def mentions_refund(ctx, agent) -> bool:
    return any(re.search(r"(?i)refund", text(item)) for item in ctx.turn_input)


def third_user_message(ctx, agent) -> bool:
    return sum(1 for item in ctx.turn_input if item.get("role") == "user") >= 3


def agents(edge: list[str] | None, enabled: bool) -> Agent:
    triage = Agent(name="TriageAgent", handoff_description="A customer support agent that triages issues.",
                   instructions="Handle customer requests.", tools=[lookup_customer])
    refund = Agent(name="RefundAgent", handoff_description="A customer support agent that handles refunds.",
                   instructions="Handle refund requests.", tools=[process_refund])
    status = Agent(name="OrderStatusAgent", handoff_description="A customer support agent that checks order status.",
                   instructions="Handle order status requests.", tools=[check_order_status])
    triage.handoffs = [
        handoff(refund, tool_description_override="Transfer to this agent if the issue is refund related",
                is_enabled=mentions_refund if enabled else True),
        handoff(status, tool_description_override="Transfer to this agent if the issue is order status related",
                is_enabled=third_user_message if enabled else True),
    ]
    refund.handoffs = [handoff(triage, tool_description_override="Transfer to this agent if the issue is not refund related")]
    status.handoffs = [handoff(triage, tool_description_override="Transfer to this agent if the issue is not order status related")]
    if edge is not None:
        source, target, name = edge
        for h in {a.name: a for a in (triage, refund, status)}[source].handoffs:
            if h.agent_name == target:
                h.input_filter = chain(name)
    return triage


async def main(args: list[str]) -> None:
    if "--chat" in args:
        set_default_openai_api("chat_completions")
    if "--filter" in args:
        config = RunConfig(handoff_input_filter=handoff_filters.remove_all_tools)
    elif "--plain" in args:
        config = RunConfig()
    else:
        config = RunConfig(nest_handoff_history=True)
    edge = args[args.index("--edge") + 1].split(",") if "--edge" in args else None
    mode = "normalized" if "--normalized" in args else "preserve_all"
    current = agents(edge, "--enabled" in args)
    session = SQLiteSession("customer", ":memory:") if "--session" in args else None
    server = "--server-managed" in args
    lines = iter(sys.stdin)
    items: list = json.loads(args[args.index("--messages") + 1]) if "--messages" in args else []
    if not items:
        items = [{"content": next(lines).rstrip("\n"), "role": "user"}]
    result = None
    while True:
        if server:
            chained = {"auto_previous_response_id": True} if result is None else {
                "previous_response_id": result.last_response_id}
            result = await Runner.run(current, items, run_config=config, **chained)
            items = []
        elif session is not None:  # the session holds what came before: the new message alone, as text
            result = await Runner.run(current, items[0]["content"] if len(items) == 1 else items,
                                      run_config=config, session=session)
            items = []
        else:
            result = await Runner.run(current, items, run_config=config)
            items = result.to_input_list(mode=mode)
        print(f"{result.last_agent.name}: {result.final_output}")
        current = result.last_agent
        line = next(lines, None)
        if line is None:
            break
        items.append({"content": line.rstrip("\n"), "role": "user"})


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
