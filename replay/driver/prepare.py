"""Load the dataset and plan the timeline, off the gevent loop; print a dry run.

    prepared = prepare(config)                     # loads and plans in gevent's threadpool
    share = in_thread(load_share, config, (index, count))   # a worker's share of the calls
    print(dry_run_text(prepared, config, now_epoch_s=time.time()))

Loading runs in a real thread (gevent's threadpool), so Locust's heartbeats and web UI keep
running while a large dataset is read. Nothing here changes process-wide state: the session
tunes the garbage collector after it (replay.driver.runtime).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from replay.client import RequestBuilder
from replay.dataset import Transcripts, load_transcripts
from replay.dataset.cache import cache_entry, needs_preparing, prepared_in_cache
from replay.dataset.prepared import PreparedDataset, is_prepared, open_prepared
from replay.driver.bulk import dry_run_batches
from replay.driver.clock import RunClock
from replay.driver.options import ReplayConfig
from replay.driver.stream import PreparedStream
from replay.driver.threads import in_thread
from replay.driver.tokens import authorizer_for, wait_for_tokens
from replay.errors import ConfigError
from replay.plan import Plan, build_plan
from replay.results.units import format_duration

logger = logging.getLogger(__name__)

DRY_RUN_REQUESTS = 3


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """A dataset ready to send: in memory (transcripts, plan, builder), or streamed from a
    prepared directory (`stream`; no transcripts nor plan; `builder` builds headers only)."""

    transcripts: Transcripts | None
    plan: Plan | None
    builder: RequestBuilder | None
    tokens: Any = None  # the token source (replay.driver.tokens); None without --jwt-key
    stream: PreparedStream | None = None


def load_share(config: ReplayConfig, partition: tuple[int, int] | None = None) -> Transcripts:
    """Blocking (run it in the threadpool): read the dataset, or this worker's share of it."""
    return load_transcripts(config.dataset, config.load_options(partition))


def prepare(
    config: ReplayConfig, *, transcripts: Transcripts | None = None, t0_ms: int | None = None,
    tokens: Any = None, partition: tuple[int, int] | None = None,
    dataset: PreparedDataset | None = None,
) -> Prepared:
    """Load (unless given) and plan off the loop, and build the request builder.

    `t0_ms` is T0 when it comes from outside (the master of a distributed run); `tokens` a
    token source already started (a worker starts its minters before loading), else one is
    made here (`authorizer_for`; in-process for a dry run). A prepared directory is not
    loaded: it is checked and streamed (`partition`: this worker's share).
    """
    if config.endpoint is None:
        raise ConfigError("--host is required: the endpoint's base URL, e.g. "
                          "https://acme.my.salesforce-scrt.com/telephony/v1")
    minter = tokens or authorizer_for(config.jwt, in_process=config.dry_run)
    if minter is None:
        logger.warning("no --jwt-key: requests carry no Authorization header")
    if dataset is None and transcripts is None:
        dataset = streamed_dataset(config)
    if dataset is not None:
        return _prepare_stream(config, minter, partition, dataset)
    if transcripts is None:
        transcripts = in_thread(load_share, config)
    plan = in_thread(build_plan, transcripts.table, config.plan, t0_ms=t0_ms)
    wait_for_tokens(minter)  # started before loading; normally long ready by now
    builder = RequestBuilder(
        table=transcripts.table, plan=plan, endpoint=config.endpoint, settings=config.request,
        minter=minter,
    )
    logger.info(
        "planned %d messages in %d calls over %.1f s at speed %s (peak %d calls at once)",
        plan.messages, plan.calls, plan.span_s, config.plan.speed or "max", plan.peak_concurrency,
    )
    return Prepared(transcripts=transcripts, plan=plan, builder=builder, tokens=minter)


def streamed_dataset(config: ReplayConfig) -> PreparedDataset | None:
    """The prepared dataset to stream (checked; a large plain file prepared into the cache
    first, off the loop), or None when the dataset is loaded into memory."""
    if is_prepared(config.dataset):
        return in_thread(open_prepared, config.dataset)
    if needs_preparing(config.dataset):
        entry = in_thread(prepared_in_cache, config.dataset, config.load_options(),
                          max_gap_s=config.plan.max_gap_s)
        return in_thread(open_prepared, entry)
    return None


def existing_prepared(config: ReplayConfig) -> PreparedDataset | None:
    """Blocking: the prepared directory a run of `config` streams if it is here already (the
    dataset itself, or a large file's cache entry; never prepared now, digests not checked),
    else None (a plain file loaded into memory, or a dataset this machine does not have)."""
    if is_prepared(config.dataset):
        return open_prepared(config.dataset, verify=False)
    if needs_preparing(config.dataset):
        entry = cache_entry(config.dataset, config.load_options(),
                            max_gap_s=config.plan.max_gap_s)
        if is_prepared(entry):
            return open_prepared(entry, verify=False)
    return None


def _prepare_stream(config: ReplayConfig, minter: Any,
                    partition: tuple[int, int] | None, dataset: PreparedDataset) -> Prepared:
    wait_for_tokens(minter)  # started before reading; normally long ready by now
    template: list[RequestBuilder] = []  # the first builder: the others share its headers

    def make_builder(table, plan: Plan) -> RequestBuilder:
        builder = RequestBuilder(table=table, plan=plan, endpoint=config.endpoint,
                                 settings=config.request, minter=minter,
                                 like=template[0] if template else None)
        template[:1] = template[:1] or [builder]
        return builder

    stream = PreparedStream(dataset, config, make_builder, partition=partition)
    first = next(iter(dataset.tables()))
    header_builder = stream.plan_table(first.slice(0, 1), 0, numbered=False).builder
    manifest = dataset.manifest
    logger.info("streaming %s: %d messages in %d calls over %.1f s at speed %s (peak %d calls "
                "at once)%s", config.dataset, manifest["messages"] * config.plan.loops,
                manifest["calls"] * config.plan.loops, stream.span_s,
                config.plan.speed or "max", manifest["peak_concurrency"],
                f", this worker's share {partition[0] + 1} of {partition[1]}" if partition
                else "")
    return Prepared(transcripts=None, plan=None, builder=header_builder, tokens=minter,
                    stream=stream)


def stream_text(prepared: Prepared, config: ReplayConfig) -> str:
    stream = prepared.stream
    manifest = stream.dataset.manifest
    speed = config.plan.speed
    loops = config.plan.loops
    per_second = stream.dataset.per_second()
    peak = int(np.ceil(per_second.max() / speed)) if speed and per_second.size else 0
    lines = [
        f"dataset: {config.dataset} (prepared; {manifest['skipped']['count']} invalid rows "
        "skipped when prepared)",
        f"plan: {manifest['messages'] * loops:,} messages in {manifest['calls'] * loops:,} "
        "calls, speed " + (f"{speed:g}" if speed else "max") + f", send at {stream.dataset.send_at}"
        + (" (before --calls/--sample)" if config.plan.calls or config.plan.sample else ""),
    ]
    if speed:
        lines.append(f"timeline: {format_duration(stream.span_s)}; about {peak:,} msg/s in "
                     "the busiest second")
    lines.append(f"concurrency: peak {manifest['peak_concurrency']:,} calls at once"
                 + (f", capped at {config.max_concurrency:,}" if config.max_concurrency else ""))
    return "\n".join(lines)


def plan_text(prepared: Prepared, config: ReplayConfig) -> str:
    plan, transcripts = prepared.plan, prepared.transcripts
    speed = config.plan.speed
    lines = [
        f"dataset: {config.dataset} ({transcripts.skipped.describe()})",
        f"plan: {plan.messages:,} messages in {plan.calls:,} calls, speed "
        + (f"{speed:g}" if speed else "max") + f", send at {plan.send_at}",
    ]
    if plan.paced:
        lines.append(
            f"timeline: {format_duration(plan.span_s)}; intended {plan.intended_mps:,.1f} msg/s "
            f"on average, {plan.peak_intended_mps:,} in the busiest second"
        )
    lines.append(f"concurrency: peak {plan.peak_concurrency:,} calls at once"
                 + (f", capped at {config.max_concurrency:,}" if config.max_concurrency else ""))
    return "\n".join(lines)


def dry_run_text(prepared: Prepared, config: ReplayConfig, *, now_epoch_s: float) -> str:
    """The plan, then the first requests exactly as they would go out (token shortened)."""
    clock = RunClock.starting_at(now_epoch_s)
    if prepared.stream is not None:
        first = next(iter(prepared.stream.dataset.tables()))
        batch = prepared.stream.plan_table(first.slice(0, DRY_RUN_REQUESTS * 10), 0,
                                           numbered=False)
        builder, plan, text = batch.builder, batch.plan, stream_text(prepared, config)
    else:
        builder, plan, text = prepared.builder, prepared.plan, plan_text(prepared, config)
    lines = [text, "", "first requests (nothing is sent in a dry run):"]
    if config.bulk_settings is not None:
        return "\n".join(lines + _bulk_lines(builder, plan, config, clock))
    for i in np.argsort(plan.due_s, kind="stable")[:DRY_RUN_REQUESTS].tolist():
        request = builder.message(i, anchor_ms=clock.epoch_ms(float(plan.due_s[i])))
        lines.append(f"  at +{plan.due_s[i]:.3f} s: {request.method} "
                     f"{config.endpoint.origin}{request.path}")
        for name, value in builder.sign(request.headers).items():
            lines.append(f"    {name}: {_shortened(name, value)}")
        body = request.body
        if config.request.content_type == "json":
            body = orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)
        lines.extend("    " + line for line in body.decode("utf-8").splitlines())
    return "\n".join(lines)


def _bulk_lines(builder: RequestBuilder, plan: Plan, config: ReplayConfig,
                clock: RunClock) -> list[str]:
    """The first batches, as they would leave if every answer came at once."""
    bulk = config.bulk_settings
    lines = [f"  (--bulk: batches of at most {bulk.max_calls} calls x {bulk.max_messages} "
             f"messages, leaving when full or after {bulk.window_s * 1000:g} ms)"]
    request = builder.bulk_messages(b"")
    for leaves_s, body in dry_run_batches(plan, builder, bulk, clock.epoch_ms):
        lines.append(f"  at +{leaves_s:.3f} s: {request.method} "
                     f"{config.endpoint.origin}{request.path}")
        for name, value in builder.sign(request.headers).items():
            lines.append(f"    {name}: {_shortened(name, value)}")
        pretty = orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)
        lines.extend("    " + line for line in pretty.decode("utf-8").splitlines())
    return lines


def _shortened(name: str, value: str) -> str:
    if name.lower() != "authorization":
        return value
    scheme, _, token = value.partition(" ")
    return f"{scheme} {token[:12]}...({len(token)} characters)"
