"""Every validation rule has its own message, pinned exactly: file, row, column, value, expected."""

from __future__ import annotations

import pytest

from replay.dataset import LoadOptions, load_transcripts
from replay.errors import DatasetError

from .files import HEADER, good_rows, rows_as_columns, write_csv, write_parquet

TIME_HINT = "(e.g. 1764086400000 or 2025-11-25T16:00:00Z)"
SENDERS = "END_USER, HUMAN_AGENT, VIRTUAL_AGENT, SUPERVISOR, EXTERNAL_USER"


def _error(path: str, **options) -> str:
    with pytest.raises(DatasetError) as raised:
        load_transcripts(path, LoadOptions(**options))
    return str(raised.value)


def _problem_lines(message: str) -> list[str]:
    return [line.strip() for line in message.splitlines()[1:]]


def _with(row: int, field: str, value: str) -> list[list[str]]:
    """The good rows with one CSV row's field replaced (row 2 is the first data row)."""
    rows = good_rows()
    rows[row - 2][HEADER.index(field)] = value
    return rows


@pytest.mark.parametrize(
    ("row", "field", "value", "expected"),
    [
        (3, "startTime", "yesterday",
         f"datasets/calls.csv, row 3, column startTime: 'yesterday' is not epoch milliseconds "
         f"or ISO 8601 {TIME_HINT}"),
        (2, "endTime", "1764086401000.0",
         f"datasets/calls.csv, row 2, column endTime: '1764086401000.0' is not epoch "
         f"milliseconds or ISO 8601 {TIME_HINT}"),
        (2, "startTime", "-5",
         "datasets/calls.csv, row 2, column startTime: '-5' is before 1970-01-01T00:00:00Z; "
         "expected epoch milliseconds or ISO 8601 after the Unix epoch"),
        (2, "startTime", "1969-12-31T23:00:00Z",
         "datasets/calls.csv, row 2, column startTime: '1969-12-31T23:00:00Z' is before "
         "1970-01-01T00:00:00Z; expected epoch milliseconds or ISO 8601 after the Unix epoch"),
        (4, "endTime", "1764086400000",
         "datasets/calls.csv, row 4, column endTime: '1764086400000' is before startTime "
         "'1764086400500'; expected endTime >= startTime"),
        (3, "senderType", "agent",
         f"datasets/calls.csv, row 3, column senderType: 'agent' is not a senderType; "
         f"expected one of {SENDERS}"),
        (3, "messageId", "m1",
         "datasets/calls.csv, row 3, column messageId: 'm1' repeats the messageId of row 2 in "
         "call 'c1'; expected messageIds unique within a call"),
        (2, "vendorCallKey", "",
         "datasets/calls.csv, row 2, column vendorCallKey: empty value; expected a "
         "vendorCallKey in every row"),
        (4, "participantId", "  ",
         "datasets/calls.csv, row 4, column participantId: empty value; expected a "
         "participantId in every row"),
        (2, "startTime", "",
         "datasets/calls.csv, row 2, column startTime: empty value; expected a startTime in "
         "every row"),
        (3, "content", " \t",
         "datasets/calls.csv, row 3, column content: empty content; expected the utterance's "
         "text"),
    ],
)  # fmt: skip
def test_each_rule_names_file_row_column_value_and_expectation(in_tmp, row, field, value, expected):
    path = write_csv(_with(row, field, value))
    assert _problem_lines(_error(path)) == [expected]


def test_content_over_the_limit_names_its_length_and_the_option(in_tmp):
    path = write_csv(good_rows())
    message = _error(path, max_content_length=10)
    assert _problem_lines(message) == [
        "datasets/calls.csv, row 3, column content: 'Hi, how can I help?' is 19 characters; "
        "expected at most 10 (raise --max-content-length to allow longer content)"
    ]


def test_the_message_starts_with_the_counts_and_the_way_out(in_tmp):
    rows = _with(3, "senderType", "agent")
    rows[0][HEADER.index("startTime")] = "soon"
    message = _error(write_csv(rows))
    assert message.splitlines()[0] == (
        "datasets/calls.csv: 2 problems in 2 rows; fix them, or pass --on-invalid skip to drop "
        "those rows:"
    )


def test_long_values_are_shortened_and_control_characters_escaped(in_tmp):
    rows = _with(2, "senderType", "a\nb" + "x" * 60)
    line = _problem_lines(_error(write_csv(rows)))[0]
    assert line.startswith(
        "datasets/calls.csv, row 2, column senderType: 'a\\nb" + "x" * 35 + "…' is not"
    )


def test_at_most_twenty_problems_are_listed_then_how_many_more(in_tmp):
    rows = [
        [f"c{n}", f"c{n}END_USER", "m1", "later", "1764086401000", "Hi", "END_USER"]
        for n in range(25)
    ]
    lines = _problem_lines(_error(write_csv(rows)))
    assert len(lines) == 21
    assert lines[0].startswith("datasets/calls.csv, row 2, column startTime: 'later'")
    assert lines[19].startswith("datasets/calls.csv, row 21, column startTime: 'later'")
    assert lines[20] == "and 5 more"


def test_problems_are_listed_in_row_then_column_order(in_tmp):
    rows = _with(4, "content", "")
    rows[2][HEADER.index("vendorCallKey")] = ""
    rows[0][HEADER.index("senderType")] = "bot"
    lines = _problem_lines(_error(write_csv(rows)))
    assert [line.split(":")[0] for line in lines] == [
        "datasets/calls.csv, row 2, column senderType",
        "datasets/calls.csv, row 4, column vendorCallKey",
        "datasets/calls.csv, row 4, column content",
    ]


def test_a_quoted_line_break_does_not_shift_the_row_number(in_tmp):
    rows = _with(2, "content", "first line\nsecond line\nthird")
    rows[2][HEADER.index("senderType")] = "customer"
    lines = _problem_lines(_error(write_csv(rows)))
    assert lines[0].startswith("datasets/calls.csv, row 4, column senderType: 'customer'")


def test_blank_lines_are_ignored_but_keep_their_row_numbers(in_tmp):
    path = in_tmp / "datasets/calls.csv"
    path.write_text(
        ",".join(HEADER) + "\n\n"
        "c1,c1END_USER,m1,1764086400000,1764086401000,Hello,END_USER\n\n"
        "c1,c1END_USER,m2,1764086402000,1764086403000,Bye,nobody\n"
    )
    lines = _problem_lines(_error("datasets/calls.csv"))
    assert lines == [
        "datasets/calls.csv, row 5, column senderType: 'nobody' is not a senderType; "
        f"expected one of {SENDERS}"
    ]


def test_a_mapped_column_is_named_as_in_the_file(in_tmp):
    header = ("ContactId", *HEADER[1:])
    path = write_csv(_with(2, "vendorCallKey", ""), header=header)
    lines = _problem_lines(_error(path, column_map={"vendorCallKey": "ContactId"}))
    assert lines == [
        "datasets/calls.csv, row 2, column ContactId (mapped to vendorCallKey): empty value; "
        "expected a vendorCallKey in every row"
    ]


def test_parquet_rows_are_counted_from_one(in_tmp):
    columns = rows_as_columns(_with(3, "senderType", "AGENT"))
    columns["startTime"] = [int(value) for value in columns["startTime"]]
    columns["endTime"] = [int(value) for value in columns["endTime"]]
    lines = _problem_lines(_error(write_parquet(columns)))
    assert lines == [
        "datasets/calls.parquet, row 2, column senderType: 'AGENT' is not a senderType; "
        f"expected one of {SENDERS}"
    ]


def test_parquet_numbers_are_quoted_without_quotes(in_tmp):
    columns = rows_as_columns(good_rows())
    columns["startTime"] = [1764086400000, -1, 1764086400500]
    columns["endTime"] = [int(value) for value in columns["endTime"]]
    lines = _problem_lines(_error(write_parquet(columns)))
    assert lines == [
        "datasets/calls.parquet, row 2, column startTime: -1 is before 1970-01-01T00:00:00Z; "
        "expected epoch milliseconds or ISO 8601 after the Unix epoch"
    ]


def test_a_directory_names_the_file_inside_it(in_tmp):
    good = rows_as_columns(good_rows())
    write_parquet(good, "datasets/export/part-0.parquet")
    bad = rows_as_columns([["c9", "c9END_USER", "m1", "1", "2", "", "END_USER"]])
    write_parquet(bad, "datasets/export/part-1.parquet")
    lines = _problem_lines(_error("datasets/export"))
    assert lines == [
        "datasets/export/part-1.parquet, row 1, column content: empty content; expected the "
        "utterance's text"
    ]


def test_a_repeat_across_files_names_the_first_file(in_tmp):
    write_parquet(rows_as_columns(good_rows()), "datasets/export/a.parquet")
    write_parquet(rows_as_columns(good_rows()[:1]), "datasets/export/b.parquet")
    lines = _problem_lines(_error("datasets/export"))
    assert lines == [
        "datasets/export/b.parquet, row 1, column messageId: 'm1' repeats the messageId of "
        "datasets/export/a.parquet, row 1 in call 'c1'; expected messageIds unique within a call"
    ]
