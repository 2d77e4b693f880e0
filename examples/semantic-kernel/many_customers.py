"""Several customers at once on one runtime: the tutorial's agents (`step4_handoff.py`, imported
unchanged), one `HandoffOrchestration` invocation per customer, all under one `asyncio.gather`
on one `InProcessRuntime`, as a service holds its users.

Each argument is a scenario file; its `task` and `user` replies are one customer's, the replies
given by that customer's own human function. The same file twice is two equal customers.

    examples/semantic-kernel/python.sh examples/semantic-kernel/many_customers.py a.json b.json
"""

import asyncio
import json
import sys

from semantic_kernel.agents import HandoffOrchestration
from semantic_kernel.agents.runtime import InProcessRuntime
from semantic_kernel.contents import AuthorRole, ChatMessageContent

import step4_handoff as tutorial


def orchestration(replies: list[str]) -> HandoffOrchestration:
    """The tutorial's orchestration for one customer, whose human says `replies` in turn."""
    remaining = list(replies)

    def human_response_function() -> ChatMessageContent:
        return ChatMessageContent(role=AuthorRole.USER, content=remaining.pop(0) if remaining else "")

    return HandoffOrchestration(
        members=[
            tutorial.support_agent,
            tutorial.refund_agent,
            tutorial.order_status_agent,
            tutorial.order_return_agent,
        ],
        handoffs=tutorial.handoffs,
        agent_response_callback=tutorial.agent_response_callback,
        human_response_function=human_response_function,
    )


async def customer(runtime: InProcessRuntime, scenario: dict) -> str:
    result = await orchestration(scenario.get("user", [])).invoke(task=scenario["task"], runtime=runtime)
    return str(await result.get(timeout=60))


async def main() -> None:
    scenarios = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as file:
            scenarios.append(json.load(file))
    runtime = InProcessRuntime()
    runtime.start()
    results = await asyncio.gather(*(customer(runtime, scenario) for scenario in scenarios))
    for number, value in enumerate(results, 1):
        print(f"customer {number}: {value}")
    await runtime.stop_when_idle()


if __name__ == "__main__":
    asyncio.run(main())
