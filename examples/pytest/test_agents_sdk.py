"""The OpenAI Agents SDK's customer-service sample, run in-process against its scenario.

The sample's chat loop reads every message with ``input()``, its first one too, so the
scenario's task comes first on its input (``task_on_stdin=True``). After the last message its
``input()`` raises ``EOFError``: that is where its conversation ends.
"""

import asyncio

import pytest


@pytest.mark.handoff("../openai-agents/customer_service.json", task_on_stdin=True)
def test_the_customer_service_sample_changes_a_seat(customer_service, capsys):
    with pytest.raises(EOFError):
        asyncio.run(customer_service.main())

    printed = capsys.readouterr().out
    assert "Handed off from Triage Agent to Seat Booking Agent" in printed
    assert "Seat Booking Agent: Calling a tool" in printed
