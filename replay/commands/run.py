"""`replay run DATASET`: one command from a dataset to a report, through Locust.

    replay run datasets/sample.parquet                       # against a fresh embedded mock
    replay run calls.parquet --host https://x.my.salesforce-scrt.com/telephony/v1 \
        --jwt-key key.pem --org-id 00D... --call-center MyCC --speed 10

Without --host it makes an RSA key pair for the run in a private temporary directory (0700,
key file 0600, deleted at the end), starts the mock on a free loopback port with the public
key and the lifecycle on, replays through `locust -f <the packaged locustfile> --headless`, checks
the mock's ledger against the replay's counts, stops the mock and exits with Locust's exit
code (the verdict: see replay.driver.outputs). Every replay option of the locustfile is also an
option here (same names); `--speed` defaults to 300 so the bundled sample (about 70 minutes of
calls) replays in about 14 seconds. Outputs: `<report-dir>/<run-id>/` with summary.json,
outcomes.parquet, report.html, Locust's locust.html and locust_*.csv, and run.log (everything
the run printed; no secrets).
`--workers N` runs Locust's master and N local worker processes (`--processes N`), which meet on
a free loopback port (not Locust's default 5557, so two runs on one machine stay apart).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from replay.auth import load_private_key
from replay.dataset.preflight import check_readable
from replay.dataset.prepared import is_prepared, open_prepared
from replay.driver.options import ReplayConfig, config_from_options
from replay.driver.outputs import make_run_dir
from replay.errors import ConfigError, EndpointError, ReplayError
from replay.exit_codes import ExitCode
from replay.lifeline import Lifeline
from replay.locustfile import LOCUSTFILE
from replay.mock.process import MockProcess, MockStartError, start_mock
from replay.options import add_arguments, given_arguments
from replay.results.measures import NO_RESPONSE_STATUS
from replay.results.summary import mock_block

logger = logging.getLogger(__name__)

DEFAULT_SPEED = "300"
EMBEDDED_ORG_ID = "00DRE0000000001"
EMBEDDED_CALL_CENTER = "ReplayCallCenter"
# the positional DATASET; set for the embedded mock; set for each Locust process it starts
NOT_OPTIONS = ("dataset", "mock_admin", "parent_fd")
NOT_FORWARDED = (*NOT_OPTIONS, "run_id")  # passed as computed once, in config.run_id
CHILD_STOP_TIMEOUT_S = 60


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="replay a dataset through Locust and write a report",
        description="Replay a transcript dataset through Locust (headless) against --host, or "
        "against an embedded mock endpoint when --host is not given, and write the run's report.",
    )
    parser.add_argument("dataset", metavar="DATASET", help="the transcripts to replay")
    add_replay_arguments(parser, defaults={"speed": DEFAULT_SPEED})
    parser.set_defaults(handler=run)


def add_replay_arguments(parser: argparse.ArgumentParser, *, skip: tuple[str, ...] = (),
                         defaults: dict[str, str] | None = None) -> None:
    """Every option of `replay run` but DATASET (`replay capacity` shares them, but --speed)."""
    parser.add_argument("--host", default="", metavar="URL",
                        help="the endpoint's base URL; default: start the mock for this run")
    parser.add_argument("--workers", type=int, default=0, metavar="N",
                        help="Locust worker processes on this machine (default 0: one process)")
    parser.add_argument("--mock-args", default="", metavar="ARGS",
                        help='extra options for the embedded mock, e.g. "--error-rate 0.05"')
    add_arguments(parser, ReplayConfig, title="replay options (as in the locustfile)",
                  skip=(*NOT_OPTIONS, *skip), defaults=defaults)


def forwarded_options(args: argparse.Namespace) -> list[str]:
    """The locustfile options given on this command line (and --speed), as locust arguments."""
    return given_arguments(args, ReplayConfig, skip=NOT_FORWARDED)


def validate(args: argparse.Namespace) -> ReplayConfig:
    """Check every option as the locustfile will (the same registry), before anything starts.

    ConfigError on a bad value, a missing dataset or an unreadable --jwt-key; DatasetError
    on a dataset that cannot be read as one (empty, header only, not Parquet, ...).
    """
    if not Path(args.dataset).exists():
        raise ConfigError(f"{args.dataset}: no such file or directory")
    if args.workers < 0:
        raise ConfigError(f"--workers must be 0 or more, got {args.workers}")
    if args.jwt_key_path and not args.host:
        raise ConfigError("--jwt-key needs --host: against the embedded mock, replay run makes "
                          "its own key pair")
    config = config_from_options(args, host=args.host or None)
    if config.jwt is not None:
        load_private_key(config.jwt.key_path)
    mock_arguments(args.mock_args)
    if is_prepared(config.dataset):
        open_prepared(config.dataset, verify=False)  # every run checks it whole before sending
    else:
        check_readable(config.dataset, config.column_map)
    return config


def mock_arguments(text: str) -> list[str]:
    """--mock-args split as a shell would; ConfigError when it cannot be."""
    try:
        return shlex.split(text)
    except ValueError as error:
        raise ConfigError(f"--mock-args {text!r}: {error}; quote it as one shell word, "
                          'e.g. --mock-args "--error-rate 0.05"') from None


def run(args: argparse.Namespace) -> int:
    config = validate(args)
    run_dir = Path(config.run_dir)
    fresh = not run_dir.exists()
    make_run_dir(run_dir)
    try:
        code = _run_in(run_dir, config, args)
    except ReplayError:
        _forget(run_dir, fresh)
        raise
    if code == ExitCode.BAD_INPUT or config.dry_run:  # bad input, or nothing was run
        _forget(run_dir, fresh)
    return code


def _forget(run_dir: Path, fresh: bool) -> None:
    """Remove a run directory this run created when the run stopped before writing results."""
    if fresh and not (run_dir / "summary.json").exists():
        shutil.rmtree(run_dir, ignore_errors=True)


def _run_in(run_dir: Path, config: ReplayConfig, args: argparse.Namespace) -> int:
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "--dataset", str(args.dataset), "--run-id", config.run_id,
        "--html", str(run_dir / "locust.html"), "--csv", str(run_dir / "locust"),
    ]
    if args.workers:
        command += local_workers_arguments(args.workers)
    extra = forwarded_options(args)
    if args.host:
        return _replay([*command, "--host", args.host, *extra], run_dir)
    return _replay_against_mock(args, command, extra, run_dir)


def local_workers_arguments(workers: int) -> list[str]:
    """Locust's arguments for a master and `workers` forked workers talking over a free loopback
    port: never Locust's default 5557, where another run's workers on this machine could join."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    return ["--processes", str(workers), "--master-bind-host", "127.0.0.1",
            "--master-bind-port", port, "--master-port", port]


def _replay_against_mock(args: argparse.Namespace, command: list[str], extra: list[str],
                         run_dir: Path) -> int:
    key_dir = Path(tempfile.mkdtemp(prefix="replay-keys-"))
    try:
        private, public = _make_key_pair(key_dir)
        org_id = args.org_id or EMBEDDED_ORG_ID
        call_center = args.call_center or EMBEDDED_CALL_CENTER
        mock_args = ["--public-key", str(public), "--org-id", org_id,
                     "--call-center", call_center, *mock_arguments(args.mock_args)]
        try:
            mock = start_mock(mock_args)
        except MockStartError as error:
            raise EndpointError(f"the embedded mock did not start: {error}") from None
        with mock:
            print(f"replay run: embedded mock at {mock.url} (ledger at {mock.url}/__admin)",
                  file=sys.stderr, flush=True)
            auth = ["--jwt-key", str(private)]
            if not args.org_id:
                auth += ["--org-id", org_id]
            if not args.call_center:
                auth += ["--call-center", call_center]
            lifecycle = [] if args.lifecycle else ["--lifecycle"]
            endpoint = ["--host", mock.url, "--mock-admin", mock.url]
            code = _replay([*command, *endpoint, *auth, *lifecycle, *extra], run_dir)
            if (run_dir / "summary.json").is_file():
                print(_ledger_line(mock, run_dir), flush=True)
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
    """Run locust, echoing its output (stdout to stdout, its log on stderr to stderr) and
    copying both to run.log; forward SIGTERM to it, and SIGHUP (the terminal closed) as a
    SIGTERM, so the run ends as a stopped one and the embedded mock, in a session of its own
    that the hang-up does not reach, is still stopped by the caller.

    Locust runs in a session of its own, so a Ctrl-C reaches it once, from here, whether it
    came from a terminal (to this whole process group) or was sent to this process alone (a
    supervisor's `kill -INT`). Its stdin is empty, so it never reads the terminal's keys. It
    holds a lifeline to this process (--parent-fd, replay.lifeline): should this process die
    without a word (SIGKILL, the OOM killer), Locust stops as on SIGTERM by itself, and its
    forked workers with it (replay.driver.parent).
    Returns its exit code (128 + N when a signal N ended it).
    """
    with open(run_dir / "run.log", "w", encoding="utf-8") as log, Lifeline() as lifeline:
        child = subprocess.Popen([*command, "--parent-fd", str(lifeline.fd)],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, bufsize=1, cwd=os.getcwd(),
                                 env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                 start_new_session=True, pass_fds=(lifeline.fd,))
        previous = {signum: signal.signal(signum, lambda *_: child.send_signal(signal.SIGTERM))
                    for signum in (signal.SIGTERM, signal.SIGHUP)}
        lock = threading.Lock()
        errors = threading.Thread(target=_copy, args=(child.stderr, sys.stderr, log, lock),
                                  daemon=True)
        errors.start()
        try:
            _echo(child, log, lock)
            code = child.wait()
            errors.join(timeout=CHILD_STOP_TIMEOUT_S)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    return 128 - code if code < 0 else code


def _copy(source: TextIO, console: TextIO, log: TextIO, lock: threading.Lock) -> None:
    for line in source:
        with lock:
            console.write(line)
            console.flush()
            log.write(line)


def _echo(child: subprocess.Popen, log: TextIO, lock: threading.Lock) -> None:
    """Copy the child's stdout until it ends. A Ctrl-C is passed on to the child's process
    group (Locust and its workers), as a terminal would: keep copying while it writes its
    outputs, for CHILD_STOP_TIMEOUT_S at most; a second Ctrl-C kills them."""
    deadline: threading.Timer | None = None
    try:
        while True:
            try:
                _copy(child.stdout, sys.stdout, log, lock)
                return
            except KeyboardInterrupt:
                if deadline is None:
                    _signal_group(child, signal.SIGINT)
                    deadline = threading.Timer(CHILD_STOP_TIMEOUT_S, _signal_group,
                                               args=(child, signal.SIGKILL))
                    deadline.start()
                else:
                    _signal_group(child, signal.SIGKILL)
    finally:
        if deadline is not None:
            deadline.cancel()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    """Send `signum` to the child's process group (it leads one: start_new_session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def _ledger_line(mock: MockProcess, run_dir: Path) -> str:
    """The mock's counts now against the replay's summary.json (which must exist), by the
    summary's own rule (replay.results.summary.mock_block)."""
    try:
        stats = mock.stats()
    except OSError as error:  # the mock died (it has its own session: Ctrl-C does not reach it)
        return (f"mock ledger: not compared, the mock stopped before the end "
                f"({getattr(error, 'reason', error)})")
    counts = json.loads((run_dir / "summary.json").read_text())["counts"]
    accepted = counts["accepted"]
    ambiguous = counts.get("failed_by_status", {}).get(str(NO_RESPONSE_STATUS), 0)
    block = mock_block(stats, accepted=accepted, ambiguous=ambiguous)
    taken = block["stored"] + block["outside_window"]
    state = "matches" if block["matches"] else "DOES NOT match"
    line = (f"mock ledger: {taken} messages taken ({block['stored']} stored, "
            f"{block['outside_window']} outside the call window, {block['duplicates']} "
            f"duplicates); {state} the {accepted} the replay counted as accepted")
    if ambiguous:
        line += f" and up to {ambiguous} that got no response"
    created, ended = stats.get("calls_created", 0), stats.get("calls_ended", 0)
    if created or ended:  # --lifecycle
        line += f"; VoiceCalls: {created} created, {ended} ended"
    return line
