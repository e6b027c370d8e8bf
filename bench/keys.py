"""A key pair and one token for a benchmark run, made fresh in a temporary directory.

    keys = make_keys(tmp_dir)
    keys.private_pem   # path: the replay's --jwt-key
    keys.public_pem    # path: the mock's --public-key
    keys.token         # one RS256 JWT (valid for two hours) for wrk, the bare Locust user and k6

The claims follow the contract: iss the org id, sub the call center, iat, exp, a uuid jti.
The token and key never reach a log or the results file.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ORG_ID = "00DBENCH0000001"
CALL_CENTER = "BenchCallCenter"
TOKEN_TTL_S = 2 * 3600


@dataclass(frozen=True, kw_only=True)
class Keys:
    private_pem: Path
    public_pem: Path
    token: str

    def __repr__(self) -> str:  # keep the token out of any accidental log line
        return f"Keys(private_pem={self.private_pem}, public_pem={self.public_pem}, token=...)"


def make_keys(directory: Path) -> Keys:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = directory / "bench-private.pem"
    public_pem = directory / "bench-public.pem"
    private_pem.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    private_pem.chmod(0o600)
    public_pem.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    now = int(time.time())
    claims = {"iss": ORG_ID, "sub": CALL_CENTER, "iat": now, "exp": now + TOKEN_TTL_S,
              "jti": str(uuid.uuid4())}
    token = jwt.encode(claims, key, algorithm="RS256")
    return Keys(private_pem=private_pem, public_pem=public_pem, token=token)
