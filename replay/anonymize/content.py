"""What becomes of the utterances: masked, replaced by synthetic text, or kept.

    texts, counts = mask_column(content, detector)           # personal data -> [PHONE], ...
    texts = synthetic_column(content, senders, seeds, limit)  # generated text, same length-ish

In: Arrow string arrays (one value per message). Out: an Arrow large_string array as long as
the input. `mask_column` also returns how many items of each kind it replaced and how many
utterances changed; it never returns what was replaced. Only the texts pyarrow's RE2 finds a
candidate in (a digit, an @, "dot", two spoken digits in a row) reach the Python detectors.

Synthetic text is built from the generator's own template banks (replay.synth.text), filled
with fixed made-up values: an agent's turn from the agent banks, a caller's from the caller
banks, a bot's from the bot banks. Each message's sentences are picked by its `seed` (bytes
derived from the key and the message's ids), so the same key always writes the same text, and
no word of the original is carried over.
"""

from __future__ import annotations

import bisect
from collections import Counter
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replay.anonymize.detect import CANDIDATE, Detector
from replay.synth import text as bank_text

_SLOTS = {
    "company": "Northwind Energy", "customer": "Alex", "agent": "Sam", "supervisor": "Robin",
    "order": "the order", "amount": "the amount", "last4": "the usual one",
    "product": "account", "plan": "Basic", "org": "the bank", "day": "Monday", "days": "a few",
}  # fmt: skip
_ROLE_OF_SENDER = {
    "END_USER": "caller",
    "EXTERNAL_USER": "caller",
    "HUMAN_AGENT": "agent",
    "SUPERVISOR": "agent",
    "VIRTUAL_AGENT": "bot",
}


def mask_column(
    content: pa.Array | pa.ChunkedArray, detector: Detector
) -> tuple[pa.Array, Counter[str], int]:
    """(masked texts, replacements by kind, utterances changed)."""
    if isinstance(content, pa.ChunkedArray):
        content = content.combine_chunks()
    content = content.cast(pa.large_string())
    candidate = pc.fill_null(pc.match_substring_regex(content, CANDIDATE), False)
    positions = np.flatnonzero(candidate.to_numpy(zero_copy_only=False))
    counts: Counter[str] = Counter()
    if not len(positions):
        return content, counts, 0
    changed = np.zeros(len(content), bool)
    replacements = []
    for position, text in zip(
        positions.tolist(), content.take(pa.array(positions)).to_pylist(), strict=True
    ):
        masked, found = detector.mask(text)
        replacements.append(masked)
        if found:
            changed[position] = True
            counts.update(kind for kind, _ in found)
    if not changed.any():
        return content, counts, 0
    kept = [text for text, position in zip(replacements, positions.tolist(), strict=True)
            if changed[position]]  # fmt: skip
    result = pc.replace_with_mask(content, pa.array(changed), pa.array(kept, pa.large_string()))
    return result, counts, int(changed.sum())


def synthetic_column(
    content: pa.Array | pa.ChunkedArray,
    senders: pa.Array | pa.ChunkedArray,
    seeds: list[bytes],
    limit: int,
) -> pa.Array:
    """Generated text about as long as each original (never longer than `limit`)."""
    lengths = pc.fill_null(pc.utf8_length(content), 0).to_numpy(zero_copy_only=False)
    texts = [
        _sentences(_ROLE_OF_SENDER.get(sender, "caller"), int(length), seed)[:limit]
        for sender, length, seed in zip(senders.to_pylist(), lengths.tolist(), seeds, strict=True)
    ]
    return pa.array(texts, pa.large_string())


def _sentences(role: str, target: int, seed: bytes) -> str:
    lines, lengths = _pool(role)
    chosen: list[str] = []
    remaining = target
    for byte_index in range(10_000):
        fits = bisect.bisect_right(lengths, remaining + 4)
        if fits == 0:
            if not chosen:
                chosen.append(lines[0])
            break
        pick = int.from_bytes(seed[(2 * byte_index) % 30 : (2 * byte_index) % 30 + 2], "big")
        line = lines[(pick + byte_index * 7919) % fits]
        chosen.append(line)
        remaining -= len(line) + 1
        if remaining < lengths[0]:
            break
    return " ".join(chosen)


@cache
def _pool(role: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The role's distinct sentences, filled with the fixed slots, shortest first."""
    if role == "bot":
        names = [name for name in bank_text.BANKS if name.startswith("bot_")]
    elif role == "agent":
        names = [name for name in bank_text.BANKS if name.startswith(("agent_", "supervisor"))]
    else:
        names = [name for name in bank_text.BANKS if name.startswith("caller_")]
    lines = {line.format_map(_SLOTS) for name in names for line in bank_text.BANKS[name]}
    lines |= {line.format_map(_SLOTS) for line in bank_text.LEAD_INS["agent" if role == "agent"
                                                                       else "caller"]}  # fmt: skip
    ordered = tuple(sorted(lines, key=lambda line: (len(line), line)))
    return ordered, tuple(len(line) for line in ordered)
