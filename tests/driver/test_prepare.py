"""Blocking work in gevent's threadpool: results come back, and errors come back unprinted.

gevent's hub prints the traceback of any exception raised inside a threadpool task; a dataset
error must reach the user as one `error: ...` line, so the task hands its error back instead.
"""

from __future__ import annotations

import pytest

from replay.dataset import LoadOptions, load_transcripts
from replay.driver.prepare import in_thread
from replay.errors import DatasetError

HEADER = "vendorCallKey,participantId,messageId,startTime,endTime,content,senderType\n"


def test_in_thread_returns_the_functions_result():
    assert in_thread(divmod, 7, 2) == (3, 1)


def test_a_dataset_error_in_the_threadpool_is_raised_on_the_loop_side_unprinted(tmp_path, capfd):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "c1,p,m1,yesterday,1764086400000,hi,END_USER\n")
    with pytest.raises(DatasetError, match="row 2, column startTime"):
        in_thread(load_transcripts, str(path), LoadOptions())
    err = capfd.readouterr().err
    assert "Traceback" not in err and "failed with" not in err, err


def test_prepare_leaves_the_process_wide_state_alone():
    """The garbage collector and gevent's hub are the program's edge's (replay.driver.runtime)."""
    import gc
    from pathlib import Path

    import gevent

    from replay.driver.options import ReplayConfig
    from replay.driver.prepare import prepare

    sample = Path(__file__).resolve().parents[2] / "datasets" / "sample.parquet"
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    hub_errors = vars(gevent.get_hub()).get("NOT_ERROR")
    prepared = prepare(ReplayConfig(dataset=str(sample), host="http://127.0.0.1:1"))
    assert prepared.plan.messages == 5010
    assert (gc.get_threshold(), gc.get_freeze_count()) == (thresholds, frozen)
    assert vars(gevent.get_hub()).get("NOT_ERROR") == hub_errors


def test_the_plan_text_of_a_short_timeline_averages_no_more_than_its_busiest_second(tmp_path):
    from replay.driver.options import ReplayConfig
    from replay.driver.prepare import plan_text, prepare

    path = tmp_path / "short.csv"  # 10 messages due 0.05 s apart: 0.45 s at speed 1
    path.write_text(HEADER + "".join(
        f"c{i},p,m{i},1764086400000,{1764086400000 + 50 * i},hi,END_USER\n" for i in range(10)))
    config = ReplayConfig(dataset=str(path), host="http://127.0.0.1:1", speed=1.0)
    text = plan_text(prepare(config), config)
    assert "timeline: 0.5s; intended 10.0 msg/s on average, 10 in the busiest second" in text
