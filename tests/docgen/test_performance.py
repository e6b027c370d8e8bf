"""The performance page shows each benchmark section from the newest results file that measured
it, with that run's machine and versions; smoke runs never."""

from __future__ import annotations

import json
from pathlib import Path

from docgen.pages import RESULTS_DIR
from docgen.performance import newest_sections, render_performance


def _figure(key: str, label: str, value: float) -> dict:
    return {"key": key, "label": label, "unit": "msg/s", "better": "higher", "samples": [value],
            "median": value, "min": value, "max": value, "spread": 0.0,
            "target": {"op": ">=", "value": 100}, "passed": value >= 100}


def _results(folder: Path, name: str, mode: str, sections: dict[str, float], cpu: str) -> None:
    document = {
        "schema": "bench-results/1", "mode": mode, "judged": mode != "smoke",
        "started_at": name[:10] + "T12:00:00+00:00", "duration_s": 300.0,
        "command": "python -m bench" + ("" if mode == "full" else f" --{mode}"),
        "machine": {"hostname": "box", "cpu": cpu, "cores": 2, "memory_gib": 8.0,
                    "kernel": "6", "os": "Linux-6"},
        "versions": {"python": "3.11.7", "locust": "2.47.0"},
        "contention": {"server_core": 0.01, "generator_core": 0.02},
        "sections": {
            section: {"status": "ok", "why": None, "details": {"setup": f"{section} set-up"},
                      "figures": [_figure(f"{section}.rate", f"{section} rate", value)]}
            for section, value in sections.items()
        },
    }
    (folder / name).write_text(json.dumps(document))


def test_each_section_comes_from_the_newest_file_that_measured_it(tmp_path):
    _results(tmp_path, "2026-01-01T120000Z-box.json", "full", {"mock": 111, "data": 222}, "Old")
    _results(tmp_path, "2026-01-02T120000Z-box.json", "full", {"mock": 333}, "New")
    shown = newest_sections(tmp_path)
    assert [(name, sections) for name, _, sections in shown] == [
        ("2026-01-02T120000Z-box.json", ["mock"]), ("2026-01-01T120000Z-box.json", ["data"])]
    page = render_performance(tmp_path)
    assert "| mock rate | 333 msg/s | ≥ 100 msg/s | pass |" in page
    assert "| data rate | 222 msg/s |" in page and "111 msg/s" not in page


def test_smoke_runs_are_never_shown(tmp_path):
    _results(tmp_path, "2026-01-01T120000Z-box.json", "full", {"mock": 111}, "Xeon")
    _results(tmp_path, "2026-01-03T120000Z-box-smoke.json", "smoke", {"mock": 5}, "Xeon")
    page = render_performance(tmp_path)
    assert "111 msg/s" in page and "| mock rate | 5 msg/s" not in page


def test_the_run_with_the_most_sections_comes_first(tmp_path):
    _results(tmp_path, "2026-01-01T120000Z-box.json", "full", {"mock": 1, "data": 2}, "Xeon")
    _results(tmp_path, "2026-01-02T120000Z-box.json", "full", {"soak": 3}, "Xeon")
    assert [name for name, _, _ in newest_sections(tmp_path)] == [
        "2026-01-01T120000Z-box.json", "2026-01-02T120000Z-box.json"]


def test_the_machine_versions_command_and_file_are_stated(tmp_path):
    _results(tmp_path, "2026-01-01T120000Z-box.json", "full", {"mock": 111}, "Xeon Gold")
    page = render_performance(tmp_path)
    assert "**Machine:** Xeon Gold, 2 cores, 8.0 GiB, Linux-6." in page
    assert "python 3.11.7, locust 2.47.0" in page
    assert "`python -m bench`" in page and "`bench/results/2026-01-01T120000Z-box.json`" in page
    assert "| `mock` | mock set-up |" in page


def test_an_empty_results_folder_says_how_to_make_one(tmp_path):
    assert "run `python -m bench`" in render_performance(tmp_path)


def test_the_repositorys_own_results_render():
    page = render_performance(RESULTS_DIR)
    assert "**Machine:**" in page and "| figure | value | target | result |" in page
