"""Options: defaults, and a clear error naming the option for every bad value."""

from __future__ import annotations

import pytest

from replay.mock.config import MockConfig, MockConfigError, build_parser, config_from_args


def parse(*argv: str) -> MockConfig:
    return config_from_args(build_parser().parse_args(list(argv)))


def test_defaults_match_the_documented_choices():
    config = parse("--no-auth")
    assert (config.host, config.port, config.workers) == ("127.0.0.1", 8080, 1)
    assert config.success_status == 202 and config.duplicates == "accept"
    assert config.call_create_rate == 50 and config.rate_limit == 0
    assert config.after_end_status == 409 and config.max_body_bytes == 1_048_576
    assert config.error_statuses == (500, 503) and config.seed == 0
    assert not config.faults_enabled


def test_public_key_is_read_once_into_the_config(tmp_path):
    pem = tmp_path / "k.pem"
    pem.write_bytes(b"-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n")
    assert parse("--public-key", str(pem)).public_key_pem == pem.read_bytes()


@pytest.mark.parametrize(("argv", "words"), [
    ((), "give --public-key PEM or --certificate PEM"),
    (("--public-key", "a", "--certificate", "b"), "not both"),
    (("--no-auth", "--port", "70000"), "--port must be between 0 and 65535"),
    (("--no-auth", "--error-rate", "-0.1"), "--error-rate must be a fraction"),
    (("--no-auth", "--error-rate", "0.6", "--hang-rate", "0.6"), "must not exceed 1"),
    (("--no-auth", "--latency-ms", "-1"), "--latency-ms must be 0 or more"),
    (("--no-auth", "--after-end-status", "500"), "--after-end-status must be a 4xx"),
    (("--no-auth", "--max-body-bytes", "0"), "--max-body-bytes must be 1 or more"),
    (("--no-auth", "--error-statuses", "5xx"), "comma-separated list"),
    (("--no-auth", "--ledger-out", "ledger.csv"), ".jsonl or .parquet"),
])
def test_bad_values_name_the_option(argv, words):
    with pytest.raises(MockConfigError, match=words.replace("(", r"\(")):
        parse(*argv)


def test_file_that_is_not_pem_is_refused(tmp_path):
    path = tmp_path / "key.der"
    path.write_bytes(b"\x30\x82")
    with pytest.raises(MockConfigError, match="not a PEM file"):
        parse("--public-key", str(path))


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        parse("--no-auth").port = 1  # type: ignore[misc]


def test_the_parsers_defaults_are_the_config_dataclass_defaults():
    assert parse("--no-auth") == MockConfig(no_auth=True)


def test_help_shows_the_dataclass_defaults():
    helps = {action.dest: action.help for action in build_parser()._actions}
    assert helps["port"] == "port to bind; 0 picks a free one (default 8080)"
    assert helps["max_body_bytes"] == "larger request bodies get 413 (default 1048576)"
