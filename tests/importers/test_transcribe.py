"""transcribe: Amazon Transcribe standard and Call Analytics output into rows."""

from __future__ import annotations

import json

from .conftest import AGENT, FIXTURES, START, START_MS, rows

TREE = FIXTURES / "transcribe"
SPEAKERS = "spk_0=HUMAN_AGENT,spk_1=END_USER,ch_0=HUMAN_AGENT,ch_1=END_USER"


def _import(run_import, out, *extra):
    return run_import("transcribe", TREE, "--out", out, "--speakers", SPEAKERS,
                      "--agent-id", AGENT, "--start-at", START, *extra)


def test_words_become_turns_with_punctuation_and_analytics_entries_keep_their_ids(
    tmp_path, run_import
):
    out = tmp_path / "calls.parquet"
    done = _import(run_import, out)
    assert done.code == 0, done.err
    a, b, c = START_MS, START_MS + 10_000, START_MS + 20_000
    std, chan, ana = "call-0192-standard", "call-0193-channels", "call-0194-analytics"
    analytics = "3f0a2c11-9b7e-4d2a-8c55-1a2b3c4d000"
    assert rows(out) == [
        (std, AGENT, f"{std}-0001", a + 510, a + 1320, "Hello, billing.", "HUMAN_AGENT"),
        (std, f"{std}END_USER", f"{std}-0002", a + 1800, a + 3050, "Hi, my bill is wrong.",
         "END_USER"),
        (std, AGENT, f"{std}-0003", a + 3400, a + 4100, "Let me check.", "HUMAN_AGENT"),
        # 4.10 s -> 8.20 s is a pause longer than the default --turn-gap of 3 s
        (std, AGENT, f"{std}-0004", a + 8200, a + 8770, "Thanks.", "HUMAN_AGENT"),
        (chan, AGENT, f"{chan}-0001", b + 200, b + 950, "Good morning.", "HUMAN_AGENT"),
        (chan, f"{chan}END_USER", f"{chan}-0002", b + 900, b + 2400,
         "Morning! I need a refund.", "END_USER"),
        (ana, AGENT, f"{analytics}0", c + 400, c + 3950,
         "Thank you for holding. How can I help today?", "HUMAN_AGENT"),
        (ana, f"{ana}END_USER", f"{analytics}1", c + 3900, c + 7600,
         "I was charged a late fee, but I paid on time.", "END_USER"),
        (ana, AGENT, f"{analytics}2", c + 7700, c + 9400, "I'll remove that fee for you.",
         "HUMAN_AGENT"),
    ]


def test_a_longer_turn_gap_joins_words_across_pauses(tmp_path, run_import):
    out = tmp_path / "calls.parquet"
    done = run_import("transcribe", TREE / "call-0192-standard.json", "--out", out,
                      "--speakers", "spk_0=VIRTUAL_AGENT,spk_1=END_USER", "--start-at", START,
                      "--turn-gap", "5")
    assert done.code == 0, done.err
    assert [row[5] for row in rows(out)] == [
        "Hello, billing.", "Hi, my bill is wrong.", "Let me check. Thanks."]
    assert rows(out)[0][1] == "call-0192-standardVIRTUAL_AGENT"


def test_the_call_key_can_be_the_job_name(tmp_path, run_import):
    out = tmp_path / "calls.parquet"
    assert _import(run_import, out, "--call-key-from", "job-name").code == 0
    assert list(dict.fromkeys(row[0] for row in rows(out))) == [
        "acme-call-0192", "acme-call-0193", "acme-call-0194"]


def test_labels_from_speaker_segments_serve_items_without_their_own(tmp_path, run_import):
    document = json.loads((TREE / "call-0192-standard.json").read_text())
    for item in document["results"]["items"]:
        del item["speaker_label"]
    source = tmp_path / "older.json"
    source.write_text(json.dumps(document))
    out = tmp_path / "calls.parquet"
    done = run_import("transcribe", source, "--out", out, "--speakers", SPEAKERS,
                      "--agent-id", AGENT, "--start-at", START)
    assert done.code == 0, done.err
    assert [(row[5], row[6]) for row in rows(out)] == [
        ("Hello, billing.", "HUMAN_AGENT"), ("Hi, my bill is wrong.", "END_USER"),
        ("Let me check.", "HUMAN_AGENT"), ("Thanks.", "HUMAN_AGENT")]


def test_standard_output_needs_speakers(tmp_path, run_import):
    done = run_import("transcribe", TREE / "call-0192-standard.json", "--out",
                      tmp_path / "x.parquet", "--start-at", START, "--agent-as", "virtual")
    assert done.code == 2
    assert done.err == (
        f"error: {TREE / 'call-0192-standard.json'} is Transcribe standard output, whose "
        "speakers carry no role: pass --speakers, e.g. --speakers "
        "spk_0=HUMAN_AGENT,spk_1=END_USER (or ch_0=...)\n"
    )


def test_a_speaker_missing_from_speakers_names_the_item(tmp_path, run_import):
    done = run_import("transcribe", TREE / "call-0192-standard.json", "--out",
                      tmp_path / "x.parquet", "--start-at", START,
                      "--speakers", "spk_0=END_USER")
    assert done.code == 2
    assert done.err == (
        f"error: {TREE / 'call-0192-standard.json'}, results.items[4].speaker_label: speaker "
        "'spk_1' is not in --speakers; add spk_1=TYPE to --speakers, or pass --on-invalid "
        "skip to skip such files\n"
    )


def test_a_time_that_is_not_seconds_names_the_item(tmp_path, run_import):
    document = json.loads((TREE / "call-0192-standard.json").read_text())
    document["results"]["items"][6]["start_time"] = "2,10"
    source = tmp_path / "call.json"
    source.write_text(json.dumps(document))
    done = run_import("transcribe", source, "--out", tmp_path / "x.parquet", "--start-at", START,
                      "--speakers", SPEAKERS, "--agent-id", AGENT)
    assert done.err == (
        f'error: {source}, results.items[6].start_time: expected seconds as text, e.g. "4.87", '
        'found "2,10" (a string); fix the file, or pass --on-invalid skip to skip such files\n'
    )


def test_a_file_of_neither_output_is_named(tmp_path, run_import):
    source = tmp_path / "call.json"
    source.write_text('{"jobName": "x", "status": "FAILED"}')
    done = run_import("transcribe", source, "--out", tmp_path / "x.parquet", "--start-at", START,
                      "--speakers", SPEAKERS, "--agent-id", AGENT)
    assert done.err == (
        f"error: {source}: neither Call Analytics output (a Transcript list) nor standard output "
        "(results.items); fix the file, or pass --on-invalid skip to skip such files\n"
    )


def test_an_empty_standard_transcript_is_skipped_and_counted(tmp_path, run_import):
    (tmp_path / "silent.json").write_text(
        '{"jobName": "s", "results": {"transcripts": [{"transcript": ""}], "items": []}}')
    (tmp_path / "call.json").write_bytes((TREE / "call-0193-channels.json").read_bytes())
    out = tmp_path / "calls.parquet"
    done = run_import("transcribe", tmp_path, "--out", out, "--start-at", START,
                      "--speakers", SPEAKERS, "--agent-id", AGENT)
    assert done.code == 0, done.err
    assert "skipped      empty transcript: 1\n" in done.out
    assert len(rows(out)) == 2


def test_an_item_of_an_unknown_type_names_the_item(tmp_path, run_import):
    document = json.loads((TREE / "call-0192-standard.json").read_text())
    document["results"]["items"][7]["type"] = "filler"
    source = tmp_path / "call.json"
    source.write_text(json.dumps(document))
    done = run_import("transcribe", source, "--out", tmp_path / "x.parquet", "--start-at", START,
                      "--speakers", SPEAKERS, "--agent-id", AGENT)
    assert done.err == (
        f'error: {source}, results.items[7].type: expected pronunciation or punctuation, found '
        '"filler" (a string); fix the file, or pass --on-invalid skip to skip such files\n'
    )
