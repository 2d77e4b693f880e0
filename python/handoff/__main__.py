"""``python -m handoff ARGS``: runs ``handoff ARGS`` (the same as ``python -m handoff_harness``)."""

import sys

from handoff_harness.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
