"""Import benchmark: `replay import` messages/s on one core, beside reading + orjson.loads alone.

    from bench.importers import run
    run(files=10_000, core=1) -> {
        "contact_lens": {"files": 10000, "messages": 400000, "file_mib": 150.0,
                         "reference_s": 1.1, "reference_mps": 360000.0,
                         "reference_peak_rss_mib": 40.0,
                         "import_s": 2.9, "import_mps": 138000.0, "import_peak_rss_mib": 190.0,
                         "import_growth_mib": 45.0, "output_mib": 9.0},
        "transcribe": {...same keys...}}

Two shapes users have: Contact Lens post-call analysis files (40 entries each, with the
sentiment and loudness fields real files carry) and Transcribe standard output with speaker
labels (20 turns of 6 to 12 words each, punctuation items, the speaker_labels section). The files
are generated once with a fixed seed and cached under the system temp directory, keyed by the
count and a hash of this file. Each measurement runs in a fresh interpreter pinned to `core`:
the reference reads every file and parses it with orjson.loads (the floor any importer pays);
the import runs `replay.importers.import_sources` on the same directory, writing Parquet. The
peak RSS is the child's own (ru_maxrss); the growth is that peak minus the RSS just before the
import started (after the imports of pyarrow and pandas): what the import itself held, one file
plus the output row group. Messages are utterances written to the dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

SEED = 7
ENTRIES_PER_CALL = 40
TURNS_PER_CALL = 20
AGENT = "005Hs00000Q1rStIAB"
WORDS = (
    "account", "bill", "payment", "meter", "reading", "energy", "tariff", "month", "direct",
    "debit", "refund", "charge", "estimate", "address", "moving", "date", "help", "please",
    "thanks", "sorry", "check", "update", "card", "number", "balance", "online", "app", "email",
    "letter", "contract", "renewal", "supplier", "credit", "late", "fee", "today", "tomorrow",
)
_REFERENCE = """
import json, os, resource, sys, time
import orjson
root = sys.argv[1]
started = time.perf_counter()
files = sorted(os.path.join(d, n) for d, _, names in os.walk(root) for n in names)
count = 0
for name in files:
    with open(name, "rb") as handle:
        orjson.loads(handle.read())
    count += 1
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "files": count,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
_IMPORT = """
import json, resource, sys, time
from replay.importers import ImportOptions, TimeBaseOptions, format_module, import_sources
from replay.importers.speakers import Agents
from replay.importers.timebase import parse_instant
root, out, name = sys.argv[1:4]
options = ImportOptions(format=name, agents=Agents(agent_id=sys.argv[4]),
                        speakers={"spk_0": "HUMAN_AGENT", "spk_1": "END_USER"})
times = TimeBaseOptions(start_at=parse_instant("2025-11-25T09:00:00Z"), spacing_s=5)
with open("/proc/self/statm") as statm:
    start_rss = int(statm.read().split()[1]) * resource.getpagesize() / 2**20
started = time.perf_counter()
report = import_sources(format_module(name), [root], out, options, times, progress=False)
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "messages": report.messages, "calls": report.calls,
                  "start_rss_mib": start_rss,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(files: int = 10_000, core: int | None = None) -> dict:
    results = {}
    for key, name, write in (("contact_lens", "contact-lens", _contact_lens_file),
                             ("transcribe", "transcribe", _transcribe_file)):
        folder, messages = _generated(key, files, write)
        reference = _child(_REFERENCE, [str(folder)], core)
        out = Path(tempfile.mkdtemp(prefix="bench-import-")) / "out.parquet"
        try:
            imported = _child(_IMPORT, [str(folder), str(out), name, AGENT], core)
            output_mib = out.stat().st_size / 2**20
        finally:
            out.unlink(missing_ok=True)
            out.parent.rmdir()
        if imported["messages"] != messages:
            raise RuntimeError(f"{name}: imported {imported['messages']} messages, "
                               f"generated {messages}")
        results[key] = {
            "files": files, "messages": messages, "file_mib": round(_size_mib(folder), 1),
            "reference_s": reference["seconds"],
            "reference_mps": messages / reference["seconds"],
            "reference_peak_rss_mib": reference["peak_rss_mib"],
            "import_s": imported["seconds"], "import_mps": messages / imported["seconds"],
            "import_peak_rss_mib": imported["peak_rss_mib"],
            "import_growth_mib": imported["peak_rss_mib"] - imported["start_rss_mib"],
            "output_mib": round(output_mib, 2),
        }
    return results


def _child(script: str, arguments: list[str], core: int | None) -> dict:
    prefix = ["taskset", "-c", str(core)] if core is not None else []
    done = subprocess.run([*prefix, sys.executable, "-c", script, *arguments],
                          capture_output=True, text=True, timeout=900, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _size_mib(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def _generated(key: str, files: int, write) -> tuple[Path, int]:
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"replay-bench-import-{key}-{files}-{digest}"
    manifest = folder / ".messages"
    if manifest.is_file():
        return folder, int(manifest.read_text())
    partial = folder.with_name(folder.name + f".partial-{os.getpid()}")
    rng = random.Random(SEED)
    messages = 0
    for number in range(files):
        day = partial / f"{number // 1000:02d}"
        day.mkdir(parents=True, exist_ok=True)
        messages += write(day, number, rng)
    (partial / ".messages").write_text(str(messages))
    partial.rename(folder)
    return folder, messages


def _sentence(rng: random.Random, low: int, high: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(rng.randint(low, high))]


def _contact_lens_file(folder: Path, number: int, rng: random.Random) -> int:
    contact = f"{number:08x}-4b5d-4e6f-8a9b-{rng.getrandbits(48):012x}"
    entries, offset = [], rng.randint(200, 2000)
    for index in range(ENTRIES_PER_CALL):
        length = rng.randint(1200, 6000)
        words = _sentence(rng, 4, 16)
        entries.append({
            "Id": f"{contact[:8]}-{index:04d}-4f00-9a00-{rng.getrandbits(48):012x}",
            "ParticipantId": "AGENT" if index % 2 else "CUSTOMER",
            "Content": " ".join(words).capitalize() + ".",
            "BeginOffsetMillis": offset, "EndOffsetMillis": offset + length,
            "Sentiment": rng.choice(("POSITIVE", "NEUTRAL", "NEGATIVE", "MIXED")),
            "LoudnessScore": [round(rng.uniform(60, 85), 2) for _ in range(length // 1000)],
        })
        offset += length + rng.randint(-300, 1500)
    document = {
        "Version": "1.1.0", "AccountId": "210987654321", "Channel": "VOICE",
        "ContentMetadata": {"Output": "Raw"}, "JobStatus": "COMPLETED",
        "LanguageCode": "en-US",
        "Participants": [{"ParticipantId": "CUSTOMER", "ParticipantRole": "CUSTOMER"},
                         {"ParticipantId": "AGENT", "ParticipantRole": "AGENT"}],
        "Categories": {"MatchedCategories": [], "MatchedDetails": {}},
        "ConversationCharacteristics": {"TotalConversationDurationMillis": offset,
                                        "Sentiment": {}, "Interruptions": {},
                                        "NonTalkTime": {}, "TalkSpeed": {}, "TalkTime": {}},
        "CustomerMetadata": {"ContactId": contact, "InstanceId": "c0ffee00-0000-0000-0000-0"},
        "CustomModels": [], "Transcript": entries,
    }
    name = f"{contact}_analysis_2025-11-25T09:{number % 60:02d}:00Z.json"
    (folder / name).write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return ENTRIES_PER_CALL


def _transcribe_file(folder: Path, number: int, rng: random.Random) -> int:
    items, segments, clock = [], [], rng.uniform(0.2, 1.5)
    for turn in range(TURNS_PER_CALL):
        speaker = f"spk_{turn % 2}"
        segment_items, start = [], clock
        for word in _sentence(rng, 6, 12):
            end = clock + rng.uniform(0.12, 0.5)
            item = {"start_time": f"{clock:.2f}", "end_time": f"{end:.2f}",
                    "speaker_label": speaker}
            segment_items.append(dict(item))
            items.append({**item, "alternatives": [{"confidence": "0.98", "content": word}],
                          "type": "pronunciation"})
            clock = end + rng.uniform(0.0, 0.15)
        items.append({"speaker_label": speaker, "type": "punctuation",
                      "alternatives": [{"confidence": "0.0", "content": "."}]})
        segments.append({"start_time": f"{start:.2f}", "end_time": f"{clock:.2f}",
                         "speaker_label": speaker, "items": segment_items})
        clock += rng.uniform(0.3, 2.5)
    document = {"jobName": f"bench-call-{number:06d}", "accountId": "210987654321",
                "status": "COMPLETED",
                "results": {"transcripts": [{"transcript": "..."}],
                            "speaker_labels": {"speakers": 2, "segments": segments},
                            "items": items}}
    (folder / f"bench-call-{number:06d}.json").write_bytes(orjson.dumps(document))
    return TURNS_PER_CALL


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(json.dumps(run(count, core=int(sys.argv[2]) if len(sys.argv) > 2 else None), indent=2))
