"""The workers of one `--workers N` mock, seen as one: their admin answers gathered.

    cluster = Cluster(state_dir, size=2)
    await cluster.stats(); await cluster.ledger(); await cluster.reset()

Each worker writes `worker-<i>.json` ({"url": its private loopback admin URL, "pid"}) to the
shared state directory (replay.mock.workers). The admin API of any worker asks every worker's
`/__admin/local/<route>` through the standard library's HTTP client (in a thread, off the
event loop), and merges: counters add up, the ledgers merge (duplicates and call_seq
re-derived across workers by replay.mock.ledger.merge_rows).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from replay.mock.ledger import merge_rows

SUMMED_STATS = ("received", "bulk_requests", "after_end", "calls", "calls_created",
                "calls_ended")
COUNTED_STATS = ("rejected", "lifecycle_rejected", "faults")
FETCH_TIMEOUT_S = 60.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The workers of one mock, found through their files in the shared state directory."""

    state_dir: Path
    size: int

    def admin_urls(self) -> list[str]:
        urls = []
        for path in sorted(self.state_dir.glob("worker-*.json")):
            try:
                urls.append(json.loads(path.read_text())["url"])
            except (OSError, ValueError, KeyError):
                continue
        return urls

    async def gather(self, route: str, method: str = "GET") -> list[bytes]:
        """The body of `/__admin/local/<route>` from every worker."""
        return list(await asyncio.gather(*(
            fetch(f"{url}/__admin/local/{route}", method) for url in self.admin_urls()
        )))

    async def stats(self) -> dict[str, Any]:
        parts = [orjson.loads(body) for body in await self.gather("stats")]
        merged: dict[str, Any] = {name: sum(part[name] for part in parts)
                                  for name in SUMMED_STATS}
        for name in COUNTED_STATS:
            total: Counter[str] = Counter()
            for part in parts:
                total.update(part[name])
            merged[name] = dict(sorted(total.items()))
        # Duplicates across workers show only in the merged ledger: derive outcomes from it.
        outcomes = Counter(row["outcome"] for row in await self.ledger())
        merged.update(accepted=sum(outcomes.values()), stored=outcomes["stored"],
                      duplicates=outcomes["duplicate"],
                      outside_window=outcomes["outside_window"], workers=len(parts))
        return merged

    async def ledger(self) -> list[dict[str, Any]]:
        return merge_rows(
            [orjson.loads(line) for line in body.splitlines() if line]
            for body in await self.gather("ledger")
        )

    async def reset(self) -> None:
        await self.gather("reset", "POST")


async def fetch(url: str, method: str = "GET", timeout: float = FETCH_TIMEOUT_S) -> bytes:
    """The body of a 200 answer from a loopback admin URL; ConnectionError otherwise."""
    return await asyncio.to_thread(_fetch, url, method, timeout)


def _fetch(url: str, method: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise ConnectionError(f"{url} answered {error.code}") from None
