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

    def request(self, method, path, body, header_lines, name):
        self.lines.append(header_lines)
        return next(self._replies)


def sender(replies, tokens, retries=0):
    client = Client(replies)
    return Sender(client=client, builder=Builder(tokens), policy=RetryPolicy(retries=retries),
                  stop=Event(), health=EndpointHealth(now=lambda: 0.0), now_s=lambda: 0.0), client


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
