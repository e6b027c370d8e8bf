"""The replay's options inside Locust: registered once, parsed once into a frozen `ReplayConfig`.

    add_options(parser)                                   # from events.init_command_line_parser
    config = config_from_options(environment.parsed_options, host=environment.host)

Every option is also an environment variable (`REPLAY_<NAME>`, e.g. REPLAY_SPEED=10) and a
`locust.conf` key (`speed = 10`), through Locust's configargparse. None clashes with Locust's
own options (checked against `locust --help` of 2.47). Bad values raise ConfigError naming the
option, the value and what is expected.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from replay.auth import DEFAULT_TTL_S, JwtSettings
from replay.client import CONTENT_TYPES, Endpoint, RequestSettings
from replay.dataset import load_column_map_file, parse_column_map
from replay.errors import ConfigError
from replay.plan import PlanOptions
from replay.results.verdict import Threshold, parse_fail_on

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_CREATE_RATE = 50.0
DEFAULT_PROGRESS_S = 10.0
DEFAULT_REPORT_DIR = "reports"

FLAG = dict(action="store_true", default=False)

# (flag, argparse keyword arguments); each also gets env_var=REPLAY_<NAME>.
OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--dataset", dict(
        metavar="PATH", help="transcript dataset: .csv, .csv.gz, .parquet or a directory")),
    ("--speed", dict(
        default="1", metavar="X|max",
        help="replay speed: 1 real time, 10 ten times faster, 0.5 slow motion, max as fast as "
             "possible with each call in order (default 1)")),
    ("--send-at", dict(
        default="end", choices=("end", "start"),
        help="send each message at its endTime (default) or its startTime")),
    ("--max-gap", dict(
        metavar="SECONDS", help="shorten silences inside a call to at most this many dataset "
                                "seconds")),
    ("--loops", dict(default="1", metavar="N", help="replay N times, ids suffixed -p1, -p2, ...")),
    ("--calls", dict(metavar="N", help="replay only the N earliest calls")),
    ("--sample", dict(
        metavar="FRACTION", help="replay about this fraction of the calls (chosen by --seed)")),
    ("--seed", dict(
        default="0", metavar="N", help="seed of --sample and of retry jitter (default 0)")),
    ("--map", dict(metavar="FIELD=COLUMN,...", help="dataset column names, e.g. content=Text")),
    ("--map-file", dict(
        metavar="PATH", help="TOML file with a [columns] table of field = column")),
    ("--on-invalid", dict(
        default="fail", choices=("fail", "skip"),
        help="invalid dataset rows: fail the run (default) or skip them")),
    ("--dry-run", dict(
        FLAG, help="load and plan, print the plan and the first requests, send nothing")),
    ("--keep-timestamps", dict(
        FLAG, help="send the dataset's startTime/endTime instead of replay-clock times")),
    ("--content-type", dict(
        default="json", choices=tuple(CONTENT_TYPES), help="request body format (default json)")),
    ("--provider-name", dict(
        default="", metavar="NAME", help="Telephony-Provider-Name header (omitted when empty)")),
    ("--jwt-key", dict(metavar="PATH", help="PEM RSA private key that signs the bearer tokens")),
    ("--org-id", dict(default="", metavar="ID", help="Salesforce org id: the tokens' iss")),
    ("--call-center", dict(
        default="", metavar="API_NAME", help="Call Center API name: the tokens' sub")),
    ("--jwt-ttl", dict(
        default=str(int(DEFAULT_TTL_S)), metavar="SECONDS",
        help="token lifetime, at most 86400 (default 300); renewed at 80%% of it")),
    ("--jwt-audience", dict(
        default="", metavar="AUD", help="aud claim, e.g. https://scrt.salesforce.com")),
    ("--clock-skew", dict(
        default="0", metavar="SECONDS", help="back-date each token's iat by this many seconds")),
    ("--lifecycle", dict(
        FLAG, help="create each VoiceCall before its first message and end it after its last")),
    ("--create-rate", dict(
        default=str(int(DEFAULT_CREATE_RATE)), metavar="PER_SECOND",
        help="most VoiceCall creations per second with --lifecycle (default 50)")),
    ("--max-concurrency", dict(
        metavar="N", help="most calls replayed at once (default: the dataset's peak)")),
    ("--timeout", dict(
        default=str(int(DEFAULT_TIMEOUT_S)), metavar="SECONDS",
        help="connect and response timeout of each request (default 30)")),
    ("--retries", dict(
        default="0", metavar="N",
        help="retry a failed message up to N times (429, 5xx, timeouts, resets)")),
    ("--ca-bundle", dict(
        metavar="PATH", help="PEM file of CA certificates to verify https hosts with")),
    ("--insecure", dict(
        FLAG, help="do not verify https certificates (unsafe; for test hosts only)")),
    ("--report-dir", dict(
        default=DEFAULT_REPORT_DIR, metavar="DIR",
        help="where run directories go (default reports)")),
    ("--run-id", dict(
        default="", metavar="ID", help="the run directory's name (default: the UTC start time)")),
    ("--fail-on", dict(
        default="", metavar="RULES",
        help='fail the run when a rule holds, e.g. "error_rate>0.5%%,p95>300ms,lag_p99>50ms"')),
    ("--progress-interval", dict(
        default=str(int(DEFAULT_PROGRESS_S)), metavar="SECONDS",
        help="seconds between progress lines in headless runs, 0 = off (default 10)")),
    ("--bulk", dict(
        FLAG, help="post messages in batches to POST /voiceCalls/messages (JSON only)")),
    ("--bulk-max-calls", dict(
        default="5", metavar="N", help="with --bulk, most calls in one batch (default 5)")),
    ("--bulk-max-messages", dict(
        default="5", metavar="N",
        help="with --bulk, most messages of one call in one batch (default 5)")),
    ("--bulk-window", dict(
        default="0.2", metavar="SECONDS",
        help="with --bulk, a batch leaves when its oldest message has waited this long "
             "(default 0.2)")),
    ("--mock-admin", dict(
        default="", metavar="URL",
        help="the replay mock's base URL, to reconcile with its /__admin/stats")),
)  # fmt: skip


def env_var(flag: str) -> str:
    return "REPLAY_" + flag.removeprefix("--").replace("-", "_").upper()


def add_options(parser: Any) -> None:
    """Register every replay option on Locust's parser (a configargparse parser)."""
    group = parser.add_argument_group("transcript replay", "Options of the transcript replay")
    for flag, kwargs in OPTIONS:
        group.add_argument(flag, env_var=env_var(flag), **kwargs)


DEFAULT_MAX_CALLS = 5
DEFAULT_MAX_MESSAGES = 5
DEFAULT_WINDOW_S = 0.2


@dataclass(frozen=True, kw_only=True)
class BulkSettings:
    max_calls: int = DEFAULT_MAX_CALLS
    max_messages: int = DEFAULT_MAX_MESSAGES
    window_s: float = DEFAULT_WINDOW_S

    def described(self) -> dict[str, Any]:
        return {"max_calls": self.max_calls, "max_messages": self.max_messages,
                "window_s": self.window_s}


@dataclass(frozen=True, kw_only=True)
class ReplayConfig:
    """Everything the replay needs, validated; see the options' help for each field."""

    dataset: str
    endpoint: Endpoint | None
    plan: PlanOptions
    column_map: dict = field(default_factory=dict)
    on_invalid: str = "fail"
    dry_run: bool = False
    request: RequestSettings = field(default_factory=RequestSettings)
    jwt: JwtSettings | None = None
    lifecycle: bool = False
    create_rate: float = DEFAULT_CREATE_RATE
    max_concurrency: int | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    retries: int = 0
    ca_bundle: str | None = None
    insecure: bool = False
    report_dir: str = DEFAULT_REPORT_DIR
    run_id: str = ""
    fail_on: tuple[Threshold, ...] = ()
    fail_on_text: str = ""
    progress_interval_s: float = DEFAULT_PROGRESS_S
    mock_admin: str | None = None
    bulk: BulkSettings | None = None

    @property
    def run_dir(self) -> str:
        return os.path.join(self.report_dir, self.run_id)

    def described(self) -> dict[str, Any]:
        """The options as summary.json shows them (no key material: the key's path only)."""
        return {
            "dataset": self.dataset, "speed": self.plan.speed or "max",
            "send_at": self.plan.send_at,
            "max_gap_s": self.plan.max_gap_s, "loops": self.plan.loops, "calls": self.plan.calls,
            "sample": self.plan.sample, "seed": self.plan.seed, "column_map": self.column_map,
            "on_invalid": self.on_invalid, "keep_timestamps": self.request.keep_timestamps,
            "content_type": self.request.content_type, "provider_name": self.request.provider_name,
            "jwt_key_path": self.jwt.key_path if self.jwt else None,
            "org_id": self.jwt.org_id if self.jwt else None,
            "call_center": self.request.call_center or None,
            "jwt_ttl_s": self.jwt.ttl_s if self.jwt else None,
            "jwt_audience": self.jwt.audience if self.jwt else None,
            "clock_skew_s": self.jwt.clock_skew_s if self.jwt else None,
            "lifecycle": self.lifecycle, "create_rate": self.create_rate,
            "max_concurrency": self.max_concurrency, "timeout_s": self.timeout_s,
            "retries": self.retries, "ca_bundle": self.ca_bundle, "insecure": self.insecure,
            "fail_on": self.fail_on_text, "mock_admin": self.mock_admin,
            "bulk": self.bulk.described() if self.bulk else None,
        }


def config_from_options(options: Any, *, host: str | None) -> ReplayConfig:
    """Validate Locust's parsed options into a ReplayConfig; ConfigError names the bad option."""
    if not options.dataset:
        raise ConfigError("--dataset is required (or REPLAY_DATASET): the transcripts to replay")
    column_map = {}
    if options.map_file:
        column_map.update(load_column_map_file(options.map_file))
    if options.map:
        column_map.update(parse_column_map(options.map))
    plan = PlanOptions(
        speed=parse_speed(options.speed),
        send_at=options.send_at,
        max_gap_s=_number(options.max_gap, "--max-gap"),
        loops=_integer(options.loops, "--loops"),
        calls=_integer(options.calls, "--calls"),
        sample=_number(options.sample, "--sample"),
        seed=_integer(options.seed, "--seed"),
    )
    call_center = options.call_center or ""
    jwt = None
    if options.jwt_key:
        jwt = JwtSettings(
            key_path=options.jwt_key, org_id=options.org_id, call_center=call_center,
            ttl_s=_number(options.jwt_ttl, "--jwt-ttl"),
            audience=options.jwt_audience or None,
            clock_skew_s=_number(options.clock_skew, "--clock-skew"),
        )
    if options.ca_bundle and not os.path.isfile(options.ca_bundle):
        raise ConfigError(f"--ca-bundle {options.ca_bundle}: no such file")
    if options.ca_bundle and options.insecure:
        raise ConfigError("--ca-bundle and --insecure contradict each other: give one of them")
    max_concurrency = _integer(options.max_concurrency, "--max-concurrency")
    timeout_s = _number(options.timeout, "--timeout")
    create_rate = _number(options.create_rate, "--create-rate")
    retries = _integer(options.retries, "--retries")
    progress = _number(options.progress_interval, "--progress-interval")
    for flag, value, low in (
        ("--max-concurrency", max_concurrency, 1), ("--timeout", timeout_s, 0.001),
        ("--create-rate", create_rate, 0.001), ("--retries", retries, 0),
        ("--progress-interval", progress, 0),
    ):
        if value is not None and value < low:
            raise ConfigError(f"{flag} must be at least {low:g}, got {value:g}")
    bulk = _bulk_settings(options)
    run_id = options.run_id or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if os.sep in run_id or run_id in (".", ".."):
        raise ConfigError(f"--run-id {run_id!r} must be a plain name (no {os.sep})")
    return ReplayConfig(
        dataset=options.dataset,
        endpoint=Endpoint.from_host(host) if host else None,
        plan=plan,
        column_map=column_map,
        on_invalid=options.on_invalid,
        dry_run=bool(options.dry_run),
        request=RequestSettings(
            content_type=options.content_type, provider_name=options.provider_name or None,
            keep_timestamps=bool(options.keep_timestamps), call_center=call_center,
        ),
        jwt=jwt,
        lifecycle=bool(options.lifecycle),
        create_rate=create_rate,
        max_concurrency=max_concurrency,
        timeout_s=timeout_s,
        retries=retries,
        ca_bundle=options.ca_bundle or None,
        insecure=bool(options.insecure),
        report_dir=options.report_dir,
        run_id=run_id,
        fail_on=parse_fail_on(options.fail_on or None),
        fail_on_text=options.fail_on or "",
        progress_interval_s=progress,
        mock_admin=(options.mock_admin or "").rstrip("/") or None,
        bulk=bulk,
    )


def _bulk_settings(options: Any) -> BulkSettings | None:
    """--bulk and its limits; ConfigError for XML or a limit out of range."""
    if not options.bulk:
        return None
    if options.content_type != "json":
        raise ConfigError("--bulk posts JSON only (the bulk endpoint takes no XML): drop "
                          f"--content-type {options.content_type} or --bulk")
    max_calls = _integer(options.bulk_max_calls, "--bulk-max-calls")
    max_messages = _integer(options.bulk_max_messages, "--bulk-max-messages")
    window_s = _number(options.bulk_window, "--bulk-window")
    for flag, value, low in (("--bulk-max-calls", max_calls, 1),
                             ("--bulk-max-messages", max_messages, 1),
                             ("--bulk-window", window_s, 0.001)):
        if value is None or value < low:
            raise ConfigError(f"{flag} must be at least {low:g}, got {value!r}")
    return BulkSettings(max_calls=max_calls, max_messages=max_messages, window_s=window_s)


def parse_speed(text: str | float) -> float | None:
    """'max' -> None (as fast as possible); a positive number -> float."""
    if isinstance(text, str) and text.strip().lower() == "max":
        return None
    value = _number(text, "--speed")
    if value is None or not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"--speed must be a positive number or 'max', got {text!r}")
    return value


def _number(text: Any, flag: str) -> float | None:
    if text is None or text == "":
        return None
    try:
        return float(text)
    except (TypeError, ValueError):
        raise ConfigError(f"{flag} must be a number, got {text!r}") from None


def _integer(text: Any, flag: str) -> int | None:
    if text is None or text == "":
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        raise ConfigError(f"{flag} must be a whole number, got {text!r}") from None
