"""``python -m handoff``: the ``handoff`` command. The package is :mod:`handoff_harness`."""
