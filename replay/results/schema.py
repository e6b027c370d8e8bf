"""What the run's files hold, field by field: the description the reference documentation shows.

    for column in OUTCOME_COLUMNS: column.name, column.type (pyarrow), column.meaning
    for reason in REASONS:         reason.name, reason.outcome, reason.meaning
    for field in SUMMARY_FIELDS:   field.path ("run.id", "verdict.thresholds[].metric"),
                                   field.type, field.meaning, field.optional

outcomes.py and summary.py write the files; this module only describes them. Tests check that
what the writers produce matches this description exactly (every column with its type, every
summary field and no other), so a field added to a writer must be described here, and the
documentation, generated from this module, follows.

Summary paths: dots separate nested objects, `[]` marks the items of a list. A field whose type
is `object (map)` has keys that depend on the run (statuses, reasons, option names): its keys
are not listed. `optional` fields appear only in some runs (say which in `meaning`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    meaning: str


@dataclass(frozen=True)
class Reason:
    name: str
    outcome: str
    meaning: str


@dataclass(frozen=True)
class Field:
    path: str
    type: str
    meaning: str
    optional: bool = False


OUTCOME_COLUMNS: tuple[Column, ...] = (
    Column("vendorCallKey", _DICTIONARY, "the call's key as sent (with the `--loops` pass "
           "suffix)"),
    Column("messageId", pa.string(), "the message's id as sent"),
    Column("senderType", _DICTIONARY, "who spoke: END_USER, HUMAN_AGENT, ..."),
    Column("call_seq", pa.int32(), "the message's position in its call, from 0"),
    Column("pass", pa.int16(), "the `--loops` pass, from 0"),
    Column("worker", pa.int16(), "the Locust worker that owned the call (0 in a local run)"),
    Column("due_s", pa.float64(), "run-clock seconds when the message was due"),
    Column("sent_s", pa.float64(), "when its first attempt started; NaN if never sent"),
    Column("final_sent_s", pa.float64(), "when its final attempt started (= `sent_s` without "
           "retries); NaN if never sent"),
    Column("done_s", pa.float64(), "when its final attempt ended; NaN if never sent or never "
           "finished"),
    Column("status", pa.int16(), "HTTP status of the final attempt; 0 = no response; "
           "-1 = not sent"),
    Column("outcome", _DICTIONARY, "`accepted` (the final attempt got a 2xx), `failed` (sent, "
           "not accepted) or `unsent` (never sent: a partial run)"),
    Column("reason", _DICTIONARY, "empty when accepted, else one of the reasons below"),
    Column("attempts", pa.int16(), "attempts made (retries + 1); 0 if never sent"),
)  # fmt: skip

REASONS: tuple[Reason, ...] = (
    Reason("http_<status>", "failed", "the endpoint answered with that non-2xx status "
           "(`http_429`, `http_500`, ...)"),
    Reason("timeout", "failed", "no response within `--timeout`"),
    Reason("connection_error", "failed", "connection refused, reset or broken"),
    Reason("tls_error", "failed", "TLS handshake or certificate verification failed"),
    Reason("dns_error", "failed", "the host name did not resolve"),
    Reason("invalid_response", "failed", "a malformed HTTP response, or one the driver "
           "rejected as not a success"),
    Reason("no_response", "failed", "the attempt ended without any HTTP status"),
    Reason("unfinished", "failed", "sent, but the run ended before its response came"),
    Reason("error_<Class>", "failed", "any other client-side exception, by class name"),
    Reason("not_sent", "unsent", "the run ended before the message was due or sent; a stopped "
           "run names its stop reason instead (`stopped`, `endpoint_down`, `worker_lost`)"),
)  # fmt: skip

_STATS = ("`{count, mean, p50, p90, p95, p99, p99_9, max}` in milliseconds (1 µs resolution); "
          "null values when nothing was measured")

SUMMARY_FIELDS: tuple[Field, ...] = (
    Field("schema", "string", "always `replay-summary/1`; readers refuse other values"),
    Field("run.id", "string", "the run's id (`--run-id`, default the UTC start time)"),
    Field("run.started_at", "string", "start, ISO 8601 UTC"),
    Field("run.ended_at", "string", "end, ISO 8601 UTC"),
    Field("run.duration_s", "number", "wall-clock seconds the run took"),
    Field("run.t0_epoch_s", "number", "the epoch second of the run clock's 0"),
    Field("run.host", "string", "the endpoint's base URL"),
    Field("run.workers", "integer", "Locust workers (1 in a local run)"),
    Field("run.locust_version", "string", "Locust's version"),
    Field("run.replay_version", "string", "this package's version"),
    Field("run.partial", "boolean", "true when the run stopped before its plan ended"),
    Field("run.partial_reason", "string or null", "why, with the unsent count "
          "(`endpoint_down: 5,010 messages not sent`)"),
    Field("run.lost_workers", "array", "distributed runs only: each lost worker with "
          "`worker`, `calls_not_finished` (its calls; null for a streamed share) and "
          "`messages` (its planned messages; null when the master could not count a streamed "
          "share)", optional=True),
    Field("dataset.path", "string", "the dataset replayed"),
    Field("dataset.calls", "integer", "calls in the plan"),
    Field("dataset.messages", "integer", "messages in the plan"),
    Field("dataset.skipped_invalid", "integer", "rows dropped by `--on-invalid skip`"),
    Field("dataset.span_s", "number or null", "seconds from the first to the last message, in "
          "the dataset's own time"),
    Field("options", "object (map)", "every replay option as given (`speed`, `send_at`, "
          "`loops`, ...); keys naming a token, secret, password, passphrase or private key are "
          "dropped"),
    Field("counts.planned", "integer", "messages the plan held plus `counts.skipped`"),
    Field("counts.sent", "integer", "messages sent: `accepted + failed`"),
    Field("counts.accepted", "integer", "messages whose final attempt got a 2xx"),
    Field("counts.failed", "integer", "messages sent but not accepted"),
    Field("counts.skipped", "integer", "messages dropped as invalid before planning "
          "(rows × passes)"),
    Field("counts.unsent", "integer", "messages never sent (a partial run)"),
    Field("counts.retried", "integer", "messages that needed more than one attempt "
          "(`--retries`)"),
    Field("counts.attempts", "integer", "requests made in all, retries included (Locust's own "
          "statistics count each attempt)"),
    Field("counts.failed_by_status", "object (map)", "failed messages by the final attempt's "
          "HTTP status, as strings; `\"0\"` = no response"),
    Field("counts.failed_by_reason", "object (map)", "failed messages by reason (see "
          "outcomes.parquet's reasons), largest first"),
    Field("counts.unsent_by_reason", "object (map)", "unsent messages by reason"),
    Field("counts.retried", "integer", "messages that needed more than one attempt "
          "(`--retries`)"),
    Field("counts.attempts", "integer", "requests made in all, retries included (Locust's own "
          "statistics count each attempt)"),
    Field("rates.intended_mps", "number or null", "planned messages / (last due − first due), "
          "never above `peak_intended_mps` (a timeline shorter than the whole seconds its "
          "messages fall in averages to its busiest second); null when everything is due at "
          "once (`--speed max`)"),
    Field("rates.achieved_mps", "number or null", "sent messages / (last first-send − first "
          "first-send), never above `peak_achieved_mps`"),
    Field("rates.peak_intended_mps", "integer or null", "most messages due in one whole second "
          "of the run clock"),
    Field("rates.peak_achieved_mps", "integer or null", "most messages sent in one whole "
          "second"),
    Field("latency_ms.lag", "object (stats)", "schedule lag, `sent_s − due_s`: " + _STATS),
    Field("latency_ms.service", "object (stats)", "service time, `done_s − final_sent_s`: "
          + _STATS),
    Field("latency_ms.from_schedule", "object (stats)", "latency from schedule, "
          "`done_s − due_s`: " + _STATS),
    Field("reconciliation.planned", "integer", "as `counts.planned`"),
    Field("reconciliation.accepted", "integer", "as `counts.accepted`"),
    Field("reconciliation.failed", "integer", "as `counts.failed`"),
    Field("reconciliation.skipped", "integer", "as `counts.skipped`"),
    Field("reconciliation.unsent", "integer", "as `counts.unsent`"),
    Field("reconciliation.unaccounted", "integer", "`planned − (accepted + failed + skipped + "
          "unsent)`: messages no outcome row accounts for (a lost worker's)"),
    Field("reconciliation.balanced", "boolean", "`unaccounted == 0`"),
    Field("reconciliation.mock", "object or null", "null unless the endpoint was the mock "
          "(`replay run`, or `--mock-admin`); else its ledger beside the replay's counts"),
    Field("reconciliation.mock.received", "integer or null", "every POST the mock got, as it "
          "reports it"),
    Field("reconciliation.mock.stored", "integer", "distinct messages the mock stored"),
    Field("reconciliation.mock.duplicates", "integer", "repeats of a messageId it already had "
          "(retries of a message whose first answer was lost)"),
    Field("reconciliation.mock.outside_window", "integer", "taken but not stored: outside the "
          "call's time window"),
    Field("reconciliation.mock.ambiguous", "integer", "messages counted failed without any "
          "HTTP response: they may or may not have reached the mock"),
    Field("reconciliation.mock.matches", "boolean", "`accepted ≤ stored + outside_window ≤ "
          "accepted + ambiguous`: every accepted message is in the ledger once, and nothing "
          "else is but possibly the ambiguous ones"),
    Field("tokens", "object or null", "how bearer tokens were minted and used, and 401s that "
          "point at reused tokens (docs/guides/authentication.md); null without `--jwt-key`"),
    Field("tokens.mode", "string", "`per-request` or `shared` (`--jwt-mode`)", optional=True),
    Field("tokens.minters", "integer", "minter processes, over all workers; 0 in shared mode",
          optional=True),
    Field("tokens.minted", "integer", "tokens signed and handed to the sending process "
          "(or signed there)", optional=True),
    Field("tokens.used", "integer or null", "attempts that carried a per-request token, each a "
          "different one; null in shared mode", optional=True),
    Field("tokens.expired_unused", "integer", "per-request tokens dropped unsent, past 80% of "
          "their lifetime", optional=True),
    Field("tokens.requests_waited", "integer", "requests that found no token ready and waited",
          optional=True),
    Field("tokens.wait_s", "number", "seconds those requests waited, in all", optional=True),
    Field("tokens.minted_in_sending_process", "integer", "tokens the sending process signed "
          "itself (shared mode, or after the minters died)", optional=True),
    Field("tokens.prefilled", "integer", "per-request tokens the minters signed before the "
          "start (`--jwt-prefill`), handed over first", optional=True),
    Field("tokens.unauthorized", "integer", "401 answers", optional=True),
    Field("tokens.refused_after_accepted", "integer", "401 answers for a token the endpoint "
          "had accepted before", optional=True),
    Field("tokens.refused_naming_reuse", "integer", "401 answers whose body names a reused "
          "token (jti)", optional=True),
    Field("lateness", "object or null", "late messages' schedule lag split into measured "
          "causes (replay.results.lateness); null when not measured"),
    Field("lateness.late_ms", "number", "lag from which a message counts as late (20)",
          optional=True),
    Field("lateness.late_messages", "integer", "messages that late", optional=True),
    Field("lateness.lag_s", "object (map)", "seconds of their lag per cause: "
          "`concurrency_slot`, `call_creation`, `retry_waits`, `token_waits`, "
          "`slow_responses`, `connection_wait`, `bulk_window` (--bulk runs only), `event_loop`",
          optional=True),
    Field("lateness.largest", "string or null", "the cause with the most lag; null when none",
          optional=True),
    Field("lateness.loop_delay_ms", "object or null", "how late a probe woken every 50 ms ran: "
          "`samples`, `p50`, `p99`, `max` (the worst worker's)", optional=True),
    Field("connections", "object or null", "the connections to the endpoint "
          "(`--connections`); null when the run sent nothing"),
    Field("connections.limit", "integer", "most connections per Locust process "
          "(`--connections`)", optional=True),
    Field("connections.peak_open", "integer", "most connections open at once (with workers: "
          "each worker's most, added up)", optional=True),
    Field("connections.waited", "integer", "requests that waited 1 ms or more for a "
          "connection: every one was busy, or connecting took that long", optional=True),
    Field("connections.wait_s", "number", "seconds those requests waited, in all; their lag "
          "counts it as `connection_wait`", optional=True),
    Field("verdict.decided_by", "string", "what decided the verdict: `problems`, "
          "`thresholds`, or `failures` (no thresholds: any failed message fails the run, "
          "Locust's rule)"),
    Field("verdict.reason", "string", "the same as one sentence, as the console and the report "
          "print it"),
    Field("verdict.passed", "boolean", "false when a `--fail-on` threshold failed or "
          "`verdict.problems` is not empty; without thresholds, false when any message failed"),
    Field("verdict.problems", "array", "sentences saying why the run fails whatever its "
          "thresholds: it is partial, or messages are unaccounted for; empty otherwise"),
    Field("verdict.thresholds", "array", "one object per `--fail-on` threshold"),
    Field("verdict.thresholds[].expression", "string", "the threshold as written"),
    Field("verdict.thresholds[].metric", "string", "the metric's canonical name"),
    Field("verdict.thresholds[].measured", "number or null", "the measured value in `unit`; "
          "null when it could not be measured (then the threshold fails)"),
    Field("verdict.thresholds[].limit", "number", "the limit, in `unit`"),
    Field("verdict.thresholds[].unit", "string", "`ms`, `%` or `count`"),
    Field("verdict.thresholds[].passed", "boolean", "whether the run passed this threshold"),
)  # fmt: skip

LATENCY_STATS = ("count", "mean", "p50", "p90", "p95", "p99", "p99_9", "max")

# series.json ("schema": "replay-series/1", replay.results.series): what the report draws. Arrays
# under `t`, `lines` and `errors` have one value per interval of `bin_s` seconds; null = empty.
SERIES_FIELDS: tuple[Field, ...] = (
    Field("schema", "string", "`replay-series/1`"),
    Field("rows", "integer", "outcome rows aggregated (one per planned message with a row)"),
    Field("bin_s", "number", "interval width in seconds: 1 for runs up to 2,000 s, wider for "
          "longer runs (at most 2,000 intervals)"),
    Field("t", "array", "each interval's start, run-clock seconds"),
    Field("lines", "object", "per interval: `intended_mps`, `sent_mps`, `accepted_mps`, "
          "`failed_mps` (messages per second, placed by due, send and answer time), "
          "`lag_p50/p95/p99/max_ms`, `service_p50/p95/p99_ms`, `from_schedule_p50/p95/p99_ms`, "
          "`active_calls`, `planned_calls`"),
    Field("errors", "object (map)", "per reason (the 8 commonest, then `other`): failed or "
          "unsent messages per second, placed by answer time (due time if never sent)"),
    Field("distributions", "object", "`lag`, `service`, `from_schedule`: `edges_ms` and "
          "`counts` of a log histogram, 10 bins a decade from 0.01 ms"),
    Field("groups", "object", "`all`, `senderType`, `worker`: per value `count`, `errors` and "
          "`lag`/`service`/`from_schedule` `_p50`/`_p95`/`_p99` in ms"),
    Field("error_reasons", "array", "every (reason, status) of a failed or unsent message, "
          "commonest first: `reason`, `status`, `count`, `example` (vendorCallKey / messageId "
          "of the first), `due_s`"),
    Field("slowest_calls", "array", "the 15 calls with the worst latency from schedule: "
          "`vendorCallKey`, `messages`, `errors`, `worst_ms`, `final_ms`"),
)  # fmt: skip
