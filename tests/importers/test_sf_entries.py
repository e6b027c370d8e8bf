"""sf-entries: Salesforce conversation entries (REST pages and bulk-upload files) into rows."""

from __future__ import annotations

import json

import pytest

from replay.importers.sf_entries import conversation_of
from replay.importers.sources import Source

from .conftest import AGENT, FIXTURES, rows

TREE = FIXTURES / "sf-entries"
PAGED = "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8"
BULK = "8f9e0d1c-2b3a-4c5d-9e6f-7a8b9c0d1e2f"
ENTRY = "b7f1c0de-0000-4aaa-8bbb-00000000000"


def test_bulk_and_paged_rest_files_import_with_absolute_times_and_one_copy_of_each_entry(
    tmp_path, run_import
):
    out = tmp_path / "entries.parquet"
    done = run_import("sf-entries", TREE, "--out", out)
    assert done.code == 0, done.err
    assert rows(out) == [
        (BULK, f"{BULK}END_USER", "1", 1764066000250, 1764066003000,
         "Hi, I'm calling about my new meter.", "END_USER"),
        (BULK, AGENT, "2", 1764066003400, 1764066007000,
         "Sure — is it showing an error, or no reading at all?", "HUMAN_AGENT"),
        (BULK, f"{BULK}END_USER", "3", 1764066007800, 1764066009700,
         'No reading. It says "E-04".', "END_USER"),
        # page-1.json holds the newest entries (the API's default order is from the end)
        (PAGED, f"{PAGED}END_USER", f"{ENTRY}3", 1764063621200, 1764063624500,
         "Could it come out on the 28th instead?", "END_USER"),
        (PAGED, AGENT, f"{ENTRY}4", 1764063625900, 1764063631110,
         "I've moved your payment date to the 28th, effective next month.", "HUMAN_AGENT"),
        (PAGED, f"{PAGED}END_USER", f"{ENTRY}5", 1764063631500, 1764063634370,
         "Perfect, that's all sorted. Thanks!", "END_USER"),
        (PAGED, f"{PAGED}VIRTUAL_AGENT", f"{ENTRY}1", 1764063610000, 1764063613900,
         "Welcome to Acme Energy. Briefly, what is your call about?", "VIRTUAL_AGENT"),
        (PAGED, AGENT, f"{ENTRY}2", 1764063616050, 1764063620150,
         "Of course. What date would suit you better?", "HUMAN_AGENT"),
    ]
    assert done.out == (
        f"wrote {out}: 2 calls, 8 messages\n"
        "  files read   3 of 3\n"
        "  time base    absolute times in the files\n"
        "  left out     repeated entry (already on another page): 1 utterance\n"
    )


def test_call_keys_map_conversation_ids_to_vendor_call_keys(tmp_path, run_import):
    keys = tmp_path / "keys.csv"
    keys.write_text(f"vendorCallKey,conversationId\nCA-77,{BULK}\n")
    out = tmp_path / "entries.parquet"
    assert run_import("sf-entries", TREE / "bulk", "--out", out, "--call-keys", keys).code == 0
    assert {row[0] for row in rows(out)} == {"CA-77"}


@pytest.mark.parametrize(("display", "conversation"), [
    ("exports/abc-123.json", "abc-123"),
    ("exports/abc-123_page2.json", "abc-123"),
    ("exports/abc-123-page-10.json", "abc-123"),
    ("exports/abc-123/page-1.json", "abc-123"),
    ("exports/abc-123/3.json", "abc-123"),
    ("exports/abc-123/p2.json.gz", "abc-123"),
])
def test_the_conversation_id_comes_from_the_file_name_or_its_folder(display, conversation):
    assert conversation_of(Source(display)) == conversation


def test_a_top_level_conversation_id_wins_over_the_file_name(tmp_path, run_import):
    page = json.loads((TREE / "rest" / PAGED / "page-2.json").read_text())
    page["conversationId"] = "from-the-file"
    source = tmp_path / "page-2.json"
    source.write_text(json.dumps(page))
    out = tmp_path / "entries.parquet"
    assert run_import("sf-entries", source, "--out", out).code == 0
    assert {row[0] for row in rows(out)} == {"from-the-file"}


def test_an_unknown_role_names_the_entry(tmp_path, run_import):
    page = json.loads((TREE / "rest" / PAGED / "page-2.json").read_text())
    page["conversationEntries"][1]["sender"]["role"] = "Robot"
    source = tmp_path / f"{PAGED}.json"
    source.write_text(json.dumps(page))
    done = run_import("sf-entries", source, "--out", tmp_path / "x.parquet")
    assert done.code == 2
    assert done.err == (
        f"error: {source}, conversationEntries[1].sender.role: unknown role 'Robot'; expected "
        "EndUser, Agent, VirtualAgent, Supervisor or ExternalUser; fix the file, or pass "
        "--on-invalid skip to skip such files\n"
    )


def test_a_wrong_timestamp_type_in_a_bulk_file_names_the_line(tmp_path, run_import):
    lines = (TREE / "bulk" / f"{BULK}.jsonl").read_text().splitlines()
    entry = json.loads(lines[2])
    entry["payload"]["clientSentTimestamp"] = "2025-11-25T10:00:03Z"
    lines[2] = json.dumps(entry)
    source = tmp_path / "upload.jsonl"
    source.write_text("\n".join(lines) + "\n")
    done = run_import("sf-entries", source, "--out", tmp_path / "x.parquet")
    assert done.code == 2
    assert done.err == (
        f"error: {source}, line 3 payload.clientSentTimestamp: expected epoch milliseconds, "
        'found "2025-11-25T10:00:03Z" (a string); fix the file, or pass --on-invalid skip to '
        "skip such files\n"
    )


def test_a_truncated_bulk_line_names_the_line(tmp_path, run_import):
    text = (TREE / "bulk" / f"{BULK}.jsonl").read_text()
    source = tmp_path / "upload.jsonl"
    source.write_text(text[: text.rindex('"sender"')])
    done = run_import("sf-entries", source, "--out", tmp_path / "x.parquet")
    assert done.err.startswith(f"error: {source}, line 4: not valid JSON (")


def test_a_response_without_entries_is_an_empty_transcript(tmp_path, run_import):
    (tmp_path / "empty.json").write_text('{"conversationEntries": []}')
    done = run_import("sf-entries", tmp_path / "empty.json", "--out", tmp_path / "x.parquet")
    assert done.code == 2
    assert done.err == (
        f"error: {tmp_path / 'empty.json'}: no messages to import from 1 file "
        "(empty transcript: 1)\n"
    )
    assert not (tmp_path / "x.parquet").exists()


def test_an_agent_entry_without_a_subject_takes_the_agent_id_or_is_named(tmp_path, run_import):
    page = json.loads((TREE / "rest" / PAGED / "page-2.json").read_text())
    del page["conversationEntries"][1]["sender"]["subject"]
    source = tmp_path / f"{PAGED}.json"
    source.write_text(json.dumps(page))
    done = run_import("sf-entries", source, "--out", tmp_path / "x.parquet")
    assert done.err == (
        f"error: {source}, conversationEntries[1].sender.subject: an agent entry without a "
        "subject (the agent's Salesforce user id); pass --agent-id 005... to send such entries "
        "with that id; fix the file, or pass --on-invalid skip to skip such files\n"
    )
    out = tmp_path / "entries.parquet"
    done = run_import("sf-entries", source, "--out", out, "--agent-id", "005Hs0000OTHERxyz")
    assert done.code == 0, done.err
    assert [row[1] for row in rows(out) if row[6] == "HUMAN_AGENT"] == ["005Hs0000OTHERxyz"]
