"""`--workers N`: several server processes on one port, seen from outside as one mock.

    serve_workers(config)        # blocks; the parent supervises, the workers serve

The parent binds the port with SO_REUSEPORT (so --port 0 is resolved once), starts N worker
processes, each binding the same port with SO_REUSEPORT (the kernel spreads connections among
them) plus a private loopback admin port, and writes the ready file when all are listening.
Each worker writes `worker-<i>.json` ({"url": its private admin URL, "pid"}) to a shared state
directory, and its ledger part there on shutdown. SIGTERM or SIGINT to the parent (or its
--parent-fd lifeline closing) stops every worker, then the parent merges the parts into
--ledger-out (merge_rows re-derives duplicates and call_seq across workers). If a worker dies,
the parent stops the others and exits 1. If the parent dies, each worker stops by itself: it
watches multiprocessing's pipe from the parent (`parent_process().sentinel`) on its loop.

The admin API of any worker gathers the others' answers through their private
`/__admin/local/...` endpoints (replay.mock.cluster).
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import shutil
import signal
import tempfile
import time
from pathlib import Path

from replay.lifeline import parent_gone
from replay.mock.app import MockApp
from replay.mock.cluster import Cluster
from replay.mock.config import MockConfig
from replay.mock.ledger import merge_rows, read_ledger, write_ledger
from replay.mock.network import bind_socket, public_url, write_ready_file
from replay.mock.server import serve_sockets

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
SUMMED_STATS = ("received", "bulk_requests", "after_end", "calls", "calls_created",
                "calls_ended")
COUNTED_STATS = ("rejected", "lifecycle_rejected", "faults")


# The parent.

def serve_workers(config: MockConfig) -> None:
    """Run config.workers server processes until SIGTERM/SIGINT; merge their ledgers."""
    anchor = bind_socket(config.host, config.port, reuse_port=True)
    port = anchor.getsockname()[1]
    state_dir = Path(tempfile.mkdtemp(prefix="replay-mock-workers-"))
    stopping: list[int] = []

    def stop(signum: int, frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker_main, args=(config, index, port, state_dir),
                        name=f"replay-mock-worker-{index}", daemon=False)
        for index in range(config.workers)
    ]
    failed = False
    try:
        for process in processes:
            process.start()
        if not _wait_until_listening(processes, state_dir, stopping):
            failed = not stopping
        else:
            url = public_url(config.host, port)
            if config.ready_file is not None:
                write_ready_file(config.ready_file, url)
            logger.info("mock listening on %s with %s workers", url, config.workers)
            while not stopping:
                if any(not process.is_alive() for process in processes):
                    logger.error("a mock worker died; stopping the others")
                    failed = True
                    break
                if _parent_gone_after(config.parent_fd, 0.1):
                    logger.warning("the process that started the mock is gone: stopping")
                    break
    finally:
        _stop(processes)
        anchor.close()
        if config.ledger_out is not None:
            _merge_ledger_parts(state_dir, config.ledger_out)
        shutil.rmtree(state_dir, ignore_errors=True)
    if failed:
        raise SystemExit(1)


def _wait_until_listening(processes: list, state_dir: Path, stopping: list[int]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and not stopping:
        if all((state_dir / f"worker-{index}.json").exists() for index in range(len(processes))):
            return True
        if any(not process.is_alive() for process in processes):
            logger.error("a mock worker exited during startup")
            return False
        time.sleep(0.02)
    if not stopping:
        logger.error("the mock workers were not listening after %s s", START_TIMEOUT_S)
    return False


def _parent_gone_after(parent_fd: int | None, seconds: float) -> bool:
    """Wait `seconds`, or less when the --parent-fd lifeline says the parent is gone (True)."""
    if parent_fd is None:
        time.sleep(seconds)
        return False
    return parent_gone(parent_fd, seconds)


def _stop(processes: list) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def _merge_ledger_parts(state_dir: Path, ledger_out: Path) -> None:
    parts = sorted(state_dir.glob("ledger-*.jsonl"))
    rows = merge_rows(read_ledger(part) for part in parts)
    count = write_ledger(rows, ledger_out)
    logger.info("ledger: %s messages from %s workers written to %s", count, len(parts),
                ledger_out)


# A worker.

def _worker_main(config: MockConfig, index: int, port: int, state_dir: Path) -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker_config = dataclasses.replace(
        config, port=port, ready_file=None, parent_fd=None,
        ledger_out=state_dir / f"ledger-{index}.jsonl" if config.ledger_out else None,
    )
    app = MockApp(worker_config, worker=index, cluster=Cluster(state_dir, config.workers))
    public = bind_socket(config.host, port, reuse_port=True)
    private = bind_socket("127.0.0.1", 0)
    admin_url = public_url("127.0.0.1", private.getsockname()[1])
    # multiprocessing's own pipe from the supervisor, a lifeline like --parent-fd's: a worker
    # stops when the supervisor is gone, however it ended
    serve_sockets(app, [public, private], ready_file=state_dir / f"worker-{index}.json",
                  url=admin_url, parent_fd=multiprocessing.parent_process().sentinel)
