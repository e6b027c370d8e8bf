"""`replay generate`: writes the file it is told to, deterministically; bad options exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from replay import cli
from replay.dataset import load_transcripts

REPOSITORY = Path(__file__).resolve().parents[2]


def test_generate_writes_a_dataset_that_validates(tmp_path, capsys):
    out = tmp_path / "calls.csv.gz"
    argv = ["generate", "--calls", "12", "--seed", "3", "--start", "2025-11-25T09:00:00Z",
            "--hours", "1", "--out", str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    transcripts = load_transcripts(out)
    assert transcripts.calls == 12
    assert capsys.readouterr().out == f"wrote {out}: 12 calls, {transcripts.messages:,} messages\n"
    first = transcripts.table["startTime"].min()
    assert 1764061200000 <= first < 1764061200000 + 3_600_000


def test_the_bundled_sample_is_what_its_documented_command_writes(tmp_path):
    out = tmp_path / "sample.csv"
    argv = ["generate", "--calls", "100", "--seed", "7", "--start", "2025-11-25T09:00:00Z",
            "--hours", "1", "--out", str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    assert out.read_bytes() == (REPOSITORY / "datasets/sample.csv").read_bytes()


def test_a_naive_start_means_utc(tmp_path):
    out = tmp_path / "a.parquet"
    assert cli.main(["generate", "--calls", "2", "--start", "2025-11-25T09:00:00",
                     "--hours", "0.1", "--out", str(out)]) == 0  # fmt: skip
    assert load_transcripts(out).table["startTime"].min() >= 1764061200000


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--calls", "0"], "error: --calls must be at least 1, not 0\n"),
        (["--calls", "5", "--start", "tomorrow"],
         "error: --start 'tomorrow' is not an ISO 8601 time; write e.g. 2025-11-25T08:00:00Z\n"),
        (["--calls", "5", "--hours", "0"],
         "error: --hours must be a positive number of hours, not 0.0\n"),
    ],
)  # fmt: skip
def test_bad_options_exit_2_with_a_message(tmp_path, capsys, argv, expected):
    assert cli.main(["generate", *argv, "--out", str(tmp_path / "x.csv")]) == 2
    assert capsys.readouterr().err == expected
    assert not (tmp_path / "x.csv").exists()


def test_an_unknown_output_type_exits_2(tmp_path, capsys):
    assert cli.main(["generate", "--calls", "1", "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "unknown file type" in capsys.readouterr().err


def test_a_directory_as_out_exits_2_before_generating(tmp_path, capsys):
    (tmp_path / "x.parquet").mkdir()
    out = str(tmp_path / "x.parquet")
    assert cli.main(["generate", "--calls", "1", "--out", out]) == 2
    assert capsys.readouterr().err == (f"error: --out {out}: is a directory; give the path of "
                                       "the file to write, e.g. transcripts.parquet\n")


def test_an_unwritable_out_exits_2_and_leaves_nothing(tmp_path, capsys):
    (tmp_path / "file").write_text("a file where a folder should be")
    out = str(tmp_path / "file" / "x.parquet")
    assert cli.main(["generate", "--calls", "1", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out {out}: cannot write it (")
    assert err.endswith("); give a path in a folder you can write to\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
