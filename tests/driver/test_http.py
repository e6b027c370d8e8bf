"""The HTTP client against a real socket server on port 0: bytes on the wire, replies, stats.

The server is a plain thread that records each request's raw bytes and answers with a canned
response, so the tests see exactly what the client writes and how it reads what comes back.
"""

from __future__ import annotations

import socket
import threading
import time

import gevent
import pytest

from replay.driver.http import USER_AGENT, HttpClient, HttpStatusError, add_usage, host_header
from replay.results.recorder import classify

PATH = "/telephony/v1/voiceCalls/call%2F1/messages"
NAME = "/voiceCalls/{vendorCallKey}/messages"
LINES = "Content-Type: application/json\r\nAccept: application/json\r\nAuthorization: Bearer t\r\n"
ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 21\r\n\r\n{\"result\":\"Accepted\"}"


class CannedServer:
    """Accepts connections; answers every complete request with `answer`; keeps what it got."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                head, sep, rest = buffer.partition(b"\r\n\r\n")
                if sep:
                    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                    if len(rest) >= length:
                        self.requests.append(head + sep + rest[:length])
                        buffer = rest[length:]
                        self._respond(conn)
                        continue
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data

    def _respond(self, conn: socket.socket) -> None:
        conn.sendall(self.answer)

    def close(self) -> None:
        self._listener.close()


class Events:
    """Stands in for `environment.events`: keeps every `request` event's arguments."""

    def __init__(self) -> None:
        self.fired: list[dict] = []
        self.request = self

    def fire(self, **kwargs) -> None:
        self.fired.append(kwargs)


@pytest.fixture
def serve():
    servers = []

    def start(answer: bytes = ACCEPTED, timeout_s: float = 5.0
              ) -> tuple[CannedServer, HttpClient, Events]:
        server = CannedServer(answer)
        servers.append(server)
        events = Events()
        client = HttpClient(origin=f"http://127.0.0.1:{server.port}", events=events,
                            timeout_s=timeout_s, connections=4, ca_bundle=None, insecure=False)
        return server, client, events

    yield start
    for server in servers:
        server.close()


def test_the_request_is_request_line_user_agent_given_headers_host_and_length(serve):
    server, client, _ = serve()
    client.request("POST", PATH, b'{"a":1}', LINES, NAME)
    assert server.requests == [
        f"POST {PATH} HTTP/1.1\r\nUser-Agent: {USER_AGENT}\r\n{LINES}"
        f"Host: 127.0.0.1:{server.port}\r\nContent-Length: 7\r\n\r\n".encode() + b'{"a":1}'
    ]


@pytest.mark.parametrize(("answer", "status", "retry_after", "length"), [
    (ACCEPTED, 202, None, 21),
    (b"HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n", 429, "7", 0),
    (b"HTTP/1.1 503 Unavailable\r\nretry-after: 2\r\nContent-Length: 2\r\n\r\nno", 503, "2", 2),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
     200, None, 5),
])
def test_a_reply_has_the_status_and_retry_after_and_locust_sees_the_body_length(
    serve, answer, status, retry_after, length
):
    _, client, events = serve(answer)
    reply = client.request("POST", PATH, b"{}", LINES, NAME)
    assert (reply.status, reply.retry_after, reply.error) == (status, retry_after, None)
    [event] = events.fired
    assert (event["request_type"], event["name"], event["response_length"]) == ("POST", NAME,
                                                                               length)
    assert event["url"].endswith(PATH)


@pytest.mark.parametrize(("answer", "failure"), [
    (ACCEPTED, None),
    (b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", "HTTP 500"),
    (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "HTTP 404"),
])
def test_locust_records_a_status_of_400_or_more_as_a_failure(serve, answer, failure):
    _, client, events = serve(answer)
    client.request("POST", PATH, b"{}", LINES, NAME)
    exception = events.fired[0]["exception"]
    if failure is None:
        assert exception is None
    else:
        assert isinstance(exception, HttpStatusError) and str(exception) == failure


def test_requests_one_after_another_share_one_kept_alive_connection(serve):
    server, client, _ = serve()
    for _ in range(5):
        assert client.request("POST", PATH, b"{}", LINES, NAME).status == 202
    assert (len(server.requests), server.connections) == (5, 1)


def test_a_refused_connection_is_status_0_with_the_error_and_reported_to_locust():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there
    events = Events()
    client = HttpClient(origin=f"http://127.0.0.1:{port}", events=events, timeout_s=5,
                        connections=4, ca_bundle=None, insecure=False)
    reply = client.request("POST", PATH, b"{}", LINES, NAME)
    assert reply.status == 0 and classify(0, reply.error) == "connection_error"
    assert events.fired[0]["exception"] is reply.error


def test_a_server_that_never_answers_is_status_0_timeout(serve):
    _, client, _ = serve(answer=b"", timeout_s=0.2)
    reply = client.request("PATCH", PATH, b"{}", LINES, NAME)
    assert reply.status == 0 and classify(0, reply.error) == "timeout"


@pytest.mark.parametrize(("hostname", "port", "expected"), [
    ("127.0.0.1", 8080, "127.0.0.1:8080"),
    ("acme.my.salesforce-scrt.com", 443, "acme.my.salesforce-scrt.com"),
    ("example.com", 80, "example.com"),
    ("::1", 8443, "[::1]:8443"),
])
def test_the_host_header_brackets_ipv6_and_omits_ports_80_and_443(hostname, port, expected):
    assert host_header(hostname, port) == expected


def test_through_an_http_proxy_requests_are_absolute_form_with_proxy_authorization():
    from replay.driver.proxy import Proxy

    proxy_server = CannedServer(ACCEPTED)  # stands in for the proxy: it sees what is sent
    try:
        proxy = Proxy(host="127.0.0.1", port=proxy_server.port, source="--proxy", user="u",
                      password="p w")
        client = HttpClient(origin="http://api.example.test:8080", events=Events(),
                            timeout_s=5, connections=2, ca_bundle=None, insecure=False,
                            proxy=proxy)
        for _ in range(3):
            assert client.request("POST", PATH, b"{}", LINES, NAME).status == 202
        client.close()
    finally:
        proxy_server.close()
    assert proxy_server.requests[0] == (
        f"POST http://api.example.test:8080{PATH} HTTP/1.1\r\nUser-Agent: {USER_AGENT}\r\n"
        f"Proxy-Authorization: Basic dTpwIHc=\r\n{LINES}"
        "Host: api.example.test:8080\r\nContent-Length: 2\r\n\r\n{}").encode()
    assert proxy_server.connections == 1  # kept alive through the proxy


class SlowServer(CannedServer):
    """Answers each request 50 ms after it arrived."""

    def _respond(self, conn: socket.socket) -> None:
        time.sleep(0.05)
        conn.sendall(self.answer)


def test_on_wire_is_called_once_the_request_has_its_connection_before_its_bytes_leave(serve):
    server, client, _ = serve()
    seen = []
    reply = client.request("POST", PATH, b"{}", LINES, NAME,
                           on_wire=lambda: seen.append(len(server.requests)))
    assert seen == [0] and reply.status == 202 and reply.connect_wait_s >= 0.0


def test_requests_beyond_the_connection_limit_wait_for_a_free_one_and_are_counted():
    server = SlowServer(ACCEPTED)
    client = HttpClient(origin=f"http://127.0.0.1:{server.port}", events=Events(), timeout_s=5,
                        connections=2, ca_bundle=None, insecure=False)
    try:
        replies = [gevent.spawn(client.request, "POST", PATH, b"{}", LINES, NAME)
                   for _ in range(6)]
        gevent.joinall(replies, timeout=30)
    finally:
        server.close()
    assert [reply.value.status for reply in replies] == [202] * 6
    assert server.connections == 2
    usage = client.usage()
    assert (usage["limit"], usage["peak_open"]) == (2, 2)
    assert usage["waited"] >= 4 and usage["wait_s"] > 0


def test_a_refused_connection_had_no_connection_to_wait_for():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    client = HttpClient(origin=f"http://127.0.0.1:{port}", events=Events(), timeout_s=5,
                        connections=4, ca_bundle=None, insecure=False)
    called = []
    reply = client.request("POST", PATH, b"{}", LINES, NAME, on_wire=lambda: called.append(1))
    assert (reply.status, reply.connect_wait_s, called) == (0, None, [])
    assert client.usage()["peak_open"] == 0


def test_workers_usages_add_up_under_the_limit_per_process():
    one = {"limit": 1000, "peak_open": 30, "waited": 2, "wait_s": 0.5}
    two = {"limit": 1000, "peak_open": 12, "waited": 0, "wait_s": 0.0}
    assert add_usage([one, None, two]) == {"limit": 1000, "peak_open": 42, "waited": 2,
                                          "wait_s": 0.5}
    assert add_usage([None]) is None


class ClosingServer(CannedServer):
    """Answers one request per connection, then closes it (as a server dropping idle ones)."""

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            self.requests.append(data)
            conn.sendall(self.answer.replace(b"\r\n\r\n", b"\r\nConnection: keep-alive\r\n\r\n",
                                             1))
        # closed here, though the answer said keep-alive


def test_a_kept_connection_the_server_closed_is_replaced_by_a_new_one():
    server = ClosingServer(ACCEPTED)
    client = HttpClient(origin=f"http://127.0.0.1:{server.port}", events=Events(), timeout_s=5,
                        connections=4, ca_bundle=None, insecure=False)
    try:
        first = client.request("POST", PATH, b"{}", LINES, NAME)
        time.sleep(0.05)  # the server's close has arrived
        second = client.request("POST", PATH, b"{}", LINES, NAME)
    finally:
        server.close()
    assert (first.status, second.status, server.connections) == (202, 202, 2)


def test_taking_an_idle_connection_does_not_switch_to_other_greenlets(serve, monkeypatch):
    import select

    import gevent.select

    monkeypatch.setattr(select, "select", gevent.select.select)  # as in a patched process
    _, client, _ = serve()
    client.request("POST", PATH, b"{}", LINES, NAME)  # one idle connection in the pool
    switched = []
    gevent.spawn(switched.append, True)
    client._connection()
    assert switched == []
