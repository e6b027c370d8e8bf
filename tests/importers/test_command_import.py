"""`replay import`: options checked at the edge, determinism, output `replay validate` takes."""

from __future__ import annotations

import pytest

from replay.cli import main
from replay.importers import ImportOptions, TimeBaseOptions, format_module, import_sources
from replay.importers.speakers import Agents
from replay.importers.timebase import parse_instant

from .conftest import AGENT, FIXTURES, START


def test_importing_the_same_sources_twice_gives_identical_bytes_that_validate_accepts(
    tmp_path, run_import, capsys
):
    outs = []
    for name in ("first", "second"):
        out = tmp_path / f"{name}.parquet"
        done = run_import("contact-lens", FIXTURES / "contact-lens", "--out", out,
                          "--agent-id", AGENT, "--start-at", START)
        assert done.code == 0, done.err
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert main(["validate", str(outs[0])]) == 0
    assert f"{outs[0]}: valid" in capsys.readouterr().out


def test_prepare_also_writes_a_prepared_directory_of_the_imported_rows(tmp_path, run_import):
    import pyarrow.parquet as pq

    from replay.dataset.prepared import open_prepared

    out, prepared = tmp_path / "calls.parquet", tmp_path / "prepared"
    done = run_import("contact-lens", FIXTURES / "contact-lens", "--out", out,
                      "--agent-id", AGENT, "--start-at", START, "--prepare", prepared)
    assert done.code == 0, done.err
    rows = pq.read_table(out).num_rows
    assert f"prepared {prepared}: {rows:,} messages in " in done.out
    assert open_prepared(prepared).manifest["messages"] == rows


@pytest.mark.parametrize(("argv", "message"), [
    (["transcribe", "--redacted"], "--redacted does not apply to transcribe; it is read by "
     "contact-lens"),
    (["sf-entries", "--start-at", START], "--start-at does not apply to sf-entries; it is read "
     "by contact-lens, transcribe, webvtt"),
    (["contact-lens", "--turn-gap", "2"], "--turn-gap does not apply to contact-lens; it is "
     "read by transcribe"),
    (["contact-lens", "--spacing", "5"], "--spacing needs --start-at (the instant the first "
     "call starts)"),
    (["contact-lens", "--start-at", "9am"], "--start-at '9am' is not an ISO 8601 time; write "
     "e.g. 2025-11-25T09:00:00Z"),
    (["contact-lens", "--time-column", "X"], "--time-column and --id-column need "
     "--contact-times"),
    (["transcribe", "--speakers", "spk_0=AGENT"], "--speakers: 'AGENT' (for spk_0) is not a "
     "sender type; expected one of END_USER, HUMAN_AGENT, VIRTUAL_AGENT, SUPERVISOR, "
     "EXTERNAL_USER"),
    (["transcribe", "--speakers", "spk_0"], "--speakers: 'spk_0' is not LABEL=SENDERTYPE; "
     "write e.g. --speakers spk_0=HUMAN_AGENT,spk_1=END_USER"),
    (["contact-lens", "--agent-as", "virtual", "--call-keys", "/nonexistent/keys.csv"],
     "--call-keys /nonexistent/keys.csv: no such file"),
])
def test_options_are_checked_before_any_file_is_read(tmp_path, run_import, argv, message):
    format_name, *options = argv
    done = run_import(format_name, tmp_path, "--out", tmp_path / "x.parquet", *options)
    assert done.code == 2
    assert done.err == f"error: {message}\n"


@pytest.mark.parametrize(("out", "message"), [
    ("a-dir.parquet", "--out {tmp}/a-dir.parquet: is a directory; give the path of the file to "
                      "write, e.g. calls.parquet"),
    ("a-file/calls.parquet", "--out {tmp}/a-file/calls.parquet: {tmp}/a-file is not a "
                             "directory; give a path in a folder you can write to"),
    ("calls.csv", "--out {tmp}/calls.csv: expected a file name ending .parquet"),
])
def test_a_bad_out_is_refused_before_the_time_base_warning_or_any_source(tmp_path, run_import,
                                                                         out, message):
    (tmp_path / "a-dir.parquet").mkdir()
    (tmp_path / "a-file").write_text("in the way")
    done = run_import("contact-lens", FIXTURES / "contact-lens", "--out", tmp_path / out,
                      "--agent-as", "virtual")  # no --start-at: the file-name time base
    assert done.code == 2
    assert done.err == f"error: {message.format(tmp=tmp_path)}\n"


def test_a_progress_bar_is_drawn_when_asked_for(tmp_path, capsys):
    options = ImportOptions(format="contact-lens", agents=Agents(agent_as="virtual"))
    times = TimeBaseOptions(start_at=parse_instant(START))
    report = import_sources(format_module("contact-lens"), [str(FIXTURES / "contact-lens")],
                            tmp_path / "x.parquet", options, times, progress=True)
    assert report.messages == 10
    assert "0/4 [" in capsys.readouterr().err  # 4 files after the redacted twin is set aside
