"""``modelpools serve``: an OpenAI-compatible endpoint (aiohttp) in front of ``modelpools.Client``.

    POST /v1/chat/completions   whole, or streamed as server-sent events (``"stream": true``)
    GET  /v1/models             auto, the roles, the tiers and every model id, each with its context_length

Every request goes through the one Client of the server: the same fallback rules, ledger, daily cap and pacing as a
site's own code (``Client.resolve_model`` reads the ``model`` field, ``Client.complete`` walks the models). The
reply's ``model`` is the id that answered; the ``X-Modelpools-Model`` and ``X-Modelpools-Attempts`` headers (a
stream: its last chunk's ``modelpools.attempts``) say what was tried. When every model fails the answer is an
OpenAI-shaped error whose ``error.attempts`` lists each try and its reason.

Safe by default: it listens on 127.0.0.1; any other address needs a serve key (``MODELPOOLS_SERVE_KEY``), which
every request must then send as ``Authorization: Bearer <key>`` (compared in constant time). The client's own
``Authorization`` header is never forwarded: the upstream key goes to OpenRouter only, in the Client's session.
Request bodies over ``max_body_bytes`` get a 413, requests beyond ``max_concurrent`` in flight a 503. The pools file
is read again when it changes on disk (checked per request). SIGTERM stops accepting connections and lets the
requests in flight finish (up to ``shutdown_timeout`` seconds).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import signal
import time as time_module
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelpools.consumer import openai_wire as wire
from modelpools.consumer.completion import Reply, TextPiece
from modelpools.consumer.model_spec import required_parameters, role_chain, role_names
from modelpools.consumer.pools_view import ROLES
from modelpools.errors import (
    AccountPaused,
    CompletionFailed,
    DailyCapReached,
    ModelPoolsError,
    NoCapableModel,
    ServeRefused,
    UnknownModel,
)

if TYPE_CHECKING:
    from aiohttp import web

    from modelpools.consumer.client import Client

__all__ = [
    "ServeOptions",
    "SERVE_KEY_VARIABLE",
    "check_listen",
    "build_app",
    "serve_until",
    "run_server",
]

SERVE_KEY_VARIABLE = "MODELPOOLS_SERVE_KEY"
# body fields the server sets or that would route around the pools (OpenRouter's own fallback list and routing)
_NOT_PASSED = frozenset({"model", "messages", "stream", "stream_options", "models", "route"})


class _StreamBroken(Exception):
    """Raised from on_text: an attempt whose text already went out failed, and its successor's would mix in."""


@dataclass(frozen=True)
class ServeOptions:
    """Where and how ``modelpools serve`` listens (defaults shown); ``serve_key`` is never shown in ``repr``."""

    host: str = "127.0.0.1"
    port: int = 8787
    serve_key: str | None = field(default=None, repr=False)
    max_body_bytes: int = 8 * 1024 * 1024
    max_concurrent: int = 64  # requests in flight; more get a 503 at once
    shutdown_timeout: float = 60.0  # seconds SIGTERM waits for the requests in flight


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen(options: ServeOptions) -> None:
    """ServeRefused unless the address is loopback or a serve key is set (pure)."""
    if options.serve_key is not None and not options.serve_key.strip():
        raise ServeRefused(f"{SERVE_KEY_VARIABLE} is set but empty; set a long random key or unset it")
    if not _is_loopback(options.host) and not options.serve_key:
        raise ServeRefused(
            f"refusing to listen on {options.host}: only 127.0.0.1 is served without a key; "
            f"set {SERVE_KEY_VARIABLE} to a long random key (clients send it as `Authorization: Bearer <key>`)"
        )
    if options.max_concurrent < 1 or options.max_body_bytes < 1024:
        raise ServeRefused("max_concurrent must be 1 or more and max_body_bytes 1024 or more")


def _authorized(request: web.Request, key: str | None) -> bool:
    if key is None:
        return True
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), key.strip().encode())


class _Endpoint:
    """The request handlers over one Client."""

    def __init__(self, client: Client, options: ServeOptions, warn: Callable[[str], None]) -> None:
        self.client, self.options, self.warn = client, options, warn
        self.in_flight = 0

    # -- helpers -----------------------------------------------------------------------------------------
    @staticmethod
    def _error(status: int, message: str, kind: str, code: str, **extra: Any) -> web.Response:
        from aiohttp import web

        return web.json_response(wire.error_body(message, kind, code, **extra), status=status)

    def _unauthorized(self) -> web.Response:
        message = "missing or wrong serve key (Authorization: Bearer <MODELPOOLS_SERVE_KEY>)"
        return self._error(401, message, "authentication_error", "invalid_api_key")

    def _refresh(self) -> None:
        try:
            if self.client.refresh_pools():
                self.warn(f"read the pools file again: {self.client.options.pools_file}")
        except ModelPoolsError as exc:  # keep serving the pools in use
            self.warn(f"the new pools file does not load, still serving the previous one: {exc}")

    def _failure(self, exc: CompletionFailed, left_out: tuple[tuple[str, str], ...]) -> web.Response:
        from modelpools.io.log import redact

        if isinstance(exc, DailyCapReached):
            status, kind, code = 429, "rate_limit_error", "daily_cap_reached"
        elif isinstance(exc, AccountPaused):  # the account's settings or credits: the message names the page
            status, kind, code = 403, "permission_error", "account_paused"
        elif exc.attempts and exc.attempts[-1].status in (400, 413):
            status, kind, code = 400, "invalid_request_error", "upstream_rejected_request"
        else:
            status, kind, code = 502, "upstream_error", "no_model_answered"
        response = self._error(status, redact(str(exc)), kind, code, attempts=exc.attempts, left_out=left_out)
        response.headers[wire.ATTEMPTS_HEADER] = wire.attempts_header(exc.attempts)
        return response

    # -- handlers ------------------------------------------------------------------------------------------
    async def models(self, request: web.Request) -> web.Response:
        from aiohttp import web

        if not _authorized(request, self.options.serve_key):
            return self._unauthorized()
        self._refresh()
        pools = self.client.pools
        roles = [("auto", role_chain(pools, "bulkModel"))] + [
            (name, role_chain(pools, name)) for name in role_names(pools)
        ]
        return web.json_response(wire.model_list(pools, roles))

    async def chat(self, request: web.Request) -> web.StreamResponse:
        if not _authorized(request, self.options.serve_key):
            return self._unauthorized()
        if self.in_flight >= self.options.max_concurrent:
            return self._error(
                503,
                f"server busy: {self.options.max_concurrent} requests in flight (max_concurrent)",
                "server_error",
                "busy",
            )
        self.in_flight += 1
        try:
            return await self._chat(request)
        finally:
            self.in_flight -= 1

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        from aiohttp import web

        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._error(
                413,
                f"request body over {self.options.max_body_bytes} bytes (max_body_bytes)",
                "invalid_request_error",
                "body_too_large",
            )
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return self._error(400, "the request body is not JSON", "invalid_request_error", "invalid_json")
        if not isinstance(body, Mapping) or not isinstance(body.get("messages"), list) or not body["messages"]:
            return self._error(
                400, "the body needs a non-empty `messages` list", "invalid_request_error", "invalid_messages"
            )
        spec = body.get("model")
        if not isinstance(spec, str) or not spec:
            return self._error(
                400, "the body needs `model`: a role, tier, model id or auto", "invalid_request_error", "invalid_model"
            )
        params = {key: value for key, value in body.items() if key not in _NOT_PASSED}
        self._refresh()
        try:
            choice = self.client.resolve_model(spec, params)
        except UnknownModel as exc:
            return self._error(404, str(exc), "invalid_request_error", "model_not_found")
        except NoCapableModel as exc:
            return self._error(400, str(exc), "invalid_request_error", "unsupported_parameter")
        # a built-in role walks the Client's own router for it (its waits and stops hold across requests)
        same_as_role = choice.kind == "role" and choice.role in ROLES.values() and not choice.left_out
        models = None if same_as_role else choice.models
        request_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time_module.time())
        options = body.get("stream_options")
        include_usage = isinstance(options, Mapping) and options.get("include_usage") is True
        if body.get("stream") is True and not required_parameters(params):
            return await self._stream(
                request,
                choice.role,
                models,
                choice.left_out,
                body["messages"],
                params,
                request_id,
                created,
                include_usage,
            )
        try:
            reply = await self.client.complete(role=choice.role, messages=body["messages"], models=models, **params)
        except CompletionFailed as exc:
            return self._failure(exc, choice.left_out)
        except ValueError as exc:  # a parameter the Client refuses
            return self._error(400, str(exc), "invalid_request_error", "invalid_parameter")
        headers = {wire.MODEL_HEADER: reply.model, wire.ATTEMPTS_HEADER: wire.attempts_header(reply.attempts)}
        if body.get("stream") is True:  # tools etc.: the upstream answered whole, sent on as one stream
            response = web.StreamResponse(
                headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", **headers}
            )
            await response.prepare(request)
            for event in wire.reply_chunks(reply, request_id, created, include_usage):
                await response.write(event)
            await response.write(wire.DONE_EVENT)
            return response
        return web.json_response(wire.completion_body(reply, request_id, created), headers=headers)

    async def _stream(
        self,
        request: web.Request,
        role: str,
        models: tuple[str, ...] | None,
        left_out: tuple[tuple[str, str], ...],
        messages: list,
        params: dict[str, Any],
        request_id: str,
        created: int,
        include_usage: bool,
    ) -> web.StreamResponse:
        """Pass each piece of text on as it arrives; headers go out with the first piece, so a failure before it
        is an ordinary error answer, and a failure after it an error event that ends the stream."""
        from aiohttp import web

        queue: asyncio.Queue[TextPiece | None] = asyncio.Queue()
        sent: list[int] = []  # the attempt whose pieces went out

        def on_text(piece: TextPiece) -> None:
            if sent and piece.attempt != sent[0]:
                raise _StreamBroken()
            if not sent:
                sent.append(piece.attempt)
            queue.put_nowait(piece)

        task = asyncio.ensure_future(
            self.client.complete(role=role, messages=messages, models=models, on_text=on_text, **params)
        )
        task.add_done_callback(lambda _: queue.put_nowait(None))
        response: web.StreamResponse | None = None
        writable, ended = True, False
        encode: Callable[[str], bytes] | None = None  # set with the first piece: the pieces sent share one model
        while not ended:
            batch = [await queue.get()]
            while not queue.empty():  # what arrived meanwhile goes out in the same write
                batch.append(queue.get_nowait())
            pieces = [item for item in batch if item is not None]
            ended = len(pieces) < len(batch)
            if not pieces or not writable:
                continue  # a reader that went away: the completion still ends and is recorded
            events = []
            try:
                if response is None:
                    model = pieces[0].model
                    headers = {
                        "Content-Type": "text/event-stream",
                        "Cache-Control": "no-cache",
                        wire.MODEL_HEADER: model,
                    }
                    response = web.StreamResponse(headers=headers)
                    await response.prepare(request)
                    encode = wire.content_encoder(request_id, created, model)
                    first = {"role": "assistant", "content": pieces.pop(0).text}
                    events.append(wire.chunk_event(request_id, created, model, first))
                assert encode is not None
                events += [encode(p.text) for p in pieces]
                await response.write(b"".join(events))
            except (ConnectionError, RuntimeError):
                writable = False
        try:
            reply: Reply = task.result()
        except _StreamBroken:
            assert response is not None
            message = "the model failed after its first pieces were sent; retry the request"
            if writable:
                await response.write(wire.error_event(wire.error_body(message, "upstream_error", "stream_broken")))
            return response
        except CompletionFailed as exc:
            if response is None:
                return self._failure(exc, left_out)
            if writable:
                from modelpools.io.log import redact

                await response.write(
                    wire.error_event(
                        wire.error_body(redact(str(exc)), "upstream_error", "no_model_answered", exc.attempts)
                    )
                )
            return response
        except ValueError as exc:
            return self._error(400, str(exc), "invalid_request_error", "invalid_parameter")
        if response is None:  # a success without a piece of text cannot happen (empty replies fail); stay safe
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream", wire.MODEL_HEADER: reply.model})
            await response.prepare(request)
        if writable:
            finish = reply.finish_reason or "stop"
            await response.write(
                wire.chunk_event(request_id, created, reply.model, {}, finish, {"modelpools": wire.last_extra(reply)})
            )
            usage = wire.usage_of(reply)
            if include_usage and usage is not None:
                await response.write(wire.chunk_event(request_id, created, reply.model, None, extra={"usage": usage}))
            await response.write(wire.DONE_EVENT)
        return response


def build_app(client: Client, options: ServeOptions, warn: Callable[[str], None] | None = None) -> web.Application:
    """The aiohttp application over an open Client (``async with Client(...) as client``)."""
    from aiohttp import web

    if warn is None:
        from modelpools.io.log import warn as log_warn

        warn = log_warn
    endpoint = _Endpoint(client, options, warn)
    app = web.Application(client_max_size=options.max_body_bytes)
    app.router.add_post("/v1/chat/completions", endpoint.chat)
    app.router.add_get("/v1/models", endpoint.models)
    return app


async def serve_until(
    client: Client,
    options: ServeOptions,
    stop: asyncio.Event,
    on_ready: Callable[[str], None] | None = None,
    *,
    warn: Callable[[str], None] | None = None,
) -> None:
    """Serve until ``stop`` is set, then finish the requests in flight; ``on_ready(base_url)`` once listening;
    ``warn(line)`` for a pools file that changed (default: modelpools.io.log.warn)."""
    from aiohttp import web

    check_listen(options)
    app = build_app(client, options, warn)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=options.shutdown_timeout)
    await runner.setup()
    try:
        site = web.TCPSite(runner, options.host, options.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        if on_ready is not None:
            shown = f"[{host}]" if ":" in str(host) else host
            on_ready(f"http://{shown}:{port}/v1")
        await stop.wait()
    finally:
        await runner.cleanup()


def run_server(client: Client, options: ServeOptions, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve from the command line until SIGTERM or SIGINT (blocking); the Client is opened and closed here."""
    check_listen(options)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with client:
            await serve_until(client, options, stop, on_ready)

    asyncio.run(main())
