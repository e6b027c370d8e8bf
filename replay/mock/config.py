"""The mock's options: argparse definitions, and their parsing into one frozen `MockConfig`.

    parser = argparse.ArgumentParser(); add_options(parser)
    config = config_from_args(parser.parse_args(argv))     # raises MockConfigError on bad values

The same definitions serve `python -m replay.mock` and `replay mock`. Every choice the public
contract leaves UNKNOWN (success status, duplicates, unknown calls, late messages, error bodies,
size limit) is an option here with a documented default. Key files are read here, once; the
config holds the PEM bytes, never a path the hot path would re-read.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_MAX_BODY_BYTES = 1_048_576
ERROR_STATUSES = (500, 502, 503, 504)


class MockConfigError(ValueError):
    """An option value the user must fix; the message names the option."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class MockConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    ready_file: Path | None = None
    workers: int = 1
    # Authentication.
    public_key_pem: bytes | None = None
    certificate_pem: bytes | None = None
    no_auth: bool = False
    org_id: str | None = None
    call_center: str | None = None
    reject_reused_jti: bool = False
    leeway_s: float = 0.0
    # Behaviour the contract leaves open.
    success_status: int = 202
    duplicates: str = "accept"
    strict_calls: bool = False
    outside_window: str = "accept"
    after_end_status: int = 409
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Limits and faults.
    rate_limit: float = 0.0
    service_rate: float = 0.0
    call_create_rate: float = 50.0
    latency_ms: float = 0.0
    latency_spread_ms: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    reset_rate: float = 0.0
    hang_rate: float = 0.0
    hang_max_s: float = 300.0
    seed: int = 0
    # Output.
    ledger_out: Path | None = None

    @property
    def auth_enabled(self) -> bool:
        return not self.no_auth

    @property
    def faults_enabled(self) -> bool:
        return bool(self.error_rate or self.reset_rate or self.hang_rate)


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add every mock option to `parser` (used by `python -m replay.mock` and `replay mock`)."""
    net = parser.add_argument_group("listening")
    net.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)")
    net.add_argument("--port", type=int, default=DEFAULT_PORT,
                     help="port to bind; 0 picks a free one (default %(default)s)")
    net.add_argument("--ready-file", type=Path, metavar="PATH",
                     help='once listening, write {"url": ..., "pid": ...} to PATH (atomically)')
    net.add_argument("--workers", type=int, default=1,
                     help="server processes sharing the port via SO_REUSEPORT (default 1)")

    auth = parser.add_argument_group("authentication (RS256 JWT bearer tokens)")
    auth.add_argument("--public-key", type=Path, metavar="PEM",
                      help="RSA public key (PEM) that verifies the tokens")
    auth.add_argument("--certificate", type=Path, metavar="PEM",
                      help="X.509 certificate (PEM) whose key verifies the tokens, as stored "
                           "on the Call Center record")
    auth.add_argument("--no-auth", action="store_true",
                      help="accept requests without checking the Authorization header")
    auth.add_argument("--org-id", metavar="ID",
                      help="require this iss claim (the org id); default: any")
    auth.add_argument("--call-center", metavar="API_NAME",
                      help="require this sub claim (the Call Center API name); default: any")
    auth.add_argument("--reject-reused-jti", action="store_true",
                      help="refuse a token whose jti was seen before (default: tokens reusable)")
    auth.add_argument("--leeway-s", type=float, default=0.0,
                      help="clock skew tolerated on exp, iat and nbf, seconds (default 0)")

    behaviour = parser.add_argument_group("behaviour the public contract leaves open")
    behaviour.add_argument("--success-status", type=int, choices=(200, 202), default=202,
                           help="status of an accepted transcript (default 202)")
    behaviour.add_argument("--duplicates", choices=("accept", "reject"), default="accept",
                           help="a repeated messageId in a call: accept and count it, or "
                                "answer 409 (default accept)")
    behaviour.add_argument("--strict-calls", action="store_true",
                           help="answer 404 for an unknown vendorCallKey instead of creating "
                                "the call")
    behaviour.add_argument("--outside-window", choices=("accept", "reject"), default="accept",
                           help="a message outside its call's start..end: accept it without "
                                "storing it, or answer 400 (default accept)")
    behaviour.add_argument("--after-end-status", type=int, default=409,
                           help="status for a message to a call that has ended (default 409)")
    behaviour.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES,
                           help="larger request bodies get 413 (default %(default)s)")

    faults = parser.add_argument_group("limits and injected faults (seeded)")
    faults.add_argument("--rate-limit", type=float, default=0.0, metavar="N",
                        help="transcript messages per second; beyond it 429 with Retry-After "
                             "(default 0 = no limit)")
    faults.add_argument("--service-rate", type=float, default=0.0, metavar="N",
                        help="serve transcript messages from one queue at N per second: "
                             "latency climbs as the load nears N (default 0 = instant)")
    faults.add_argument("--call-create-rate", type=float, default=50.0, metavar="N",
                        help="calls created per second before 429, as the org limit "
                             "(default 50; 0 = no limit)")
    faults.add_argument("--latency-ms", type=float, default=0.0, metavar="FIXED",
                        help="delay added to every transcript answer (default 0)")
    faults.add_argument("--latency-spread-ms", type=float, default=0.0, metavar="MS",
                        help="plus a uniform random delay in [0, MS) (default 0)")
    faults.add_argument("--error-rate", type=float, default=0.0, metavar="P",
                        help="fraction of transcript posts answered with an injected 5xx "
                             "(default 0)")
    faults.add_argument("--error-statuses", default="500,503", metavar="LIST",
                        help="statuses injected errors pick from (default 500,503)")
    faults.add_argument("--reset-rate", type=float, default=0.0, metavar="P",
                        help="fraction of transcript posts whose connection is reset, "
                             "unanswered (default 0)")
    faults.add_argument("--hang-rate", type=float, default=0.0, metavar="P",
                        help="fraction of transcript posts never answered, until the client "
                             "gives up (default 0)")
    faults.add_argument("--hang-max-s", type=float, default=300.0,
                        help="a hung request is closed after this long at most (default 300)")
    faults.add_argument("--seed", type=int, default=0,
                        help="seed of every random choice (default 0)")

    output = parser.add_argument_group("output")
    output.add_argument("--ledger-out", type=Path, metavar="PATH",
                        help="on shutdown (also SIGTERM, SIGINT) write the ledger to PATH, "
                             ".jsonl or .parquet")


def _read_pem(path: Path, option: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MockConfigError(f"{option} {path}: cannot read it ({error.strerror})") from None
    if b"-----BEGIN" not in data:
        raise MockConfigError(f"{option} {path}: not a PEM file (no '-----BEGIN' line)")
    return data


def _fraction(value: float, option: str) -> float:
    if not 0.0 <= value <= 1.0:
        raise MockConfigError(f"{option} must be a fraction between 0 and 1, not {value}")
    return value


def _non_negative(value: float, option: str) -> float:
    if value < 0:
        raise MockConfigError(f"{option} must be 0 or more, not {value}")
    return value


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
    if args.public_key and args.certificate:
        raise MockConfigError("give --public-key or --certificate, not both")
    if not (args.public_key or args.certificate or args.no_auth):
        raise MockConfigError(
            "the mock verifies RS256 tokens: give --public-key PEM or --certificate PEM "
            "(the public half of the key the client signs with), or --no-auth to skip checks"
        )
    if not 0 <= args.port <= 65535:
        raise MockConfigError(f"--port must be between 0 and 65535, not {args.port}")
    if args.workers < 1:
        raise MockConfigError(f"--workers must be 1 or more, not {args.workers}")
    if not 400 <= args.after_end_status <= 499:
        raise MockConfigError(
            f"--after-end-status must be a 4xx status, not {args.after_end_status}"
        )
    if args.max_body_bytes < 1:
        raise MockConfigError(f"--max-body-bytes must be 1 or more, not {args.max_body_bytes}")
    rates = {
        "--error-rate": _fraction(args.error_rate, "--error-rate"),
        "--reset-rate": _fraction(args.reset_rate, "--reset-rate"),
        "--hang-rate": _fraction(args.hang_rate, "--hang-rate"),
    }
    if sum(rates.values()) > 1.0:
        raise MockConfigError(
            "--error-rate + --reset-rate + --hang-rate must not exceed 1, not "
            f"{sum(rates.values()):g}"
        )
    ledger_out = args.ledger_out
    if ledger_out is not None and ledger_out.suffix not in (".jsonl", ".parquet"):
        raise MockConfigError(
            f"--ledger-out {ledger_out}: the name must end in .jsonl or .parquet"
        )
    return MockConfig(
        host=args.host,
        port=args.port,
        ready_file=args.ready_file,
        workers=args.workers,
        public_key_pem=_read_pem(args.public_key, "--public-key") if args.public_key else None,
        certificate_pem=(
            _read_pem(args.certificate, "--certificate") if args.certificate else None
        ),
        no_auth=args.no_auth,
        org_id=args.org_id,
        call_center=args.call_center,
        reject_reused_jti=args.reject_reused_jti,
        leeway_s=_non_negative(args.leeway_s, "--leeway-s"),
        success_status=args.success_status,
        duplicates=args.duplicates,
        strict_calls=args.strict_calls,
        outside_window=args.outside_window,
        after_end_status=args.after_end_status,
        max_body_bytes=args.max_body_bytes,
        rate_limit=_non_negative(args.rate_limit, "--rate-limit"),
        service_rate=_non_negative(args.service_rate, "--service-rate"),
        call_create_rate=_non_negative(args.call_create_rate, "--call-create-rate"),
        latency_ms=_non_negative(args.latency_ms, "--latency-ms"),
        latency_spread_ms=_non_negative(args.latency_spread_ms, "--latency-spread-ms"),
        error_rate=rates["--error-rate"],
        error_statuses=_statuses(args.error_statuses),
        reset_rate=rates["--reset-rate"],
        hang_rate=rates["--hang-rate"],
        hang_max_s=_non_negative(args.hang_max_s, "--hang-max-s"),
        seed=args.seed,
        ledger_out=ledger_out,
    )


def build_parser(prog: str = "python -m replay.mock") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Serve a mock Service Cloud Voice telephony API with a ledger."
    )
    add_options(parser)
    return parser
