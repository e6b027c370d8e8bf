"""Time base: contact-record exports, --start-at layouts and file-name timestamps."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from replay.errors import ConfigError
from replay.importers.model import Call, SourceProblem
from replay.importers.sources import Source
from replay.importers.timebase import TimeBase, TimeBaseOptions, name_time_ms

from .conftest import BUCKET

SOURCE = Source("exports/c-1_analysis_2025-11-25T09:14:03Z.json")


def _call(contact: str) -> Call:
    return Call(call_key=f"key-{contact}", offsets=True, contact_id=contact)


def test_json_lines_contact_records_are_read_through_a_dotted_time_column(tmp_path):
    records = tmp_path / "ctr.jsonl"
    records.write_text(
        '{"ContactId": "c-1", "InitiationTimestamp": "2025-11-25T09:00:00Z", '
        '"Agent": {"ConnectedToAgentTimestamp": "2025-11-25T09:00:42.500Z"}}\n'
        "\n"
        '{"ContactId": "c-2", "InitiationTimestamp": "2025-11-25T09:05:00Z", "Agent": null}\n'
    )
    base = TimeBase(TimeBaseOptions(contact_times=str(records),
                                    time_column="Agent.ConnectedToAgentTimestamp"))
    assert base.start_ms(_call("c-1"), SOURCE) == 1764061242500
    with pytest.raises(SourceProblem) as problem:
        base.start_ms(_call("c-2"), SOURCE)
    assert str(problem.value) == (
        f"contact c-2 is not in {records} (or has no Agent.ConnectedToAgentTimestamp)")
    assert (problem.value.reason, problem.value.fix) == ("no contact time", f"add it to {records}")


def test_a_csv_export_with_other_column_names(tmp_path):
    records = tmp_path / "contacts.csv"
    records.write_text("Contact id,Started\nc-9,1764061200000\n")
    base = TimeBase(TimeBaseOptions(contact_times=str(records), id_column="Contact id",
                                    time_column="Started"))
    assert base.start_ms(_call("c-9"), SOURCE) == 1764061200000


def test_a_bad_time_in_the_contact_records_names_the_line_and_column(tmp_path):
    records = tmp_path / "contacts.csv"
    records.write_text("ContactId,InitiationTimestamp\nc-1,2025-11-25T09:00:00Z\nc-2,yesterday\n")
    with pytest.raises(ConfigError) as error:
        TimeBase(TimeBaseOptions(contact_times=str(records)))
    assert str(error.value) == (
        f"--contact-times {records}, line 3, InitiationTimestamp: 'yesterday' is not a time; "
        "expected ISO 8601 (2025-11-25T09:00:00Z) or epoch milliseconds")


def test_records_without_the_columns_are_a_clear_error(tmp_path):
    records = tmp_path / "contacts.csv"
    records.write_text("Id,Time\nc-1,2025-11-25T09:00:00Z\n")
    with pytest.raises(ConfigError) as error:
        TimeBase(TimeBaseOptions(contact_times=str(records)))
    assert str(error.value) == (
        f"--contact-times {records}: no record has both ContactId and InitiationTimestamp; "
        "name the columns with --id-column and --time-column")


def test_start_at_lays_calls_out_in_the_order_they_are_asked_for():
    start = datetime(2025, 11, 25, 9, tzinfo=UTC)
    base = TimeBase(TimeBaseOptions(start_at=start, spacing_s=2.5))
    assert [base.start_ms(_call(str(n)), SOURCE) for n in range(3)] == [
        1764061200000, 1764061202500, 1764061205000]


@pytest.mark.parametrize(("name", "expected"), [
    ("c-1_analysis_2025-11-25T09:14:03Z.json", 1764062043000),
    ("c-1_analysis_redacted_2025-11-25T09:14:03.250Z.json", 1764062043250),
    ("c-1_20251125T09:14_UTC.wav", 1764062040000),
    ("call-0192.json", None),
    ("c-1_analysis_2025-13-45T09:14:03Z.json", None),
])
def test_file_name_timestamps(name, expected):
    assert name_time_ms(name) == expected


def test_a_file_name_without_a_timestamp_asks_for_a_time_base():
    with pytest.raises(SourceProblem) as problem:
        TimeBase(TimeBaseOptions()).start_ms(_call("c"), Source("x/call.json"))
    assert problem.value.message == (
        "the file name carries no timestamp to place the call in time; pass --contact-times "
        "PATH or --start-at ISO8601")


def test_two_time_bases_at_once_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="choose one"):
        TimeBaseOptions(contact_times="x.csv", start_at=datetime(2025, 1, 1, tzinfo=UTC))


def test_contact_records_are_read_from_s3_gzipped(s3):
    lines = b'{"ContactId": "c-1", "InitiationTimestamp": "2025-11-25T09:00:00Z"}\n'
    s3.upload({"ctr/2025/11/25/records.jsonl.gz": gzip.compress(lines)})
    done = s3.python("""
        import sys
        from replay.importers.model import Call
        from replay.importers.sources import Source
        from replay.importers.timebase import TimeBase, TimeBaseOptions
        base = TimeBase(TimeBaseOptions(contact_times=sys.argv[1]))
        call = Call(call_key="key-c-1", offsets=True, contact_id="c-1")
        print(base.start_ms(call, Source(sys.argv[2])))
    """, f"s3://{BUCKET}/ctr/2025/11/25/records.jsonl.gz", SOURCE.display)
    assert done.code == 0, done.err
    assert done.out == "1764061200000\n"


def test_a_json_array_of_contact_records_is_read_too(tmp_path):
    records = tmp_path / "contacts.json"
    records.write_text('[{"ContactId": "c-1", "InitiationTimestamp": 1764061200000}]')
    base = TimeBase(TimeBaseOptions(contact_times=str(records)))
    assert base.start_ms(_call("c-1"), SOURCE) == 1764061200000


def test_missing_contact_records_are_a_clear_error(tmp_path):
    with pytest.raises(ConfigError) as error:
        TimeBase(TimeBaseOptions(contact_times=str(tmp_path / "nope.csv")))
    assert str(error.value) == f"--contact-times {tmp_path / 'nope.csv'}: no such file"
