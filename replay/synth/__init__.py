"""Synthetic transcripts: realistic, deterministic for a seed, fast enough for a million messages.

    frame = generate_transcripts(calls=100, seed=7, start=datetime(2025, 11, 25, 9, tzinfo=UTC))
    write_transcripts(frame, "datasets/sample.parquet")

generate (the call model), text (what is said), ids (UUIDs, Salesforce ids), write (files).
"""

from __future__ import annotations

from replay.synth.generate import generate_transcripts
from replay.synth.write import write_transcripts

__all__ = ["generate_transcripts", "write_transcripts"]
