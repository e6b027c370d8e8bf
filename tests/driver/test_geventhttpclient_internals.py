"""The geventhttpclient internals replay/driver/http.py relies on, pinned.

http.py writes the request head itself and uses geventhttpclient below its public
`HTTPClient`: the connection pools' constructors, `get_socket`/`release_socket`/`close`, the
size of their idle queue (`_socket_queue`) and their idle check (`_is_socket_alive`, which
http.py overrides), and `HTTPSocketPoolResponse(sock, pool,
block_size=, method=)` with `status_code`, `get`, `read` and `release`. These are not a
documented API, so an upgrade may change them. Each test fails with a message saying what
changed; tests/driver/test_http.py checks the behaviour on a
real socket. After checking a new version, widen the bound in pyproject.toml and SUPPORTED.
"""

from __future__ import annotations

import inspect

import geventhttpclient
import pytest
from geventhttpclient.connectionpool import ConnectionPool, SSLConnectionPool
from geventhttpclient.response import HTTPSocketPoolResponse

SUPPORTED = ((2, 5), (2, 6))  # the minor versions http.py was checked against


def _parameters(function) -> set[str]:
    return set(inspect.signature(function).parameters)


def _minor(version: str) -> tuple[int, int]:
    major, minor, *_ = version.split(".")
    return int(major), int(minor)


def test_the_installed_version_is_one_http_py_was_checked_against():
    version = geventhttpclient.__version__
    assert _minor(version) in SUPPORTED, (
        f"geventhttpclient {version} is not one of the versions replay/driver/http.py was "
        f"checked against ({', '.join(f'{a}.{b}' for a, b in SUPPORTED)}): run this file and "
        "tests/driver/test_http.py, then update SUPPORTED and the bound in pyproject.toml")


@pytest.mark.parametrize(
    ("function", "needed"),
    [
        (ConnectionPool.__init__, {"connection_host", "connection_port", "request_host",
                                   "request_port", "size", "connection_timeout",
                                   "network_timeout"}),
        (SSLConnectionPool.__init__, {"connection_host", "connection_port", "request_host",
                                      "request_port", "insecure", "ssl_context_factory"}),
    ],
)  # fmt: skip
def test_the_pools_take_the_arguments_http_py_passes(function, needed):
    missing = needed - _parameters(function)
    assert not missing, f"{function.__qualname__} no longer takes {sorted(missing)}"


@pytest.mark.parametrize("method", ["get_socket", "release_socket", "close"])
def test_the_pool_has_the_methods_http_py_calls(method):
    assert callable(getattr(ConnectionPool, method, None)), f"ConnectionPool.{method} is gone"


def test_the_pool_response_is_built_from_a_socket_a_pool_a_block_size_and_a_method():
    assert list(inspect.signature(HTTPSocketPoolResponse.__init__).parameters)[:3] == [
        "self", "sock", "pool"], "HTTPSocketPoolResponse(sock, pool, ...) changed"
    keywords = set()
    for klass in HTTPSocketPoolResponse.__mro__:
        if "__init__" in vars(klass):
            keywords |= _parameters(klass.__init__)
    assert {"block_size", "method"} <= keywords, "block_size= or method= is no longer accepted"


@pytest.mark.parametrize("member", ["status_code", "get", "read", "release"])
def test_the_pool_response_has_what_http_py_reads(member):
    assert hasattr(HTTPSocketPoolResponse, member), f"HTTPSocketPoolResponse.{member} is gone"


def test_the_pool_keeps_its_idle_connections_in_a_queue_that_says_its_size():
    pool = ConnectionPool("127.0.0.1", 9, "127.0.0.1", 9, size=2)
    assert pool._socket_queue.qsize() == 0, (
        "ConnectionPool._socket_queue.qsize() is gone: http.py's connect gate counts idle "
        "connections with it")


def test_the_pool_checks_an_idle_connection_with_is_socket_alive():
    assert "_is_socket_alive(" in inspect.getsource(ConnectionPool.get_socket), (
        "ConnectionPool.get_socket no longer calls _is_socket_alive: http.py overrides it to "
        "check idle connections without a switch to the event loop")
