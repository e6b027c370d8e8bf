"""The mock's options: declared once in the frozen `MockConfig`, parsed once into it.

    parser = argparse.ArgumentParser(); add_options(parser)
    config = config_from_args(parser.parse_args(argv))     # raises MockConfigError on bad values

`MockConfig` is the mock's option registry (see replay.options): each field declared with
`option(...)` is one flag with its help, default and parsing; the parser and its defaults come
from it. The same definitions serve `python -m replay.mock` and `replay mock`. Every choice the
public contract leaves UNKNOWN (success status, duplicates, unknown calls, late messages, error
bodies, size limit) is an option here with a documented default. Key files are read here, once;
the config holds the PEM bytes, never a path the hot path would re-read.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from replay.errors import ConfigError
from replay.lifeline import parse_parent_fd
from replay.options import add_arguments, build, number, option, whole

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_MAX_BODY_BYTES = 1_048_576
ERROR_STATUSES = (500, 502, 503, 504)

LISTENING = "listening"
AUTH = "authentication (RS256 JWT bearer tokens)"
BEHAVIOUR = "behaviour the public contract leaves open"
FAULTS = "limits and injected faults (seeded)"
OUTPUT = "output"


class MockConfigError(ConfigError, ValueError):
    """An option value the user must fix; the message names the option."""


def _port(text: str, flag: str) -> int:
    port = whole()(text, flag)
    if not 0 <= port <= 65535:
        raise MockConfigError(f"{flag} must be between 0 and 65535, not {port}")
    return port


def _status_4xx(text: str, flag: str) -> int:
    status = whole()(text, flag)
    if not 400 <= status <= 499:
        raise MockConfigError(f"{flag} must be a 4xx status, not {status}")
    return status


def _fraction(text: str, flag: str) -> float:
    value = number()(text, flag)
    if not 0.0 <= value <= 1.0:
        raise MockConfigError(f"{flag} must be a fraction between 0 and 1, not {value}")
    return value


def _non_negative(text: str, flag: str) -> float:
    value = number()(text, flag)
    if value < 0:
        raise MockConfigError(f"{flag} must be 0 or more, not {value}")
    return value


def _at_least_one(text: str, flag: str) -> int:
    value = whole()(text, flag)
    if value < 1:
        raise MockConfigError(f"{flag} must be 1 or more, not {value}")
    return value


def _path(text: str, flag: str) -> Path:
    return Path(text)


def _ledger_path(text: str, flag: str) -> Path:
    path = Path(text)
    if path.suffix not in (".jsonl", ".parquet"):
        raise MockConfigError(f"{flag} {path}: the name must end in .jsonl or .parquet")
    return path


@dataclasses.dataclass(frozen=True, kw_only=True)
class MockConfig:
    host: str = option(DEFAULT_HOST, flag="--host", group=LISTENING, help="address to bind")
    port: int = option(
        DEFAULT_PORT, flag="--port", parse=_port, group=LISTENING,
        help="port to bind; 0 picks a free one")
    ready_file: Path | None = option(
        flag="--ready-file", metavar="PATH", parse=_path, group=LISTENING,
        help='once listening, write {"url": ..., "pid": ...} to PATH (atomically)')
    workers: int = option(
        1, flag="--workers", parse=_at_least_one, group=LISTENING,
        help="server processes sharing the port via SO_REUSEPORT")
    parent_fd: int | None = option(
        flag="--parent-fd", metavar="FD", parse=parse_parent_fd, group=LISTENING,
        default_text="none: runs until a signal stops it",
        help="an inherited pipe from the process that started the mock: when it closes (that "
             "process ended, however), stop as on SIGTERM; replay run passes one")
    # Authentication.
    public_key_pem: bytes | None = option(
        flag="--public-key", metavar="PEM", parse=lambda text, flag: _read_pem(Path(text), flag),
        group=AUTH, help="RSA public key (PEM) that verifies the tokens")
    certificate_pem: bytes | None = option(
        flag="--certificate", metavar="PEM",
        parse=lambda text, flag: _read_pem(Path(text), flag), group=AUTH,
        help="X.509 certificate (PEM) whose key verifies the tokens, as stored on the Call "
             "Center record")
    no_auth: bool = option(
        False, flag="--no-auth", switch=True, group=AUTH,
        help="accept requests without checking the Authorization header")
    org_id: str | None = option(
        flag="--org-id", metavar="ID", group=AUTH, default_text="any",
        help="require this iss claim (the org id)")
    call_center: str | None = option(
        flag="--call-center", metavar="API_NAME", group=AUTH, default_text="any",
        help="require this sub claim (the Call Center API name)")
    reject_reused_jti: bool = option(
        False, flag="--reject-reused-jti", switch=True, group=AUTH,
        help="refuse a token whose jti was seen before (default: tokens reusable)")
    leeway_s: float = option(
        0.0, flag="--leeway-s", parse=_non_negative, group=AUTH, default_text="0",
        help="clock skew tolerated on exp, iat and nbf, seconds")
    # Behaviour the contract leaves open.
    success_status: int = option(
        202, flag="--success-status", parse=whole(), choices=("200", "202"), group=BEHAVIOUR,
        help="status of an accepted transcript")
    duplicates: str = option(
        "accept", flag="--duplicates", choices=("accept", "reject"), group=BEHAVIOUR,
        help="a repeated messageId in a call: accept and count it, or answer 409")
    strict_calls: bool = option(
        False, flag="--strict-calls", switch=True, group=BEHAVIOUR,
        help="answer 404 for an unknown vendorCallKey instead of creating the call")
    outside_window: str = option(
        "accept", flag="--outside-window", choices=("accept", "reject"), group=BEHAVIOUR,
        help="a message outside its call's start..end: accept it without storing it, or "
             "answer 400")
    after_end_status: int = option(
        409, flag="--after-end-status", parse=_status_4xx, group=BEHAVIOUR,
        help="status for a message to a call that has ended")
    max_body_bytes: int = option(
        DEFAULT_MAX_BODY_BYTES, flag="--max-body-bytes", parse=_at_least_one, group=BEHAVIOUR,
        help="larger request bodies get 413")
    # Limits and faults.
    rate_limit: float = option(
        0.0, flag="--rate-limit", metavar="N", parse=_non_negative, group=FAULTS,
        default_text="0 = no limit",
        help="transcript messages per second; beyond it 429 with Retry-After")
    service_rate: float = option(
        0.0, flag="--service-rate", metavar="N", parse=_non_negative, group=FAULTS,
        default_text="0 = instant",
        help="serve transcript messages from one queue at N per second: latency climbs as "
             "the load nears N")
    call_create_rate: float = option(
        50.0, flag="--call-create-rate", metavar="N", parse=_non_negative, group=FAULTS,
        default_text="50; 0 = no limit",
        help="calls created per second before 429, as the org limit")
    latency_ms: float = option(
        0.0, flag="--latency-ms", metavar="FIXED", parse=_non_negative, group=FAULTS,
        default_text="0", help="delay added to every transcript answer")
    latency_spread_ms: float = option(
        0.0, flag="--latency-spread-ms", metavar="MS", parse=_non_negative, group=FAULTS,
        default_text="0", help="plus a uniform random delay in [0, MS)")
    error_rate: float = option(
        0.0, flag="--error-rate", metavar="P", parse=_fraction, group=FAULTS, default_text="0",
        help="fraction of transcript posts answered with an injected 5xx")
    error_statuses: tuple[int, ...] = option(
        (500, 503), flag="--error-statuses", metavar="LIST",
        parse=lambda text, flag: _statuses(text), group=FAULTS, default_text="500,503",
        help="statuses injected errors pick from")
    reset_rate: float = option(
        0.0, flag="--reset-rate", metavar="P", parse=_fraction, group=FAULTS, default_text="0",
        help="fraction of transcript posts whose connection is reset, unanswered")
    hang_rate: float = option(
        0.0, flag="--hang-rate", metavar="P", parse=_fraction, group=FAULTS, default_text="0",
        help="fraction of transcript posts never answered, until the client gives up")
    hang_max_s: float = option(
        300.0, flag="--hang-max-s", parse=_non_negative, group=FAULTS,
        help="a hung request is closed after this long at most")
    seed: int = option(
        0, flag="--seed", parse=whole(), group=FAULTS, default_text="0",
        help="seed of every random choice")
    # Output.
    ledger_out: Path | None = option(
        flag="--ledger-out", metavar="PATH", parse=_ledger_path, group=OUTPUT,
        help="on shutdown (also SIGTERM, SIGINT) write the ledger to PATH, .jsonl or .parquet")

    @property
    def auth_enabled(self) -> bool:
        return not self.no_auth

    @property
    def faults_enabled(self) -> bool:
        return bool(self.error_rate or self.reset_rate or self.hang_rate)


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add every mock option to `parser` (used by `python -m replay.mock` and `replay mock`)."""
    add_arguments(parser, MockConfig)


def _read_pem(path: Path, option: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MockConfigError(f"{option} {path}: cannot read it ({error.strerror})") from None
    if b"-----BEGIN" not in data:
        raise MockConfigError(f"{option} {path}: not a PEM file (no '-----BEGIN' line)")
    return data


def _statuses(text: str) -> tuple[int, ...]:
    try:
        statuses = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise MockConfigError(
            f"--error-statuses must be a comma-separated list like 500,503, not {text!r}"
        ) from None
    if not statuses or any(status not in ERROR_STATUSES for status in statuses):
        raise MockConfigError(
            f"--error-statuses must list some of {', '.join(map(str, ERROR_STATUSES))}, "
            f"not {text!r}"
        )
    return statuses


def config_from_args(args: argparse.Namespace) -> MockConfig:
    """Check and convert parsed options; raises MockConfigError naming the bad option."""
    if args.public_key_pem and args.certificate_pem:
        raise MockConfigError("give --public-key or --certificate, not both")
    if not (args.public_key_pem or args.certificate_pem or args.no_auth):
        raise MockConfigError(
            "the mock verifies RS256 tokens: give --public-key PEM or --certificate PEM "
            "(the public half of the key the client signs with), or --no-auth to skip checks"
        )
    try:
        config = build(MockConfig, args)
    except MockConfigError:
        raise
    except ConfigError as error:
        raise MockConfigError(str(error)) from None
    rates = config.error_rate + config.reset_rate + config.hang_rate
    if rates > 1.0:
        raise MockConfigError(
            f"--error-rate + --reset-rate + --hang-rate must not exceed 1, not {rates:g}"
        )
    return config


def build_parser(prog: str = "python -m replay.mock") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Serve a mock Service Cloud Voice telephony API with a ledger."
    )
    add_options(parser)
    return parser
