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

import gevent
import numpy as np
import orjson

from replay.client import RequestBuilder
from replay.dataset import Transcripts, load_transcripts
from replay.driver.bulk import dry_run_batches
from replay.driver.clock import RunClock
from replay.driver.options import ReplayConfig
from replay.driver.tokens import authorizer_for, wait_for_tokens
from replay.errors import ConfigError
from replay.plan import Plan, build_plan

logger = logging.getLogger(__name__)

DRY_RUN_REQUESTS = 3


@dataclass(frozen=True, kw_only=True)
class Prepared:
    transcripts: Transcripts
    plan: Plan
    builder: RequestBuilder
    tokens: Any = None  # the token source (replay.driver.tokens); None without --jwt-key


def load_share(config: ReplayConfig, partition: tuple[int, int] | None = None) -> Transcripts:
    """Blocking (run it in the threadpool): read the dataset, or this worker's share of it."""
    return load_transcripts(config.dataset, config.load_options(partition))


def in_thread(function, *args, **kwargs):
    """Run a blocking function in gevent's threadpool: the loop (heartbeats, UI) keeps going.

    The task itself never raises: gevent's hub would print the traceback of an exception
    raised in a threadpool task (a DatasetError too). It hands the exception back instead,
    and it is raised again here, on the loop side, where the caller handles it. A Ctrl-C
    meanwhile reaches the caller as KeyboardInterrupt (which the program's edge tells the hub
    not to print: replay.driver.runtime.quiet_interrupts).
    """
    result, error = gevent.get_hub().threadpool.apply(_outcome_of, (function, args, kwargs))
    if error is not None:
        raise error
    return result


def _outcome_of(function, args, kwargs) -> tuple[object, Exception | None]:
    try:
        return function(*args, **kwargs), None
    except Exception as error:  # raised again by in_thread, on the loop side
        return None, error


def prepare(
    config: ReplayConfig, *, transcripts: Transcripts | None = None, t0_ms: int | None = None,
    tokens: Any = None,
) -> Prepared:
    """Load (unless given) and plan off the loop, and build the request builder.

    `t0_ms` is T0 when it comes from outside (the master of a distributed run); `tokens` a
    token source already started (a worker starts its minters before loading), else one is
    made here (`authorizer_for`; in-process for a dry run).
    """
    if config.endpoint is None:
        raise ConfigError("--host is required: the endpoint's base URL, e.g. "
                          "https://acme.my.salesforce-scrt.com/telephony/v1")
    minter = tokens or authorizer_for(config.jwt, in_process=config.dry_run)
    if minter is None:
        logger.warning("no --jwt-key: requests carry no Authorization header")
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
            f"timeline: {plan.span_s:,.1f} s; intended {plan.intended_mps:,.1f} msg/s on average,"
            f" {plan.peak_intended_mps:,} in the busiest second"
        )
    lines.append(f"concurrency: peak {plan.peak_concurrency:,} calls at once"
                 + (f", capped at {config.max_concurrency:,}" if config.max_concurrency else ""))
    return "\n".join(lines)


def dry_run_text(prepared: Prepared, config: ReplayConfig, *, now_epoch_s: float) -> str:
    """The plan, then the first requests exactly as they would go out (token shortened)."""
    clock = RunClock.starting_at(now_epoch_s)
    lines = [plan_text(prepared, config), "", "first requests (nothing is sent in a dry run):"]
    builder, plan = prepared.builder, prepared.plan
    if config.bulk_settings is not None:
        return "\n".join(lines + _bulk_lines(prepared, config, clock))
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


def _bulk_lines(prepared: Prepared, config: ReplayConfig, clock: RunClock) -> list[str]:
    """The first batches, as they would leave if every answer came at once."""
    bulk = config.bulk_settings
    lines = [f"  (--bulk: batches of at most {bulk.max_calls} calls x {bulk.max_messages} "
             f"messages, leaving when full or after {bulk.window_s * 1000:g} ms)"]
    builder = prepared.builder
    request = builder.bulk_messages(b"")
    for leaves_s, body in dry_run_batches(prepared.plan, builder, bulk, clock.epoch_ms):
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
