"""The pytest plugin of handoff-harness, through pytest sessions run by ``pytester``.

The app of these tests is a tiny client in the test itself (``urllib``), sending the one
request ``data/hours.json``'s framework sends (``data/hours.request.json``) to the endpoint the
plugin points ``OPENAI_BASE_URL`` at. The wheel's ``handoff`` binary serves it.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

#: The client every generated test module starts with.
CLIENT = '''
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REQUEST = json.loads((Path(__file__).parent / "hours.request.json").read_text())


def ask(body):
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"] + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "Bearer " + os.environ["OPENAI_API_KEY"]},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
'''


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester folder holding the scenario and its request."""
    for name in ("hours.json", "hours.request.json"):
        shutil.copy(DATA / name, pytester.path / name)
    return pytester


def run_marked(project: pytest.Pytester, marker: str, *options: str) -> pytest.RunResult:
    """A module of one test, marked ``@pytest.mark.handoff(<marker>)``, whose body does
    nothing, run by pytest with ``options``."""
    project.makepyfile(CLIENT + f"\n@pytest.mark.handoff({marker})\ndef test_it():\n    pass\n")
    return project.runpytest(*options)


def test_a_conversation_as_the_scenario_has_it_passes(project: pytest.Pytester) -> None:
    project.makepyfile(
        CLIENT
        + '''
@pytest.mark.handoff("hours.json", snapshot=False)
def test_hours():
    status, answer = ask(REQUEST)
    assert status == 200, answer
    assert answer["choices"][0]["message"]["content"].startswith("We are open from 9:00")
'''
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1)


def test_the_fixture_points_the_clients_at_serve_and_restores_the_environment(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://example.invalid")
    monkeypatch.setenv("OPENAI_MODEL", "mine")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    project.makepyfile(
        CLIENT
        + '''
@pytest.mark.handoff("hours.json", match="strict", conversations=1, snapshot=False)
def test_environment(handoff_serve):
    url = f"http://127.0.0.1:{handoff_serve.port}/v1"
    assert handoff_serve.base_url == url
    assert os.environ["OPENAI_BASE_URL"] == url
    assert os.environ["AZURE_OPENAI_BASE_URL"] == url
    assert os.environ["OPENAI_API_KEY"] == os.environ["AZURE_OPENAI_API_KEY"] == "handoff-serve-dummy-key"
    assert os.environ["FOUNDRY_PROJECT_ENDPOINT"] == url[: -len("/v1")]
    assert "AZURE_OPENAI_ENDPOINT" not in os.environ
    assert os.environ["OPENAI_CHAT_MODEL_ID"] == "handoff-serve"
    assert os.environ["OPENAI_MODEL"] == "mine"
    assert ask(REQUEST)[0] == 200


def test_afterwards():
    assert "OPENAI_BASE_URL" not in os.environ
    assert os.environ["AZURE_OPENAI_ENDPOINT"] == "https://example.invalid"
'''
    )
    result = project.runpytest()
    result.assert_outcomes(passed=2)
    assert "OPENAI_BASE_URL" not in os.environ


def test_a_diverging_request_fails_the_test_with_the_diff(project: pytest.Pytester) -> None:
    project.makepyfile(
        CLIENT
        + '''
@pytest.mark.handoff("hours.json")
def test_changed_instructions():
    body = json.loads(json.dumps(REQUEST))
    body["messages"][0]["content"] = "Answer questions about the store."
    ask(body)
'''
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*handoff serve *hours.json: FAIL*",
            "*diverged at FaqAgent call 1 (model call 1): the request differs from the one the framework sends here*",
            "*-system: Answer questions about the shop.*",
            "*+system: Answer questions about the store.*",
            "*expectation failed: traffic*",
        ]
    )


def test_a_failing_test_body_shows_serves_report_beside_its_own_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        CLIENT
        + '''
@pytest.mark.handoff("hours.json")
def test_app_error():
    body = json.loads(json.dumps(REQUEST))
    body["messages"][0]["content"] = "Answer questions about the store."
    status, answer = ask(body)
    assert status == 200, "the app got an error"
'''
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: the app got an error*",
            "*- Captured handoff serve call -*",
            "*+system: Answer questions about the store.*",
        ]
    )


SNAPSHOTTED = '''
@pytest.mark.handoff("hours.json")
def test_hours():
    status, answer = ask(REQUEST)
    assert status == 200, answer
'''


def test_a_new_snapshot_fails_until_accepted_and_a_changed_reply_shows_the_diff(project: pytest.Pytester) -> None:
    from handoff_harness import find_binary

    project.makepyfile(test_hours=CLIENT + SNAPSHOTTED)
    snapshots = project.path / "snapshots"
    snapshot = snapshots / "test_hours__test_hours.snap"
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    # Paths as pytest shows them: relative to the folder it was started in.
    result.stdout.fnmatch_lines(
        ["snapshot: new: written to snapshots/test_hours__test_hours.snap.new; review it: handoff test --review snapshots *"]
    )
    assert (snapshots / "test_hours__test_hours.snap.new").read_text().startswith("---\nsource: handoff serve\n")
    # `handoff test --accept` on the folder the report names accepts it; the test then passes.
    accepted = subprocess.run([find_binary(), "test", "--accept", str(snapshots)], capture_output=True, text=True)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "FaqAgent: We are open from 9:00 to 17:00, Monday to Friday." in snapshot.read_text()
    project.runpytest().assert_outcomes(passed=1)
    # One reply of the scenario changed: red, with the diff in pytest's output.
    scenario = project.path / "hours.json"
    scenario.write_text(scenario.read_text().replace("Monday to Friday", "Monday to Saturday"))
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "snapshot: changed: snapshots/test_hours__test_hours.snap.new differs from snapshots/test_hours__test_hours.snap*",
            "*-FaqAgent: We are open from 9:00 to 17:00, Monday to Friday.",
            "*+FaqAgent: We are open from 9:00 to 17:00, Monday to Saturday.",
        ]
    )
    assert "Monday to Friday" in snapshot.read_text(), "the accepted snapshot is kept"
    # --handoff-snapshot-update accepts it, as syrupy's --snapshot-update does.
    project.runpytest("--handoff-snapshot-update").assert_outcomes(passed=1)
    assert "Monday to Saturday" in snapshot.read_text()
    project.runpytest().assert_outcomes(passed=1)


def test_stdin_holds_what_a_wrapped_app_reads(project: pytest.Pytester) -> None:
    project.makepyfile(
        CLIENT
        + '''
@pytest.mark.handoff("hours.json", task_on_stdin=True, snapshot=False)
def test_reads(handoff_serve):
    assert handoff_serve.stdin == ["What are your opening hours?"]
    assert input("Enter your message: ") == "What are your opening hours?"
    with pytest.raises(EOFError):
        input()
    assert ask(REQUEST)[0] == 200
'''
    )
    project.runpytest("-s").assert_outcomes(passed=1)


def test_a_missing_scenario_is_named(project: pytest.Pytester) -> None:
    result = run_marked(project, '"scenarios/missing.json"')
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*handoff: scenario not found: {project.path / 'scenarios' / 'missing.json'}*"])


def test_an_app_that_never_calls_the_model_fails(project: pytest.Pytester) -> None:
    result = run_marked(project, '"hours.json"')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the app never called the model: no request reached http://127.0.0.1:*/v1*"])


def test_a_missing_binary_is_a_clear_error(project: pytest.Pytester) -> None:
    result = run_marked(project, '"hours.json"', "--handoff-binary", str(project.path / "no-such-handoff"))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--handoff-binary *no-such-handoff: no such file*"])


def test_recording_without_an_upstream_says_what_is_missing(project: pytest.Pytester) -> None:
    result = run_marked(project, '"hours.json", record_mode="once"')
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*record mode 'once' records *hours.recording.json from a live model*"])


def test_under_xdist_each_worker_serves_on_its_own_port(project: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    project.makepyfile(
        CLIENT
        + "".join(
            f'''
@pytest.mark.handoff("hours.json", snapshot=False)
def test_hours_{n}(handoff_serve):
    assert ask(REQUEST)[0] == 200
'''
            for n in range(4)
        )
    )
    result = project.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


class _Upstream(http.server.BaseHTTPRequestHandler):
    """A live model's stand-in: every chat completion is the same text."""

    asked: list = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("content-length", 0))
        _Upstream.asked.append(json.loads(self.rfile.read(length)))
        body = json.dumps(
            {
                "id": "chatcmpl-upstream",
                "object": "chat.completion",
                "created": 0,
                "model": "upstream-model",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "We open at 8:00."}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch):
    """The stand-in live model's base URL; the key serve sends it."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream-test")
    _Upstream.asked.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


RECORDED = '''
@pytest.mark.handoff("hours.json")
def test_hours():
    status, answer = ask(REQUEST)
    assert status == 200, answer
    print("answer:", answer["choices"][0]["message"]["content"])
'''


def test_record_mode_once_records_beside_the_scenario_from_the_upstream(project: pytest.Pytester, upstream: str) -> None:
    project.makepyfile(CLIENT + RECORDED)
    options = ["--handoff-upstream", upstream, "--handoff-upstream-model", "upstream-model", "-s"]
    result = project.runpytest("--handoff-record-mode=once", *options)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*answer: We open at 8:00.*"])
    assert len(_Upstream.asked) == 1 and _Upstream.asked[0]["model"] == "upstream-model"
    recording = json.loads((project.path / "hours.recording.json").read_text())
    assert recording["scenario"] == "hours" and len(recording["calls"]) == 1
    # Once recorded, `once` does not ask the upstream again.
    result = project.runpytest("--handoff-record-mode=once", *options)
    result.stdout.fnmatch_lines(["*answer: We open at 8:00.*"])
    assert len(_Upstream.asked) == 1


def test_a_recording_replays_and_passes(project: pytest.Pytester, upstream: str) -> None:
    project.makepyfile(CLIENT + RECORDED)
    options = ["--handoff-upstream", upstream, "--handoff-upstream-model", "upstream-model", "-s"]
    project.runpytest("--handoff-record-mode=all", *options).assert_outcomes(passed=1)
    # The recording run accepted the snapshot of the conversation it recorded; the replay is
    # that conversation.
    assert (project.path / "snapshots" / "test_a_recording_replays_and_passes__test_hours.snap").is_file()
    result = project.runpytest("-s")
    result.stdout.fnmatch_lines(["*answer: We open at 8:00.*"])
    assert len(_Upstream.asked) == 1
    result.assert_outcomes(passed=1)
