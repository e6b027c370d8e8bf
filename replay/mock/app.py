"""The mock telephony API as a plain ASGI application (no framework: the hot path is ours).

    app = MockApp(config, worker=0)        # served by replay.mock.server with uvicorn

Routes (trailing slash accepted everywhere):

    POST  /telephony/v1/voiceCalls/{vendorCallKey}/messages   one transcript message
    POST  /telephony/v1/voiceCalls/messages                   bulk: <= 5 calls x <= 5 messages
    POST  /telephony/v1/voiceCalls                            create a call
    PATCH /telephony/v1/voiceCalls/{vendorCallKey|voiceCallId} update; may end the call
    /__admin/...                                              see replay.mock.admin

A transcript request goes through, in order: method (405), Content-Length over the limit (413),
Authorization (401), Content-Type (415), body size (413), body parse and the six fields (400),
rate limit (429 with Retry-After), the service queue (--service-rate: it waits its turn),
injected fault (5xx, reset, hang), the call (404 with --strict-calls, ended ->
--after-end-status, duplicate -> 409 with --duplicates reject), then the
ledger and the answer `{"result":"Accepted"}` with --success-status. Every refusal has the
mock's own error shape (the real one is not public):

    {"status": 400, "error": "INVALID_FIELDS",
     "errors": [{"field": "startTime", "message": "must be an integer (epoch milliseconds), ..."}]}
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson

from replay.mock import faults as fault_kinds
from replay.mock import lifecycle
from replay.mock.admin import AdminApi
from replay.mock.checks import check_authorization, check_rate
from replay.mock.cluster import Cluster
from replay.mock.config import MockConfig
from replay.mock.ledger import Call, write_ledger
from replay.mock.responses import (
    JSON_HEADER,
    Receive,
    Refusal,
    Send,
    abort_connection,
    read_body,
    refusal,
    send_refusal,
    too_large,
    wait_for_disconnect,
)
from replay.mock.state import MockState
from replay.mock.validation import (
    JSON,
    Message,
    bulk_messages,
    content_kind,
    message_fields,
    parse_document,
)

logger = logging.getLogger(__name__)


PREFIX = "/telephony/v1/voiceCalls"
PREFIX_SLASH = PREFIX + "/"
MESSAGES_SUFFIXES = ("/messages", "/messages/")
TRANSPORT_EXTENSION = "replay.mock.transport"
ACCEPTED_BODY = b'{"result":"Accepted"}'


class MockApp:
    """ASGI entry point: routes, the transcript hot path, and the ledger's lifespan.

    The process's state (ledger, verifier, faults, limiters) is `self.state` (MockState),
    shared with the lifecycle handlers and the admin API; the hot path keeps direct
    references to its parts (an attribute lookup less per request)."""

    def __init__(self, config: MockConfig, *, worker: int = 0,
                 cluster: Cluster | None = None) -> None:
        self.state = state = MockState(config, worker=worker, cluster=cluster)
        self.config = config
        self.ledger = state.ledger
        self.verifier = state.verifier
        self.faults = state.faults
        self.message_limiter = state.message_limiter
        self.service_queue = state.service_queue
        self.admin = AdminApi(state)
        self.lifecycle = lifecycle.Lifecycle(state)
        self._accepted_start = {
            "type": "http.response.start",
            "status": config.success_status,
            "headers": [JSON_HEADER, (b"content-length", b"%d" % len(ACCEPTED_BODY))],
        }
        self._accepted_body = {"type": "http.response.body", "body": ACCEPTED_BODY}
        self.ledger_path = config.ledger_out
        self._max_body = config.max_body_bytes
        # Messages that need more than the common checks take the slow path (_call_taking).
        self._strict = config.duplicates == "reject" or config.outside_window == "reject"

    def reset(self) -> None:
        """Forget every call, message and counter; restart the random sequence."""
        self.state.reset()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """ASGI entry point. A single transcript post, the endpoint under load, is answered
        right here in one coroutine (each extra coroutine level costs measurably at 30,000
        requests/s); everything else goes through _route."""
        path = scope.get("path", "")  # a lifespan scope has none
        if not path.endswith(MESSAGES_SUFFIXES) or not path.startswith(PREFIX_SLASH):
            await self._route(scope, receive, send, path)
            return
        key = path[len(PREFIX_SLASH):path.rindex("/messages")]
        if not key:
            await self._bulk(scope, receive, send)
            return
        ledger = self.ledger
        ledger.received += 1
        try:
            kind = self._checked_headers(scope)
            message = await receive()
            if message.get("more_body"):
                body = await read_body(receive, self._max_body, message)
            else:
                body = message.get("body", b"")
                if len(body) > self._max_body:
                    raise too_large(self._max_body)
            if message["type"] != "http.request" or body is None:
                return
            try:
                document = orjson.loads(body) if kind == JSON else None
            except orjson.JSONDecodeError:
                document = None
            if document is None:
                document, problems = parse_document(body, kind)
                if problems:
                    raise Refusal(400, "INVALID_BODY", problems)
            if "/" in key:
                raise refusal(400, "INVALID_PATH", "vendorCallKey",
                              "the vendorCallKey in the path must be one path segment")
            fields = message_fields(document)
            if type(fields) is not tuple:
                raise Refusal(400, "INVALID_FIELDS", fields)
            if self.message_limiter is not None:
                self._rate_check(1)
            if self.service_queue is not None:
                await asyncio.sleep(self.service_queue.admit(1, time.monotonic()))
            if self.faults.enabled and not await self._survives_faults(scope, receive):
                return
            call = ledger.calls.get(key)
            if call is None or call.ended or self._strict:
                call = self._call_taking(key, fields)
            ledger.record(call, fields, time.time())
        except Refusal as error:
            await self._answer(send, error)
            return
        await self._answer(send, None)

    async def _answer(self, send: Send, error: Refusal | None) -> None:
        """Answer a transcript post, after the injected latency: Accepted, or the refusal."""
        if error is not None:
            self.ledger.rejected[error.status] += 1
        if self.faults.delays:
            await asyncio.sleep(self.faults.delay_s())
        if error is None:
            await send(self._accepted_start)
            await send(self._accepted_body)
        else:
            await send_refusal(send, error)

    async def _route(self, scope: dict[str, Any], receive: Receive, send: Send,
                     path: str) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self._lifespan(receive, send)
            return
        if path.startswith(PREFIX) and (len(path) == len(PREFIX) or path[len(PREFIX)] == "/"):
            try:
                await self.lifecycle.handle(scope, receive, send, path[len(PREFIX):].rstrip("/"))
            except Refusal as error:
                self.ledger.lifecycle_rejected[error.status] += 1
                await send_refusal(send, error)
        elif path.startswith("/__admin/"):
            await self.admin.handle(scope, receive, send, path[len("/__admin/"):])
        else:
            await send_refusal(send, refusal(
                404, "NOT_FOUND", "path",
                f"no such endpoint: {path[:200]}; transcripts go to "
                f"POST {PREFIX}/{{vendorCallKey}}/messages"))

    async def _bulk(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        ledger = self.ledger
        ledger.received += 1
        ledger.bulk_requests += 1
        try:
            if self._checked_headers(scope) != JSON:
                raise refusal(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type",
                              "bulk transcripts must be application/json")
            body = await read_body(receive, self._max_body)
            if body is None:
                return
            document, problems = parse_document(body, JSON)
            if problems:
                raise Refusal(400, "INVALID_BODY", problems)
            entries, problems = bulk_messages(document)
            if problems:
                raise Refusal(400, "INVALID_FIELDS", problems)
            count = sum(len(messages) for _key, messages in entries)
            if self.message_limiter is not None:
                self._rate_check(count)
            if self.service_queue is not None:
                await asyncio.sleep(self.service_queue.admit(count, time.monotonic()))
            if self.faults.enabled and not await self._survives_faults(scope, receive):
                return
            batch: set[tuple[str, str]] = set()
            taking = [(self._call_taking(key, fields, batch), fields)
                      for key, messages in entries for fields in messages]
            arrived_s = time.time()
            for call, fields in taking:
                ledger.record(call, fields, arrived_s)
        except Refusal as error:
            await self._answer(send, error)
            return
        await self._answer(send, None)

    def _checked_headers(self, scope: dict[str, Any]) -> int:
        """Method (405), Content-Length (413), Authorization (401), Content-Type (415)."""
        if scope["method"] != "POST":
            raise refusal(405, "METHOD_NOT_ALLOWED", "method",
                          f"{scope['method'][:20]} is not allowed here; use POST",
                          ((b"allow", b"POST"),))
        authorization = content_type = length = None
        for name, value in scope["headers"]:  # checks.request_headers, inlined: the hot path
            if name == b"authorization":
                authorization = value
            elif name == b"content-type":
                content_type = value
            elif name == b"content-length":
                length = value
        limit = self._max_body
        if length is not None and length.isdigit() and int(length) > limit:
            raise too_large(limit)
        if self.verifier is not None:
            check_authorization(self.verifier, authorization)
        kind = content_kind(content_type)
        if kind is None:
            shown = content_type.decode("latin-1")[:80] if content_type else "none"
            raise refusal(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type",
                          "Content-Type must be application/json or application/xml, "
                          f"not {shown!r}")
        return kind

    def _rate_check(self, messages: int) -> None:
        """Refusal 429 with Retry-After when `messages` more would pass --rate-limit."""
        check_rate(self.message_limiter, messages, limit=self.config.rate_limit,
                   option="--rate-limit", what="messages")

    def _call_taking(self, key: str, fields: Message,
                     batch: set[tuple[str, str]] | None = None) -> Call:
        """The call a message goes to, if it may take it; else a Refusal."""
        message_id = fields[1]
        ledger = self.ledger
        call = ledger.calls.get(key)
        if call is None:
            if self.config.strict_calls:
                raise refusal(404, "UNKNOWN_CALL", "vendorCallKey",
                              f"no call {key[:100]!r}; create it with POST {PREFIX} first "
                              "(--strict-calls)")
            call = ledger.open_call(key)
        if call.ended:
            ledger.after_end += 1
            raise refusal(self.config.after_end_status, "CALL_ENDED", "vendorCallKey",
                          f"call {key[:100]!r} has ended; transcripts are no longer created")
        if self.config.duplicates == "reject":
            identity = (key, message_id)
            if message_id in call.message_ids or (batch is not None and identity in batch):
                raise refusal(409, "DUPLICATE_MESSAGE", "messageId",
                              f"messageId {message_id[:100]!r} was already accepted "
                              "for this call (--duplicates reject)")
            if batch is not None:
                batch.add(identity)
        if self.config.outside_window == "reject" and call.outside(fields[2], fields[3]):
            raise refusal(400, "OUTSIDE_WINDOW", "startTime",
                          f"the message ({fields[2]}..{fields[3]} ms) is outside the call's "
                          f"window ({call.start_ms}..{call.end_ms}) (--outside-window reject)")
        return call

    async def _survives_faults(self, scope: dict[str, Any], receive: Receive) -> bool:
        """Apply the seeded fault, if any; False when the request must not be answered."""
        kind = self.faults.draw()
        if kind == fault_kinds.NONE:
            return True
        if kind == fault_kinds.ERROR:
            status = self.faults.error_status()
            self.ledger.faults["error"] += 1
            raise refusal(status, "INJECTED_FAULT", None,
                          f"injected {status} (--error-rate {self.config.error_rate:g})")
        if kind == fault_kinds.RESET:
            self.ledger.faults["reset"] += 1
            await self._reset_connection(scope, receive)
        else:
            self.ledger.faults["hang"] += 1
            await self._hang(scope, receive)
        return False

    async def _reset_connection(self, scope: dict[str, Any], receive: Receive) -> None:
        transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
        if transport is None:
            raise refusal(503, "INJECTED_FAULT", None,
                          "injected reset, but this server gives no access to the connection")
        abort_connection(transport)
        await wait_for_disconnect(receive)

    async def _hang(self, scope: dict[str, Any], receive: Receive) -> None:
        """Answer nothing until the client leaves, --hang-max-s passes, or the server begins
        to stop (then the connection is dropped, so shutdown does not wait for it)."""
        client_left = asyncio.ensure_future(wait_for_disconnect(receive))
        stopping = asyncio.ensure_future(self.state.stopping.wait())
        await asyncio.wait((client_left, stopping), timeout=self.config.hang_max_s,
                           return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not client_left.done():
            transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
            if transport is not None:
                abort_connection(transport)
            await client_left

    def begin_stopping(self) -> None:
        """The server is about to shut down: end hung requests now."""
        self.state.stopping.set()

    # Lifespan: write the ledger when the server stops (also on SIGTERM and SIGINT).
    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.write_ledger_file()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def write_ledger_file(self) -> None:
        if self.ledger_path is None:
            return
        try:
            count = write_ledger(self.ledger.rows(), self.ledger_path)
        except OSError as error:
            logger.error("could not write the ledger to %s: %s", self.ledger_path, error)
            return
        logger.info("ledger: %s messages written to %s", count, self.ledger_path)
