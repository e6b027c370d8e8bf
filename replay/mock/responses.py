"""HTTP plumbing shared by the mock's handlers: the error shape, responses, bodies, resets.

    raise refusal(400, "INVALID_FIELDS", "startTime", "must be an integer")
    await send_refusal(send, error)   # {"status": 400, "error": CODE, "errors": [{field, message}]}
    body = await read_body(receive, limit)     # bytes; None if the client left; 413 past limit

The error shape is the mock's own (the real API's error bodies are not public): `status`
repeats the HTTP status, `error` is a stable code (INVALID_FIELDS, TOKEN_EXPIRED, ...), and
`errors` lists every problem with the field it concerns (null when none applies).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
JSON_HEADER = (b"content-type", b"application/json")


class Refusal(Exception):
    """A request the mock answers with a 4xx (or injected 5xx) and the error shape."""

    def __init__(self, status: int, code: str, problems: list[dict[str, Any]],
                 headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.problems = problems
        self.headers = headers


def refusal(status: int, code: str, field: str | None, message: str,
            headers: tuple[tuple[bytes, bytes], ...] = ()) -> Refusal:
    return Refusal(status, code, [{"field": field, "message": message}], headers)


def error_body(status: int, code: str, problems: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"status": status, "error": code, "errors": problems})


async def send_response(send: Send, status: int, body: bytes,
                        headers: tuple[tuple[bytes, bytes], ...] = (),
                        content_type: tuple[bytes, bytes] = JSON_HEADER) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [content_type, (b"content-length", b"%d" % len(body)), *headers],
    })
    await send({"type": "http.response.body", "body": body})


async def send_refusal(send: Send, error: Refusal) -> None:
    await send_response(send, error.status, error_body(error.status, error.code, error.problems),
                        error.headers)


async def read_body(receive: Receive, limit: int,
                    message: dict[str, Any] | None = None) -> bytes | None:
    """The request body (from `message` on, if one was received already); None if the client
    went away. Refusal 413 past `limit` bytes."""
    if message is None:
        message = await receive()
    if message["type"] != "http.request":
        return None
    body = message.get("body", b"")
    if not message.get("more_body"):
        if len(body) > limit:
            raise too_large(limit)
        return body
    chunks = [body]
    size = len(body)
    while message.get("more_body"):
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> Refusal:
    return refusal(413, "BODY_TOO_LARGE", "body",
                   f"the body is larger than {limit} bytes (--max-body-bytes)",
                   ((b"connection", b"close"),))


def abort_connection(transport: asyncio.Transport) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0), not an orderly close."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
