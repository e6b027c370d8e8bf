"""The scale section's burst part end to end at smoke size: the replay's lag, the lag at the
endpoint, and the naive sender's both ways, with the mock at ease and starved."""

from __future__ import annotations

import math

import pytest

from bench import scale
from bench.context import PROFILES, Context
from bench.keys import make_keys
from bench.procs import Processes, bench_cores

pytestmark = pytest.mark.e2e


def test_the_burst_part_measures_lag_at_the_replay_and_at_the_endpoint(tmp_path):
    server_core, generator_core = bench_cores()
    details: dict = {}
    with Processes(tmp_path / "logs") as procs:
        ctx = Context(profile=PROFILES["smoke"], procs=procs, run_dir=tmp_path,
                      keys=make_keys(tmp_path), server_core=server_core,
                      generator_core=generator_core)
        figures = scale._burst(ctx, details)
    values = {figure.key: figure.samples[0] for figure in figures}
    assert {"scale.burst.lag_p99_ms", "scale.burst.endpoint_lag_p99_ms",
            "scale.burst.naive_lag_p99_ms", "scale.burst.naive_endpoint_lag_p99_ms"} <= set(values)
    assert all(math.isfinite(value) for value in values.values())
    replay, naive = details["burst"]["replay"], details["burst"]["naive_sender"]
    assert replay["endpoint_count"] == replay["count"] == 2_000
    assert naive["endpoint_count"] == naive["count"] == 2_000
    assert replay["connections"]["limit"] == 1000
    starved = details["burst_starved"]
    assert starved["replay"]["endpoint_count"] == starved["naive_sender"]["endpoint_count"] == 2_000
    assert "scale.burst_starved.endpoint_lag_p99_ms" in values
