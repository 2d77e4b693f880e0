"""An OpenAI Agents SDK app whose RefundAgent answers with a structured output, for `handoff serve`.

The agents of conformance/oai/probes.py's small design (Triage with `lookup_customer`, Refund with
`process_refund`, OrderStatus with `check_order_status`; Triage hands off to both, each hands
back), RefundAgent with `Agent(output_type=RefundResult)`, in the SDK's customer-service chat
loop: one user message per line of standard input (the first is the task), `Runner.run` from the
last agent, `result.to_input_list()` carried on; each final output is printed as JSON.

    python oai_structured_output.py [--chat] < messages.txt

`--chat` puts the agents on Chat Completions (`set_default_openai_api("chat_completions")`)
instead of the SDK's default, the Responses API. The client reads `OPENAI_BASE_URL` and
`OPENAI_API_KEY`.
"""

import asyncio
import json
import os
import sys

os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"

from pydantic import BaseModel  # noqa: E402

from agents import Agent, Runner, function_tool, handoff, set_default_openai_api  # noqa: E402


class RefundResult(BaseModel):
    order_id: str
    approved: bool


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


def agents() -> Agent:
    triage = Agent(name="TriageAgent", handoff_description="A customer support agent that triages issues.",
                   instructions="Handle customer requests.", tools=[lookup_customer])
    refund = Agent(name="RefundAgent", handoff_description="A customer support agent that handles refunds.",
                   instructions="Handle refund requests.", tools=[process_refund], output_type=RefundResult)
    status = Agent(name="OrderStatusAgent", handoff_description="A customer support agent that checks order status.",
                   instructions="Handle order status requests.", tools=[check_order_status])
    triage.handoffs = [
        handoff(refund, tool_description_override="Transfer to this agent if the issue is refund related"),
        handoff(status, tool_description_override="Transfer to this agent if the issue is order status related"),
    ]
    refund.handoffs = [handoff(triage, tool_description_override="Transfer to this agent if the issue is not refund related")]
    status.handoffs = [handoff(triage, tool_description_override="Transfer to this agent if the issue is not order status related")]
    return triage


async def main(args: list[str]) -> None:
    if "--chat" in args:
        set_default_openai_api("chat_completions")
    current = agents()
    items: list = []
    for line in sys.stdin:
        items.append({"content": line.rstrip("\n"), "role": "user"})
        result = await Runner.run(current, items)
        output = result.final_output
        shown = output.model_dump() if isinstance(output, BaseModel) else output
        print(f"{result.last_agent.name}: {json.dumps(shown)}")
        items = result.to_input_list()
        current = result.last_agent


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
