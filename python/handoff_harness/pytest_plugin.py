"""The pytest plugin of handoff-harness (registered by the ``pytest11`` entry point).

A test marked ``@pytest.mark.handoff("scenario.json")`` (the path relative to the test file)
runs with ``handoff serve`` answering, on a free port, every model request as the scenario's
scripted model does. For the test, the app's OpenAI and Azure OpenAI client settings point at
it (the environment variables ``handoff serve -- COMMAND`` gives a wrapped app; restored
afterwards), so the app under test runs in-process, inside the test. When the test body ends,
serve is stopped and the test fails with its report when a request diverged from what the
scenario's framework sends, an expectation of the scenario failed, the conversation was left
unfinished, or the app never called the model.

The ``handoff_serve`` fixture returns the running :class:`HandoffServe` (its ``base_url``,
``port``, and, once stopped, the ``report``). Marker arguments:

- ``conversations=1``: how many conversations the app holds (``--conversations``);
- ``match="strict"``: ``"strict"`` or ``"agent"`` (``--match``);
- ``timeout=120``: seconds serve waits at most (``--timeout``);
- ``record_mode="none"``: as ``--handoff-record-mode``;
- ``stdin=False``: with ``True``, the test's ``sys.stdin`` holds the scenario's human replies,
  one per line, as a wrapped app's standard input does (so the app's ``input()`` gets them,
  and ``EOFError`` after the last);
- ``task_on_stdin=False``: with ``True``, the scenario's task comes first on that input
  (``--task-on-stdin``, for apps that read their first message too); implies ``stdin``;
- ``snapshot=True``: the conversation is compared with the snapshot
  ``snapshots/<test module>__<test name>.snap`` beside the test file (insta's format, as
  ``handoff test`` writes; ``handoff serve --snapshot``): a new or changed conversation is
  written as ``.snap.new`` and fails the test with the diff, until ``handoff test --review
  FOLDER`` (or ``--accept``, or ``pytest --handoff-snapshot-update``) accepts it. A string
  names the snapshot file instead (relative to the test file); ``False`` compares none. A
  recording run accepts the snapshot of the conversation it records.

Record modes (``--handoff-record-mode``, the marker's ``record_mode``; the command line wins),
with the vocabulary of pytest-recording:

- ``none`` (default): replay only: the scenario answers every request (or, if there is one,
  the recording beside it, ``<stem>.recording.json``);
- ``once``: with no recording beside the scenario (``<stem>.recording.json``), forward every
  request to ``--handoff-upstream URL`` (model ``--handoff-upstream-model``, key from
  ``$OPENAI_API_KEY`` or ``--handoff-upstream-key-env``) and write the recording; with one,
  replay as ``none`` does;
- ``new``: as ``once`` (serve records a whole conversation; there are no new episodes to add);
- ``all``: always forward and record, overwriting the recording.
"""

from __future__ import annotations

import json
import os
import io
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest

from handoff_harness import BinaryNotFound, find_binary

RECORD_MODES = ("none", "once", "new", "all")
MATCHES = ("strict", "agent")
#: The model name serve answers as (what a wrapped app is given; `src/serve/app.rs`).
MODEL = "handoff-serve"
#: Where the fixture leaves the test's serve, for the hook that ends it after the test body.
SERVE_KEY = pytest.StashKey["HandoffServe"]()
#: How long serve may take to write its port file.
START_PATIENCE = 20.0
#: After the test body, how long serve has to end by itself (its conversations over) before
#: it is interrupted.
END_GRACE = 1.0
#: How long an interrupted serve has to print its report.
STOP_PATIENCE = 15.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("handoff", "handoff-harness (scripted model endpoint)")
    group.addoption(
        "--handoff-record-mode",
        choices=RECORD_MODES,
        default=None,
        help="none (default): replay the scenario; once/new: record against the upstream "
        "when no recording exists; all: always record",
    )
    group.addoption("--handoff-upstream", metavar="URL", default=None, help="the real OpenAI-compatible endpoint to record from")
    group.addoption("--handoff-upstream-model", metavar="NAME", default=None, help="the model to ask upstream")
    group.addoption(
        "--handoff-upstream-key-env",
        metavar="NAME",
        default="OPENAI_API_KEY",
        help="the environment variable holding the upstream API key",
    )
    group.addoption(
        "--handoff-snapshot-update",
        action="store_true",
        default=False,
        help="accept every new or changed conversation snapshot instead of failing "
        "(as `handoff test --accept` would afterwards)",
    )
    group.addoption("--handoff-binary", metavar="PATH", default=None, help="the handoff binary (default: find_binary())")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        'handoff(scenario, conversations=1, match="strict", timeout=120, record_mode=None, '
        "stdin=False, task_on_stdin=False, snapshot=True): "
        "serve SCENARIO (relative to the test file) to the app for this test and fail the test "
        "with serve's report",
    )


class HandoffError(Exception):
    """A usage error of the plugin: reported without a traceback."""


@dataclass
class HandoffServe:
    """A running ``handoff serve`` for one test."""

    scenario: Path
    command: list
    process: subprocess.Popen
    port: int
    workdir: Path
    record_mode: str
    recording: Optional[Path] = None
    #: The snapshot the conversation is compared with, if any.
    snapshot: Optional[Path] = None
    #: The folder serve runs in (pytest's), which the paths of its report are relative to.
    cwd: Path = Path(".")
    #: Whether a new or changed snapshot is accepted rather than failing the test (a
    #: recording run, or ``--handoff-snapshot-update``).
    accept_snapshot: bool = False
    #: serve's JSON report, once stopped.
    report: Optional[dict] = None
    #: What serve says an app needs to reach it (`--app-env`): ``{"set": {...}, "remove": [...]}``.
    environment: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    returncode: Optional[int] = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def stdin(self) -> list:
        """The lines a wrapped app reads on its input: the scenario's human replies (after
        its task, with ``task_on_stdin=True``)."""
        return list(self.environment.get("stdin", []))

    @property
    def model(self) -> str:
        """The model name serve answers as."""
        return MODEL

    def stop(self) -> Optional[dict]:
        """Ends serve (waiting :data:`END_GRACE` for it to end by itself, then SIGINT) and
        reads its report. Idempotent."""
        if self.returncode is not None:
            return self.report
        process = self.process
        # communicate() reads the report while waiting, so a long one cannot block serve on a
        # full pipe; it may be called again after a timeout.
        try:
            out, err = process.communicate(timeout=END_GRACE)
        except subprocess.TimeoutExpired:
            # Still serving: the conversation is unfinished. Interrupted, serve reports what it
            # has and exits 130.
            process.send_signal(signal.SIGINT)
            try:
                out, err = process.communicate(timeout=STOP_PATIENCE)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
        self.stdout, self.stderr, self.returncode = out, err, process.returncode
        if self.recording is not None:
            written = self.workdir / self.recording.name
            if written.is_file():
                shutil.move(str(written), str(self.recording))
        try:
            self.report = json.loads(out) if out.strip() else None
        except json.JSONDecodeError:
            self.report = None
        self._name_scenario()
        return self.report

    def _name_scenario(self) -> None:
        """A new snapshot's header names the scenario file relative to the snapshot's folder;
        serve named the file it served, which is a copy when a recording is replayed."""
        snapshot = (self.report or {}).get("snapshot") or {}
        if snapshot.get("status") != "new" or not snapshot.get("pending"):
            return
        pending = self.cwd / snapshot["pending"]
        if not pending.is_file():
            return
        name = os.path.relpath(self.scenario, os.path.dirname(pending))
        if not re.fullmatch(r"[A-Za-z0-9_./-]+", name):
            name = json.dumps(name)
        text = Path(pending).read_text()
        Path(pending).write_text(re.sub(r"(?m)^input_file: .*$", lambda _: f"input_file: {name}", text, count=1))

    def failure(self) -> Optional[str]:
        """Why the conversation failed, serve's report of it; ``None`` if it passed."""
        self.stop()
        report = self.report
        head = f"handoff serve {self.scenario}"
        if report is None:
            return (
                f"{head}: ended with exit status {self.returncode} and no report\n"
                f"{self.stderr.strip()}"
            )
        if report.get("passed") and self.returncode == 0:
            return None
        if self.accept_snapshot and self._accept_snapshot():
            return None
        return f"{head}: FAIL\n{explain(report, self)}"

    def _accept_snapshot(self) -> bool:
        """Accepts a new or changed snapshot, if that is all that failed (serve compares the
        snapshot only when everything else passed): its ``.snap.new`` replaces the ``.snap``."""
        snapshot = (self.report or {}).get("snapshot") or {}
        if snapshot.get("status") not in ("new", "changed"):
            return False
        os.replace(self.cwd / snapshot["pending"], self.cwd / snapshot["path"])
        snapshot["status"] = "accepted"
        return True


def explain(report: dict, serve: HandoffServe) -> str:
    """serve's JSON report as the lines a failed test shows."""
    lines: list = []
    conversations = report.get("conversations") or []
    called = bool(report.get("refused")) or any(
        (c.get("traffic") or {}).get("answered")
        or (c.get("traffic") or {}).get("divergence")
        or (c.get("traffic") or {}).get("unexpected")
        for c in conversations
    )
    if not called:
        return (
            f"the app never called the model: no request reached {serve.base_url} "
            "(does the app build its client inside the test, after the fixture set OPENAI_BASE_URL, "
            "and read the base URL from the environment?)"
        )
    for conversation in conversations:
        number = conversation.get("conversation", "?")
        traffic = conversation.get("traffic") or {}
        answered = traffic.get("answered")
        path = " -> ".join(conversation.get("path") or [])
        lines.append(f"conversation {number}: {answered} request(s) answered; path: {path or '(none)'}")
        divergence = traffic.get("divergence")
        if divergence:
            if isinstance(divergence, dict):
                lines.append(
                    "  diverged at {agent} call {call} (model call {run_call}): {reason}".format(
                        agent=divergence.get("agent", "?"),
                        call=divergence.get("call", "?"),
                        run_call=divergence.get("run_call", "?"),
                        reason=divergence.get("reason", ""),
                    )
                )
                diff = divergence.get("diff") or ""
                if diff:
                    lines.append("  the expected request (-) against the app's (+):")
                    lines.extend("    " + line for line in diff.rstrip("\n").split("\n"))
            else:
                lines.append(f"  diverged: {divergence}")
        for unexpected in traffic.get("unexpected") or []:
            lines.append(f"  unexpected request: {unexpected}")
        if traffic.get("closed"):
            lines.append(f"  closed: {traffic['closed']}")
        outcome = conversation.get("outcome")
        if outcome is not None:
            kind = outcome.get("kind") if isinstance(outcome, dict) else outcome
            lines.append(f"  outcome: {kind}")
        for check in conversation.get("expectations") or []:
            if not check.get("passed", True):
                lines.append(
                    f"  expectation failed: {check.get('name')}: expected {check.get('expected')}, "
                    f"got {check.get('actual')}"
                )
    lines.extend(_snapshot_lines(report.get("snapshot")))
    for refused in report.get("refused") or []:
        lines.append(f"refused request: {refused}")
    if report.get("interrupted") or report.get("timed_out"):
        why = "--timeout" if report.get("timed_out") else "the test ended"
        lines.append(f"the conversation is unfinished: serve was stopped ({why}) before the scenario's run ended")
    if report.get("error"):
        lines.append(f"error: {report['error']}")
    if serve.recording is not None:
        lines.append(f"recording: {serve.recording}")
    return "\n".join(lines)


def _snapshot_lines(snapshot: Optional[dict]) -> list:
    """The report's ``snapshot`` as the lines a failed test shows (none when it matched)."""
    if not snapshot or snapshot.get("status") in ("matched", "not-compared"):
        return []
    status = snapshot.get("status")
    review = f"handoff test --review {snapshot.get('review', '.')} (or --accept)"
    if status == "new":
        return [f"snapshot: new: written to {snapshot.get('pending')}; review it: {review}"]
    if status == "changed":
        lines = [f"snapshot: changed: {snapshot.get('pending')} differs from {snapshot.get('path')}; review it: {review}"]
        lines.extend("  " + line for line in (snapshot.get("diff") or "").rstrip("\n").split("\n"))
        return lines
    return [f"snapshot: {snapshot.get('error', status)}"]


def _snapshot_path(request: pytest.FixtureRequest, setting: Any) -> Optional[Path]:
    """The snapshot of the test: ``snapshots/<module>__<test>.snap`` beside the test file (the
    test's name made a file name), a path given relative to it, or none for ``False``."""
    if setting is False or setting is None:
        return None
    test_file = Path(str(getattr(request.node, "path", None) or request.node.fspath))
    if setting is True:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
        return test_file.parent / "snapshots" / f"{test_file.stem}__{name}.snap"
    path = Path(setting)
    return path if path.is_absolute() else test_file.parent / path


def _marker_settings(request: pytest.FixtureRequest) -> tuple:
    marker = request.node.get_closest_marker("handoff")
    if marker is None:
        raise HandoffError(
            'handoff_serve needs a scenario: mark the test @pytest.mark.handoff("scenario.json") '
            "(the path relative to the test file)"
        )
    args, kwargs = list(marker.args), dict(marker.kwargs)
    scenario = kwargs.pop("scenario", None) or (args.pop(0) if args else None)
    if scenario is None:
        raise HandoffError("@pytest.mark.handoff: no scenario given")
    return scenario, kwargs


def _resolve(request: pytest.FixtureRequest, scenario: Any) -> Path:
    path = Path(scenario)
    if not path.is_absolute():
        test_file = Path(str(getattr(request.node, "path", None) or request.node.fspath))
        path = Path(os.path.normpath(test_file.parent / path))
    if not path.is_file():
        raise HandoffError(f"handoff: scenario not found: {path}")
    return path


def _record_args(config: pytest.Config, mode: str, scenario: Path, workdir: Path) -> tuple:
    """The extra serve arguments of `mode`, and the recording written (if any). serve writes
    it in `workdir`; it replaces the one beside the scenario once serve has ended, so a failed
    recording run keeps the earlier recording."""
    if mode not in RECORD_MODES:
        raise HandoffError(f"handoff: record mode {mode!r} is none of {', '.join(RECORD_MODES)}")
    if mode == "none":
        return [], None
    recording = scenario.with_name(scenario.stem + ".recording.json")
    if mode in ("once", "new") and recording.exists():
        return [], None
    upstream = config.getoption("--handoff-upstream")
    model = config.getoption("--handoff-upstream-model")
    if not upstream or not model:
        raise HandoffError(
            f"handoff: record mode {mode!r} records {recording} from a live model: "
            "give --handoff-upstream URL and --handoff-upstream-model NAME"
        )
    args = [
        "--upstream",
        upstream,
        "--upstream-model",
        model,
        "--api-key-env",
        config.getoption("--handoff-upstream-key-env"),
        "--record",
        str(workdir / recording.name),
    ]
    return args, recording


def _replaying(scenario: Path, recording: Path, workdir: Path) -> Path:
    """A copy of `scenario` in `workdir` whose model is `recording` (the order of its keys
    kept: it orders the handoffs offered)."""
    try:
        text = json.loads(scenario.read_text())
    except (OSError, ValueError) as error:
        raise HandoffError(f"handoff: {scenario}: {error}") from None
    text["model"] = {"recording": str(recording.resolve())}
    copy = workdir / scenario.name
    copy.write_text(json.dumps(text, indent=2))
    return copy


def _shown(config: pytest.Config, path: Path) -> str:
    """`path` as serve is given it, and so as its report shows it: relative to the folder
    pytest was started in (serve runs there), as pytest shows test files; else absolute."""
    relative = os.path.relpath(path, config.invocation_params.dir)
    return str(path) if relative.startswith("..") else relative


def _start(request: pytest.FixtureRequest, workdir: Path) -> HandoffServe:
    scenario, options = _marker_settings(request)
    path = _resolve(request, scenario)
    config = request.config
    binary = config.getoption("--handoff-binary")
    if not binary:
        try:
            binary = find_binary()
        except BinaryNotFound as error:
            raise HandoffError(f"handoff: {error}") from None
    elif not os.path.isfile(binary):
        raise HandoffError(f"handoff: --handoff-binary {binary}: no such file")
    matching = options.pop("match", "strict")
    if matching not in MATCHES:
        raise HandoffError(f"@pytest.mark.handoff: match={matching!r} is none of {', '.join(MATCHES)}")
    conversations = int(options.pop("conversations", 1))
    timeout = options.pop("timeout", 120)
    mode = config.getoption("--handoff-record-mode") or options.pop("record_mode", None) or "none"
    options.pop("record_mode", None)
    task_on_stdin = bool(options.pop("task_on_stdin", False))
    options.pop("stdin", None)
    snapshot = _snapshot_path(request, options.pop("snapshot", True))
    if options:
        raise HandoffError(f"@pytest.mark.handoff: unknown argument(s) {', '.join(sorted(options))}")
    record, recording = _record_args(config, mode, path, workdir)
    served = path
    replayed = path.with_name(path.stem + ".recording.json")
    if recording is None and replayed.is_file():
        served = _replaying(path, replayed, workdir)
    port_file = workdir / "port"
    app_env = workdir / "app-env.json"
    command = [
        binary,
        "serve",
        _shown(config, served),
        "--app-env",
        str(app_env),
        "--port-file",
        str(port_file),
        "--format",
        "json",
        "--color",
        "never",
        "--match",
        matching,
        "--conversations",
        str(conversations),
        "--timeout",
        str(timeout),
        *(["--task-on-stdin"] if task_on_stdin else []),
        *(["--snapshot", _shown(config, snapshot)] if snapshot is not None else []),
        *record,
    ]
    # serve's own environment is the caller's (an upstream key stays with serve); only the
    # test's environment is pointed at it.
    process = subprocess.Popen(
        command,
        cwd=config.invocation_params.dir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + START_PATIENCE
    port = None
    while time.monotonic() < deadline:
        if port_file.exists():
            text = port_file.read_text().strip()
            if text:
                port = int(text)
                break
        if process.poll() is not None:
            break
        time.sleep(0.01)
    if port is None:
        if process.poll() is None:
            process.kill()
        out, err = process.communicate()
        raise HandoffError(
            f"handoff serve {path} did not start (exit status {process.returncode}):\n{err.strip()}{out.strip()}"
        )
    return HandoffServe(
        scenario=path,
        command=command,
        process=process,
        port=port,
        environment=json.loads(app_env.read_text()),
        workdir=workdir,
        record_mode=mode,
        recording=recording,
        snapshot=snapshot,
        cwd=Path(config.invocation_params.dir),
        # A recording run's conversation is the new truth: its snapshot is accepted with it.
        accept_snapshot=recording is not None or config.getoption("--handoff-snapshot-update"),
    )


def _point_at(serve: HandoffServe, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment `handoff serve -- COMMAND` gives a wrapped app, as serve itself wrote
    it (`--app-env`): the variables to set and to remove."""
    for name, value in serve.environment["set"].items():
        monkeypatch.setenv(name, value)
    for name in serve.environment["remove"]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def handoff_serve(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path_factory):
    """A ``handoff serve`` of the test's ``@pytest.mark.handoff`` scenario, the environment
    pointed at it for the test. The test fails with serve's report when the conversation
    diverged, an expectation failed, or the app never called the model."""
    try:
        serve = _start(request, tmp_path_factory.mktemp("handoff"))
        problem = None
    except HandoffError as error:
        problem = str(error)
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    _point_at(serve, monkeypatch)
    marker = request.node.get_closest_marker("handoff")
    if marker.kwargs.get("stdin") or marker.kwargs.get("task_on_stdin"):
        # What a wrapped app reads on its input; input() raises EOFError after the last line.
        monkeypatch.setattr(sys, "stdin", io.StringIO("".join(line + "\n" for line in serve.stdin)))
    request.node.stash[SERVE_KEY] = serve
    try:
        yield serve
    finally:
        serve.stop()


@pytest.fixture(autouse=True)
def _handoff_marker(request: pytest.FixtureRequest) -> None:
    """A test with the marker gets the fixture, requested or not (as pytest-recording's `vcr`)."""
    if request.node.get_closest_marker("handoff") is not None and "handoff_serve" not in request.fixturenames:
        request.getfixturevalue("handoff_serve")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After the test body, stop serve and fail the test (its call phase) with the report."""
    serve = item.stash.get(SERVE_KEY, None)
    try:
        result = yield
    except BaseException:
        if isinstance(serve, HandoffServe):
            why = serve.failure()
            if why:
                item.add_report_section("call", "handoff serve", why)
        raise
    if isinstance(serve, HandoffServe):
        why = serve.failure()
        if why:
            pytest.fail(why, pytrace=False)
    return result
