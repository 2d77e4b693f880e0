# Semantic Kernel handoff tutorial, Python: the customer-support sample exactly as the tutorial page
# ("Handoff Orchestration", learn.microsoft.com/semantic-kernel/frameworks/agent/agent-orchestration/handoff,
# Python pivot, ms.date 05/19/2025) prints it, snippet after snippet, in the page's order.
# Runs with semantic-kernel==1.45.0 (see setup.sh / constraints.txt).
#
# Changes from the page, all of them forced (the page prints fragments, not a program):
#   1. `import asyncio` added (first line after this comment).
#   2. The page's last four snippets (start the runtime, invoke, collect the result, stop the runtime)
#      use top-level `await`, which a script cannot do: they are indented into `async def main()`,
#      and `asyncio.run(main())` runs it under `if __name__ == "__main__":`. `InProcessRuntime.start()`
#      also needs a running event loop, so that snippet moves into `main()` with the others.
#   Nothing else changed: the same imports (where the page puts them, repeats included), names,
#   instructions, descriptions, handoffs, callbacks and task, character for character.
#
# Service settings come from the environment, with no change: every `OpenAIChatCompletion()` reads
# OPENAI_API_KEY and OPENAI_CHAT_MODEL_ID (OpenAISettings, env_prefix "OPENAI_"; also a `.env` file in
# the working directory as a fallback), and the `AsyncOpenAI` client it creates reads OPENAI_BASE_URL
# (openai's client __init__, when no base_url is passed, which SK never does). So
#   OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 OPENAI_API_KEY=anything OPENAI_CHAT_MODEL_ID=anything
# points it at a local OpenAI-compatible endpoint such as `handoff serve`.
import asyncio

from semantic_kernel.functions import kernel_function

class OrderStatusPlugin:
    @kernel_function
    def check_order_status(self, order_id: str) -> str:
        """Check the status of an order."""
        # Simulate checking the order status
        return f"Order {order_id} is shipped and will arrive in 2-3 days."


class OrderRefundPlugin:
    @kernel_function
    def process_refund(self, order_id: str, reason: str) -> str:
        """Process a refund for an order."""
        # Simulate processing a refund
        print(f"Processing refund for order {order_id} due to: {reason}")
        return f"Refund for order {order_id} has been processed successfully."


class OrderReturnPlugin:
    @kernel_function
    def process_return(self, order_id: str, reason: str) -> str:
        """Process a return for an order."""
        # Simulate processing a return
        print(f"Processing return for order {order_id} due to: {reason}")
        return f"Return for order {order_id} has been processed successfully."

from semantic_kernel.agents import ChatCompletionAgent
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

support_agent = ChatCompletionAgent(
    name="TriageAgent",
    description="A customer support agent that triages issues.",
    instructions="Handle customer requests.",
    service=OpenAIChatCompletion(),
)

refund_agent = ChatCompletionAgent(
    name="RefundAgent",
    description="A customer support agent that handles refunds.",
    instructions="Handle refund requests.",
    service=OpenAIChatCompletion(),
    plugins=[OrderRefundPlugin()],
)

order_status_agent = ChatCompletionAgent(
    name="OrderStatusAgent",
    description="A customer support agent that checks order status.",
    instructions="Handle order status requests.",
    service=OpenAIChatCompletion(),
    plugins=[OrderStatusPlugin()],
)

order_return_agent = ChatCompletionAgent(
    name="OrderReturnAgent",
    description="A customer support agent that handles order returns.",
    instructions="Handle order return requests.",
    service=OpenAIChatCompletion(),
    plugins=[OrderReturnPlugin()],
)

from semantic_kernel.agents import OrchestrationHandoffs

handoffs = (
    OrchestrationHandoffs()
    .add_many(    # Use add_many to add multiple handoffs to the same source agent at once
        source_agent=support_agent.name,
        target_agents={
            refund_agent.name: "Transfer to this agent if the issue is refund related",
            order_status_agent.name: "Transfer to this agent if the issue is order status related",
            order_return_agent.name: "Transfer to this agent if the issue is order return related",
        },
    )
    .add(    # Use add to add a single handoff
        source_agent=refund_agent.name,
        target_agent=support_agent.name,
        description="Transfer to this agent if the issue is not refund related",
    )
    .add(
        source_agent=order_status_agent.name,
        target_agent=support_agent.name,
        description="Transfer to this agent if the issue is not order status related",
    )
    .add(
        source_agent=order_return_agent.name,
        target_agent=support_agent.name,
        description="Transfer to this agent if the issue is not order return related",
    )
)

from semantic_kernel.contents import ChatMessageContent

def agent_response_callback(message: ChatMessageContent) -> None:
    print(f"{message.name}: {message.content}")

from semantic_kernel.contents import AuthorRole, ChatMessageContent

def human_response_function() -> ChatMessageContent:
    user_input = input("User: ")
    return ChatMessageContent(role=AuthorRole.USER, content=user_input)

from semantic_kernel.agents import HandoffOrchestration

handoff_orchestration = HandoffOrchestration(
    members=[
        support_agent,
        refund_agent,
        order_status_agent,
        order_return_agent,
    ],
    handoffs=handoffs,
    agent_response_callback=agent_response_callback,
    human_response_function=human_response_function,
)

from semantic_kernel.agents.runtime import InProcessRuntime


async def main():
    runtime = InProcessRuntime()
    runtime.start()

    orchestration_result = await handoff_orchestration.invoke(
        task="A customer is on the line.",
        runtime=runtime,
    )

    value = await orchestration_result.get()
    print(value)

    await runtime.stop_when_idle()


if __name__ == "__main__":
    asyncio.run(main())
