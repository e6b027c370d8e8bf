"""What counts as secret in an output: the one list of secret-looking words, and PEM blocks.

    looks_secret("jwt_token")                         -> True   (the name says so)
    looks_secret("note", "-----BEGIN PRIVATE KEY")    -> True   (the value is key material)

summary.json drops options whose name looks secret; the report hides any such value.
"""

from __future__ import annotations

from typing import Any

SECRET_WORDS = ("token", "secret", "password", "passphrase", "private")
PEM_MARKER = "-----BEGIN"


def looks_secret(name: str, value: Any = None) -> bool:
    """True when `name` holds a secret-looking word, or `value` (as text) holds a PEM block."""
    lowered = str(name).lower()
    return any(word in lowered for word in SECRET_WORDS) or PEM_MARKER in str(value or "")
