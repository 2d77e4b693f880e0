"""Scripted, offline chat client for Microsoft Agent Framework (agent-framework-core 1.23.0,
agent-framework-orchestrations 1.4.0) + JSON views. Used by probes.py. No network.
Copied from the shared reference (frameworks/agent_framework/maf_fake.py), unchanged otherwise.

Extension point: ``agent_framework.BaseChatClient._inner_get_response`` (the one abstract method
every connector implements), composed with the same layers as the shipped connectors
(``OpenAIChatCompletionClient(FunctionInvocationLayer, ChatMiddlewareLayer, ChatTelemetryLayer,
RawOpenAIChatCompletionClient)``; the HandoffBuilder tests use the same composition without
telemetry). So the tool loop (``FunctionInvocationLayer``), the function middleware that
HandoffBuilder installs to intercept ``handoff_to_*`` calls, chat middleware and telemetry are the
framework's own code. Without ``FunctionInvocationLayer`` the Agent would not run tools at all.

Per model call the recorder stores:

* ``instructions``: ``options["instructions"]`` (the agent's instructions). The framework never
  puts them into ``messages``; the OpenAI connectors prepend them as a system message
  (Chat Completions) or send them as ``instructions`` (Responses).
* ``messages_in``: every ``Message`` the client received, as a JSON view (role, author_name, each
  content item), plus an SK-like summary (content / function_calls / function_results).
* ``tools_offered`` + ``tool_schemas_by_agent``: the ``FunctionTool`` objects in
  ``options["tools"]`` rendered with the framework's own ``FunctionTool.to_json_schema_spec()``
  (``{"type": "function", "function": {name, description, parameters}}``), in the order given.
* ``options``: the other option keys (``tool_choice``, ``allow_multiple_tool_calls`` ...).
* ``reply``: what the policy returned and how it was streamed.

Ids are deterministic: tool-call ids ``call_0001``..., response ids ``resp_0001``..., message ids
``msg_0001``... (one ``Counters`` per conversation).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_framework import ChatResponse, ChatResponseUpdate, Content, Message, ResponseStream
from agent_framework._clients import BaseChatClient
from agent_framework._middleware import ChatMiddlewareLayer
from agent_framework._tools import FunctionInvocationLayer
from agent_framework.observability import ChatTelemetryLayer

# --------------------------------------------------------------------------- #
# Replies
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Reply:
    """One model response: optional text and/or function calls (tool name, arguments dict).

    ``split``: when streaming, yield text and calls as two separate updates (text first) instead of
    one update holding everything. ``text_first`` orders the contents when both are present.
    """

    text: str | None = None
    calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    text_first: bool = True
    split: bool = False
    # HTTP errors the endpoint answered every try of the call with, after which the OpenAI
    # client gave up: the fake raises what Agent Framework's OpenAI connector raises then
    # (``failure``). This venv has no ``openai``: the client's tries are traced under sk/ and oai/.
    errors: tuple[tuple[int, dict[str, Any]], ...] = ()


# What agent_framework_openai 1.17's ``OpenAIChatCompletionClient`` raises when the OpenAI
# client raises (``_chat_completion_client.py``: ``ChatClientException(f"{type(self)} service
# failed to complete the prompt: {ex}", inner_exception=ex)``); ``str(ex)`` of the client's
# ``APIStatusError`` is ``Error code: <status> - <the body's message>``.
CONNECTOR = "<class 'agent_framework_openai._chat_completion_client.OpenAIChatCompletionClient'>"


def failure(errors: tuple[tuple[int, dict[str, Any]], ...]) -> Exception:
    from agent_framework.exceptions import ChatClientException

    status, body = errors[-1]
    return ChatClientException(f"{CONNECTOR} service failed to complete the prompt: "
                               f"Error code: {status} - {body['error']['message']}")


def Errors(errors: list[tuple[int, dict[str, Any]]]) -> Reply:  # noqa: N802
    return Reply(errors=tuple(errors))


def Text(text: str) -> Reply:  # noqa: N802
    return Reply(text=text)


def Calls(calls: list[tuple[str, dict[str, Any]]]) -> Reply:  # noqa: N802
    return Reply(calls=tuple(calls))


@dataclass
class ModelRequest:
    agent: str
    instructions: str | None
    messages: list[Message]
    tool_names: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def last(self) -> Message | None:
        return self.messages[-1] if self.messages else None

    @property
    def last_user_text(self) -> str | None:
        for m in reversed(self.messages):
            if m.role == "user":
                return m.text
        return None

    def call_name(self, call_id: str) -> str | None:
        for m in self.messages:
            for c in m.contents:
                if c.type == "function_call" and c.call_id == call_id:
                    return c.name
        return None

    @property
    def last_tool_result(self) -> tuple[str | None, Any] | None:
        m = self.last
        if m is not None and m.role == "tool":
            for c in m.contents:
                if c.type == "function_result":
                    return self.call_name(c.call_id), c.result
        return None


Policy = Callable[[ModelRequest], Reply]


# --------------------------------------------------------------------------- #
# JSON views
# --------------------------------------------------------------------------- #


def jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, Content):
        return content_view(v)
    if isinstance(v, Message):
        return message_view(v)
    return repr(v)


def _args(a: Any) -> Any:
    if isinstance(a, str):
        if not a.strip():
            return {}
        try:
            return json.loads(a)
        except ValueError:
            return a
    return jsonable(a)


def content_view(c: Content) -> dict[str, Any]:
    d: dict[str, Any] = {"type": c.type}
    if c.type == "text":
        d["text"] = c.text
    elif c.type == "function_call":
        d.update(call_id=c.call_id, name=c.name, arguments=_args(c.arguments))
    elif c.type == "function_result":
        d.update(call_id=c.call_id, result=jsonable(c.result))
        if c.exception is not None:
            d["exception"] = c.exception
    elif c.type == "error":
        d.update(message=c.message, error_code=c.error_code)
    elif c.type in ("function_approval_request", "function_approval_response"):
        d.update(id=c.id, function_call=content_view(c.function_call))
        if c.type == "function_approval_response":
            d["approved"] = c.approved
    else:
        d["repr"] = repr(c)[:200]
    if getattr(c, "informational_only", False):
        d["informational_only"] = True
    return d


def message_view(m: Message) -> dict[str, Any]:
    contents = [content_view(c) for c in m.contents]
    return {
        "role": m.role,
        "author_name": m.author_name,
        "message_id": m.message_id,
        "contents": contents,
        # SK-like summary
        "content": "".join(c.get("text") or "" for c in contents if c["type"] == "text") or None,
        "function_calls": [{"id": c["call_id"], "name": c["name"], "arguments": c["arguments"]}
                           for c in contents if c["type"] == "function_call"],
        "function_results": [{"id": c["call_id"], "result": c["result"]}
                             for c in contents if c["type"] == "function_result"],
    }


def tool_spec(t: Any) -> Any:
    if hasattr(t, "to_json_schema_spec"):
        return jsonable(t.to_json_schema_spec())
    return jsonable(t)


def tool_name(t: Any) -> str | None:
    return getattr(t, "name", None) or (t.get("function", {}).get("name") if isinstance(t, dict) else None)


# --------------------------------------------------------------------------- #
# Client
# --------------------------------------------------------------------------- #


@dataclass
class Counters:
    calls: int = 0
    tool_calls: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    tool_schemas_by_agent: dict[str, Any] = field(default_factory=dict)
    max_calls: int | None = None  # safety net for loop probes


class ScriptedChatClient(FunctionInvocationLayer[Any], ChatMiddlewareLayer[Any], ChatTelemetryLayer[Any],
                         BaseChatClient[Any]):
    """Deterministic fake chat client; one instance per agent (HandoffBuilder's clone keeps it)."""

    OTEL_PROVIDER_NAME = "scripted-fake"

    def __init__(self, agent_name: str, policy: Policy, counters: Counters, *, check_offered: bool = True,
                 function_invocation_configuration: dict | None = None) -> None:
        ChatMiddlewareLayer.__init__(self)
        FunctionInvocationLayer.__init__(self, function_invocation_configuration=function_invocation_configuration)
        ChatTelemetryLayer.__init__(self)
        BaseChatClient.__init__(self)
        self.agent_name = agent_name
        self.policy = policy
        self.c = counters
        self.check_offered = check_offered

    def _record(self, messages: Sequence[Message], options: dict[str, Any], stream: bool) -> tuple[Reply, int]:
        c = self.c
        c.calls += 1
        if c.max_calls is not None and c.calls > c.max_calls:
            raise RuntimeError(f"fake model safety net: more than {c.max_calls} model calls")
        tools = list(options.get("tools") or [])
        names = [tool_name(t) for t in tools]
        c.tool_schemas_by_agent.setdefault(self.agent_name, [tool_spec(t) for t in tools])
        req = ModelRequest(agent=self.agent_name, instructions=options.get("instructions"),
                           messages=list(messages), tool_names=names, options=options)
        reply = self.policy(req)
        if self.check_offered:
            for n, _ in reply.calls:
                if n not in names:
                    raise RuntimeError(f"policy asked for {n!r}, not offered to {self.agent_name}: {names}")
        other = {k: jsonable(v) for k, v in options.items() if k not in ("tools", "instructions")}
        c.log.append({
            "call_index": c.calls,
            "agent": self.agent_name,
            "stream": stream,
            "instructions": options.get("instructions"),
            "tools_offered": names,
            "options": other,
            "messages_in": [message_view(m) for m in messages],
            "reply": {"text": reply.text, "calls": [{"name": n, "arguments": a} for n, a in reply.calls],
                      "text_first": reply.text_first, "split_stream": reply.split,
                      **({"http_errors": [{"status": st, "body": b} for st, b in reply.errors],
                          "raised": str(failure(reply.errors))} if reply.errors else {})},
        })
        return reply, c.calls

    def _contents(self, reply: Reply) -> tuple[list[Content], list[Content]]:
        text = [Content.from_text(text=reply.text)] if reply.text is not None else []
        calls = []
        for n, a in reply.calls:
            self.c.tool_calls += 1
            calls.append(Content.from_function_call(call_id=f"call_{self.c.tool_calls:04d}", name=n,
                                                    arguments=json.dumps(a)))
        return text, calls

    def _inner_get_response(self, *, messages, stream, options, **kwargs):
        reply, n = self._record(messages, dict(options), stream)
        if reply.errors:
            error = failure(reply.errors)
            if stream:
                async def _fail() -> AsyncIterable[ChatResponseUpdate]:
                    raise error
                    yield  # an async generator, as the connector's stream is

                return ResponseStream(_fail(), finalizer=lambda ups: ChatResponse.from_updates(ups))

            async def _raise() -> ChatResponse:
                raise error

            return _raise()
        text, calls = self._contents(reply)
        contents = text + calls if reply.text_first else calls + text
        finish = "tool_calls" if calls else "stop"
        if stream:
            if reply.split and text and calls:
                groups = [text, calls] if reply.text_first else [calls, text]
            else:
                groups = [contents]

            async def _gen() -> AsyncIterable[ChatResponseUpdate]:
                for i, g in enumerate(groups):
                    yield ChatResponseUpdate(contents=g, role="assistant", response_id=f"resp_{n:04d}",
                                             message_id=f"msg_{n:04d}",
                                             finish_reason=finish if i == len(groups) - 1 else None)

            return ResponseStream(_gen(), finalizer=lambda ups: ChatResponse.from_updates(ups))

        async def _get() -> ChatResponse:
            return ChatResponse(messages=[Message(role="assistant", contents=contents, message_id=f"msg_{n:04d}")],
                                response_id=f"resp_{n:04d}", finish_reason=finish)

        return _get()


# --------------------------------------------------------------------------- #
# Workflow events -> JSON (request ids scrubbed to req_1, req_2, ... in first-seen order)
# --------------------------------------------------------------------------- #


class EventRecorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._req_ids: dict[str, str] = {}

    def req_id(self, raw: str) -> str:
        if raw not in self._req_ids:
            self._req_ids[raw] = f"req_{len(self._req_ids) + 1}"
        return self._req_ids[raw]

    def data_view(self, data: Any) -> Any:
        from agent_framework import AgentResponse, AgentResponseUpdate
        from agent_framework._workflows._agent_executor import AgentExecutorRequest, AgentExecutorResponse
        from agent_framework.orchestrations import HandoffAgentUserRequest, HandoffSentEvent

        if data is None:
            return None
        if isinstance(data, HandoffSentEvent):
            return {"class": "HandoffSentEvent", "source": data.source, "target": data.target}
        if isinstance(data, HandoffAgentUserRequest):
            return {"class": "HandoffAgentUserRequest",
                    "agent_response": [message_view(m) for m in data.agent_response.messages]}
        if isinstance(data, AgentResponseUpdate):
            return {"class": "AgentResponseUpdate", "author_name": data.author_name, "role": data.role,
                    "contents": [content_view(c) for c in data.contents]}
        if isinstance(data, AgentResponse):
            return {"class": "AgentResponse", "messages": [message_view(m) for m in data.messages]}
        if isinstance(data, AgentExecutorRequest):
            return {"class": "AgentExecutorRequest", "should_respond": data.should_respond,
                    "messages": [message_view(m) for m in data.messages]}
        if isinstance(data, AgentExecutorResponse):
            return {"class": "AgentExecutorResponse", "executor_id": data.executor_id}
        if isinstance(data, Message):
            return {"class": "Message", **message_view(data)}
        if isinstance(data, Content):
            return {"class": "Content", **content_view(data)}
        if isinstance(data, list):
            return [self.data_view(x) for x in data]
        if isinstance(data, str):
            return data
        if isinstance(data, Exception):
            return {"class": type(data).__name__, "message": str(data)}
        return {"class": type(data).__name__, "repr": repr(data)[:300]}

    def add(self, ev: Any, run_index: int) -> dict[str, Any]:
        d: dict[str, Any] = {"seq": len(self.events), "run": run_index, "type": ev.type}
        if ev.state is not None:
            d["state"] = ev.state.value
        if ev.executor_id is not None:
            d["executor_id"] = ev.executor_id
        if ev.iteration is not None:
            d["iteration"] = ev.iteration
        if ev.type == "request_info":
            d["request_id"] = self.req_id(ev.request_id)
            d["source_executor_id"] = ev.source_executor_id
            d["request_type"] = ev.request_type.__name__
        if ev.details is not None:
            d["details"] = {"error_type": ev.details.error_type, "message": ev.details.message,
                            "executor_id": ev.details.executor_id}
        if ev.type not in ("started", "status", "superstep_started", "superstep_completed"):
            d["data"] = self.data_view(ev.data)
        self.events.append(d)
        return d


def executor_state(wf: Any) -> dict[str, Any]:
    """End-of-run view of each HandoffAgentExecutor (private attributes, reference harness only)."""
    out = {}
    for eid, ex in wf.executors.items():
        sess = getattr(ex, "_session", None)
        hist = []
        if sess is not None:
            st = sess.state.get("in_memory") or {}
            hist = [message_view(m) for m in st.get("messages", [])]
        out[eid] = {
            "session_history": hist,
            "full_conversation": [message_view(m) for m in getattr(ex, "_full_conversation", [])],
            "cache": [message_view(m) for m in getattr(ex, "_cache", [])],
            "handoff_targets": sorted(getattr(ex, "_handoff_targets", [])),
        }
    return out
