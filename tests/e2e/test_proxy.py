"""Through a real HTTP proxy (proxy.py, started here on port 0, with Basic authentication):
https hosts through CONNECT tunnels with certificates checked end to end, kept alive; a wrong
password is a clear error that never shows the password.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer

import pytest

from replay.driver.http import HttpClient, ProxyError
from replay.driver.proxy import parse_proxy

from .conftest import locust_args, run_locust, write_dataset
from .test_tls import Accepting, serve_tls

pytestmark = pytest.mark.e2e

USER, PASSWORD = "replay", "s3cret-pw"
MESSAGES = 3 * 4


class KeepAlive(Accepting):
    """The TLS test's endpoint, keeping connections alive and counting them."""

    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self):
        type(self).connections += 1
        super().setup()


@pytest.fixture(scope="module")
def tls_endpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    server, url, cert = serve_tls(folder, KeepAlive)
    yield url, cert, folder
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def proxy_port(tmp_path_factory):
    port_file = tmp_path_factory.mktemp("proxy") / "port"
    process = subprocess.Popen(
        [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", "0",
         "--port-file", str(port_file), "--num-workers", "1", "--num-acceptors", "1",
         "--basic-auth", f"{USER}:{PASSWORD}", "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, "proxy.py did not start"
            assert time.monotonic() < deadline, "proxy.py did not write its port in 30 s"
            time.sleep(0.1)
        yield int(port_file.read_text())
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Events:
    def __init__(self):
        self.request = self

    def fire(self, **kwargs):
        pass


def client(origin, cert, proxy_url):
    return HttpClient(origin=origin, events=Events(), timeout_s=10, connections=2,
                      ca_bundle=str(cert), insecure=False,
                      proxy=parse_proxy(proxy_url, "--proxy"))


def test_https_through_a_connect_tunnel_is_verified_and_kept_alive(tls_endpoint, proxy_port):
    origin, cert, _ = tls_endpoint
    before = KeepAlive.connections
    http = client(origin, cert, f"http://{USER}:{PASSWORD}@127.0.0.1:{proxy_port}")
    replies = [http.request("POST", "/telephony/v1/x", b"{}", "", "n") for _ in range(5)]
    http.close()
    assert [reply.status for reply in replies] == [202] * 5
    assert KeepAlive.connections - before == 1  # one tunnel, five requests


def test_a_wrong_proxy_password_is_a_proxy_error_naming_the_proxy_not_the_password(
    tls_endpoint, proxy_port
):
    origin, cert, _ = tls_endpoint
    http = client(origin, cert, f"http://{USER}:wrong-pw@127.0.0.1:{proxy_port}")
    reply = http.request("POST", "/telephony/v1/x", b"{}", "", "n")
    http.close()
    assert reply.status == 0 and isinstance(reply.error, ProxyError)
    message = str(reply.error)
    assert message.startswith(f"the proxy http://127.0.0.1:{proxy_port} (from --proxy) did not "
                              f"open a tunnel to {origin}: CONNECT failed: HTTP/1.1 407")
    assert "wrong-pw" not in message


def replay(folder, host, run_id, extra):
    dataset = write_dataset(folder / "calls.parquet", calls=3, messages=4, span_s=20)
    run_dir = folder / "reports" / run_id
    run = run_locust(locust_args(dataset=dataset, host=host, key_pair=None, run_dir=run_dir,
                                 extra=["--speed", "50", *extra]), run_dir=run_dir)
    return run, json.loads((run_dir / "summary.json").read_text())


def test_a_replay_through_the_proxy_reaches_the_tls_endpoint(tls_endpoint, proxy_port):
    host, cert, folder = tls_endpoint
    proxy = f"http://{USER}:{PASSWORD}@127.0.0.1:{proxy_port}"
    run, summary = replay(folder, host, "proxied", ["--ca-bundle", str(cert), "--proxy", proxy])
    assert run.returncode == 0, run.stderr[-3000:]
    assert summary["counts"]["accepted"] == MESSAGES
    assert summary["options"]["proxy"] == f"http://127.0.0.1:{proxy_port} (from --proxy)"
    assert PASSWORD not in run.stdout + run.stderr + json.dumps(summary)


def test_a_replay_with_a_wrong_proxy_password_says_so_once(tls_endpoint, proxy_port):
    host, cert, folder = tls_endpoint
    proxy = f"http://{USER}:wrong-pw@127.0.0.1:{proxy_port}"
    run, summary = replay(folder, host, "refused", ["--ca-bundle", str(cert), "--proxy", proxy])
    assert run.returncode == 1
    assert summary["counts"]["failed_by_reason"] == {"connection_error": MESSAGES}
    logged = [line for line in run.stderr.splitlines() if "ERROR/replay.driver.sender" in line]
    assert len(logged) == 1 and "did not open a tunnel" in logged[0]
    assert "407" in logged[0] and "USER:PASSWORD@host:port" in logged[0]
    assert "wrong-pw" not in run.stdout + run.stderr


@pytest.fixture(scope="module")
def http_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_through_the_proxy_goes_in_absolute_form_with_credentials(http_endpoint, proxy_port):
    http = HttpClient(origin=http_endpoint, events=Events(), timeout_s=10, connections=2,
                      ca_bundle=None, insecure=False,
                      proxy=parse_proxy(f"http://{USER}:{PASSWORD}@127.0.0.1:{proxy_port}",
                                        "--proxy"))
    statuses = [http.request("POST", "/telephony/v1/x", b"{}", "", "n").status
                for _ in range(3)]
    http.close()
    assert statuses == [202] * 3


def test_http_through_the_proxy_with_a_wrong_password_is_a_407(http_endpoint, proxy_port):
    http = HttpClient(origin=http_endpoint, events=Events(), timeout_s=10, connections=2,
                      ca_bundle=None, insecure=False,
                      proxy=parse_proxy(f"http://{USER}:nope@127.0.0.1:{proxy_port}", "--proxy"))
    reply = http.request("POST", "/telephony/v1/x", b"{}", "", "n")
    http.close()
    assert reply.status == 407
