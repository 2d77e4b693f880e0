"""A Semantic Kernel 1.45 handoff app no example of the repository resembles, for `handoff
discover`'s tests: a chain (FrontDesk -> Billing -> Disputes; Disputes reached only through
Billing), typed tools (an int, a Literal, a bool with a default), an agent with two tools, no
human function (a text reply ends the run), and agents built inside `main()`."""

import asyncio
from typing import Literal

from semantic_kernel.agents import ChatCompletionAgent, HandoffOrchestration, OrchestrationHandoffs
from semantic_kernel.agents.runtime import InProcessRuntime
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion
from semantic_kernel.functions import kernel_function


class InvoicePlugin:
    @kernel_function
    def lookup_invoice(self, invoice_id: str, year: int) -> str:
        """Look up an invoice."""
        return f"Invoice {invoice_id} of {year}: 42.00 EUR, paid."

    @kernel_function
    def resend_invoice(self, invoice_id: str, by_post: bool = False) -> str:
        """Send an invoice again."""
        return f"Invoice {invoice_id} sent again{' by post' if by_post else ''}."


class DisputePlugin:
    @kernel_function
    def open_dispute(self, kind: Literal["fraud", "error"], invoice_id: str) -> str:
        """Open a dispute about an invoice."""
        return f"Dispute ({kind}) opened for invoice {invoice_id}."


async def main() -> None:
    front = ChatCompletionAgent(
        name="FrontDesk", description="Greets customers.", instructions="Greet and route.", service=OpenAIChatCompletion()
    )
    billing = ChatCompletionAgent(
        name="Billing",
        description="Handles invoices.",
        instructions="Answer invoice questions.",
        service=OpenAIChatCompletion(),
        plugins=[InvoicePlugin()],
    )
    disputes = ChatCompletionAgent(
        name="Disputes",
        description="Handles disputed charges.",
        instructions="Open disputes.",
        service=OpenAIChatCompletion(),
        plugins=[DisputePlugin()],
    )
    handoffs = (
        OrchestrationHandoffs()
        .add(front, billing, "Transfer for anything about invoices")
        .add(billing, disputes, "Transfer when the customer disputes a charge")
        .add(billing, front, "Transfer back when it is not about invoices")
        .add(disputes, front, "Transfer back when the dispute is opened")
    )
    orchestration = HandoffOrchestration(members=[front, billing, disputes], handoffs=handoffs)
    runtime = InProcessRuntime()
    runtime.start()
    result = await orchestration.invoke(task="I was charged twice.", runtime=runtime)
    print(await result.get())
    await runtime.stop_when_idle()


if __name__ == "__main__":
    asyncio.run(main())
