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


def test_stock_is_signed_ahead_answered_with_its_count_and_handed_over_first(tmp_path):
    key, path = _key(tmp_path)
    settings = JwtSettings(key_path=str(path), org_id="00D", call_center="cc", ttl_s=100)
    out = io.BytesIO()
    assert serve(settings, io.BytesIO(b"stock 3\n2\n2\n"), out) == 4
    lines = out.getvalue().decode().splitlines()
    assert lines[0] == "stocked 3"
    tokens = [line.split(" ")[1] for line in lines[1:]]
    assert len(tokens) == len(set(tokens)) == 4
    issued = [jwt.decode(token, key.public_key(), algorithms=["RS256"])["iat"]
              for token in tokens]
    assert issued == sorted(issued)


def test_stocking_stops_and_stocked_tokens_are_dropped_past_half_their_usable_life(tmp_path):
    _, path = _key(tmp_path)
    settings = JwtSettings(key_path=str(path), org_id="00D", call_center="cc", ttl_s=100)
    now = [1_000_000.0]

    def clock():  # 20 s per reading: the stock check and each signing read it
        now[0] += 20
        return now[0]

    out = io.BytesIO()
    serve(settings, io.BytesIO(b"stock 10\n1\n"), out, clock=clock)
    lines = out.getvalue().decode().splitlines()
    # signed at +20 (fresh until +60: 80 s usable) and +60; at +80 the first is half-spent
    assert lines[0] == "stocked 2"
    [line] = lines[1:]
    assert float(line.split(" ")[0]) > 1_000_000 + 140  # signed anew: the stock was too old
