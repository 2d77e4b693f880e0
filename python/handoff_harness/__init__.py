"""handoff-harness: the ``handoff`` command-line tool, shipped as a wheel, and a pytest plugin.

``pip install handoff-harness`` puts ``handoff`` on ``PATH`` (the wheel carries the binary in
its scripts folder, as ruff and uv do); :func:`find_binary` finds it from Python, and
``python -m handoff_harness`` (or ``python -m handoff``) runs it. The pytest plugin is
:mod:`handoff_harness.pytest_plugin`.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

__all__ = ["find_binary", "BinaryNotFound"]

#: An environment variable naming the ``handoff`` binary to use instead of the wheel's (a
#: ``cargo build`` of a checkout, for instance).
BINARY_VARIABLE = "HANDOFF_BIN"


class BinaryNotFound(FileNotFoundError):
    """No ``handoff`` binary was found: the message says where it was looked for."""


def _candidates() -> list[str]:
    exe = "handoff" + (sysconfig.get_config_var("EXE") or "")
    places = [os.path.join(sysconfig.get_path("scripts"), exe)]
    # `pip install --user`.
    if sys.version_info >= (3, 10):
        user = sysconfig.get_preferred_scheme("user")
    elif os.name == "nt":
        user = "nt_user"
    else:
        user = "posix_user"
    places.append(os.path.join(sysconfig.get_path("scripts", scheme=user), exe))
    # `pip install --target DIR`: the scripts are in DIR/bin, beside the package.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    places.append(os.path.join(package_root, "bin", exe))
    return places


def find_binary() -> str:
    """The path of the ``handoff`` binary.

    In order: ``$HANDOFF_BIN``; the scripts folder of this Python environment (where ``pip``
    put the wheel's binary); the user scripts folder (``pip install --user``); ``bin`` beside
    the package (``pip install --target``); then ``PATH``. Raises :class:`BinaryNotFound`
    naming the places looked at.
    """
    named = os.environ.get(BINARY_VARIABLE)
    if named:
        if os.path.isfile(named) and os.access(named, os.X_OK):
            return named
        raise BinaryNotFound(f"${BINARY_VARIABLE} is {named!r}, which is no executable file")
    places = _candidates()
    for place in places:
        if os.path.isfile(place) and os.access(place, os.X_OK):
            return place
    on_path = shutil.which("handoff")
    if on_path:
        return on_path
    raise BinaryNotFound(
        "the handoff binary was not found: looked at "
        + ", ".join(places)
        + ", and on PATH; `pip install handoff-harness` installs it, "
        + f"or set ${BINARY_VARIABLE} to a binary (e.g. a cargo build's target/release/handoff)"
    )
