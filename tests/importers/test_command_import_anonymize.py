"""`replay import --anonymize`: the rows are anonymized before they are written, never after."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from replay.anonymize.keys import write_new_key
from replay.cli import main

from .conftest import AGENT, FIXTURES, START

SPEAKERS = "Agent=HUMAN_AGENT,Caller=END_USER"
PLANTED = ("(415) 555-2671", "4111 1111 1111 1111", "maria.lopez@example.com", "123-45-6789")
CAPTIONS = f"""WEBVTT

00:00:00.500 --> 00:00:02.000
<v Agent>Thanks for calling, can I have your number?

00:00:02.500 --> 00:00:05.000
<v Caller>Sure, it's {PLANTED[0]} and my card is {PLANTED[1]}.

00:00:05.500 --> 00:00:08.000
<v Caller>Mail me at {PLANTED[2]}, my SSN is {PLANTED[3]}.
"""


@pytest.fixture
def captions(tmp_path):
    path = tmp_path / "call-7731.vtt"
    path.write_text(CAPTIONS)
    return path


@pytest.fixture
def key(tmp_path):
    return write_new_key(tmp_path / "anonymize.key")


def test_imported_rows_are_anonymized_before_they_reach_the_file(
    tmp_path, run_import, captions, key
):
    out = tmp_path / "calls.parquet"
    done = run_import("webvtt", captions, "--out", out, "--speakers", SPEAKERS,
                      "--agent-id", AGENT, "--start-at", START, "--anonymize", "--key-file", key)
    assert done.code == 0, done.err
    written = out.read_bytes()
    assert [value for value in PLANTED if value.encode() in written] == []
    table = pq.read_table(out)
    assert table["content"].to_pylist()[1:] == [
        "Sure, it's [PHONE] and my card is [CARD].",
        "Mail me at [EMAIL], my SSN is [SSN].",
    ]
    assert "call-7731" not in table["vendorCallKey"].to_pylist()
    assert AGENT not in table["participantId"].to_pylist()
    agent, caller, _ = table["participantId"].to_pylist()
    assert agent.startswith("005") and len(agent) == 18
    assert caller == table["vendorCallKey"][1].as_py() + "END_USER"
    lines = done.out.splitlines()
    assert "anonymized while importing:" in lines
    assert "  content            masked: 2 utterances changed; replacements PHONE 1, EMAIL 1, " \
           "CARD 1, SSN 1, IBAN 0, DATE 0, NUMBER 0" in lines
    assert key.read_text().strip() not in done.out + done.err
    assert main(["validate", str(out)]) == 0


def test_shift_to_moves_the_imported_calls_to_that_moment(tmp_path, run_import, key):
    out = tmp_path / "calls.parquet"
    done = run_import("sf-entries", FIXTURES / "sf-entries", "--out", out, "--anonymize",
                      "--key-file", key, "--content", "keep",
                      "--shift-to", "2026-01-05T09:00:00Z")  # fmt: skip
    assert done.code == 0, done.err
    plain = tmp_path / "plain.parquet"
    assert run_import("sf-entries", FIXTURES / "sf-entries", "--out", plain).code == 0
    shifted, original = pq.read_table(out), pq.read_table(plain)
    assert shifted["startTime"].to_numpy().min() == 1_767_603_600_000
    offsets = shifted["startTime"].to_numpy() - original["startTime"].to_numpy()
    assert len(set(offsets.tolist())) == 1
    assert shifted["content"].equals(original["content"])


def test_anonymization_options_without_anonymize_are_refused(tmp_path, run_import, key):
    done = run_import("sf-entries", FIXTURES / "sf-entries", "--out", tmp_path / "x.parquet",
                      "--key-file", key)
    assert (done.code, done.err) == (
        2, "error: --key-file is an anonymization option: add --anonymize\n")
    assert not (tmp_path / "x.parquet").exists()


def test_anonymize_without_a_key_file_is_refused_before_reading(tmp_path, run_import):
    done = run_import("sf-entries", FIXTURES / "sf-entries", "--out", tmp_path / "x.parquet",
                      "--anonymize")
    assert (done.code, done.err) == (2, "error: --key-file is required; make a key once with: "
                                        "replay anonymize --new-key PATH\n")  # fmt: skip
