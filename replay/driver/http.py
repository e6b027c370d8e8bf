"""The replay's HTTP client: geventhttpclient's connection pool and response parser, reporting
every request to Locust's stats.

    client = HttpClient(origin="https://x.my.salesforce-scrt.com", events=environment.events,
                        timeout_s=30, connections=10_000, ca_bundle=None, insecure=False)
    reply = client.request("POST", path, body, header_lines, name="/voiceCalls/{key}/messages",
                           on_wire=lambda: ...)     # called as the request goes out
    reply.status, reply.retry_after, reply.error        # status 0 = no response (see error)
    reply.connect_wait_s      # waited for a connection (None: none was had)
    client.usage()            # {"limit", "peak_open", "waited", "wait_s"}
    add_usage([usage, ...])   # workers' usages as one (a distributed master's summary)

`header_lines` is the request's own header fields, already serialised ("Name: value\r\n" each,
see `RequestBuilder.header_lines`): the builder makes that string once per token, not per request.

Why not Locust's FastHttpSession, nor geventhttpclient's `HTTPClient.request`: the replay's
requests are all alike (a small bytes body, the same few headers), yet those rebuild, merge,
re-validate and re-serialise every header of every request, and FastHttpSession adds a cookie
jar, redirect handling and a compatibility response on top. Measured here, the whole replay
at --speed max on one core (64 calls, the mock on the other core): ~115 µs of CPU per message
with `HTTPClient.request`, ~71 µs with this client, which writes the request head itself
(FastHttpSession cost ~150 µs per request in an earlier measurement). The parts that are
hard to get right stay geventhttpclient's: the pool (connecting, TLS, timeouts, dropping idle
connections the server closed) and the response parser (chunked bodies, 1xx responses,
keep-alive). The bytes on the wire are what `HTTPClient.request` sends: request line,
`User-Agent`, the given headers, `Host`, `Content-Length`.

Every request fires `environment.events.request` as FastHttpSession does (request_type, name,
response_time in ms, response_length, exception), so Locust's statistics, web UI, CSV and HTML
reports, and a master's aggregation, see every request. A status of 400 or more is reported to
Locust as a failure ("HTTP 500"); the response body is read and dropped, except the start of a
401's (`Reply.detail`), where an endpoint says why it refused the token.

One client per process, shared by every call. Connections open lazily and are kept alive:
at most `connections`, and at most `MAX_CONNECTING` being opened at once (connecting.py), so a
request finding every connection busy waits, in turn, for one given back or opened rather than
opening yet another. `on_wire` is called when the request has its connection and its bytes
are about to leave: the replay records that moment as the message's sent time, and
`Reply.connect_wait_s` is the time before it (waiting for a connection, or connecting).
`usage()` says how many connections were open at most and how many requests waited how long
(a wait under `WAIT_NOTED_S` is not counted).
TLS is verified (tls.py); `timeout_s` bounds connecting and each response.
Nothing here repeats a request whose response was lost, so the replay's retries (sender.py) are
the only ones.

Through a proxy (`proxy`, see proxy.py): to an https host, each pooled connection is a CONNECT
tunnel through the proxy (geventhttpclient's pool opens it, with Basic Proxy-Authorization from
the URL's credentials), then TLS to the host, verified as without a proxy; to an http host,
requests go to the proxy in absolute form (`POST http://host/path`) with Proxy-Authorization.
Connections are kept alive either way. A refused tunnel (407, 403, 502, ...) is a `ProxyError`
naming the proxy (never its credentials).
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gevent.monkey import get_original
from geventhttpclient import __version__ as geventhttpclient_version
from geventhttpclient.connectionpool import ConnectionPool, SSLConnectionPool
from geventhttpclient.response import HTTPSocketPoolResponse

from replay.driver.connecting import MAX_CONNECTING, ConnectGate
from replay.driver.proxy import Proxy
from replay.driver.tls import ssl_context_factory

USER_AGENT = f"python/gevent-http-client-{geventhttpclient_version}"
BLOCK_SIZE = 4096
DETAIL_BYTES = 1024
WAIT_NOTED_S = 0.001  # a shorter wait for a connection is not counted as one
_BROKEN_WHILE_SENDING = (errno.ECONNRESET, errno.EPIPE)


class HttpStatusError(Exception):
    """What Locust's statistics record for a response with status >= 400."""


class ProxyError(ConnectionError):
    """The proxy refused or failed to open a tunnel (CONNECT) to the host; says which proxy."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int  # 0: no response
    retry_after: str | None
    error: BaseException | None  # why there was no response (status 0)
    detail: bytes = b""  # the start of a 401's body (why the token was refused); else empty
    connect_wait_s: float | None = None  # waited for a connection; None: none was had


def host_header(hostname: str, port: int) -> str:
    """The Host header's value: brackets around an IPv6 address, the port unless 80 or 443."""
    host = f"[{hostname}]" if ":" in hostname else hostname
    return host if port in (80, 443) else f"{host}:{port}"


_real_select = get_original("select", "select")


def _still_open(self: Any, sock: Any) -> bool:
    """Whether an idle kept-alive connection may be used: not closed, and nothing to read (a
    readable idle connection was closed by the server, or holds something unasked)."""
    try:
        return sock is not None and sock.fileno() >= 0 and not _real_select([sock], [], [], 0)[0]
    except (OSError, ValueError):
        return False


class _Pool(ConnectionPool):
    """geventhttpclient's pool, checking an idle connection with the real select: gevent's
    switches to the event loop even with a zero timeout, so every request waited for a whole
    round of the other greenlets before going out (milliseconds with thousands of calls)."""

    _is_socket_alive = _still_open


class _SSLPool(SSLConnectionPool):
    """The https pool, with the same check (see _Pool)."""

    _is_socket_alive = _still_open


def add_usage(parts: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Processes' `usage()` as one: the limit per process, the rest added up."""
    parts = [part for part in parts if part]
    if not parts:
        return None
    return {"limit": max(part["limit"] for part in parts),
            **{key: sum(part[key] for part in parts) for key in ("peak_open", "waited")},
            "wait_s": round(sum(part["wait_s"] for part in parts), 6)}


class HttpClient:
    def __init__(self, *, origin: str, events: Any, timeout_s: float, connections: int,
                 ca_bundle: str | None, insecure: bool, proxy: Proxy | None = None) -> None:
        parts = urlsplit(origin)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        self._fire = events.request.fire
        self._origin = origin
        self.proxy = proxy
        pool_options: dict[str, Any] = dict(size=connections, connection_timeout=timeout_s,
                                            network_timeout=timeout_s)
        connect_to = (parts.hostname, port) if proxy is None else (proxy.host, proxy.port)
        self._target_prefix = ""  # absolute-form request targets through an http proxy
        proxy_line = ""
        if https:
            if proxy is not None:  # CONNECT tunnel; TLS from here to the host
                pool_options.update(use_proxy=True, proxy_user=proxy.user,
                                    proxy_password=proxy.password)
            self._pool: ConnectionPool = _SSLPool(
                *connect_to, parts.hostname, port, insecure=insecure,
                ssl_context_factory=ssl_context_factory(ca_bundle=ca_bundle, insecure=insecure),
                **pool_options,
            )
        else:
            self._pool = _Pool(*connect_to, parts.hostname, port, **pool_options)
            if proxy is not None:
                self._target_prefix = origin
                credentials = proxy.basic_auth()
                proxy_line = f"Proxy-Authorization: {credentials}\r\n" if credentials else ""
        self._limit = connections
        # the pool's idle connections (geventhttpclient keeps them in a queue; pinned in
        # tests/driver/test_geventhttpclient_internals.py)
        self._gate = ConnectGate(limit=MAX_CONNECTING, idle=self._pool._socket_queue.qsize)
        self._in_use = 0
        self._peak_open = 0
        self._waited = 0
        self._wait_s = 0.0
        self._after_request_line = f" HTTP/1.1\r\nUser-Agent: {USER_AGENT}\r\n{proxy_line}"
        self._host_and_length = f"Host: {host_header(parts.hostname, port)}\r\nContent-Length: "

    def request(self, method: str, path: str, body: bytes, header_lines: str,
                name: str, on_wire: Callable[[], object] | None = None) -> Reply:
        start_time = time.time()
        started = time.perf_counter()
        head = (f"{method} {self._target_prefix}{path}{self._after_request_line}{header_lines}"
                f"{self._host_and_length}{len(body)}\r\n\r\n")
        wait_s = None
        try:
            sock = self._connection()
            wait_s = time.perf_counter() - started
            if wait_s >= WAIT_NOTED_S:
                self._waited += 1
                self._wait_s += wait_s
            # the pool opens a connection only when none is idle: the most ever open is the
            # most ever in use at once
            self._in_use = in_use = self._in_use + 1
            if in_use > self._peak_open:
                self._peak_open = in_use
            try:
                if on_wire is not None:
                    on_wire()
                response = self._exchange(sock, method, head.encode("latin-1") + body)
                try:
                    content = response.read()
                    length = len(content)
                finally:
                    response.release()
            finally:
                self._in_use -= 1
                self._gate.given_back()
        except Exception as error:  # every transport failure becomes a recorded outcome
            self._report(method, name, started, start_time, 0, error, path)
            return Reply(0, None, error, connect_wait_s=wait_s)
        status = response.status_code
        failure = HttpStatusError(f"HTTP {status}") if status >= 400 else None
        self._report(method, name, started, start_time, length, failure, path)
        detail = content[:DETAIL_BYTES] if status == 401 else b""
        return Reply(status, response.get("retry-after"), None, detail, wait_s)

    def usage(self) -> dict[str, float | int]:
        """The connections: `limit`, `peak_open` (open at once, at most), `waited` (requests
        that waited `WAIT_NOTED_S` or more for one) and `wait_s` (how long, in all)."""
        return {"limit": self._limit, "peak_open": self._peak_open, "waited": self._waited,
                "wait_s": round(self._wait_s, 6)}

    def _connection(self) -> Any:
        """A pooled connection: an idle one; else a new one while fewer than the limit are
        open and fewer than MAX_CONNECTING are being opened (connecting.py); else the next one
        given back or opened (waiting in turn)."""
        try:
            return self._gate.take(self._pool.get_socket)
        except RuntimeError as error:  # geventhttpclient's CONNECT failures
            if self.proxy is None or not str(error).startswith("Proxy"):
                raise
            raise ProxyError(f"the proxy {self.proxy.shown} did not open a tunnel to "
                             f"{self._origin}: {str(error).removeprefix('Proxy ')}") from None

    def _exchange(self, sock: Any, method: str, data: bytes) -> HTTPSocketPoolResponse:
        """Send one request on a pooled connection; the response with its headers read (the
        response gives the connection back to the pool, or closes it)."""
        pool = self._pool
        try:
            sock.sendall(data)
        except OSError as error:
            if error.errno not in _BROKEN_WHILE_SENDING:
                pool.release_socket(sock)
                raise
            # The server may have answered (a 4xx, say) before closing: read that answer; if
            # there is none, the response's own error is raised and the socket released.
        return HTTPSocketPoolResponse(sock, pool, block_size=BLOCK_SIZE, method=method)

    def _report(self, method: str, name: str, started: float, start_time: float, length: int,
                exception: BaseException | None, path: str) -> None:
        self._fire(
            request_type=method, name=name,
            response_time=(time.perf_counter() - started) * 1000.0, response_length=length,
            exception=exception, context={}, response=None, url=self._origin + path,
            start_time=start_time,
        )

    def close(self) -> None:
        self._pool.close()
