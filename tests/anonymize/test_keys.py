"""The key file: written fresh with mode 0600, refused when missing or short, never shown."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from replay.anonymize.keys import MIN_KEY_BYTES, read_key, write_new_key
from replay.errors import ConfigError


def test_new_key_is_64_hex_characters_readable_by_the_owner_only(tmp_path):
    path = write_new_key(tmp_path / "anonymize.key")
    text = path.read_text()
    assert len(text) == 65 and text.endswith("\n")
    int(text, 16)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key(path) == text.strip().encode()


def test_two_new_keys_differ(tmp_path):
    assert write_new_key(tmp_path / "a").read_text() != write_new_key(tmp_path / "b").read_text()


def test_new_key_never_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "anonymize.key"
    path.write_text("precious")
    with pytest.raises(ConfigError) as error:
        write_new_key(path)
    assert str(error.value) == (
        f"--new-key {path}: the file exists; a new key would make new pseudonyms that no longer "
        "join with earlier exports. Remove the file first, or choose another path"
    )
    assert path.read_text() == "precious"
    assert os.listdir(tmp_path) == ["anonymize.key"]


def test_new_key_in_a_missing_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        write_new_key(tmp_path / "nowhere" / "anonymize.key")


def test_missing_key_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError) as error:
        read_key(tmp_path / "absent.key")
    assert str(error.value) == (
        f"--key-file {tmp_path / 'absent.key'}: no such file; "
        "create one with: replay anonymize --new-key PATH"
    )
    assert error.value.exit_code == 2


def test_short_key_is_refused_without_showing_it(tmp_path):
    path = tmp_path / "short.key"
    path.write_text("s3cr3t-but-short\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as error:
        read_key(path)
    assert str(error.value) == (
        f"--key-file {path}: the key is 16 bytes; expected at least {MIN_KEY_BYTES} random "
        "bytes; create one with: replay anonymize --new-key PATH"
    )
    assert "s3cr3t" not in str(error.value)


def test_key_readable_by_others_is_used_with_a_warning_that_does_not_show_it(tmp_path, caplog):
    path = write_new_key(tmp_path / "anonymize.key")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        key = read_key(path)
    assert key == path.read_text().strip().encode()
    assert caplog.messages == [
        f"--key-file {path} can be read by other users (mode 644); "
        f"restrict it with: chmod 600 {path}"
    ]
    assert key.decode() not in caplog.text


def test_owner_only_key_reads_without_a_warning(tmp_path, caplog):
    path = write_new_key(tmp_path / "anonymize.key")
    with caplog.at_level(logging.WARNING):
        read_key(path)
    assert caplog.messages == []
