"""webvtt: WebVTT captions with voice tags into rows."""

from __future__ import annotations

from .conftest import AGENT, FIXTURES, START, START_MS, rows

SOURCE = FIXTURES / "webvtt" / "meeting-2291.vtt"
SPEAKERS = "Dana Reyes=HUMAN_AGENT,Caller=END_USER"


def test_cues_become_rows_with_tags_stripped_and_entities_decoded(tmp_path, run_import):
    out = tmp_path / "calls.parquet"
    done = run_import("webvtt", SOURCE, "--out", out, "--speakers", SPEAKERS,
                      "--agent-id", AGENT, "--start-at", START)
    assert done.code == 0, done.err
    key = "meeting-2291"
    assert rows(out) == [
        (key, AGENT, "intro-1", START_MS + 800, START_MS + 3400,
         "Thanks for calling Acme Energy, this is Dana.", "HUMAN_AGENT"),
        (key, f"{key}END_USER", f"{key}-0002", START_MS + 3900, START_MS + 6150,
         "Hi Dana & thanks. I'm moving house next week.", "END_USER"),
        (key, AGENT, f"{key}-0003", START_MS + 6000, START_MS + 9500,
         "Congratulations! Let's set up the move.", "HUMAN_AGENT"),
    ]


def test_a_voice_missing_from_speakers_names_the_cue(tmp_path, run_import):
    done = run_import("webvtt", SOURCE, "--out", tmp_path / "x.parquet",
                      "--speakers", "Dana Reyes=VIRTUAL_AGENT", "--start-at", START)
    assert done.code == 2
    assert done.err == (
        f"error: {SOURCE}, cue 2 (00:00:03.900): voice 'Caller' is not in --speakers; add "
        "Caller=TYPE to --speakers, or pass --on-invalid skip to skip such files\n"
    )


def test_a_malformed_cue_timing_names_the_line(tmp_path, run_import):
    source = tmp_path / "call.vtt"
    source.write_text(SOURCE.read_text().replace("00:00:06.000 --> 00:00:09.500",
                                                 "00:00:06,000 --> 00:00:09.500"))
    done = run_import("webvtt", source, "--out", tmp_path / "x.parquet",
                      "--speakers", SPEAKERS, "--agent-id", AGENT, "--start-at", START)
    assert done.err == (
        f"error: {source}, line 13: malformed cue timing '00:00:06,000 --> 00:00:09.500'; "
        "expected e.g. 00:01.200 --> 00:04.000; fix the file, or pass --on-invalid skip to "
        "skip such files\n"
    )


def test_a_cue_without_a_voice_tag_is_an_error(tmp_path, run_import):
    source = tmp_path / "call.vtt"
    source.write_text("WEBVTT\n\n00:01.000 --> 00:02.000\nhello\n")
    done = run_import("webvtt", source, "--out", tmp_path / "x.parquet",
                      "--speakers", SPEAKERS, "--agent-id", AGENT, "--start-at", START)
    assert done.err.startswith(
        f"error: {source}, cue 1 (00:00:01.000): no <v Name> voice tag; every cue must name "
        "its speaker;")


def test_webvtt_needs_speakers(tmp_path, run_import):
    done = run_import("webvtt", SOURCE, "--out", tmp_path / "x.parquet", "--start-at", START)
    assert done.code == 2
    assert done.err == (
        "error: webvtt needs --speakers: the sender type of each voice name, e.g. --speakers "
        '"Dana Reyes=HUMAN_AGENT,Caller=END_USER"\n'
    )
