"""A support desk on Agent Framework's HandoffBuilder, wired the way the framework's published
handoff samples wire theirs, for `handoff serve` to check (this project's own code).

Four agents in the builder's default mesh: a front desk without tools and three specialists
with one function each. The model is a FoundryChatClient on FOUNDRY_PROJECT_ENDPOINT and
FOUNDRY_MODEL with AzureCliCredential (serve sets both and puts a stand-in `az` on PATH). Every
agent keeps its history per service call, so the Responses API chains requests with
`previous_response_id`. The first `workflow.run` (the task) streams; each human reply is sent
with a non-streamed `await workflow.run(responses=...)`. The run ends when the last message says
"welcome" (the termination condition), or at the end of the replies on standard input.

Two settings switch the wiring, for recording the other shapes the framework can send:
    SUPPORT_DESK_CLIENT=chat-completions   OpenAIChatCompletionClient (OPENAI_BASE_URL) instead
    SUPPORT_DESK_STREAM=all                every workflow.run streams

    handoff serve examples/agent-framework/support_desk.json -- python support_desk.py
"""

import asyncio
import os
import sys
from typing import Annotated

from agent_framework import Agent, AgentResponse, AgentResponseUpdate, WorkflowEvent, tool
from agent_framework.orchestrations import HandoffAgentUserRequest, HandoffBuilder

TASK = "Hi, I have a problem with something I bought."


@tool(approval_mode="never_require")
def start_exchange(order_ref: Annotated[str, "The order whose item is exchanged"]) -> str:
    """Start an exchange of a damaged item."""
    return f"Exchange opened for order {order_ref}; a courier collects the item tomorrow."


@tool(approval_mode="never_require")
def issue_credit(order_ref: Annotated[str, "The order to credit"]) -> str:
    """Credit the customer's account for an order."""
    return f"Credit note issued for order {order_ref}."


@tool(approval_mode="never_require")
def track_parcel(order_ref: Annotated[str, "The order whose parcel is tracked"]) -> str:
    """Say where an order's parcel is."""
    return f"The parcel of order {order_ref} is at the local depot."


def make_client():
    """The chat client the settings ask for: Foundry (the samples' choice) or Chat Completions."""
    if os.environ.get("SUPPORT_DESK_CLIENT") == "chat-completions":
        from agent_framework.openai import OpenAIChatCompletionClient

        return OpenAIChatCompletionClient(model=os.environ["FOUNDRY_MODEL"])
    from agent_framework.foundry import FoundryChatClient
    from azure.identity import AzureCliCredential

    return FoundryChatClient(
        project_endpoint=os.environ["FOUNDRY_PROJECT_ENDPOINT"],
        model=os.environ["FOUNDRY_MODEL"],
        credential=AzureCliCredential(),
    )


def make_agents(client) -> list[Agent]:
    """The front desk first, then the specialists."""
    specialists = [
        ("exchange_agent", "You arrange exchanges of damaged items.", start_exchange),
        ("billing_agent", "You handle credits and invoices.", issue_credit),
        ("delivery_agent", "You answer questions about deliveries.", track_parcel),
    ]
    front = Agent(
        client=client,
        name="front_desk",
        instructions="You greet customers and pass them to the specialist their issue needs.",
        require_per_service_call_history_persistence=True,
    )
    return [front] + [
        Agent(
            client=client,
            name=name,
            instructions=instructions,
            tools=[function],
            require_per_service_call_history_persistence=True,
        )
        for name, instructions, function in specialists
    ]


def said_welcome(conversation) -> bool:
    """The termination condition: the last message says "welcome"."""
    return bool(conversation) and "welcome" in (conversation[-1].text or "").lower()


def pending(events: list[WorkflowEvent]) -> list[WorkflowEvent]:
    """Prints what the agents said (a streamed run's updates joined per speaker) and handed
    off; returns the requests for user input."""
    requests = []
    updates: list[AgentResponseUpdate] = []

    def show(response: AgentResponse) -> None:
        for message in response.messages:
            if message.text:
                print(f"{message.author_name or message.role}: {message.text}")

    def flush() -> None:
        if updates:
            show(AgentResponse.from_updates(updates))
            updates.clear()

    for event in events:
        if event.type == "output" and isinstance(event.data, AgentResponseUpdate):
            if updates and updates[-1].author_name != event.data.author_name:
                flush()
            updates.append(event.data)
            continue
        flush()
        if event.type == "handoff_sent":
            print(f"[handoff] {event.data.source} -> {event.data.target}")
        elif event.type == "output" and isinstance(event.data, AgentResponse):
            show(event.data)
        elif event.type == "request_info" and isinstance(event.data, HandoffAgentUserRequest):
            requests.append(event)
    flush()
    return requests


async def main() -> None:
    agents = make_agents(make_client())
    workflow = (
        HandoffBuilder(name="support_desk", participants=agents, termination_condition=said_welcome)
        .with_start_agent(agents[0])
        .build()
    )
    stream_all = os.environ.get("SUPPORT_DESK_STREAM") == "all"
    print(f"user: {TASK}")
    requests = pending([event async for event in workflow.run(TASK, stream=True)])
    while requests:
        line = sys.stdin.readline()
        if line:
            print(f"user: {line.strip()}")
            answer = HandoffAgentUserRequest.create_response(line.strip())
        else:
            answer = HandoffAgentUserRequest.terminate()
        responses = {request.request_id: answer for request in requests}
        if stream_all:
            events = [event async for event in workflow.run(responses=responses, stream=True)]
        else:
            events = await workflow.run(responses=responses)
        requests = pending(events)


if __name__ == "__main__":
    asyncio.run(main())
