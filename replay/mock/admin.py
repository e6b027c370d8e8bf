"""Admin endpoints, outside /telephony, answered only to loopback clients.

    GET  /__admin/health        {"ok": true, "worker": 0}
    GET  /__admin/stats         the counters (see Ledger.stats), JSON
    GET  /__admin/ledger        NDJSON, one ledger row per accepted message, arrival order
    GET  /__admin/calls/{key}   one call: state, counts and its ledger rows, JSON (404 if unknown)
    POST /__admin/reset         forget calls, messages and counters; {"reset": true}

With --workers N every worker keeps its own ledger; these endpoints gather all workers' answers
(see replay.mock.cluster) so a client sees one mock (GET /__admin/calls/{key} then gives the
merged rows and counts only). The `local/` variants (e.g. `/__admin/local/stats`) answer for
the worker that took the request only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from replay.mock.responses import Receive, Send, refusal, send_refusal, send_response
from replay.mock.state import MockState

NDJSON_HEADER = (b"content-type", b"application/x-ndjson")
LEDGER_CHUNK_ROWS = 5000


def _is_loopback(scope: dict[str, Any]) -> bool:
    client = scope.get("client")
    host = client[0] if client else ""
    return host.startswith("127.") or host in ("::1", "localhost")


class AdminApi:
    """The /__admin/ routes over one process's state (and its cluster with --workers N)."""

    def __init__(self, state: MockState) -> None:
        self.state = state

    async def handle(self, scope: dict[str, Any], receive: Receive, send: Send,
                     route: str) -> None:
        if not _is_loopback(scope):
            await send_refusal(send, refusal(403, "FORBIDDEN", None,
                                             "the admin API answers loopback clients only"))
            return
        method = scope["method"]
        route = route.rstrip("/")
        state = self.state
        if state.cluster is not None and not route.startswith("local/"):
            await self._cluster(send, method, route)
            return
        route = route.removeprefix("local/")
        if route == "health" and method == "GET":
            await send_response(send, 200, orjson.dumps({"ok": True, "worker": state.worker}))
        elif route == "stats" and method == "GET":
            await send_response(send, 200, orjson.dumps(state.ledger.stats()))
        elif route == "ledger" and method == "GET":
            await self._ledger(send)
        elif route.startswith("calls/") and method == "GET":
            call = state.ledger.call(route[len("calls/"):])
            if call is None:
                await send_refusal(send, refusal(404, "UNKNOWN_CALL", "vendorCallKey",
                                                 f"no call {route[6:106]!r}"))
            else:
                await send_response(send, 200, orjson.dumps(state.ledger.call_summary(call)))
        elif route == "reset" and method == "POST":
            state.reset()
            await send_response(send, 200, b'{"reset":true}')
        else:
            await send_refusal(send, refusal(
                404, "NOT_FOUND", "path",
                f"no admin endpoint {method[:10]} /__admin/{route[:100]}; see GET "
                "/__admin/stats, /__admin/ledger, /__admin/calls/{key}, POST /__admin/reset"))

    async def _cluster(self, send: Send, method: str, route: str) -> None:
        """The same endpoints, answered for all the workers together."""
        cluster = self.state.cluster
        try:
            if route == "stats" and method == "GET":
                await send_response(send, 200, orjson.dumps(await cluster.stats()))
            elif route == "ledger" and method == "GET":
                await self._ledger(send, await cluster.ledger())
            elif route.startswith("calls/") and method == "GET":
                key = route[len("calls/"):]
                rows = [row for row in await cluster.ledger() if row["vendorCallKey"] == key]
                await send_response(send, 200, orjson.dumps(
                    {"vendorCallKey": key, "messages": len(rows), "ledger": rows,
                     **{name: sum(row["outcome"] == outcome for row in rows) for name, outcome
                        in (("stored", "stored"), ("duplicates", "duplicate"),
                            ("outside_window", "outside_window"))}}))
            elif route == "reset" and method == "POST":
                await cluster.reset()
                await send_response(send, 200, b'{"reset":true}')
            elif route == "health" and method == "GET":
                await send_response(send, 200, orjson.dumps(
                    {"ok": True, "worker": self.state.worker, "workers": cluster.size}))
            else:
                await send_refusal(send, refusal(404, "NOT_FOUND", "path",
                                                 f"no admin endpoint {method[:10]} "
                                                 f"/__admin/{route[:100]}"))
        except (OSError, ConnectionError, TimeoutError) as error:
            await send_refusal(send, refusal(503, "WORKER_UNREACHABLE", None,
                                             f"a worker did not answer: {error}"))

    async def _ledger(self, send: Send, rows: Iterable[dict[str, Any]] | None = None) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [NDJSON_HEADER]})
        chunk: list[bytes] = []
        for row in self.state.ledger.rows() if rows is None else rows:
            chunk.append(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))
            if len(chunk) >= LEDGER_CHUNK_ROWS:
                await send({"type": "http.response.body", "body": b"".join(chunk),
                            "more_body": True})
                chunk = []
        await send({"type": "http.response.body", "body": b"".join(chunk)})
