"""`replay anonymize` end to end in-process: files in, files out, messages, exit codes."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from replay import cli
from replay.anonymize import source
from replay.anonymize.keys import write_new_key
from replay.dataset import load_transcripts

from .corpus import planted

SAMPLE = Path(__file__).resolve().parents[2] / "datasets" / "sample.parquet"
BASE_MS = 1_764_086_400_000


@pytest.fixture
def key(tmp_path) -> Path:
    """A fixed key, so each test's output is the same in every run."""
    path = tmp_path / "anonymize.key"
    path.write_text("5f" * 32 + "\n")
    path.chmod(0o600)
    return path


def _corpus_dataset(path: Path) -> tuple[Path, list]:
    items = planted(seed=5, per_kind=150)
    rows = []
    for number, item in enumerate(items):
        call = str(uuid.UUID(int=number // 40 + 1, version=4))
        start = BASE_MS + number * 1_000
        rows.append({
            "vendorCallKey": call, "participantId": f"{call}END_USER",
            "messageId": str(uuid.UUID(int=10_000 + number, version=4)),
            "startTime": start, "endTime": start + 800, "content": item.text,
            "senderType": "END_USER",
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path, items


def _main(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["anonymize", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_no_planted_value_is_anywhere_in_the_output_files_bytes(tmp_path, key, capsys):
    """Every value is gone from its utterance; and from the file's bytes, every value long enough
    (8 letters or digits) not to turn up by chance inside the times and the hexadecimal ids."""
    dataset, items = _corpus_dataset(tmp_path / "corpus.csv")
    code, _, err = _main(capsys, dataset, "--out", tmp_path / "safe.csv", "--key-file", key)
    assert code == 0, err
    written = (tmp_path / "safe.csv").read_bytes()
    long_values = [item.value for item in items if len(re.sub(r"\W", "", item.value)) >= 8]
    assert len(long_values) > len(items) * 0.7
    assert [value for value in long_values if value.encode() in written] == []
    digits = re.sub(r"[^0-9]", "", written.decode())
    long_digits = [re.sub(r"[^0-9]", "", value) for value in long_values]
    assert [d for d in long_digits if len(d) >= 12 and d in digits] == []
    contents = load_transcripts(tmp_path / "safe.csv").table.sort_values("row")["content"]
    assert len(contents) == len(items)
    for item, content in zip(items, contents, strict=True):
        assert item.value not in content


def test_the_report_counts_rows_ids_and_replacements_and_shows_nothing_else(tmp_path, key, capsys):
    dataset, items = _corpus_dataset(tmp_path / "corpus.parquet")
    code, out, err = _main(capsys, dataset, "--out", tmp_path / "safe.parquet", "--key-file", key)
    assert code == 0, err
    assert out.splitlines()[:3] == [
        f"wrote {tmp_path / 'safe.parquet'}: anonymized {dataset}",
        f"  rows               {len(items):,}",
        f"  ids rewritten      30 vendorCallKeys, 30 participantIds, {len(items):,} messageIds",
    ]
    assert out.splitlines()[3].startswith(f"  content            masked: {len(items):,} utterances")
    assert out.splitlines()[4] == "  times              unchanged"
    for item in items:
        assert item.value not in out + err
    assert key.read_text().strip() not in out + err


def test_output_is_a_valid_dataset_with_the_same_rows_for_every_format(tmp_path, key, capsys):
    for name in ("safe.parquet", "safe.csv", "safe.csv.gz"):
        code, _, err = _main(capsys, SAMPLE, "--out", tmp_path / name, "--key-file", key)
        assert code == 0, err
        loaded = load_transcripts(tmp_path / name)
        assert loaded.messages == 5_010 and loaded.calls == 100


def test_parquet_streams_batch_by_batch_with_the_same_result(tmp_path, key, capsys, monkeypatch):
    _main(capsys, SAMPLE, "--out", tmp_path / "whole.parquet", "--key-file", key)
    monkeypatch.setattr(source, "BATCH_ROWS", 300)
    _main(capsys, SAMPLE, "--out", tmp_path / "batched.parquet", "--key-file", key)
    assert pq.ParquetFile(tmp_path / "batched.parquet").metadata.num_row_groups > 1
    whole = pq.read_table(tmp_path / "whole.parquet")
    assert pq.read_table(tmp_path / "batched.parquet").equals(whole)


def test_shift_to_moves_the_earliest_start_to_the_given_time(tmp_path, key, capsys):
    code, out, _ = _main(capsys, SAMPLE, "--out", tmp_path / "safe.parquet", "--key-file", key,
                         "--shift-to", "2026-01-05T09:00:00Z", "--content", "keep")  # fmt: skip
    assert code == 0
    before, after = pq.read_table(SAMPLE), pq.read_table(tmp_path / "safe.parquet")
    assert after["startTime"].to_numpy().min() == 1_767_603_600_000
    offset = after["startTime"].to_numpy() - before["startTime"].to_numpy()
    assert (offset == offset[0]).all()
    assert "shifted by +" in out


def test_an_invalid_dataset_gets_replay_validates_message_and_no_output(tmp_path, key, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "vendorCallKey,participantId,messageId,startTime,endTime,content,senderType\n"
        "c1,c1END_USER,m1,1764086400000,1764086401000,hello,END_USER\n"
        "c1,c1END_USER,m2,yesterday,1764086402000,hi,agent\n"
    )
    assert cli.main(["validate", str(bad)]) == 2
    expected = capsys.readouterr().err
    code, _, err = _main(capsys, bad, "--out", tmp_path / "safe.parquet", "--key-file", key)
    assert code == 2
    assert err == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anonymize.key", "bad.csv"]


def test_a_messageid_repeated_across_batches_is_found_like_replay_validate_does(
    tmp_path, key, capsys, monkeypatch
):
    frame = pq.read_table(SAMPLE).to_pandas()
    frame.loc[4_000, ["vendorCallKey", "messageId"]] = frame.loc[0, ["vendorCallKey", "messageId"]]
    dataset = tmp_path / "repeats.parquet"
    frame.to_parquet(dataset)
    monkeypatch.setattr(source, "BATCH_ROWS", 1_000)
    assert cli.main(["validate", str(dataset)]) == 2
    expected = capsys.readouterr().err
    code, _, err = _main(capsys, dataset, "--out", tmp_path / "safe.parquet", "--key-file", key)
    assert (code, err) == (2, expected)
    assert "repeats the messageId of row 1" in err
    assert not (tmp_path / "safe.parquet").exists()


def test_a_missing_dataset_is_reported_as_replay_validate_reports_it(tmp_path, key, capsys):
    code, _, err = _main(capsys, tmp_path / "nope.parquet", "--out", tmp_path / "o.parquet",
                         "--key-file", key)  # fmt: skip
    assert (code, err) == (2, f"error: {tmp_path / 'nope.parquet'}: no such file or directory; "
                              "check the path\n")  # fmt: skip


def test_without_a_key_file_it_says_how_to_make_one(tmp_path, capsys):
    code, _, err = _main(capsys, SAMPLE, "--out", tmp_path / "o.parquet")
    assert code == 2
    assert err == ("error: --key-file is required; make a key once with: "
                   "replay anonymize --new-key PATH\n")  # fmt: skip


def test_an_unknown_output_type_is_refused_before_reading(tmp_path, key, capsys):
    code, _, err = _main(capsys, SAMPLE, "--out", tmp_path / "o.json", "--key-file", key)
    assert (code, err) == (2, f"error: --out {tmp_path / 'o.json'}: expected a file name ending "
                              ".parquet, .csv, .csv.gz\n")  # fmt: skip


def test_new_key_writes_a_key_and_says_where(tmp_path, capsys):
    code, out, _ = _main(capsys, "--new-key", tmp_path / "fresh.key")
    assert code == 0
    assert out == f"wrote a new key to {tmp_path / 'fresh.key'} (mode 0600); keep it secret\n"
    assert (tmp_path / "fresh.key").read_text().strip() not in out


def test_new_key_with_a_dataset_is_refused(tmp_path, capsys):
    code, _, err = _main(capsys, SAMPLE, "--new-key", tmp_path / "fresh.key")
    assert code == 2 and "--new-key writes a key and nothing else" in err
    assert not (tmp_path / "fresh.key").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shift-to", "next tuesday"], "error: --shift-to 'next tuesday' is not an ISO 8601 "
                                         "time; write e.g. 2026-01-05T09:00:00Z\n"),
        (["--shift-to", "1969-12-31"], "error: --shift-to '1969-12-31' is before 1970; "
                                       "timestamps cannot be\n"),
        (["--phone-region", "XX"], "error: --phone-region 'XX' is not a country code "
                                   "phonenumbers knows; write e.g. US, GB, DE\n"),
        (["--max-content-length", "0"], "error: --max-content-length must be at least 1, "
                                        "got 0\n"),
    ],
)  # fmt: skip
def test_bad_option_values_exit_2_with_a_message(tmp_path, key, capsys, args, message):
    code, _, err = _main(capsys, SAMPLE, "--out", tmp_path / "o.parquet", "--key-file", key, *args)
    assert (code, err) == (2, message)
    assert not (tmp_path / "o.parquet").exists()


def test_an_unknown_content_mode_is_refused_by_the_parser(tmp_path, key, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["anonymize", str(SAMPLE), "--out", str(tmp_path / "o.parquet"),
                  "--key-file", str(key), "--content", "scramble"])  # fmt: skip
    assert exit_.value.code == 2
    assert "argument --content: invalid choice: 'scramble'" in capsys.readouterr().err


def test_the_same_key_gives_the_same_ids_for_two_files_of_the_same_calls(tmp_path, key, capsys):
    other = write_new_key(tmp_path / "other.key")
    csv = SAMPLE.with_suffix(".csv")
    _main(capsys, SAMPLE, "--out", tmp_path / "a.parquet", "--key-file", key)
    _main(capsys, csv, "--out", tmp_path / "b.csv", "--key-file", key, "--content", "keep")
    _main(capsys, SAMPLE, "--out", tmp_path / "c.parquet", "--key-file", other)
    first = pq.read_table(tmp_path / "a.parquet").to_pandas()
    second = pd.read_csv(tmp_path / "b.csv")
    third = pq.read_table(tmp_path / "c.parquet").to_pandas()
    for name in ("vendorCallKey", "participantId", "messageId"):
        assert first[name].tolist() == second[name].tolist()
        assert not set(first[name]) & set(third[name])


def test_out_naming_the_input_is_refused_and_the_input_is_untouched(tmp_path, key, capsys):
    dataset = tmp_path / "calls.parquet"
    dataset.write_bytes(SAMPLE.read_bytes())
    code, _, err = _main(capsys, str(dataset), "--out", str(dataset),
                         "--key-file", str(key))
    assert code == 2
    assert err == (f"error: --out {dataset} is the dataset being anonymized: write the "
                   "anonymized copy to another file (the input is never replaced)\n")
    assert dataset.read_bytes() == SAMPLE.read_bytes()
