"""The OpenAI chat-completions shapes ``modelpools serve`` answers with (pure: no I/O, no clock).

A whole reply (``completion_body``), the chunks of a streamed one (``chunk_event``, ``DONE_EVENT``), an error body
that lists every model tried and why (``error_body``), the ``X-Modelpools-*`` headers and the ``/v1/models`` list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from modelpools.consumer.completion import Attempt, Reply
from modelpools.consumer.pools_view import Pools

__all__ = [
    "completion_body",
    "chunk_event",
    "content_encoder",
    "reply_chunks",
    "last_extra",
    "usage_of",
    "error_body",
    "error_event",
    "attempts_header",
    "model_list",
    "DONE_EVENT",
    "MODEL_HEADER",
    "ATTEMPTS_HEADER",
]

MODEL_HEADER = "X-Modelpools-Model"
ATTEMPTS_HEADER = "X-Modelpools-Attempts"
DONE_EVENT = b"data: [DONE]\n\n"
_HEADER_UNSAFE = re.compile(r"[^\x21-\x7e]")  # a header value holds printable ASCII only


def _usage(reply: Reply) -> dict[str, int] | None:
    if reply.prompt_tokens is None and reply.completion_tokens is None:
        return None
    prompt, completion = reply.prompt_tokens or 0, reply.completion_tokens or 0
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _attempts(attempts: Sequence[Attempt]) -> list[dict[str, Any]]:
    return [
        {"model": a.model, "outcome": a.outcome, "status": a.status, "action": a.action, "reason": a.reason}
        for a in attempts
    ]


def completion_body(reply: Reply, request_id: str, created: int) -> dict[str, Any]:
    """A ``chat.completion`` object: ``model`` is the id that answered; ``modelpools.attempts`` lists every try."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [dict(call) for call in reply.tool_calls]
    finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    body: dict[str, Any] = {
        "id": request_id,
        "object": "chat.completion",
        "created": created,
        "model": reply.model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
    }
    usage = _usage(reply)
    if usage is not None:
        body["usage"] = usage
    body["modelpools"] = {"attempts": _attempts(reply.attempts)}
    return body


def chunk_event(
    request_id: str,
    created: int,
    model: str,
    delta: Mapping[str, Any] | None,
    finish_reason: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """One ``chat.completion.chunk`` server-sent event (``delta`` None: a chunk with no choices, as the usage one)."""
    body: dict[str, Any] = {"id": request_id, "object": "chat.completion.chunk", "created": created, "model": model}
    body["choices"] = (
        [] if delta is None else [{"index": 0, "delta": dict(delta), "finish_reason": finish_reason, "logprobs": None}]
    )
    if extra:
        body.update(extra)
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def content_encoder(request_id: str, created: int, model: str) -> Callable[[str], bytes]:
    """A function giving the chunk event of one piece of text, byte for byte what ``chunk_event`` gives for
    ``{"content": text}``, with only the text encoded per piece (a stream has hundreds)."""
    head = chunk_event(request_id, created, model, {"content": ""})
    cut = head.index(b'"content":""') + len(b'"content":')
    before, after = head[:cut], head[cut + 2 :]
    return lambda text: before + json.dumps(text).encode() + after


def reply_chunks(reply: Reply, request_id: str, created: int, include_usage: bool) -> list[bytes]:
    """A whole Reply as the chunks of a stream (for a streamed request the upstream could not stream, e.g. tools)."""
    delta: dict[str, Any] = {"role": "assistant", "content": reply.text or ""}
    if reply.tool_calls:
        delta["tool_calls"] = [{"index": i, **dict(call)} for i, call in enumerate(reply.tool_calls)]
    finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    events = [chunk_event(request_id, created, reply.model, delta)]
    events.append(chunk_event(request_id, created, reply.model, {}, finish, {"modelpools": last_extra(reply)}))
    if include_usage and _usage(reply) is not None:
        events.append(chunk_event(request_id, created, reply.model, None, extra={"usage": _usage(reply)}))
    return events


def last_extra(reply: Reply) -> dict[str, Any]:
    """What the last chunk of a stream carries besides OpenAI's fields: every attempt made."""
    return {"attempts": _attempts(reply.attempts)}


def usage_of(reply: Reply) -> dict[str, int] | None:
    """OpenAI's ``usage`` object for a reply, None when the upstream reported no token counts."""
    return _usage(reply)


def error_body(
    message: str, kind: str, code: str, attempts: Sequence[Attempt] = (), left_out: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """OpenAI's error shape; ``attempts`` (model, outcome, status, action, reason) and ``left_out`` (models not tried
    because of the request's parameters) say what was tried and why it failed."""
    error: dict[str, Any] = {"message": message, "type": kind, "param": None, "code": code}
    error["attempts"] = _attempts(attempts)
    if left_out:
        error["left_out"] = [{"model": model, "reason": reason} for model, reason in left_out]
    return {"error": error}


def error_event(body: Mapping[str, Any]) -> bytes:
    """An error inside a stream that already started (the OpenAI SDKs raise it as an APIError)."""
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def attempts_header(attempts: Sequence[Attempt]) -> str:
    """``model=outcome/action`` per attempt, comma-separated, printable ASCII only (reasons go in the body)."""
    return ", ".join(_HEADER_UNSAFE.sub("?", f"{a.model}={a.outcome}/{a.action}") for a in attempts)[:4000]


def model_list(pools: Pools, roles: Sequence[tuple[str, tuple[str, ...]]]) -> dict[str, Any]:
    """``GET /v1/models``: ``auto``, each role and tier (context_length of its first model), then every model id."""
    context = {m.id: m.context_length for m in pools.models} | {u.id: u.context_length for u in pools.unranked}
    vendor = {m.id: m.vendor for m in pools.models} | {u.id: u.vendor for u in pools.unranked}
    data: list[dict[str, Any]] = []

    def entry(name: str, first: str | None, kind: str, models: Sequence[str] = ()) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": name,
            "object": "model",
            "created": 0,
            "owned_by": vendor.get(first or "", "") or "modelpools",
            "context_length": context.get(first or ""),
            "modelpools": {"kind": kind},
        }
        if kind != "model":
            item["modelpools"]["models"] = list(models)
        return item

    for name, chain in roles:
        data.append(entry(name, chain[0] if chain else None, "role", chain))
    for tier_name, ids in pools.tiers:
        data.append(entry(tier_name, ids[0] if ids else None, "tier", ids))
    for model in pools.models:
        data.append(entry(model.id, model.id, "model"))
    for unranked in pools.unranked:
        data.append(entry(unranked.id, unranked.id, "model"))
    return {"object": "list", "data": data}
