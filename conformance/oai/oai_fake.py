"""Scripted, offline model for the OpenAI Agents SDK (openai-agents 0.24.0) + trace recorders.

Used by probes.py in this folder. No network, no API key.
Copied from the shared reference (frameworks/openai_agents/oai_fake.py), unchanged otherwise.

Extension point: ``agents.models.interface.Model`` (the abstract class every model backend of the
SDK implements; ``OpenAIResponsesModel`` and ``OpenAIChatCompletionsModel`` are the shipped ones).
``ScriptedModel.get_response`` is what ``Runner.run`` calls once per turn
(``run_internal/run_loop.py`` -> ``get_new_response``). Everything else (turn loop, handoff
resolution, tool execution, history bookkeeping, hooks, tracing) is the SDK's own code.

What is recorded per model call:

* ``system_instructions``: the string the SDK passes (the agent's ``instructions``). The SDK never
  puts it into ``input``; ``OpenAIResponsesModel`` sends it as the Responses API ``instructions``
  field, ``OpenAIChatCompletionsModel`` as a leading system message.
* ``input_items``: every input item exactly as the SDK handed it to the model (Responses API input
  item dicts), JSON-dumped.
* ``messages_in``: a neutral, SK-like view of the same items (role / content / function_calls /
  function_results) for cross-framework comparison.
* ``tools_wire``: the tool list as ``OpenAIResponsesModel`` would put it on the wire, computed with
  the SDK's own ``agents.models.openai_responses.Converter.convert_tools(tools, handoffs)``
  (function tools first, then handoff tools).
* ``model_settings``: ``ModelSettings.to_json_dict()`` with ``None`` values dropped.
* ``reply``: what the scripted policy returned.

Ids are deterministic: tool-call ids ``call_0001``..., output item ids ``fc_0001`` / ``msg_0001``,
counted over one conversation (one ``Counters`` object).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseReasoningItem,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
)

from openai.types.responses.response_reasoning_item import Summary

from agents.items import ModelResponse
from agents.lifecycle import RunHooks
from agents.models.interface import Model
from agents.models.openai_responses import Converter
from agents.tracing import TracingProcessor
from agents.usage import Usage

# --------------------------------------------------------------------------- #
# Replies a policy can give
# --------------------------------------------------------------------------- #


# How the fake writes a call's arguments: Python's default (`{"a": "b"}`), or compact
# (`{"a":"b"}`, as `handoff serve` sends them) for probes whose summaries quote them.
ARGUMENTS: dict[str, Any] = {"separators": None}


@dataclass(frozen=True)
class Reply:
    """One model response: optional text and/or function calls.

    ``calls`` is a list of (tool name, arguments dict). ``text_first`` decides the order of the
    output items when both are present.
    """

    text: str | None = None
    calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    text_first: bool = True
    # HTTP errors the endpoint answers the call's tries with, through a real ``AsyncOpenAI``
    # client (``_through_client``); with nothing else in the reply the call never succeeds.
    errors: tuple[tuple[int, dict[str, Any]], ...] = ()
    refusal: str | None = None
    # A reasoning summary the response carries: a Responses `reasoning` output item before
    # the others (`rs_` and the number of the model call, as `msg_`).
    reasoning: str | None = None


def Errors(errors: list[tuple[int, dict[str, Any]]], then: Reply | None = None) -> Reply:  # noqa: N802
    base = then or Reply()
    return Reply(text=base.text, calls=base.calls, text_first=base.text_first, errors=tuple(errors))


def Refusal(refusal: str) -> Reply:  # noqa: N802
    return Reply(refusal=refusal)


async def _through_client(errors: tuple[tuple[int, dict[str, Any]], ...], tries: list[dict[str, Any]]) -> None:
    """Sends one request through the OpenAI client (its default retries) to a mock transport
    that answers ``errors`` in turn, then 200: the client's own retries and exception."""
    import httpx2
    from openai import AsyncOpenAI

    def handler(request):
        if len(tries) < len(errors):
            status, body = errors[len(tries)]
            tries.append({"status": status, "body": body})
            return httpx2.Response(status, headers={"retry-after-ms": "1"}, json=body)
        return httpx2.Response(200, json={
            "id": "chatcmpl-0", "object": "chat.completion", "created": 0, "model": "stub",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": ""}}]})

    client = AsyncOpenAI(api_key="fake-key", base_url="http://fake-model.invalid/v1",
                         http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)))
    await client.chat.completions.create(model="stub", messages=[{"role": "user", "content": "x"}])


def Text(text: str) -> Reply:  # noqa: N802 (mirrors sk_fake.Text)
    return Reply(text=text)


def Calls(calls: list[tuple[str, dict[str, Any]]]) -> Reply:  # noqa: N802 (mirrors sk_fake.Calls)
    return Reply(calls=tuple(calls))


@dataclass
class ModelRequest:
    agent: str
    system_instructions: str | None
    items: list[dict[str, Any]]  # JSON view of the input items
    tool_names: list[str]  # names offered (function tools + handoff tools)
    handoff_tool_names: list[str]

    @property
    def last(self) -> dict[str, Any] | None:
        return self.items[-1] if self.items else None

    @property
    def last_user_text(self) -> str | None:
        for it in reversed(self.items):
            if it.get("role") == "user" and it.get("type", "message") == "message":
                return _content_text(it.get("content"))
        return None

    def call_name(self, call_id: str) -> str | None:
        for it in self.items:
            if it.get("type") == "function_call" and it.get("call_id") == call_id:
                return it.get("name")
        return None

    @property
    def last_tool_result(self) -> tuple[str | None, Any] | None:
        """(tool name, output) if the last input item is a function_call_output."""
        it = self.last
        if it is not None and it.get("type") == "function_call_output":
            return self.call_name(it.get("call_id")), it.get("output")
        return None


Policy = Callable[[ModelRequest], Reply]


# --------------------------------------------------------------------------- #
# JSON helpers
# --------------------------------------------------------------------------- #


def jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if hasattr(v, "model_dump"):
        return jsonable(v.model_dump(exclude_unset=True))
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    return repr(v)


def _content_text(content: Any) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for c in content:
            if isinstance(c, dict) and c.get("type") in ("output_text", "input_text", "text"):
                parts.append(c.get("text", ""))
        return "".join(parts)
    return str(content)


def neutral_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SK-like neutral view (role, content, function_calls, function_results) of input items."""
    names = {it.get("call_id"): it.get("name") for it in items if it.get("type") == "function_call"}
    out = []
    for it in items:
        t = it.get("type", "message")
        if t == "message":
            out.append({"role": it.get("role"), "content": _content_text(it.get("content")),
                        "function_calls": [], "function_results": [], "item_type": t})
        elif t == "function_call":
            args = it.get("arguments")
            try:
                args = json.loads(args) if isinstance(args, str) and args.strip() else ({} if not args else args)
            except ValueError:
                pass
            out.append({"role": "assistant", "content": None,
                        "function_calls": [{"id": it.get("call_id"), "name": it.get("name"), "arguments": args}],
                        "function_results": [], "item_type": t})
        elif t == "function_call_output":
            out.append({"role": "tool", "content": None, "function_calls": [],
                        "function_results": [{"id": it.get("call_id"), "name": names.get(it.get("call_id")),
                                              "result": it.get("output")}], "item_type": t})
        else:
            out.append({"role": it.get("role"), "content": None, "function_calls": [], "function_results": [],
                        "item_type": t})
    return out


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


# --------------------------------------------------------------------------- #
# Model
# --------------------------------------------------------------------------- #


@dataclass
class Counters:
    calls: int = 0
    tool_calls: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    tool_schemas_by_agent: dict[str, Any] = field(default_factory=dict)


class ScriptedModel(Model):
    """A deterministic fake ``Model``; one instance per agent (the SDK binds a model per Agent)."""

    def __init__(self, agent_name: str, policy: Policy, counters: Counters,
                 *, check_offered: bool = True) -> None:
        self.agent_name = agent_name
        self.policy = policy
        self.c = counters
        self.check_offered = check_offered

    async def get_response(self, system_instructions, input, model_settings, tools, output_schema,
                           handoffs, tracing, *, previous_response_id=None, conversation_id=None,
                           prompt=None):
        c = self.c
        c.calls += 1
        items = jsonable(input if isinstance(input, list) else [{"role": "user", "content": input}])
        wire = jsonable(Converter.convert_tools(tools, handoffs).tools)
        tool_names = [t.get("name") for t in wire]
        # Each function as declared, from the call that first offered it (a handoff enabled
        # turn by turn may be left out of the agent's first call).
        known = c.tool_schemas_by_agent.setdefault(self.agent_name, [])
        known.extend(t for t in wire if t not in known)
        req = ModelRequest(agent=self.agent_name, system_instructions=system_instructions, items=items,
                           tool_names=tool_names, handoff_tool_names=[h.tool_name for h in handoffs])
        reply = self.policy(req)
        if self.check_offered:
            for name, _ in reply.calls:
                if name not in tool_names:
                    raise RuntimeError(f"policy asked for {name!r}, not offered to {self.agent_name}: {tool_names}")
        tries: list[dict[str, Any]] = []
        failure: Exception | None = None
        if reply.errors:
            try:
                await _through_client(reply.errors, tries)
            except Exception as e:  # noqa: BLE001 (the client's exception goes to the Runner)
                failure = e
        out: list[Any] = []
        text_items: list[Any] = []
        if reply.refusal is not None:
            text_items.append(ResponseOutputMessage(
                type="message", id=f"msg_{c.calls:04d}", role="assistant", status="completed",
                content=[ResponseOutputRefusal(type="refusal", refusal=reply.refusal)]))
        call_items: list[Any] = []
        if reply.text is not None:
            text_items.append(ResponseOutputMessage(
                type="message", id=f"msg_{c.calls:04d}", role="assistant", status="completed",
                content=[ResponseOutputText(type="output_text", text=reply.text, annotations=[])]))
        for name, args in reply.calls:
            c.tool_calls += 1
            call_items.append(ResponseFunctionToolCall(
                type="function_call", id=f"fc_{c.tool_calls:04d}", call_id=f"call_{c.tool_calls:04d}",
                name=name, arguments=args if isinstance(args, str) else json.dumps(args, separators=ARGUMENTS["separators"]),
                status="completed"))
        out = text_items + call_items if reply.text_first else call_items + text_items
        if reply.reasoning is not None:
            out.insert(0, ResponseReasoningItem(
                type="reasoning", id=f"rs_{c.calls:04d}",
                summary=[Summary(text=reply.reasoning, type="summary_text")]))
        ms = _drop_none(model_settings.to_json_dict()) if model_settings is not None else None
        c.log.append({
            "call_index": c.calls,
            "agent": self.agent_name,
            "system_instructions": system_instructions,
            "tools_offered": tool_names,
            "handoff_tools": [h.tool_name for h in handoffs],
            "model_settings": ms,
            "previous_response_id": previous_response_id,
            "conversation_id": conversation_id,
            "input_items": items,
            "messages_in": neutral_items(items),
            # Only for an agent with an output_type: the Responses API's `text` the SDK sends.
            **({"text_format": jsonable(Converter.get_response_format(output_schema))}
               if output_schema is not None and not output_schema.is_plain_text() else {}),
            "reply": {
                "text": reply.text,
                "calls": [{"name": n, "arguments": a} for n, a in reply.calls],
                "output_items": jsonable(out),
                **({"http_errors": tries} if tries else {}),
                **({"refusal": reply.refusal} if reply.refusal is not None else {}),
                **({"reasoning": reply.reasoning} if reply.reasoning is not None else {}),
            },
        })
        if failure is not None:
            c.log[-1]["reply"]["output_items"] = []
            raise failure
        return ModelResponse(output=out, usage=Usage(), response_id=None)

    def stream_response(self, *a, **kw):  # Runner.run (non-streamed) never calls this
        raise NotImplementedError("ScriptedModel only supports Runner.run")


# --------------------------------------------------------------------------- #
# Event stream recorders: RunHooks + a tracing processor (ids scrubbed)
# --------------------------------------------------------------------------- #


class RecordingHooks(RunHooks):
    """Records every RunHooks callback in order (the SDK's own lifecycle event stream)."""

    def __init__(self, sink: list[dict[str, Any]]) -> None:
        self.sink = sink

    def _add(self, ev: str, **kw: Any) -> None:
        self.sink.append({"hook": ev, **kw})

    async def on_agent_start(self, context, agent):
        self._add("on_agent_start", agent=agent.name)

    async def on_agent_end(self, context, agent, output):
        self._add("on_agent_end", agent=agent.name, output=jsonable(output))

    async def on_handoff(self, context, from_agent, to_agent):
        self._add("on_handoff", from_agent=from_agent.name, to_agent=to_agent.name)

    async def on_tool_start(self, context, agent, tool):
        self._add("on_tool_start", agent=agent.name, tool=getattr(tool, "name", repr(tool)))

    async def on_tool_end(self, context, agent, tool, result):
        self._add("on_tool_end", agent=agent.name, tool=getattr(tool, "name", repr(tool)), result=jsonable(result))

    async def on_llm_start(self, context, agent, system_prompt, input_items):
        self._add("on_llm_start", agent=agent.name, n_input_items=len(input_items))

    async def on_llm_end(self, context, agent, response):
        self._add("on_llm_end", agent=agent.name, n_output_items=len(response.output))


class RecordingTraceProcessor(TracingProcessor):
    """Collects finished spans/traces. Random trace/span ids are replaced by t1, s1, ... in first-seen
    order; timestamps are dropped (they are the only other varying fields)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._ids: dict[str, str] = {}

    def _id(self, raw: str | None, prefix: str) -> str | None:
        if raw is None:
            return None
        if raw not in self._ids:
            n = sum(1 for v in self._ids.values() if v.startswith(prefix)) + 1
            self._ids[raw] = f"{prefix}{n}"
        return self._ids[raw]

    def on_trace_start(self, trace):
        ex = trace.export() or {}
        self.records.append({"event": "trace_start", "trace": self._id(ex.get("id"), "t"),
                             "workflow_name": ex.get("workflow_name"), "group_id": ex.get("group_id")})

    def on_trace_end(self, trace):
        ex = trace.export() or {}
        self.records.append({"event": "trace_end", "trace": self._id(ex.get("id"), "t")})

    def on_span_start(self, span):
        self._id(span.span_id, "s")

    def on_span_end(self, span):
        ex = span.export() or {}
        self.records.append({
            "event": "span_end",
            "trace": self._id(ex.get("trace_id"), "t"),
            "span": self._id(ex.get("id"), "s"),
            "parent": self._id(ex.get("parent_id"), "s"),
            "span_data": jsonable(ex.get("span_data")),
            "error": jsonable(ex.get("error")),
        })

    def shutdown(self):
        pass

    def force_flush(self):
        pass


def run_item_view(item: Any) -> dict[str, Any]:
    """JSON view of a RunItem from result.new_items."""
    d: dict[str, Any] = {"item_class": type(item).__name__, "type": getattr(item, "type", None),
                         "agent": getattr(getattr(item, "agent", None), "name", None)}
    if hasattr(item, "source_agent"):
        d["source_agent"] = item.source_agent.name
        d["target_agent"] = item.target_agent.name
    if hasattr(item, "output") and type(item).__name__ == "ToolCallOutputItem":
        d["output"] = jsonable(item.output)
    d["raw_item"] = jsonable(item.raw_item)
    return d
