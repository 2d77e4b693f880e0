"""Scripted, offline model for Semantic Kernel (Python, semantic-kernel 1.45.0). No network.

Where the fake sits: the agents use the real ``OpenAIChatCompletion`` service. Its ``AsyncOpenAI``
client gets an ``httpx.MockTransport`` that answers every ``POST /chat/completions`` with scripted
server-sent events. So everything above the HTTP layer is SK's own code: the auto function
invocation loop of ``ChatCompletionClientBase.get_streaming_chat_message_contents``, the OpenAI
connector's chunk parsing (``_create_streaming_chat_message_content``), request building
(``_prepare_chat_history_for_request``, tool schemas from ``update_settings_from_function_call_configuration``),
``ChatCompletionAgent.invoke_stream`` and the handoff actors.

``FakeChatCompletion`` (a subclass of the real service) only overrides
``_inner_get_streaming_chat_message_contents`` to record the call at SK level (the ``ChatHistory``
it got, as SK objects: role, name, content, function calls/results, SK type) and to ask the probe's
policy for the reply, then delegates to the real implementation, which sends the request through the
mock transport. The transport records the exact JSON body (``messages`` with ``name``,
``tool_calls``, ``tool_call_id``; ``tools`` with their JSON schemas; ``tool_choice``...).

The handoff actor always uses ``invoke_stream`` (``HandoffAgentActor._invoke_agent_with_potentially_no_response``),
so replies are streams: a ``Reply`` is a list of SSE chunks, each a Chat Completions ``delta``.
Tool calls are streamed like OpenAI does (a chunk with index, id and name, then a chunk with the
arguments). ``TextWithCalls`` puts the text into the same chunk as the first tool-call delta,
``TextThenCalls`` streams the text in an earlier chunk. ``usage_chunk`` adds the final
``choices: []`` + ``usage`` chunk that the real OpenAI API sends when ``stream_options.include_usage``
is true (SK always sets it); off by default, like the fake that produced the reference trace.

Ids are deterministic: tool-call ids ``call_0001``... (one counter per conversation), chunk ids
``chatcmpl-0001``... per model call, ``created`` = 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from openai import AsyncOpenAI
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion
from semantic_kernel.contents import (
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
    StreamingChatMessageContent,
)

# --------------------------------------------------------------------------- #
# Replies
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Reply:
    """A scripted streamed reply.

    ``parts`` is a list of chunk specs, each ``{"text": str}`` and/or ``{"calls": [(name, args)]}``;
    one spec = one SSE chunk, except that every call is streamed as two deltas (id+name, then
    arguments). If a spec has both text and calls, the text rides in the chunk of the first call's
    id+name delta ("same chunk"). ``raw_args`` sends the arguments string as is (malformed JSON).
    """

    parts: tuple[dict[str, Any], ...]
    usage_chunk: bool | None = None  # None = the Counters default
    # HTTP errors the transport answers the call's tries with before the reply (each
    # ``(status, OpenAI error body)``); with no ``parts`` the call never succeeds.
    errors: tuple[tuple[int, dict[str, Any]], ...] = ()

    @property
    def text(self) -> str | None:
        t = "".join(p.get("text") or "" for p in self.parts)
        return t if any("text" in p for p in self.parts) else None

    @property
    def refusal(self) -> str | None:
        return next((p["refusal"] for p in self.parts if "refusal" in p), None)

    @property
    def calls(self) -> list[tuple[str, Any]]:
        return [c for p in self.parts for c in p.get("calls", ())]


def Errors(errors: list[tuple[int, dict[str, Any]]], then: Reply | None = None) -> Reply:  # noqa: N802
    """HTTP errors answered to the call's tries, then ``then`` (or nothing: the client gives up)."""
    base = then or Reply(parts=())
    return Reply(parts=base.parts, usage_chunk=base.usage_chunk, errors=tuple(errors))


def Refusal(refusal: str, **kw: Any) -> Reply:  # noqa: N802
    """A refusal streamed as OpenAI streams one (``delta.refusal``, no content)."""
    return Reply(parts=({"refusal": refusal},), **kw)


def Text(text: str, **kw: Any) -> Reply:  # noqa: N802
    return Reply(parts=({"text": text},), **kw)


def Calls(calls: list[tuple[str, Any]], **kw: Any) -> Reply:  # noqa: N802
    return Reply(parts=({"calls": tuple(calls)},), **kw)


def TextWithCalls(text: str, calls: list[tuple[str, Any]], **kw: Any) -> Reply:  # noqa: N802
    """Text in the same stream chunk as the (first) tool call."""
    return Reply(parts=({"text": text, "calls": tuple(calls)},), **kw)


def TextThenCalls(text: str, calls: list[tuple[str, Any]], **kw: Any) -> Reply:  # noqa: N802
    """Text streamed in an earlier chunk than the tool call(s)."""
    return Reply(parts=({"text": text}, {"calls": tuple(calls)}), **kw)


# --------------------------------------------------------------------------- #
# Views
# --------------------------------------------------------------------------- #


def _args(a: Any) -> Any:
    if isinstance(a, str):
        if not a.strip():
            return {}
        try:
            return json.loads(a)
        except ValueError:
            return a
    if isinstance(a, dict):
        return dict(a)
    return a


def _result(r: Any) -> Any:
    if r is None or isinstance(r, (str, int, float, bool)):
        return r
    return str(r)


def message_view(m: ChatMessageContent) -> dict[str, Any]:
    """Same shape as the reference trace's ``messages_in`` entries."""
    return {
        "role": m.role.value if hasattr(m.role, "value") else str(m.role),
        "name": m.name,
        "content": m.content,
        "function_calls": [
            {"id": i.id, "name": i.name, "plugin_name": i.plugin_name, "function_name": i.function_name,
             "arguments": _args(i.arguments)}
            for i in m.items if isinstance(i, FunctionCallContent)
        ],
        "function_results": [
            {"id": i.id, "name": i.name, "plugin_name": i.plugin_name, "function_name": i.function_name,
             "result": _result(i.result)}
            for i in m.items if isinstance(i, FunctionResultContent)
        ],
        "sk_type": type(m).__name__,
    }


# --------------------------------------------------------------------------- #
# The fake
# --------------------------------------------------------------------------- #


@dataclass
class Request:
    n: int
    agent: str
    attempt: int
    messages: list[dict[str, Any]]  # SK views
    tool_names: list[str]

    @property
    def last(self) -> dict[str, Any] | None:
        return self.messages[-1] if self.messages else None


Policy = Callable[[Request], Reply]


class ProbeStop(Exception):
    """Raised by the fake when a probe's own call budget is used up (the framework would go on)."""


@dataclass
class Counters:
    calls: int = 0
    tool_calls: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    tool_schemas_by_agent: dict[str, Any] = field(default_factory=dict)
    max_calls: int | None = None
    usage_chunk: bool = False
    pending: list[tuple[int, Reply]] = field(default_factory=list)
    stopped: bool = False


def _sse(obj: Any) -> bytes:
    return f"data: {json.dumps(obj)}\n\n".encode()


def _chunks(reply: Reply, n: int, c: Counters, usage: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """SSE chunk objects for a reply + a readable list of the deltas."""
    cid = f"chatcmpl-{n:04d}"
    deltas: list[dict[str, Any]] = []
    idx = 0
    for p in reply.parts:
        text = p.get("text")
        calls = list(p.get("calls", ()))
        if "refusal" in p:
            deltas.append({"role": "assistant", "content": None, "refusal": p["refusal"]})
            continue
        if not calls:
            deltas.append({"role": "assistant", "content": text})
            continue
        for j, (name, args) in enumerate(calls):
            c.tool_calls += 1
            call_id = f"call_{c.tool_calls:04d}"
            d: dict[str, Any] = {"role": "assistant",
                                 "tool_calls": [{"index": idx, "id": call_id, "type": "function",
                                                 "function": {"name": name, "arguments": ""}}]}
            if j == 0 and text is not None:
                d["content"] = text
            deltas.append(d)
            arg_s = args if isinstance(args, str) else json.dumps(args)
            deltas.append({"tool_calls": [{"index": idx, "function": {"arguments": arg_s}}]})
            idx += 1
    finish = "tool_calls" if idx else "stop"
    objs = [{"id": cid, "object": "chat.completion.chunk", "created": 0, "model": "stub",
             "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    objs.append({"id": cid, "object": "chat.completion.chunk", "created": 0, "model": "stub",
                 "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if usage:
        objs.append({"id": cid, "object": "chat.completion.chunk", "created": 0, "model": "stub", "choices": [],
                     "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})
    readable = [{"delta": d} for d in deltas] + [{"finish_reason": finish}] + ([{"usage_chunk": True}] if usage else [])
    return objs, readable


class _Transport:
    def __init__(self, c: Counters) -> None:
        self.c = c

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content.decode())
        n, reply = self.c.pending[0]
        entry = self.c.log[n - 1]
        tries = entry["reply"].setdefault("http_errors", []) if reply.errors else []
        if len(tries) < len(reply.errors):
            status, error = reply.errors[len(tries)]
            tries.append({"status": status, "body": error})
            if len(tries) == len(reply.errors) and not reply.parts:
                self.c.pending.pop(0)  # no try succeeds: the call has no stream
                entry["reply"].update(stream_chunks=[], call_ids=[])
            entry["messages"] = body.get("messages", [])
            entry["tools"] = [t["function"]["name"] for t in body.get("tools", [])]
            entry["wire_request"] = {k: v for k, v in body.items() if k not in ("messages", "tools")}
            self.c.tool_schemas_by_agent.setdefault(entry["agent"], body.get("tools", []))
            # retry-after-ms keeps the client's wait short (it honours 0 < delay <= 60 s).
            return httpx.Response(status, headers={"content-type": "application/json", "retry-after-ms": "1"},
                                  content=json.dumps(error).encode())
        self.c.pending.pop(0)
        usage = self.c.usage_chunk if reply.usage_chunk is None else reply.usage_chunk
        objs, readable = _chunks(reply, n, self.c, usage)
        entry["wire_request"] = {k: v for k, v in body.items() if k not in ("messages", "tools")}
        entry["messages"] = body.get("messages", [])
        entry["tools"] = [t["function"]["name"] for t in body.get("tools", [])]
        self.c.tool_schemas_by_agent.setdefault(entry["agent"], body.get("tools", []))
        entry["reply"]["stream_chunks"] = readable
        entry["reply"]["call_ids"] = [tc["id"] for o in objs for ch in o["choices"]
                                      for tc in ch["delta"].get("tool_calls", []) if "id" in tc]
        data = b"".join(_sse(o) for o in objs) + b"data: [DONE]\n\n"
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=data)


POLICIES: dict[str, tuple[Policy, Counters]] = {}


class FakeChatCompletion(OpenAIChatCompletion):
    """The real OpenAI connector with a recording hook; one instance per agent (service_id = agent)."""

    async def _inner_get_streaming_chat_message_contents(self, chat_history, settings, function_invoke_attempt=0):
        policy, c = POLICIES[self.service_id]
        if c.stopped:
            raise ProbeStop("probe call budget used up")
        c.calls += 1
        n = c.calls
        views = [message_view(m) for m in chat_history.messages]
        names = [t["function"]["name"] for t in (getattr(settings, "tools", None) or [])]
        req = Request(n=n, agent=self.service_id, attempt=function_invoke_attempt, messages=views, tool_names=names)
        if c.max_calls is not None and n > c.max_calls:
            c.stopped = True
            c.calls -= 1
            raise ProbeStop(f"probe call budget of {c.max_calls} model calls used up; the framework would go on")
        reply = policy(req)
        c.log.append({
            "n": n,
            "agent": self.service_id,
            "streaming": True,
            "function_invoke_attempt": function_invoke_attempt,
            "sk_messages": views,
            "reply": {"text": reply.text, "calls": [{"name": a, "arguments": _args(b)} for a, b in reply.calls],
                      **({"refusal": reply.refusal} if reply.refusal is not None else {})},
        })
        c.pending.append((n, reply))
        async for x in super()._inner_get_streaming_chat_message_contents(chat_history, settings,
                                                                          function_invoke_attempt):
            yield x


def make_service(agent_name: str, policy: Policy, c: Counters) -> FakeChatCompletion:
    POLICIES[agent_name] = (policy, c)
    client = AsyncOpenAI(api_key="fake-key", base_url="http://fake-model.invalid/v1",
                         http_client=httpx.AsyncClient(transport=httpx.MockTransport(_Transport(c))))
    return FakeChatCompletion(ai_model_id="stub", service_id=agent_name, async_client=client)


def script(steps: list[tuple[str, Reply]]) -> tuple[Policy, list[int]]:
    """A policy that plays ``steps`` in order, checking that the expected agent is the one calling."""
    used = [0]

    def policy(req: Request) -> Reply:
        i = used[0]
        if i >= len(steps):
            raise RuntimeError(f"fake model: script exhausted at call {req.n} ({req.agent})")
        agent, reply = steps[i]
        if agent != req.agent:
            raise RuntimeError(f"fake model: call {req.n} expected {agent}, got {req.agent}")
        used[0] += 1
        return reply

    return policy, used


def streaming_view(m: StreamingChatMessageContent, is_final: bool) -> dict[str, Any]:
    v = message_view(m)
    v["is_final"] = is_final
    return v
