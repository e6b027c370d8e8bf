"""`replay run DATASET`: one command from a dataset to a report, through Locust.

    replay run datasets/sample.parquet                       # against a fresh embedded mock
    replay run calls.parquet --host https://x.my.salesforce-scrt.com/telephony/v1 \
        --jwt-key key.pem --org-id 00D... --call-center MyCC --speed 10

Without --host it makes an RSA key pair for the run in a private temporary directory (0700,
key file 0600, deleted at the end), starts the mock on a free loopback port with the public
key and the lifecycle on, replays through `locust -f <repo>/locustfile.py --headless`, checks
the mock's ledger against the replay's counts, stops the mock and exits with Locust's exit
code (the verdict: see replay.driver.outputs). Every replay option of the locustfile is also an
option here (same names); `--speed` defaults to 300 so the bundled sample (about 70 minutes of
calls) replays in about 14 seconds. Outputs: `<report-dir>/<run-id>/` with summary.json,
outcomes.parquet, report.html, Locust's locust.html and locust_*.csv, and run.log (everything
the run printed; no secrets).
`--workers N` runs Locust's master and N local worker processes (`--processes N`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from replay.driver.options import OPTIONS
from replay.errors import ConfigError, EndpointError
from replay.mock.process import MockStartError, start_mock

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
LOCUSTFILE = REPO / "locustfile.py"
DEFAULT_SPEED = "300"
EMBEDDED_ORG_ID = "00DRE0000000001"
EMBEDDED_CALL_CENTER = "ReplayCallCenter"
NOT_FORWARDED = ("--dataset", "--speed", "--mock-admin")
CHILD_STOP_TIMEOUT_S = 60


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="replay a dataset through Locust and write a report",
        description="Replay a transcript dataset through Locust (headless) against --host, or "
        "against an embedded mock endpoint when --host is not given, and write the run's report.",
    )
    parser.add_argument("dataset", metavar="DATASET", help="the transcripts to replay")
    parser.add_argument("--host", default="", metavar="URL",
                        help="the endpoint's base URL; default: start the mock for this run")
    parser.add_argument("--speed", default=DEFAULT_SPEED, metavar="X|max",
                        help=f"replay speed (default {DEFAULT_SPEED}: the sample in ~14 s)")
    parser.add_argument("--workers", type=int, default=0, metavar="N",
                        help="Locust worker processes on this machine (default 0: one process)")
    parser.add_argument("--mock-args", default="", metavar="ARGS",
                        help='extra options for the embedded mock, e.g. "--error-rate 0.05"')
    group = parser.add_argument_group("replay options (as in the locustfile)")
    for flag, kwargs in OPTIONS:
        if flag not in NOT_FORWARDED:
            group.add_argument(flag, **kwargs)
    parser.set_defaults(handler=run)


def forwarded_options(args: argparse.Namespace) -> list[str]:
    """The locustfile options given on this command line, as locust arguments."""
    out: list[str] = []
    for flag, kwargs in OPTIONS:
        if flag in NOT_FORWARDED:
            continue
        value = getattr(args, flag[2:].replace("-", "_"))
        if kwargs.get("action") == "store_true":
            if value:
                out.append(flag)
        elif value not in (None, "") and value != kwargs.get("default"):
            out += [flag, str(value)]
    return out


def run(args: argparse.Namespace) -> int:
    if not Path(args.dataset).exists():
        raise ConfigError(f"{args.dataset}: no such file or directory")
    if args.workers < 0:
        raise ConfigError(f"--workers must be 0 or more, got {args.workers}")
    run_id = args.run_id or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = Path(args.report_dir) / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "--dataset", str(args.dataset), "--speed", str(args.speed), "--run-id", run_id,
        "--html", str(run_dir / "locust.html"), "--csv", str(run_dir / "locust"),
    ]
    if args.workers:
        command += ["--processes", str(args.workers)]
    extra = forwarded_options(args)
    if args.host:
        return _replay([*command, "--host", args.host, *extra], run_dir)
    return _replay_against_mock(args, command, extra, run_dir)


def _replay_against_mock(args: argparse.Namespace, command: list[str], extra: list[str],
                         run_dir: Path) -> int:
    if args.jwt_key:
        raise ConfigError("--jwt-key needs --host: against the embedded mock, replay run makes "
                          "its own key pair")
    key_dir = Path(tempfile.mkdtemp(prefix="replay-keys-"))
    try:
        private, public = _make_key_pair(key_dir)
        org_id = args.org_id or EMBEDDED_ORG_ID
        call_center = args.call_center or EMBEDDED_CALL_CENTER
        mock_args = ["--public-key", str(public), "--org-id", org_id,
                     "--call-center", call_center, *shlex.split(args.mock_args)]
        try:
            mock = start_mock(mock_args)
        except MockStartError as error:
            raise EndpointError(f"the embedded mock did not start: {error}") from None
        with mock:
            print(f"replay run: embedded mock at {mock.url} (ledger at {mock.url}/__admin)",
                  flush=True)
            auth = ["--jwt-key", str(private)]
            if not args.org_id:
                auth += ["--org-id", org_id]
            if not args.call_center:
                auth += ["--call-center", call_center]
            lifecycle = [] if args.lifecycle else ["--lifecycle"]
            endpoint = ["--host", mock.url, "--mock-admin", mock.url]
            code = _replay([*command, *endpoint, *auth, *lifecycle, *extra], run_dir)
            print(_ledger_line(mock.ledger(), run_dir), flush=True)
        return code
    finally:
        shutil.rmtree(key_dir, ignore_errors=True)


def _make_key_pair(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = folder / "replay.pem"
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    public = folder / "replay.pub.pem"
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def _replay(command: list[str], run_dir: Path) -> int:
    """Run locust, echoing its output to the console and run.log; forward SIGTERM to it."""
    with open(run_dir / "run.log", "w", encoding="utf-8") as log:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, bufsize=1, cwd=os.getcwd(),
                                 env={**os.environ, "PYTHONUNBUFFERED": "1"})
        previous = signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
        try:
            for line in child.stdout:
                sys.stdout.write(line)
                log.write(line)
            return child.wait()
        except KeyboardInterrupt:  # the child got the same SIGINT: let it write its outputs
            return _wait_for(child)
        finally:
            signal.signal(signal.SIGTERM, previous)


def _wait_for(child: subprocess.Popen) -> int:
    try:
        return child.wait(timeout=CHILD_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


def _ledger_line(ledger: list[dict[str, Any]], run_dir: Path) -> str:
    stored = sum(1 for row in ledger if row.get("outcome") == "stored")
    distinct = len({(row["vendorCallKey"], row["messageId"]) for row in ledger})
    summary_path = run_dir / "summary.json"
    if not summary_path.is_file():
        return f"mock ledger: {len(ledger)} messages ({stored} stored); no summary.json to compare"
    accepted = json.loads(summary_path.read_text())["counts"]["accepted"]
    state = "matches" if distinct == accepted else "DOES NOT match"
    return (f"mock ledger: {len(ledger)} messages, {distinct} distinct, {stored} stored; "
            f"{state} the {accepted} the replay counted as accepted")
