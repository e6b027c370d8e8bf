"""Run the mock: uvicorn (httptools parser, uvloop loop, no access log) serving MockApp.

    serve_one(config)        # blocks until SIGTERM/SIGINT (--workers N: replay.mock.workers)
    serve_sockets(app, sockets, ready_file=..., url=...)   # what each --workers process runs

Startup binds the socket itself (so --port 0 is known before serving), and once uvicorn is
listening writes the ready file atomically: `{"url": "http://127.0.0.1:PORT", "pid": N}`.
Shutdown (SIGTERM, SIGINT, or the --parent-fd lifeline closing: replay.lifeline) lets in-flight
requests finish for up to 2 s, then the app's lifespan shutdown writes --ledger-out.

uvicorn is used through its documented Config/Server API; the one extension is a subclass of its
httptools protocol that offers the connection's transport to the app under
scope["extensions"]["replay.mock.transport"], which injected connection resets need.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from replay.mock.app import TRANSPORT_EXTENSION, MockApp
from replay.mock.config import MockConfig
from replay.mock.network import bind_socket, public_url, write_ready_file

logger = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_S = 2.0


class TransportProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus the transport in the scope's extensions."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._extensions = {TRANSPORT_EXTENSION: transport}

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = self._extensions


def uvicorn_config(app: MockApp) -> uvicorn.Config:
    # The transport is needed only to inject resets and end hangs; the stock protocol is a
    # little faster.
    protocol = TransportProtocol if app.config.reset_rate or app.config.hang_rate else "httptools"
    return uvicorn.Config(
        app,
        http=protocol,
        proxy_headers=False,
        ws="none",
        loop="uvloop",
        lifespan="on",
        access_log=False,
        log_config=None,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        timeout_keep_alive=30,
        server_header=False,
        date_header=False,
    )


async def _announce_when_started(server: uvicorn.Server, path: Path | None, url: str) -> None:
    """Once serving: write the ready file (if asked) and say where the mock listens."""
    while not server.started:
        if server.should_exit:
            return
        await asyncio.sleep(0.01)
    if path is not None:
        write_ready_file(path, url)
    logger.info("mock listening on %s", url)


async def _tell_app_when_stopping(server: uvicorn.Server, app: MockApp) -> None:
    """uvicorn waits for open requests on shutdown; hung ones must end as soon as it begins."""
    while not server.should_exit:
        await asyncio.sleep(0.05)
    app.begin_stopping()


def _stop_when_parent_gone(server: uvicorn.Server, parent_fd: int) -> None:
    """The lifeline (replay.lifeline) reads end-of-file once the parent is gone: then stop as
    on SIGTERM (uvicorn's own flag), so the ledger is still written."""
    loop = asyncio.get_running_loop()

    def parent_gone() -> None:
        loop.remove_reader(parent_fd)
        logger.warning("the process that started the mock is gone: stopping")
        server.should_exit = True

    loop.add_reader(parent_fd, parent_gone)


async def _serve(server: uvicorn.Server, app: MockApp, sockets: list[socket.socket],
                 ready_file: Path | None, url: str, parent_fd: int | None) -> None:
    watchers = [asyncio.create_task(_tell_app_when_stopping(server, app)),
                asyncio.create_task(_announce_when_started(server, ready_file, url))]
    if parent_fd is not None:
        _stop_when_parent_gone(server, parent_fd)
    try:
        await server.serve(sockets=sockets)
    finally:
        for watcher in watchers:
            watcher.cancel()


def serve_sockets(app: MockApp, sockets: list[socket.socket], *, ready_file: Path | None,
                  url: str, parent_fd: int | None = None) -> None:
    """Serve `app` on already-bound sockets until a signal stops it, or until the lifeline
    `parent_fd` (when given) says the parent process is gone."""
    server = uvicorn.Server(uvicorn_config(app))
    if threading.current_thread() is threading.main_thread():
        # uvicorn re-raises the stopping signal once it has shut down; by then the ledger is
        # written, so that signal must end the process quietly (exit 0), not kill it.
        for stopping in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stopping, _stopped_quietly)
    with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
        runner.run(_serve(server, app, sockets, ready_file, url, parent_fd))


def _stopped_quietly(signum: int, frame: object) -> None:
    logger.debug("signal %s after shutdown: exiting normally", signum)


def serve_one(config: MockConfig) -> None:
    """Run one mock process until SIGTERM or SIGINT (or its --parent-fd closes); the ledger is
    written on the way out."""
    app = MockApp(config)
    sock = bind_socket(config.host, config.port)
    url = public_url(config.host, sock.getsockname()[1])
    serve_sockets(app, [sock], ready_file=config.ready_file, url=url,
                  parent_fd=config.parent_fd)
