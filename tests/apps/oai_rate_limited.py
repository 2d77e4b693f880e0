"""A small OpenAI Agents SDK 0.24 app for `handoff serve`'s model-error tests: Triage hands a
refund over to Refund, whose text reply is the run's final output. The SDK's default OpenAI
client (Responses API, `max_retries` 2) is the one that meets the scripted errors: it tries a
429 or a 5xx again, and `Runner.run` raises what it gives up on."""

import asyncio

from agents import Agent, Runner


async def main() -> None:
    refund = Agent(name="RefundAgent", instructions="Handle refund requests.",
                   handoff_description="Handles refunds.")
    triage = Agent(name="TriageAgent", instructions="Handle customer requests.", handoffs=[refund])
    result = await Runner.run(triage, "I want a refund for order 7.")
    print(f"final output: {result.final_output}")


if __name__ == "__main__":
    asyncio.run(main())
