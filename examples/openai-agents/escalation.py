"""The OpenAI Agents SDK's handoff-inputs example, in the chat loop of its customer-service sample.

`docs/handoffs.md` of openai-agents 0.24.0 ("Handoff inputs") hands off to an escalation agent with
`handoff(agent=agent, on_handoff=on_handoff, input_type=EscalationData)`: the model calls the
transfer with the arguments of `EscalationData`, the SDK validates them and passes the value to
`on_handoff`, which prints it. Here a triage agent offers that handoff, and a chat loop reads one
user message per line from standard input (`Runner.run(current_agent, input_items)`, then
`result.to_input_list()` and `result.last_agent`, as `examples/customer_service/main.py` does),
printing each run's final output. It exits 0 at the end of its input.

    handoff serve --task-on-stdin examples/openai-agents/escalation.json -- \\
        examples/openai-agents/python.sh examples/openai-agents/escalation.py

The SDK's `AsyncOpenAI` client reads `OPENAI_BASE_URL` and `OPENAI_API_KEY`, and the agents'
default model is `OPENAI_DEFAULT_MODEL`.
"""

import asyncio
import os
import sys

os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"

from pydantic import BaseModel  # noqa: E402

from agents import Agent, RunContextWrapper, Runner, handoff  # noqa: E402


class EscalationData(BaseModel):
    reason: str


async def on_handoff(ctx: RunContextWrapper[None], input_data: EscalationData):
    print(f"Escalation agent called with reason: {input_data.reason}")


agent = Agent(name="Escalation agent", instructions="Handle escalated customer issues.")

handoff_obj = handoff(
    agent=agent,
    on_handoff=on_handoff,
    input_type=EscalationData,
)

triage = Agent(
    name="Triage agent",
    instructions="Help the customer; escalate what you cannot solve, saying why.",
    handoffs=[handoff_obj],
)


async def main() -> int:
    current: Agent = triage
    items: list = []
    while True:
        try:
            line = input()
        except EOFError:
            return 0
        items.append({"role": "user", "content": line})
        result = await Runner.run(current, items)
        print(f"{result.last_agent.name}: {result.final_output}")
        items = result.to_input_list()
        current = result.last_agent


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
