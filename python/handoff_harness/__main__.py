"""``python -m handoff_harness ARGS``: runs ``handoff ARGS``."""

from __future__ import annotations

import os
import subprocess
import sys

from handoff_harness import BinaryNotFound, find_binary


def main() -> int:
    try:
        binary = find_binary()
    except BinaryNotFound as error:
        print(f"handoff_harness: {error}", file=sys.stderr)
        return 2
    if sys.platform == "win32":
        return subprocess.call([binary, *sys.argv[1:]])
    # Become the binary: its exit status, signals and terminal are the caller's.
    os.execv(binary, [binary, *sys.argv[1:]])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
