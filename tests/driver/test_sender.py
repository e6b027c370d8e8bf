"""The Sender's measures: retry waits per message, and 401s that point at a reused token."""

from __future__ import annotations

from gevent.event import Event

from replay.client import Request
from replay.driver.health import EndpointHealth
from replay.driver.http import Reply
from replay.driver.retry import RetryPolicy
from replay.driver.sender import Sender

REQUEST = Request(method="POST", path="/p", body=b"{}", headers={}, name="n")


class Builder:
    base_url = "http://h"

    def __init__(self, tokens):
        self._tokens = iter(tokens)

    def authorization(self):
        return next(self._tokens)

    def header_lines(self, headers, authorization=None):
        return f"Authorization: {authorization}\r\n"


class Client:
    def __init__(self, replies):
        self._replies = iter(replies)
        self.lines = []

    def request(self, method, path, body, header_lines, name, on_wire=None):
        """A reply with a `connect_wait_s` had a connection: `on_wire` is called first."""
        self.lines.append(header_lines)
        reply = next(self._replies)
        if reply.connect_wait_s is not None and on_wire is not None:
            on_wire()
        return reply


def sender(replies, tokens, retries=0, now_s=lambda: 0.0):
    client = Client(replies)
    return Sender(client=client, builder=Builder(tokens), policy=RetryPolicy(retries=retries),
                  stop=Event(), health=EndpointHealth(now=lambda: 0.0), now_s=now_s), client


class Ticks:
    """A run clock that moves one second each time it is read."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        self.t += 1.0
        return self.t


def test_sent_is_when_the_request_went_out_and_each_retry_when_it_went_out():
    clock = Ticks()
    s, _ = sender([Reply(503, "0", None, connect_wait_s=0.25),
                   Reply(201, None, None, connect_wait_s=0.5)],
                  ["Bearer a", "Bearer b"], retries=1, now_s=clock)
    sent, retried = [], []
    result = s.send(REQUEST, on_sent=sent.append, on_retry=retried.append)
    assert (sent, retried) == ([1.0], [2.0])
    assert (result.status, result.attempts, result.connect_wait_s) == (201, 2, 0.25)


def test_an_attempt_that_never_had_a_connection_counts_as_sent_once():
    s, _ = sender([Reply(0, None, ConnectionRefusedError())], ["Bearer a"])
    sent = []
    result = s.send(REQUEST, on_sent=sent.append)
    assert len(sent) == 1 and (result.reason, result.connect_wait_s) == ("connection_error", 0.0)


def test_a_401_for_a_token_accepted_before_counts_as_refused_after_accepted():
    shared = "Bearer same"
    s, _ = sender([Reply(201, None, None), Reply(401, None, None, b'{"code":"X"}')],
                  [shared, shared])
    s.send(REQUEST)
    s.send(REQUEST)
    assert s.refusals.as_dict() == {"unauthorized": 1, "refused_after_accepted": 1,
                                    "refused_naming_reuse": 0}


def test_a_401_whose_body_names_a_reused_jti_counts_even_for_a_fresh_token():
    body = b'{"code":"REUSED_JTI","message":"this token\'s jti was used before"}'
    s, _ = sender([Reply(401, None, None, body)], ["Bearer a"])
    s.send(REQUEST)
    assert s.refusals.as_dict() == {"unauthorized": 1, "refused_after_accepted": 0,
                                    "refused_naming_reuse": 1}


def test_each_attempt_carries_the_token_it_was_given_and_retry_waits_are_measured():
    s, client = sender([Reply(503, "0.05", None), Reply(201, None, None)],
                       ["Bearer one", "Bearer two"], retries=1)
    result = s.send(REQUEST)
    assert (result.status, result.attempts) == (201, 2)
    assert client.lines == ["Authorization: Bearer one\r\n", "Authorization: Bearer two\r\n"]
    assert result.retry_wait_s >= 0.04


def test_a_407_from_an_http_proxy_is_explained_once_without_credentials(caplog):
    from replay.driver.proxy import parse_proxy

    s, client = sender([Reply(407, None, None), Reply(407, None, None)], ["Bearer a", "Bearer b"])
    client.proxy = parse_proxy("http://u:secret@proxy:3128", "HTTP_PROXY")
    s.send(REQUEST)
    s.send(REQUEST)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == ["the proxy http://proxy:3128 (from HTTP_PROXY) asks for authentication "
                      "(407): put its user and password in its URL, "
                      "http://USER:PASSWORD@host:port (percent-encoded)"]
