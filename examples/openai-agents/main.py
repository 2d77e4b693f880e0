"""Runs the OpenAI Agents SDK's own customer-service sample, unchanged.

The sample is `examples/customer_service/main.py` of openai-agents 0.24.0. `setup.sh` unpacks it
from the package's source distribution into target/examples/openai-agents/sdk, together with
`examples/auto_mode.py`, which the sample imports. This file runs that sample as `__main__` and
changes nothing in it. It does two things around it:

1. It switches tracing off (`OPENAI_AGENTS_DISABLE_TRACING=1`) before the SDK is imported, so no
   trace is exported to api.openai.com.
2. At the end of its input, the sample's `input()` raises `EOFError` and the sample stops with a
   traceback. Here that is the end of the conversation, and the program exits 0.

The sample reads one user message per line from standard input (`input("Enter your message: ")`).
The first line is the conversation's first message. The SDK's `AsyncOpenAI` client reads
`OPENAI_BASE_URL` and `OPENAI_API_KEY`, and the agents' default model is `OPENAI_DEFAULT_MODEL`.

    examples/openai-agents/python.sh examples/openai-agents/main.py < messages.txt

`HANDOFF_OAI_SAMPLE_DIR` names another directory that holds the sample's `examples/` package.
"""

import os
import runpy
import sys

os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE_DIR = os.environ.get("HANDOFF_OAI_SAMPLE_DIR") or os.path.join(ROOT, "target", "examples", "openai-agents", "sdk")
SAMPLE = os.path.join(SAMPLE_DIR, "examples", "customer_service", "main.py")


def main() -> int:
    if not os.path.isfile(SAMPLE):
        print(f"main.py: no sample at {SAMPLE}: run examples/openai-agents/setup.sh", file=sys.stderr)
        return 1
    # The sample imports `examples.auto_mode`: its `examples` package must come first on the path.
    sys.path.insert(0, SAMPLE_DIR)
    try:
        runpy.run_module("examples.customer_service.main", run_name="__main__", alter_sys=True)
    except EOFError:
        print("\nmain.py: end of input, the conversation is over", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
