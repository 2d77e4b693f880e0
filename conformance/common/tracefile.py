"""Shared helpers for the conformance probes: deterministic JSON trace files.

Every probe script builds one dict per probe and hands it to ``write_trace``. The file is pretty
printed with sorted keys and a trailing newline, so two runs produce byte-identical files as long as
the probe itself is deterministic (ids come from the fakes' counters; anything the framework makes
random is renamed in first-seen order with ``IdMap``).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


class IdMap:
    """Rename random ids to <prefix>_0001, <prefix>_0002, ... in order of first appearance."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.map: dict[str, str] = {}

    def __call__(self, raw: Any) -> Any:
        if raw is None:
            return None
        raw = str(raw)
        if raw not in self.map:
            self.map[raw] = f"{self.prefix}_{len(self.map) + 1:04d}"
        return self.map[raw]


def jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if hasattr(v, "model_dump"):
        try:
            return jsonable(v.model_dump(exclude_unset=True))
        except Exception:  # noqa: BLE001
            pass
    return repr(v)


def write_trace(out_dir: str, trace: dict[str, Any]) -> str:
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{trace['probe']}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(jsonable(trace), f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    return path


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def selected(argv: list[str], names: list[str]) -> list[str]:
    """Probe names picked on the command line (all when none given)."""
    want = [a for a in argv if not a.startswith("-")]
    unknown = [w for w in want if w not in names]
    if unknown:
        raise SystemExit(f"unknown probe(s) {unknown}; known: {names}")
    return want or names
