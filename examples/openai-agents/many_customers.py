"""Several customers at once: the OpenAI Agents SDK's customer-service agents, each conversation
the sample's own chat loop, all of them under one `asyncio.gather`, as a web app holds its users.

The agents are the sample's (`examples/customer_service/main.py` of openai-agents 0.24.0, imported,
unchanged: see main.py). Each argument is a scenario file; its `task` and `user` replies are one
customer's messages, in order. The same file twice is two equal customers.

    examples/openai-agents/python.sh examples/openai-agents/many_customers.py a.json b.json

Prints each customer's conversation when all are over, in the order of the arguments.
"""

import asyncio
import json
import os
import sys

os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE_DIR = os.environ.get("HANDOFF_OAI_SAMPLE_DIR") or os.path.join(ROOT, "target", "examples", "openai-agents", "sdk")
sys.path.insert(0, SAMPLE_DIR)

from agents import ItemHelpers, MessageOutputItem, Runner  # noqa: E402
from examples.customer_service.main import AirlineAgentContext, triage_agent  # noqa: E402


async def customer(messages: list[str]) -> list[str]:
    """The sample's chat loop for one customer: each message a `Runner.run` from the last agent."""
    current_agent = triage_agent
    input_items = []
    context = AirlineAgentContext()
    said = []
    for message in messages:
        input_items.append({"content": message, "role": "user"})
        result = await Runner.run(current_agent, input_items, context=context)
        for item in result.new_items:
            if isinstance(item, MessageOutputItem):
                said.append(f"{item.agent.name}: {ItemHelpers.text_message_output(item)}")
        input_items = result.to_input_list()
        current_agent = result.last_agent
    return said


async def main() -> None:
    customers = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as file:
            scenario = json.load(file)
        customers.append([scenario["task"], *scenario.get("user", [])])
    conversations = await asyncio.gather(*(customer(messages) for messages in customers))
    for number, said in enumerate(conversations, 1):
        print(f"customer {number}:")
        for line in said:
            print(f"  {line}")


if __name__ == "__main__":
    asyncio.run(main())
