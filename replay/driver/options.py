"""The replay's options inside Locust: declared once in `ReplayConfig`, parsed once into it.

    add_options(parser)                                   # from events.init_command_line_parser
    config = config_from_options(environment.parsed_options, host=environment.host)

`ReplayConfig` is the option registry: each field declared with `option(...)` is one option
(flag, help, default, how its text is parsed and how summary.json shows it); the Locust
parser, `replay run`'s options and forwarding, summary.json's `options` block (`described()`)
and the docs' reference all come from it (see replay.options). The dataset options are
`DatasetOptions`' (shared with `replay validate`). To add an option, add one field here.

Every option is also an environment variable (`REPLAY_<NAME>`, e.g. REPLAY_SPEED=10) and a
`locust.conf` key (`speed = 10`), through Locust's configargparse. None clashes with Locust's
own options (checked against `locust --help` of 2.47). Bad values raise ConfigError naming the
option, the value and what is expected.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from replay.auth import DEFAULT_JWT_MODE, DEFAULT_TTL_S, JWT_MODES, JwtSettings
from replay.client import CONTENT_TYPES, Endpoint, RequestSettings
from replay.dataset.arguments import DatasetOptions
from replay.driver.proxy import Proxy, proxy_for
from replay.errors import ConfigError
from replay.lifeline import parse_parent_fd
from replay.options import add_arguments as _add_arguments
from replay.options import build, described, number, option, whole
from replay.plan import PlanOptions, parse_speed
from replay.results.verdict import Threshold, parse_fail_on

ENV_PREFIX = "REPLAY_"
GROUP_TITLE = "transcript replay"


def default_run_id() -> str:
    """The run directory's default name: the UTC time the run was configured."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def _run_id(text: str, flag: str) -> str:
    if os.sep in text or text in (".", ".."):
        raise ConfigError(f"{flag} {text!r} must be a plain name (no {os.sep})")
    return text


def _existing_file(text: str, flag: str) -> str:
    if not os.path.isfile(text):
        raise ConfigError(f"{flag} {text}: no such file")
    return text


def _fail_on(text: str, flag: str) -> tuple[Threshold, ...]:
    return parse_fail_on(text)


def _base_url(text: str, flag: str) -> str | None:
    return text.rstrip("/") or None


def _junit_xml(text: str, flag: str) -> str:
    """A file path (its folder is created when the run starts: driver.ci_outputs)."""
    if os.path.isdir(text):
        raise ConfigError(f"{flag} {text}: is a directory; give a file path such as "
                          f"{os.path.join(text, 'replay-junit.xml')}")
    if text.endswith(("/", os.sep)):  # a folder still to make: the rename would drop the "/"
        raise ConfigError(f"{flag} {text}: names a folder (it ends with /); give a file path "
                          f"such as {os.path.join(text, 'replay-junit.xml')}")
    return text


def _port(text: str, flag: str) -> int:
    port = whole()(text, flag)
    if not 0 <= port <= 65535:
        raise ConfigError(f"{flag} must be a TCP port from 0 to 65535, got {port}")
    return port


@dataclass(frozen=True, kw_only=True)
class BulkSettings:
    """--bulk's batches: at most `max_calls` calls x `max_messages` messages, `window_s`."""

    max_calls: int = 5
    max_messages: int = 5
    window_s: float = 0.2


@dataclass(frozen=True, kw_only=True)
class ReplayConfig(DatasetOptions):
    """Everything the replay needs, validated; each option field's help says what it is."""

    dataset: str | None = option(
        flag="--dataset", metavar="PATH",
        help="transcript dataset: .csv, .csv.gz, .parquet or a directory")
    speed: float | None = option(
        1.0, flag="--speed", metavar="X|max", parse=parse_speed,
        show=lambda speed: "max" if speed is None else speed,
        help="replay speed: 1 real time, 10 ten times faster, 0.5 slow motion, max as fast as "
             "possible with each call in order")
    max_gap_s: float | None = option(
        flag="--max-gap", metavar="SECONDS", parse=number(),
        help="shorten silences inside a call to at most this many dataset seconds")
    loops: int = option(
        1, flag="--loops", metavar="N", parse=whole(),
        help="replay N times, ids suffixed -p1, -p2, ...")
    calls: int | None = option(
        flag="--calls", metavar="N", parse=whole(), help="replay only the N earliest calls")
    sample: float | None = option(
        flag="--sample", metavar="FRACTION", parse=number(),
        help="replay about this fraction of the calls (chosen by --seed)")
    seed: int = option(
        0, flag="--seed", metavar="N", parse=whole(),
        help="seed of --sample and of retry jitter")
    dry_run: bool = option(
        False, flag="--dry-run", switch=True, shown=False,
        help="load and plan, print the plan and the first requests, send nothing")
    keep_timestamps: bool = option(
        False, flag="--keep-timestamps", switch=True,
        help="send the dataset's startTime/endTime instead of replay-clock times")
    content_type: str = option(
        "json", flag="--content-type", choices=tuple(CONTENT_TYPES),
        help="request body format")
    provider_name: str | None = option(
        flag="--provider-name", metavar="NAME",
        help="Telephony-Provider-Name header (omitted when not given)")
    jwt_key_path: str | None = option(
        flag="--jwt-key", metavar="PATH",
        help="PEM RSA private key that signs the bearer tokens")
    org_id: str | None = option(
        flag="--org-id", metavar="ID", help="Salesforce org id: the tokens' iss")
    call_center: str | None = option(
        flag="--call-center", metavar="API_NAME", help="Call Center API name: the tokens' sub")
    jwt_ttl_s: float = option(
        DEFAULT_TTL_S, flag="--jwt-ttl", metavar="SECONDS", parse=number(),
        help="token lifetime, at most 86400; renewed at 80% of it")
    jwt_audience: str | None = option(
        flag="--jwt-audience", metavar="AUD", help="aud claim, e.g. https://scrt.salesforce.com")
    clock_skew_s: float = option(
        0.0, flag="--clock-skew", metavar="SECONDS", parse=number(),
        help="back-date each token's iat by this many seconds")
    jwt_mode: str = option(
        DEFAULT_JWT_MODE, flag="--jwt-mode", choices=JWT_MODES,
        help="per-request: a fresh token (jti) for every request, signed ahead by separate "
             "minter processes; shared: one token for all requests, renewed at 80% of its "
             "lifetime")
    jwt_minters: int = option(
        1, flag="--jwt-minters", metavar="N", parse=whole(1),
        help="token minter processes per Locust process with --jwt-mode per-request; each "
             "signs about 4,000 tokens/s on a free core")
    jwt_prefill: int = option(
        0, flag="--jwt-prefill", metavar="N", parse=whole(0),
        help="with --jwt-mode per-request: tokens the minters sign before the run starts and "
             "hand over first, a buffer for a burst beyond their rate (per Locust process, "
             "about 1 KB each)")
    lifecycle: bool = option(
        False, flag="--lifecycle", switch=True,
        help="create each VoiceCall before its first message and end it after its last")
    create_rate: float = option(
        50.0, flag="--create-rate", metavar="PER_SECOND", parse=number(0.001),
        help="most VoiceCall creations per second with --lifecycle")
    max_concurrency: int | None = option(
        flag="--max-concurrency", metavar="N", parse=whole(1),
        default_text="the dataset's peak", help="most calls replayed at once")
    timeout_s: float = option(
        30.0, flag="--timeout", metavar="SECONDS", parse=number(0.001),
        help="connect and response timeout of each request")
    retries: int = option(
        0, flag="--retries", metavar="N", parse=whole(0),
        help="retry a failed message up to N times (429, 5xx, timeouts, resets)")
    ca_bundle: str | None = option(
        flag="--ca-bundle", metavar="PATH", parse=_existing_file,
        help="PEM file of CA certificates to verify https hosts with")
    insecure: bool = option(
        False, flag="--insecure", switch=True,
        help="do not verify https certificates (unsafe; for test hosts only)")
    proxy_url: str | None = option(
        flag="--proxy", metavar="URL", shown=False,
        default_text="HTTPS_PROXY or HTTP_PROXY from the environment, except NO_PROXY hosts",
        help="HTTP proxy for the requests, e.g. http://user:password@proxy:3128")
    report_dir: str = option(
        "reports", flag="--report-dir", metavar="DIR", shown=False,
        help="where run directories go")
    run_id: str = option(
        factory=default_run_id, flag="--run-id", metavar="ID", parse=_run_id, shown=False,
        default_text="the UTC start time", help="the run directory's name")
    fail_on: tuple[Threshold, ...] = option(
        (), flag="--fail-on", metavar="RULES", parse=_fail_on,
        show=lambda rules: ",".join(rule.expression for rule in rules),
        help='fail the run when a rule holds, e.g. "error_rate>0.5%,p95>300ms,lag_p99>50ms"')
    progress_interval_s: float = option(
        10.0, flag="--progress-interval", metavar="SECONDS", parse=number(0), shown=False,
        help="seconds between progress lines in headless runs, 0 = off")
    mock_admin: str | None = option(
        flag="--mock-admin", metavar="URL", parse=_base_url,
        help="the replay mock's base URL, to reconcile with its /__admin/stats")
    junit_xml: str | None = option(
        flag="--junit-xml", metavar="PATH", parse=_junit_xml,
        help="also write the verdict as a JUnit XML report to PATH (for CI test reports)")
    metrics_port: int | None = option(
        flag="--metrics-port", metavar="PORT", parse=_port, default_text="off",
        help="serve Prometheus metrics on PORT (workers: PORT+1+index; 0 = free ports, logged)")
    parent_fd: int | None = option(
        flag="--parent-fd", metavar="FD", parse=parse_parent_fd, shown=False,
        default_text="none",
        help="an inherited pipe from the process that started Locust: when it closes (that "
             "process ended, however), the run stops as on SIGTERM; replay run passes one")
    bulk: bool = option(
        False, flag="--bulk", switch=True,
        help="post messages in batches to POST /voiceCalls/messages (JSON only)")
    bulk_max_calls: int = option(
        5, flag="--bulk-max-calls", metavar="N", parse=whole(1),
        help="with --bulk, most calls in one batch")
    bulk_max_messages: int = option(
        5, flag="--bulk-max-messages", metavar="N", parse=whole(1),
        help="with --bulk, most messages of one call in one batch")
    bulk_window_s: float = option(
        0.2, flag="--bulk-window", metavar="SECONDS", parse=number(0.001),
        help="with --bulk, a batch leaves when its oldest message has waited this long")

    # Not options: Locust's --host, and what the options make.
    host: str | None = None
    endpoint: Endpoint | None = field(init=False, compare=False)
    plan: PlanOptions = field(init=False, compare=False)
    request: RequestSettings = field(init=False, compare=False)
    jwt: JwtSettings | None = field(init=False, compare=False)
    bulk_settings: BulkSettings | None = field(init=False, compare=False)
    proxy: Proxy | None = field(init=False, compare=False)  # --proxy or the environment's

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.dataset:
            raise ConfigError("--dataset is required (or REPLAY_DATASET): the transcripts to "
                              "replay")
        batching = (("--bulk-max-calls", self.bulk_max_calls, BulkSettings.max_calls),
                    ("--bulk-max-messages", self.bulk_max_messages, BulkSettings.max_messages),
                    ("--bulk-window", self.bulk_window_s, BulkSettings.window_s))
        for flag, value, default in batching:
            if not self.bulk and value != default:  # would silently do nothing
                raise ConfigError(f"{flag} {value:g} applies only with --bulk (batches to POST "
                                  f"/voiceCalls/messages): add --bulk, or drop {flag}")
        if self.jwt_mode == "shared" and self.jwt_minters != 1:  # would silently do nothing
            raise ConfigError(f"--jwt-minters {self.jwt_minters} applies only with --jwt-mode "
                              "per-request (shared mode signs one token at a time itself): "
                              "drop --jwt-minters or --jwt-mode shared")
        if self.jwt_mode == "shared" and self.jwt_prefill:
            raise ConfigError(f"--jwt-prefill {self.jwt_prefill} applies only with --jwt-mode "
                              "per-request (shared mode signs one token at a time itself): "
                              "drop --jwt-prefill or --jwt-mode shared")
        if self.bulk and self.content_type != "json":
            raise ConfigError("--bulk posts JSON only (the bulk endpoint takes no XML): drop "
                              f"--content-type {self.content_type} or --bulk")
        if self.ca_bundle and self.insecure:
            raise ConfigError("--ca-bundle and --insecure contradict each other: give one of "
                              "them")
        endpoint = Endpoint.from_host(self.host) if self.host else None
        derived = {
            "endpoint": endpoint,
            "proxy": proxy_for(endpoint.origin, option=self.proxy_url) if endpoint else None,
            "plan": PlanOptions(
                speed=self.speed, send_at=self.send_at, max_gap_s=self.max_gap_s,
                loops=self.loops, calls=self.calls, sample=self.sample, seed=self.seed),
            "request": RequestSettings(
                content_type=self.content_type, provider_name=self.provider_name,
                keep_timestamps=self.keep_timestamps, call_center=self.call_center or ""),
            "jwt": None if not self.jwt_key_path else JwtSettings(
                key_path=self.jwt_key_path, org_id=self.org_id or "",
                call_center=self.call_center or "", ttl_s=self.jwt_ttl_s,
                audience=self.jwt_audience, clock_skew_s=self.clock_skew_s,
                mode=self.jwt_mode, minters=self.jwt_minters, prefill=self.jwt_prefill),
            "bulk_settings": None if not self.bulk else BulkSettings(
                max_calls=self.bulk_max_calls, max_messages=self.bulk_max_messages,
                window_s=self.bulk_window_s),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @property
    def run_dir(self) -> str:
        return os.path.join(self.report_dir, self.run_id)

    def described(self) -> dict[str, Any]:
        """The options as summary.json shows them (no key material: the key's path only)."""
        return {**described(self), "column_map": self.column_map,
                "proxy": self.proxy.shown if self.proxy else None}


def add_options(parser: Any) -> None:
    """Register every replay option on Locust's parser (a configargparse parser)."""
    _add_arguments(parser, ReplayConfig, title=GROUP_TITLE, env_prefix=ENV_PREFIX)


def config_from_options(options: Any, *, host: str | None) -> ReplayConfig:
    """Validate Locust's parsed options into a ReplayConfig; ConfigError names the bad option."""
    return build(ReplayConfig, options, host=host)


def env_var(flag: str) -> str:
    return ENV_PREFIX + flag.removeprefix("--").replace("-", "_").upper()
