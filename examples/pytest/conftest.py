"""The two published samples these tests run in-process, each loaded fresh for its test.

Both samples build their model clients from the environment, and the Semantic Kernel tutorial
builds its agents when its module is imported, so each is loaded *after* the plugin has pointed
the environment at ``handoff serve`` (the fixtures depend on ``handoff_serve`` for that).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path, name: str) -> ModuleType:
    """Imports the file at ``path`` as a new module ``name`` (not kept in ``sys.modules``)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sk_tutorial(handoff_serve) -> ModuleType:
    """The Semantic Kernel handoff tutorial's customer-support sample, unchanged:
    ``examples/semantic-kernel/step4_handoff.py``."""
    return load(ROOT / "examples" / "semantic-kernel" / "step4_handoff.py", "step4_handoff")


@pytest.fixture
def customer_service(handoff_serve, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The OpenAI Agents SDK's own customer-service sample (``examples/customer_service/main.py``
    of openai-agents 0.24.0), unchanged: unpacked from the SDK's source distribution by
    ``examples/openai-agents/setup.sh``, or found in ``$HANDOFF_OAI_SAMPLE_DIR``."""
    # No trace is exported to api.openai.com (read when the SDK is imported).
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    sdk = Path(os.environ.get("HANDOFF_OAI_SAMPLE_DIR") or ROOT / "target" / "examples" / "openai-agents" / "sdk")
    sample = sdk / "examples" / "customer_service" / "main.py"
    if not sample.is_file():
        pytest.fail(f"no sample at {sample}: run examples/openai-agents/setup.sh first", pytrace=False)
    # The sample imports `examples.auto_mode`, from the SDK's `examples` package.
    monkeypatch.syspath_prepend(str(sdk))
    for name in [n for n in sys.modules if n == "examples" or n.startswith("examples.")]:
        monkeypatch.delitem(sys.modules, name)
    return load(sample, "customer_service_main")
