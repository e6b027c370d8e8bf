"""Fixtures for the mock's tests: an RSA key pair (made once), tokens, a running mock, requests.

`keys` holds 2048-bit key pairs (made once per session) with the public half written as PEM
files (public key and a self-signed X.509 certificate); `token(**changes)` mints an RS256 token
like docs/contract.md's sample claim set; `mock` is a mock started once per module with the public
key. Request helpers live in mock_helpers.py.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from replay.mock.process import start_mock

from .mock_helpers import sample_claims


@dataclasses.dataclass(frozen=True)
class Keys:
    private_key: rsa.RSAPrivateKey
    public_pem: Path
    certificate_pem: Path
    other_private_key: rsa.RSAPrivateKey

    def public_bytes(self) -> bytes:
        return self.public_pem.read_bytes()


def _certificate(key: rsa.RSAPrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "replay-mock-test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("keys")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = directory / "public.pem"
    public_pem.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    certificate_pem = directory / "certificate.pem"
    certificate_pem.write_bytes(_certificate(key))
    return Keys(key, public_pem, certificate_pem, other)


@pytest.fixture(scope="session")
def token(keys: Keys):
    def mint(key: rsa.RSAPrivateKey | None = None, headers: dict | None = None,
             **changes: Any) -> str:
        return jwt.encode(sample_claims(**changes), key or keys.private_key, algorithm="RS256",
                          headers=headers)

    return mint


@pytest.fixture(scope="module")
def mock(keys: Keys):
    with start_mock(["--public-key", str(keys.public_pem)]) as running:
        yield running


