"""replay.redact: the one rule for what an output must not show."""

from __future__ import annotations

import pytest

from replay.redact import looks_secret


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("jwt_token", "eyJ...", True),
        ("client_SECRET", "s", True),
        ("db_password", None, True),
        ("key_passphrase", "x", True),
        ("private_key", None, True),
        ("extra", "-----BEGIN PRIVATE KEY-----x", True),
        ("jwt_key_path", "keys/replay.pem", False),
        ("speed", 10.0, False),
    ],
)
def test_a_secret_is_named_so_or_holds_a_pem_block(name, value, secret):
    assert looks_secret(name, value) is secret
