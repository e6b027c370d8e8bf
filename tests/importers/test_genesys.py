"""genesys: Genesys Cloud speech and text analytics transcripts into rows."""

from __future__ import annotations

import json

from .conftest import AGENT, FIXTURES, rows

SOURCE = FIXTURES / "genesys" / "genesys-transcript.json"
CONVERSATION = "d2c4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f"


def test_phrases_become_rows_with_the_ivr_as_virtual_agent(tmp_path, run_import):
    out = tmp_path / "calls.parquet"
    done = run_import("genesys", SOURCE, "--out", out, "--agent-id", AGENT)
    assert done.code == 0, done.err
    key = CONVERSATION
    assert rows(out) == [
        (key, f"{key}VIRTUAL_AGENT", "tr-01-0", 1764064800500, 1764064804000,
         "welcome to acme energy say billing or outages", "VIRTUAL_AGENT"),
        (key, f"{key}END_USER", "tr-01-1", 1764064804600, 1764064805300, "billing", "END_USER"),
        (key, AGENT, "tr-01-2", 1764064811000, 1764064813900,
         "hi you're through to billing my name is sam", "HUMAN_AGENT"),
        # phrase 3 is empty; phrase 4 has no duration, so it ends when it starts
        (key, f"{key}END_USER", "tr-01-4", 1764064815200, 1764064815200,
         "hi sam my direct debit failed", "END_USER"),
    ]
    assert "left out     empty content: 1 utterance\n" in done.out


def test_offsets_under_a_year_count_from_the_conversation_start(tmp_path, run_import):
    document = json.loads(SOURCE.read_text())
    for phrase in document["transcripts"][0]["phrases"]:
        phrase["startTimeMs"] -= 1764064800000
    source = tmp_path / "offsets.json"
    source.write_text(json.dumps(document))
    out = tmp_path / "calls.parquet"
    assert run_import("genesys", source, "--out", out, "--agent-as", "virtual").code == 0
    assert [row[3] for row in rows(out)] == [
        1764064800500, 1764064804600, 1764064811000, 1764064815200]


def test_an_unknown_purpose_names_the_phrase(tmp_path, run_import):
    document = json.loads(SOURCE.read_text())
    document["transcripts"][0]["phrases"][1]["participantPurpose"] = "observer"
    source = tmp_path / "call.json"
    source.write_text(json.dumps(document))
    done = run_import("genesys", source, "--out", tmp_path / "x.parquet", "--agent-id", AGENT)
    assert done.code == 2
    assert done.err == (
        f"error: {source}, transcripts[0].phrases[1].participantPurpose: expected internal or "
        "external, found 'observer'; fix the file, or pass --on-invalid skip to skip such files\n"
    )
