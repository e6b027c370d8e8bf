"""summary.json: the run in numbers (schema `replay-summary/1`, see docs/architecture.md).

    summary = build_summary(run=..., dataset=..., options=..., outcomes=table, skipped=0,
                            mock_stats=None, thresholds=parse_fail_on(text))
    summary = build_summary(..., measures=merged)      # distributed master: merged Measures
    write_summary(run_dir / "summary.json", summary)   # atomic: temp file, then rename
    summary = read_summary(path)                       # ConfigError unless replay-summary/1

Blocks (replay/results/schema.py describes every field; the docs' outputs reference shows it):
    run, dataset, options   as given by the driver; options lose secret-looking keys
    counts                  planned (plan + skipped), sent, accepted, failed, skipped, unsent,
                            retried (messages that needed more than one attempt), attempts
                            (requests made in all, retries included: what Locust's statistics
                            count), failed_by_status ("0" = no response), failed_by_reason,
                            unsent_by_reason
    rates                   intended_mps, achieved_mps, peak_intended_mps, peak_achieved_mps
    latency_ms              lag, service, from_schedule: count, mean, p50, p90, p95, p99,
                            p99_9, max (None when nothing was measured)
    reconciliation          planned = accepted + failed + skipped + unsent (+ unaccounted),
                            balanced, and the mock's ledger (or None)
    tokens                  how tokens were minted and used, and 401s that point at reused
                            tokens (replay.driver.tokens, driver/sender.py); None without a key
    lateness                late messages' lag split into measured causes
                            (replay.results.lateness); None when not measured
    connections             the connections to the endpoint: limit per process, most open,
                            requests that waited for one (replay.driver.http); None when
                            nothing was sent
    verdict                 replay.results.verdict.evaluate

Mock comparison. The mock's ledger holds each distinct message it took once, as stored or
outside_window (repeats of a messageId count as duplicates). Every message the replay counts as
accepted must be there, and nothing else may be except messages that failed without an HTTP
response (status 0: timeout, connection error, unfinished), which may or may not have reached it:
    matches = accepted <= stored + outside_window <= accepted + ambiguous
with ambiguous = failed messages with status 0.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from replay import __version__
from replay.atomic import write_atomically
from replay.errors import ConfigError
from replay.plan import mean_rate
from replay.redact import looks_secret
from replay.results.measures import LATENCIES, Measures, measure_outcomes
from replay.results.verdict import Threshold, evaluate

SCHEMA = "replay-summary/1"
RUN_KEYS = (
    "id", "started_at", "ended_at", "duration_s", "t0_epoch_s", "host", "workers",
    "locust_version", "replay_version", "partial", "partial_reason",
)  # fmt: skip
DATASET_KEYS = ("path", "calls", "messages", "skipped_invalid", "span_s")


def build_summary(
    *,
    run: Mapping[str, Any],
    dataset: Mapping[str, Any],
    options: Mapping[str, Any],
    outcomes: pa.Table | pd.DataFrame | None = None,
    measures: Measures | None = None,
    planned: int | None = None,
    skipped: int = 0,
    mock_stats: Mapping[str, Any] | None = None,
    thresholds: Iterable[Threshold] = (),
    tokens: Mapping[str, Any] | None = None,
    lateness: Mapping[str, Any] | None = None,
    connections: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary.json dict, from the outcomes table or from already merged `measures`.

    planned: messages the plan held (default: the outcome rows); a plan larger than the rows
    shows up as `unaccounted` and an unbalanced reconciliation. skipped: messages dropped as
    invalid before planning (rows x passes); counts.planned includes them.
    """
    if (outcomes is None) == (measures is None):
        raise ValueError("give exactly one of outcomes= or measures=")
    if measures is None:
        measures = measure_outcomes(outcomes)
    plan_size = measures.rows if planned is None else int(planned)
    counts = {
        "planned": plan_size + skipped,
        "sent": measures.sent,
        "accepted": measures.accepted,
        "failed": measures.failed,
        "skipped": skipped,
        "unsent": measures.unsent,
        "retried": measures.retried,
        "attempts": measures.attempts,
        "failed_by_status": _sorted(measures.failed_by_status),
        "failed_by_reason": _sorted(measures.failed_by_reason),
        "unsent_by_reason": _sorted(measures.unsent_by_reason),
    }
    summary: dict[str, Any] = {
        "schema": SCHEMA,
        "run": _run_block(run),
        "dataset": {**dict.fromkeys(DATASET_KEYS), "skipped_invalid": skipped, **dataset},
        "options": _without_secrets(options),
        "counts": counts,
        "rates": rates(measures),
        "latency_ms": {name: measures.latency[name].stats() for name in LATENCIES},
        "reconciliation": reconciliation(counts, measures, mock_stats),
        "tokens": dict(tokens) if tokens else None,
        "lateness": dict(lateness) if lateness else None,
        "connections": dict(connections) if connections else None,
    }
    summary["verdict"] = evaluate(thresholds, summary)
    return _json_safe(summary)


def _run_block(run: Mapping[str, Any]) -> dict[str, Any]:
    block = {**dict.fromkeys(RUN_KEYS), "replay_version": __version__, "partial": False}
    block.update(run)
    return block


def rates(measures: Measures) -> dict[str, float | None]:
    """Messages per second: intended over the due span, achieved over the send span, peaks."""
    peak_intended = _peak(measures.due_per_s, measures.due_min_s, measures.due_max_s)
    peak_achieved = _peak(measures.sent_per_s, measures.sent_min_s, measures.sent_max_s)
    return {
        "intended_mps": _rate(measures.rows, measures.due_min_s, measures.due_max_s,
                              peak_intended),
        "achieved_mps": _rate(measures.sent, measures.sent_min_s, measures.sent_max_s,
                              peak_achieved),
        "peak_intended_mps": peak_intended,
        "peak_achieved_mps": peak_achieved,
    }


def _rate(count: int, first: float | None, last: float | None, peak: int | None
          ) -> float | None:
    if first is None or last is None or last <= first or peak is None:
        return None  # everything at one instant (--speed max): no meaningful rate
    return round(mean_rate(count, last - first, peak), 3)


def _peak(per_second: Mapping[int, int], first: float | None, last: float | None) -> int | None:
    if first is None or last is None or last <= first:
        return None
    return max(per_second.values())


def reconciliation(
    counts: Mapping[str, Any], measures: Measures, mock_stats: Mapping[str, Any] | None
) -> dict[str, Any]:
    """planned = accepted + failed + skipped + unsent, and the mock ledger's comparison."""
    accounted = counts["accepted"] + counts["failed"] + counts["skipped"] + counts["unsent"]
    block: dict[str, Any] = {
        key: counts[key] for key in ("planned", "accepted", "failed", "skipped", "unsent")
    }
    block["unaccounted"] = counts["planned"] - accounted
    block["balanced"] = block["unaccounted"] == 0
    block["mock"] = None if mock_stats is None else mock_block(
        mock_stats, accepted=measures.accepted, ambiguous=measures.failed_no_response)
    return block


def ledger_matches(*, accepted: int, taken: int, ambiguous: int) -> bool:
    """The one rule (module docstring): the mock took every accepted message, and beyond them
    at most the `ambiguous` ones that failed without a response."""
    return accepted <= taken <= accepted + ambiguous


def mock_block(mock_stats: Mapping[str, Any], *, accepted: int, ambiguous: int
               ) -> dict[str, Any]:
    """The mock ledger's counts (its /__admin/stats) beside the replay's, and whether they
    match: `accepted` messages, `ambiguous` = failed with no response (status 0)."""
    missing = [key for key in ("stored", "outside_window") if key not in mock_stats]
    if missing:
        raise ValueError(f"mock stats lack {', '.join(missing)} (got {sorted(mock_stats)})")
    stored = int(mock_stats["stored"])
    outside = int(mock_stats["outside_window"])
    taken = stored + outside
    return {
        "received": mock_stats.get("received"),
        "stored": stored,
        "duplicates": int(mock_stats.get("duplicates", 0)),
        "outside_window": outside,
        "ambiguous": ambiguous,
        "matches": ledger_matches(accepted=accepted, taken=taken, ambiguous=ambiguous),
    }


def _sorted(counter: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def _without_secrets(options: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in options.items()
        if not looks_secret(key)
    }


def _json_safe(value: Any) -> Any:
    """Plain JSON values: NaN/inf become None, paths and other objects become strings."""
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value
    if hasattr(value, "item"):  # numpy scalar
        return _json_safe(value.item())
    return str(value)


def write_summary(path: str | os.PathLike[str], summary: Mapping[str, Any]) -> Path:
    """Write the summary as indented JSON, atomically (a temp file renamed into place)."""
    return write_atomically(path, json.dumps(_json_safe(summary), indent=2, allow_nan=False)
                            + "\n")


def read_summary(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a summary.json; ConfigError naming the file unless it is a `replay-summary/1`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; is this a run directory?") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: not a readable JSON file ({error})") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema != SCHEMA:
        raise ConfigError(
            f"{path}: schema is {schema!r}, expected {SCHEMA!r}; it was not written by this"
            " version of replay (rerun the replay, or use the matching replay version)"
        )
    return data
