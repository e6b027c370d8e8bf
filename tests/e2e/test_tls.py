"""End to end over https: a self-signed certificate is refused by default, trusted with --ca-bundle.

The server is a small TLS HTTP server in a thread on port 0 that accepts every POST.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .conftest import locust_args, run_locust, write_dataset

pytestmark = pytest.mark.e2e

MESSAGES = 3 * 4


class Accepting(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"result":"Accepted"}'
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def self_signed(folder):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "cert.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def serve_tls(folder, handler) -> tuple[ThreadingHTTPServer, str, object]:
    """An https server on 127.0.0.1 port 0 with a fresh self-signed certificate, serving in a
    thread: (server, its base URL, the certificate's path)."""
    cert, key = self_signed(folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"https://127.0.0.1:{server.server_address[1]}", cert


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    server, url, cert = serve_tls(folder, Accepting)
    yield url, cert, folder
    server.shutdown()
    server.server_close()


def replay(folder, host, run_id, extra):
    dataset = write_dataset(folder / "calls.parquet", calls=3, messages=4, span_s=20)
    run_dir = folder / "reports" / run_id
    run = run_locust(locust_args(dataset=dataset, host=host, key_pair=None, run_dir=run_dir,
                                 extra=["--speed", "50", *extra]), run_dir=run_dir)
    return run, json.loads((run_dir / "summary.json").read_text())


def test_a_self_signed_certificate_is_refused_by_default_with_a_clear_message(tls_server):
    host, _, folder = tls_server
    run, summary = replay(folder, host, "default", [])
    assert run.returncode != 0
    assert summary["counts"]["failed_by_reason"] == {"tls_error": MESSAGES}
    assert "could not be verified" in run.stderr
    assert "--ca-bundle" in run.stderr


def test_the_certificate_as_ca_bundle_is_trusted(tls_server):
    host, cert, folder = tls_server
    run, summary = replay(folder, host, "bundle", ["--ca-bundle", str(cert)])
    assert run.returncode == 0, run.stderr[-3000:]
    assert summary["counts"]["accepted"] == MESSAGES


def test_insecure_accepts_it_with_a_loud_warning(tls_server):
    host, _, folder = tls_server
    run, summary = replay(folder, host, "insecure", ["--insecure"])
    assert run.returncode == 0, run.stderr[-3000:]
    assert summary["counts"]["accepted"] == MESSAGES
    assert "NOT verified" in run.stderr
