"""The tokens section's sizing of the --jwt-prefill for its --speed max per-request runs."""

from __future__ import annotations

from bench.context import PROFILES
from bench.tokens import PREFILL_MARGIN, PREFILL_SLACK_S, prefill_for


def test_the_prefill_covers_the_shared_rate_through_warm_up_window_and_slack_with_a_margin():
    profile = PROFILES["quick"]
    seconds = profile.generator_warmup_s + profile.generator_window_s + PREFILL_SLACK_S
    tokens = prefill_for(24_000.5, profile)
    assert tokens >= 24_000.5 * seconds * PREFILL_MARGIN
    assert tokens - 1 < 24_000.5 * seconds * PREFILL_MARGIN
    assert PREFILL_MARGIN > 1
