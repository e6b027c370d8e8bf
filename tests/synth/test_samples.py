"""The bundled samples: the same calls in CSV and Parquet, valid, and modest in size."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from replay.dataset import load_transcripts, summarise

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def test_the_csv_and_parquet_samples_hold_the_same_messages():
    csv = load_transcripts(DATASETS / "sample.csv").table.drop(columns="row")
    parquet = load_transcripts(DATASETS / "sample.parquet").table.drop(columns="row")
    pd.testing.assert_frame_equal(csv, parquet)


def test_the_sample_is_about_a_hundred_overlapping_calls_within_about_an_hour():
    summary = summarise(load_transcripts(DATASETS / "sample.parquet"), speed=1.0)
    assert summary["calls"] == 100
    assert 2_000 <= summary["messages"] <= 8_000
    assert summary["span_s"] < 2 * 3600
    assert summary["peak_concurrent_calls"] >= 5
