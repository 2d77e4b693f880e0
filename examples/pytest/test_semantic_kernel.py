"""The Semantic Kernel handoff tutorial's sample, run in-process against the tutorial's scenario.

``handoff serve`` answers each model request as the scenario's scripted model does, and checks
that it is the request Semantic Kernel 1.45.0 sends at that point; the sample's ``input("User: ")``
reads the scenario's human replies (``stdin=True``); the conversation is compared with
``snapshots/test_semantic_kernel__test_the_tutorial_sample_processes_a_return.snap``.
"""

import asyncio

import pytest


@pytest.mark.handoff("../../scenarios/customer_support.json", stdin=True)
def test_the_tutorial_sample_processes_a_return(sk_tutorial, capsys):
    asyncio.run(sk_tutorial.main())

    printed = capsys.readouterr().out
    assert "OrderStatusAgent: Your order with ID 123 has been shipped" in printed
    assert "Task is completed with summary: Handled order return for order ID 321" in printed
