"""Column maps from --map and from a TOML file; unknown fields and bad syntax are refused."""

from __future__ import annotations

import pytest

from replay.dataset import LoadOptions, load_column_map_file, load_transcripts, parse_column_map
from replay.errors import ConfigError, DatasetError

from .files import HEADER, good_rows, write_csv

FIELD_LIST = ", ".join(HEADER)


def test_a_map_option_pairs_fields_with_columns():
    assert parse_column_map(" vendorCallKey = ContactId ,content=Text,") == {
        "vendorCallKey": "ContactId",
        "content": "Text",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vendorCallKey", "--map: 'vendorCallKey' is not field=column; write e.g. "
         "--map vendorCallKey=ContactId,content=Text"),
        ("content=", "--map: 'content=' is not field=column; write e.g. "
         "--map vendorCallKey=ContactId,content=Text"),
        ("callKey=ContactId", f"--map: unknown field 'callKey'; expected one of {FIELD_LIST}"),
    ],
)  # fmt: skip
def test_a_bad_map_option_is_refused(text, expected):
    with pytest.raises(ConfigError) as raised:
        parse_column_map(text)
    assert str(raised.value) == expected


def test_a_map_file_reads_its_columns_table(tmp_path):
    path = tmp_path / "export.toml"
    path.write_text('[columns]\nvendorCallKey = "ContactId"\nstartTime = "Begin Offset"\n')
    assert load_column_map_file(path) == {"vendorCallKey": "ContactId", "startTime": "Begin Offset"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vendorCallKey = ", "not valid TOML"),
        ('[cols]\nvendorCallKey = "x"\n', 'expected a [columns] table, e.g. [columns] '
         'vendorCallKey = "ContactId"'),
        ('[columns]\ncallKey = "x"\n', f"unknown field 'callKey'; expected one of {FIELD_LIST}"),
        ("[columns]\ncontent = 5\n", "content must name a column as a non-empty string, not 5"),
    ],
)  # fmt: skip
def test_a_bad_map_file_is_refused(tmp_path, text, expected):
    path = tmp_path / "export.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_column_map_file(path)
    assert str(raised.value).startswith(f"{path}: {expected}")


def test_a_missing_map_file_is_named(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_column_map_file(tmp_path / "nope.toml")
    assert str(raised.value) == f"{tmp_path / 'nope.toml'}: no such column map file"


def test_mapped_columns_are_read_under_the_api_names(in_tmp):
    header = ("ContactId", "participantId", "messageId", "Begin", "End", "Text", "senderType")
    path = write_csv(good_rows(), header=header)
    column_map = {"vendorCallKey": "ContactId", "startTime": "Begin", "endTime": "End",
                  "content": "Text"}  # fmt: skip
    table = load_transcripts(path, LoadOptions(column_map=column_map)).table
    assert list(table.columns) == [*HEADER, "row"]
    assert table["vendorCallKey"].tolist() == ["c1", "c1", "c2"]
    assert table["content"].tolist() == ["Hello", "Hi, how can I help?", "Yes"]


def test_one_column_may_feed_two_fields(in_tmp):
    header = ("vendorCallKey", "participantId", "messageId", "At", "endTime", "content",
              "senderType")  # fmt: skip
    rows = good_rows()
    for row in rows:
        row[4] = row[3]
    path = write_csv(rows, header=header)
    options = LoadOptions(column_map={"startTime": "At", "endTime": "At"})
    table = load_transcripts(path, options).table
    assert (table["startTime"] == table["endTime"]).all()


def test_a_mapped_column_missing_from_the_file_names_both(in_tmp):
    path = write_csv(good_rows())
    with pytest.raises(DatasetError) as raised:
        load_transcripts(path, LoadOptions(column_map={"content": "Text"}))
    assert str(raised.value) == (
        "datasets/calls.csv: missing required column Text (for content); columns found: "
        f"{', '.join(HEADER)}. Rename the columns in the file, or map them with --map "
        "field=column (e.g. --map vendorCallKey=ContactId)"
    )
