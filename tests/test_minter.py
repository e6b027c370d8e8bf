"""The minter program: counts in, that many signed tokens out, one line each."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from replay.auth import JwtSettings
from replay.minter import serve

REPO = Path(__file__).resolve().parents[1]


def _key(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "k.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return key, path


def test_serve_answers_each_count_with_that_many_tokens_and_their_use_before(tmp_path):
    key, path = _key(tmp_path)
    settings = JwtSettings(key_path=str(path), org_id="00D", call_center="cc", ttl_s=100)
    out = io.BytesIO()
    before = time.time()
    assert serve(settings, io.BytesIO(b"2\n3\n"), out) == 5
    lines = out.getvalue().decode().splitlines()
    assert len(lines) == 5
    for line in lines:
        use_before, token = line.split(" ")
        claims = jwt.decode(token, key.public_key(), algorithms=["RS256"])
        assert before + 70 < float(use_before) <= claims["exp"]
    assert len({line.split(" ")[1] for line in lines}) == 5


def test_the_program_reports_an_unreadable_key_on_one_line_and_exits_2(tmp_path):
    settings = {"key_path": str(tmp_path / "missing.pem"), "org_id": "o", "call_center": "c"}
    done = subprocess.run([sys.executable, "-m", "replay.minter"], cwd=REPO, timeout=60,
                          input=json.dumps(settings) + "\n", capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout.startswith("error --jwt-key ")
    assert done.stdout.count("\n") == 1
