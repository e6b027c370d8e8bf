"""bench.anonymize_section: bench.anonymize's numbers become figures; mask is judged at 50,000/s."""

from __future__ import annotations

import pytest

from bench.anonymize_section import anonymize_figures


def measured(mask: float) -> dict:
    def run(rate: float) -> dict:
        return {"seconds": 1.0, "messages_per_s": rate, "messages_per_cpu_s": rate * 1.5}

    return {"reference": run(300_000), "mask": run(mask), "synthetic": run(90_000),
            "keep": run(150_000), "messages": 500_000, "peak_rss_mib": 380.0}  # fmt: skip


def test_every_pass_gets_a_wall_and_a_cpu_rate_over_the_repeats():
    figures = {f.key: f for f in anonymize_figures([measured(60_000), measured(70_000)], True)}
    assert sorted(figures) == sorted(
        f"anonymize.{name}.{field}"
        for name in ("reference", "mask", "synthetic", "keep")
        for field in ("messages_per_s", "messages_per_cpu_s")
    )
    assert figures["anonymize.mask.messages_per_s"].median == pytest.approx(65_000)
    assert figures["anonymize.mask.messages_per_cpu_s"].samples == (90_000, 105_000)


def test_only_masks_wall_rate_has_the_issues_target():
    figures = anonymize_figures([measured(40_000)], True)
    targets = {f.key: f.target for f in figures if f.target is not None}
    assert list(targets) == ["anonymize.mask.messages_per_s"]
    target = targets["anonymize.mask.messages_per_s"]
    assert (target.op, target.value, target.met_by(40_000)) == (">=", 50_000, False)


def test_a_smoke_run_judges_nothing():
    assert all(f.target is None for f in anonymize_figures([measured(60_000)], False))
