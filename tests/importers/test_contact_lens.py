"""contact-lens: Contact Lens post-call analysis files into dataset rows."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay.dataset import load_transcripts
from replay.errors import DatasetError
from replay.importers import ImportOptions, TimeBaseOptions, format_module, import_sources
from replay.importers.speakers import Agents

from .conftest import AGENT, FIXTURES, START, START_MS, rows

TREE = FIXTURES / "contact-lens"
VOICE = TREE / "Analysis" / "Voice" / "2025" / "11" / "25"
DANA = "7c1e2f3a-4b5d-4e6f-8a9b-0c1d2e3f4a5b"
QUIET = "1f2e3d4c-5b6a-4798-8e7f-6a5b4c3d2e1f"
CARD = "5d6e7f80-9a1b-4c2d-8e3f-40a1b2c3d4e5"
DANA_FILE = VOICE / f"{DANA}_analysis_2025-11-25T09:14:03Z.json"


def test_a_tree_imports_raw_files_in_path_order_with_entries_ordered_by_begin(tmp_path,
                                                                              run_import):
    out = tmp_path / "calls.parquet"
    done = run_import("contact-lens", TREE, "--out", out, "--agent-id", AGENT,
                      "--start-at", START, "--spacing", "60")
    assert done.code == 0, done.err
    first, second, third = START_MS, START_MS + 60_000, START_MS + 120_000
    e = "e1a0c2d4-0001-4f00-9a00-00000000000"
    q = "5b0f7e21-aa01-4c3d-8e9f-10101010101"
    c = "0d9c8b7a-0001-4e2f-a1b2-c3d4e5f6000"
    assert rows(out) == [
        (QUIET, f"{QUIET}END_USER", f"{q}0", first + 300, first + 2100,
         "Hello? Is anyone there?", "END_USER"),
        (QUIET, AGENT, f"{q}1", first + 2100, first + 6450,
         "Yes — sorry, the line was quiet. You're through to billing.", "HUMAN_AGENT"),
        (QUIET, f"{QUIET}END_USER", f"{q}2", first + 6900, first + 12900,
         'Great, "finally"! I\'d like to cancel my direct debit.', "END_USER"),
        (DANA, AGENT, f"{e}1", second + 820, second + 4310,
         "Thanks for calling Acme Energy, this is Dana. How can I help?", "HUMAN_AGENT"),
        (DANA, f"{DANA}END_USER", f"{e}2", second + 4950, second + 9020,
         "Hi Dana. My bill doubled this month, and I don't know why.", "END_USER"),
        (DANA, AGENT, f"{e}3", second + 9600, second + 15840,
         "I'm sorry to hear that. Can I have your account number, please?", "HUMAN_AGENT"),
        (DANA, f"{DANA}END_USER", f"{e}4", second + 15200, second + 17480,
         "Sure, it's 4471-2290.", "END_USER"),
        (DANA, AGENT, f"{e}6", second + 19100, second + 26750,
         "Thank you. I see an estimated reading in October; I'll correct it now.", "HUMAN_AGENT"),
        (CARD, AGENT, f"{c}1", third, third + 2600,
         "You're speaking with [PII], how can I help?", "HUMAN_AGENT"),
        (CARD, f"{CARD}END_USER", f"{c}2", third + 2400, third + 5900,
         "My card ending [PII] was charged twice.", "END_USER"),
    ]
    assert done.out == (
        f"wrote {out}: 3 calls, 10 messages\n"
        "  files read   3 of 5\n"
        "  time base    calls laid out from 2025-11-25T09:00:00Z, 60 s apart, in file order\n"
        "  skipped      redacted twin of a raw file (--redacted imports these instead): 1; "
        "empty transcript: 1\n"
        "  left out     empty content: 1 utterance\n"
    )


def test_redacted_imports_only_the_redacted_twins_as_virtual_agent(tmp_path, run_import):
    out = tmp_path / "calls.parquet"
    done = run_import("contact-lens", TREE, "--out", out, "--redacted", "--agent-as", "virtual",
                      "--start-at", START)
    assert done.code == 0, done.err
    table = rows(out)
    assert sorted({row[0] for row in table}) == sorted([DANA, CARD])
    dana = [row for row in table if row[0] == DANA]
    assert dana[0][5] == "Thanks for calling Acme Energy, this is [PII]. How can I help?"
    assert dana[0][1] == f"{DANA}VIRTUAL_AGENT" and dana[0][6] == "VIRTUAL_AGENT"
    assert "skipped      raw file (--redacted imports the redacted twins only): 3\n" in done.out


def test_contact_times_place_each_call_at_its_initiation_timestamp(tmp_path, run_import):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "ContactId,Channel,InitiationTimestamp\n"
        f"{DANA},VOICE,2025-11-25T14:05:00.250Z\n"
        f"{QUIET},VOICE,1764080000000\n"
        f"{CARD},VOICE,2025-11-25T15:00:00+01:00\n"
    )
    out = tmp_path / "calls.parquet"
    done = run_import("contact-lens", TREE, "--out", out, "--agent-id", AGENT,
                      "--contact-times", contacts)
    assert done.code == 0, done.err
    starts = {}
    for row in rows(out):
        starts.setdefault(row[0], row[3])
    assert starts == {QUIET: 1764080000000 + 300, DANA: 1764079500250 + 820,
                      CARD: 1764079200000}
    assert f"time base    contact times from {contacts} (column InitiationTimestamp, 3 contacts)" \
        in done.out


def test_file_name_timestamps_are_used_with_a_warning(tmp_path, run_import):
    out = tmp_path / "calls.parquet"
    done = run_import("contact-lens", DANA_FILE, "--out", out, "--agent-id", AGENT)
    assert done.code == 0, done.err
    assert rows(out)[0][3] == 1764062043000 + 820  # 2025-11-25T09:14:03Z
    assert done.err == (
        "warning: no --contact-times or --start-at: each call is placed at the timestamp in its "
        "file name, an approximation (for Contact Lens, when the analysis was written)\n"
    )


def test_the_contact_id_comes_from_customer_metadata_before_the_file_name(tmp_path, run_import):
    document = json.loads(DANA_FILE.read_text())
    document["CustomerMetadata"]["ContactId"] = "from-metadata"
    source = tmp_path / f"{DANA}_analysis_2025-11-25T09:14:03Z.json"
    source.write_text(json.dumps(document))
    out = tmp_path / "calls.parquet"
    assert run_import("contact-lens", source, "--out", out, "--agent-as", "virtual",
                      "--start-at", START).code == 0
    assert {row[0] for row in rows(out)} == {"from-metadata"}


def test_a_wrong_type_names_the_file_and_json_path(tmp_path, run_import):
    document = json.loads(DANA_FILE.read_text())
    document["Transcript"][3]["BeginOffsetMillis"] = "9600"
    source = tmp_path / "bad_analysis_2025-11-25T09:14:03Z.json"
    source.write_text(json.dumps(document))
    done = run_import("contact-lens", source, "--out", tmp_path / "x.parquet",
                      "--agent-id", AGENT, "--start-at", START)
    assert done.code == 2
    assert done.err == (
        f"error: {source}, Transcript[3].BeginOffsetMillis: expected a whole number of "
        'milliseconds, found "9600" (a string); fix the file, or pass --on-invalid skip to skip '
        "such files\n"
    )
    assert not (tmp_path / "x.parquet").exists()
    assert not list(tmp_path.glob(".x.parquet*"))


def test_a_truncated_file_names_the_line_and_column(tmp_path, run_import):
    source = tmp_path / "cut_analysis_2025-11-25T09:14:03Z.json"
    source.write_bytes(DANA_FILE.read_bytes()[:1500])
    done = run_import("contact-lens", source, "--out", tmp_path / "x.parquet",
                      "--agent-id", AGENT, "--start-at", START)
    assert done.code == 2
    assert done.err == (
        f"error: {source}, line 36 column 26: not valid JSON (unexpected end of data); fix "
        "the file, or pass --on-invalid skip to skip such files\n"
    )


def test_entries_that_end_before_they_begin_and_unknown_participants_are_errors(tmp_path,
                                                                               run_import):
    document = json.loads(DANA_FILE.read_text())
    document["Transcript"][1]["EndOffsetMillis"] = 100
    source = tmp_path / "a_analysis_2025-11-25T09:14:03Z.json"
    source.write_text(json.dumps(document))
    done = run_import("contact-lens", source, "--out", tmp_path / "x.parquet",
                      "--agent-as", "virtual")
    assert "Transcript[1].EndOffsetMillis: 100 is before BeginOffsetMillis 4950;" in done.err
    document["Transcript"][1]["EndOffsetMillis"] = 9020
    document["Transcript"][0]["ParticipantId"] = "SUPERVISOR"
    source.write_text(json.dumps(document))
    done = run_import("contact-lens", source, "--out", tmp_path / "x.parquet",
                      "--agent-as", "virtual")
    assert "Transcript[0].ParticipantId: expected CUSTOMER or AGENT, found 'SUPERVISOR';" \
        in done.err


def test_on_invalid_skip_skips_broken_files_and_counts_them(tree, tmp_path, run_import):
    root = tree("contact-lens")
    (root / "broken_analysis_2025-11-25T11:00:00Z.json").write_text('{"Transcript": [{"Id": ')
    (root / "typed_analysis_2025-11-25T11:00:00Z.json").write_text('{"Transcript": {}}')
    out = tmp_path / "calls.parquet"
    done = run_import("contact-lens", root, "--out", out, "--agent-id", AGENT,
                      "--start-at", START, "--on-invalid", "skip")
    assert done.code == 0, done.err
    assert len(rows(out)) == 10
    assert "  files read   3 of 7\n" in done.out
    assert ("  skipped      redacted twin of a raw file (--redacted imports these instead): 1; "
            "empty transcript: 1; not valid JSON: 1; wrong type: 1\n") in done.out
    assert f"    {root}/broken_analysis_2025-11-25T11:00:00Z.json, line 1 column 24: not valid " \
        "JSON (unexpected end of data)\n" in done.out
    assert f"    {root}/typed_analysis_2025-11-25T11:00:00Z.json, Transcript: expected a " \
        "list, found an object\n" in done.out


def test_human_agents_need_an_agent_id(tmp_path, run_import):
    done = run_import("contact-lens", TREE, "--out", tmp_path / "x.parquet")
    assert done.code == 2
    assert done.err == (
        "error: contact-lens sends AGENT entries as HUMAN_AGENT: HUMAN_AGENT messages need "
        "--agent-id (the agent's Salesforce user id, 005...); or send agent turns as "
        "VIRTUAL_AGENT with --agent-as virtual\n"
    )


def test_a_contact_analysed_twice_keeps_only_its_latest_file(tree, tmp_path, run_import):
    root = tree("contact-lens")
    again = root / "Analysis" / "Voice" / "2025" / "11" / "26"
    again.mkdir(parents=True)
    document = json.loads(DANA_FILE.read_text())
    document["Transcript"] = document["Transcript"][:2]
    (again / f"{DANA}_analysis_2025-11-26T08:00:00Z.json").write_text(json.dumps(document))
    out = tmp_path / "calls.parquet"
    done = run_import("contact-lens", root, "--out", out, "--agent-id", AGENT,
                      "--start-at", START)
    assert done.code == 0, done.err
    assert len([row for row in rows(out) if row[0] == DANA]) == 2
    assert "older analysis of a contact analysed again: 1" in done.out


_ENTRY = st.fixed_dictionaries({
    "ParticipantId": st.sampled_from(["AGENT", "CUSTOMER"]),
    "Content": st.text(min_size=0, max_size=30),
    "BeginOffsetMillis": st.integers(0, 3_600_000),
    "Length": st.integers(0, 20_000),
})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(_ENTRY, min_size=1, max_size=25))
def test_any_valid_file_imports_one_row_per_entry_with_text_ordered_by_begin(tmp_path, entries):
    transcript = [
        {"Id": f"id-{index}", "ParticipantId": entry["ParticipantId"],
         "Content": entry["Content"], "BeginOffsetMillis": entry["BeginOffsetMillis"],
         "EndOffsetMillis": entry["BeginOffsetMillis"] + entry["Length"]}
        for index, entry in enumerate(entries)
    ]
    source = tmp_path / "c-1_analysis_2025-11-25T09:14:03Z.json"
    source.write_text(json.dumps({"Transcript": transcript}))
    out = tmp_path / "calls.parquet"
    with_text = [entry for entry in transcript if entry["Content"].strip()]
    if not with_text:
        with pytest.raises(DatasetError, match="no messages to import"):
            _import_one(source, out)
        return
    _import_one(source, out)
    table = rows(out)
    assert [row[2] for row in table] == [
        entry["Id"] for entry in sorted(with_text, key=lambda e: e["BeginOffsetMillis"])]
    assert [row[3] - 1764062043000 for row in table] == sorted(
        entry["BeginOffsetMillis"] for entry in with_text)
    assert load_transcripts(out).messages == len(with_text)


def _import_one(source, out):
    options = ImportOptions(format="contact-lens", agents=Agents(agent_as="virtual"))
    import_sources(format_module("contact-lens"), [str(source)], out, options,
                   TimeBaseOptions())


def test_chat_analyses_beside_the_voice_ones_are_skipped(tree, tmp_path, run_import):
    root = tree("contact-lens")
    chat = root / "Analysis" / "Chat" / "2025" / "11" / "25"
    chat.mkdir(parents=True)
    (chat / "c0c0c0c0-0000-4000-8000-000000000001_analysis_2025-11-25T10:00:00Z.json").write_text(
        '{"Version": "2.0.0", "Channel": "CHAT", "Transcript": [{"Id": "1", "ParticipantRole": '
        '"CUSTOMER", "Content": "hi"}]}')
    out = tmp_path / "calls.parquet"
    done = run_import("contact-lens", root, "--out", out, "--agent-id", AGENT,
                      "--start-at", START)
    assert done.code == 0, done.err
    assert "chat analysis (Analysis/Chat/), not a voice call: 1" in done.out
    assert len(rows(out)) == 10


def test_a_contact_missing_from_contact_times_names_the_records_file_as_the_fix(
    tmp_path, run_import
):
    records = tmp_path / "ctr.jsonl"
    records.write_text('{"ContactId": "someone-else", "InitiationTimestamp": 1764061200000}\n')
    out = tmp_path / "x.parquet"
    done = run_import("contact-lens", DANA_FILE, "--out", out, "--agent-id", AGENT,
                      "--contact-times", records)
    assert done.code == 2
    assert done.err == (
        f"error: {DANA_FILE}: contact 7c1e2f3a-4b5d-4e6f-8a9b-0c1d2e3f4a5b is not in {records} "
        f"(or has no InitiationTimestamp); add it to {records}, or pass --on-invalid skip to "
        "skip such files\n"
    )
    assert not out.exists()


def test_one_call_is_reported_in_the_singular(tmp_path, run_import):
    out = tmp_path / "one.parquet"
    done = run_import("contact-lens", DANA_FILE, "--out", out, "--agent-id", AGENT,
                      "--start-at", "2025-11-25T09:00:00Z")
    assert done.code == 0, done.err
    assert done.out.startswith(f"wrote {out}: 1 call, 5 messages\n")
