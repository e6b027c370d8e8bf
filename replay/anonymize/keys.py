"""The anonymization key: written fresh by `--new-key`, read and checked by every run.

    write_new_key(path)          a random 256-bit key, hex text, mode 0600, written atomically
    key = read_key(path)         the key's bytes; ConfigError (exit 2) when missing or too short

A key file holds at least `MIN_KEY_BYTES` bytes (surrounding whitespace is ignored); the bytes
themselves are the HMAC key, so any long random secret works. `read_key` warns when the file
can be read by other users. Neither function ever prints, logs or puts the key in a message.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import tempfile
from pathlib import Path

from replay.errors import ConfigError

logger = logging.getLogger(__name__)
MIN_KEY_BYTES = 32
NEW_KEY_BYTES = 32
HOW_TO_CREATE = "create one with: replay anonymize --new-key PATH"


def write_new_key(path: str | Path) -> Path:
    """Write a fresh random key to `path` (mode 0600); refuse to overwrite an existing file."""
    path = Path(path)
    if path.exists():
        raise ConfigError(
            f"--new-key {path}: the file exists; a new key would make new pseudonyms that no "
            "longer join with earlier exports. Remove the file first, or choose another path"
        )
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ConfigError(f"--new-key {path}: the directory {directory} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(NEW_KEY_BYTES) + "\n")
        os.link(temporary, path)  # fails if the path appeared meanwhile: never overwrite a key
    except FileExistsError:
        raise ConfigError(f"--new-key {path}: the file exists; choose another path") from None
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def read_key(path: str | Path) -> bytes:
    """The key's bytes (whitespace around them removed), checked for length."""
    path = Path(path)
    try:
        info = path.stat()
        key = path.read_bytes().strip()
    except FileNotFoundError:
        raise ConfigError(f"--key-file {path}: no such file; {HOW_TO_CREATE}") from None
    except IsADirectoryError:
        raise ConfigError(f"--key-file {path}: is a directory, not a key file") from None
    except OSError as error:
        raise ConfigError(f"--key-file {path}: cannot be read ({error.strerror})") from None
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"--key-file {path}: the key is {len(key)} bytes; expected at least {MIN_KEY_BYTES} "
            f"random bytes; {HOW_TO_CREATE}"
        )
    if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        logger.warning(
            "--key-file %s can be read by other users (mode %o); restrict it with: chmod 600 %s",
            path,
            stat.S_IMODE(info.st_mode),
            path,
        )
    return key
