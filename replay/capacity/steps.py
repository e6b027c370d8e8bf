"""One capacity step: the step's dataset, one `replay run` at one speed, and what it measured.

    runner = StepRunner(args, transcripts, capacity_dir, send_at="end", window_s=30, cooldown_s=5)
    result = runner(4.0)      # StepResult: passed, thresholds, rates, run_dir, exit_code

Each step writes its dataset (replay.capacity.window) to `<capacity_dir>/datasets/`, runs
`replay run` on it in-process with the capacity command's options (its own run directory
`<capacity_dir>/step-NN`, the embedded mock or --host), deletes the dataset (and the folder when
empty), and reads the step's summary.json. Before every step but the first it waits
`cooldown_s`, so the endpoint drains what the previous step left. A step that could not run
raises: EndpointError when the endpoint is down before any step passed (exit 3), ConfigError
when the replay refused its options (exit 2), StepInterrupted on Ctrl-C. Once a step has
passed, an endpoint that goes down is a failing step: that is what overload looks like.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay.capacity.window import step_table, write_step_dataset
from replay.commands import run as run_command
from replay.dataset import Transcripts
from replay.errors import ConfigError, EndpointError, ReplayError

EXIT_BAD_INPUT = 2
EXIT_ENDPOINT_DOWN = 3


class StepInterrupted(ReplayError):
    """The user stopped the search during a step (Ctrl-C or SIGTERM)."""

    exit_code = 130


@dataclass(frozen=True, kw_only=True)
class StepResult:
    index: int
    speed: float
    run_dir: Path
    exit_code: int
    passed: bool
    messages: int
    thresholds: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rates: dict[str, Any] = field(default_factory=dict)
    endpoint_down: bool = False

    @property
    def broken(self) -> list[dict[str, Any]]:
        """The thresholds this step failed."""
        return [row for row in self.thresholds if not row.get("passed")]


def step_name(index: int) -> str:
    return f"step-{index:02d}"


def format_speed(speed: float) -> str:
    return f"{speed:.6g}"


class StepRunner:
    """Callable(speed) -> StepResult, counting its steps from 1."""

    def __init__(self, args: argparse.Namespace, transcripts: Transcripts, capacity_dir: Path,
                 *, send_at: str, window_s: float | None, cooldown_s: float,
                 run: Callable[[argparse.Namespace], int] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._args = args
        self._transcripts = transcripts
        self._dir = capacity_dir
        self._send_at = send_at
        self._window_s = window_s
        self._cooldown_s = cooldown_s
        self._run = run or run_command.run
        self._sleep = sleep
        self._index = 0
        self._any_passed = False

    def __call__(self, speed: float) -> StepResult:
        self._index += 1
        index = self._index
        if index > 1 and self._cooldown_s > 0:
            self._sleep(self._cooldown_s)
        length_ms = self._window_s * speed * 1000.0 if self._window_s else None
        table = step_table(self._transcripts.table, send_at=self._send_at,
                           length_ms=length_ms, step=index)
        dataset = write_step_dataset(table, self._dir / "datasets" / f"{step_name(index)}.parquet")
        print(f"replay capacity: step {index} at speed {format_speed(speed)} "
              f"({len(table):,} messages)", flush=True)
        try:
            code = self._run(self._step_args(dataset, speed, index))
        finally:
            dataset.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                dataset.parent.rmdir()  # only when empty
        result = self._result(index, speed, code, len(table))
        self._any_passed = self._any_passed or result.passed
        return result

    def _step_args(self, dataset: Path, speed: float, index: int) -> argparse.Namespace:
        step = argparse.Namespace(**vars(self._args))
        step.dataset = str(dataset)
        step.speed = format_speed(speed)
        step.report_dir = str(self._dir)
        step.run_id = step_name(index)
        step.junit_xml = None  # the command writes one report of every step at the end
        # The step's dataset has the canonical columns and only valid rows.
        step.map, step.map_file, step.on_invalid = (), None, None
        return step

    def _result(self, index: int, speed: float, code: int, messages: int) -> StepResult:
        run_dir = self._dir / step_name(index)
        log = run_dir / "run.log"
        if code == 130 or code >= 128:
            raise StepInterrupted(f"stopped during step {index} (speed {format_speed(speed)})")
        if code == EXIT_BAD_INPUT:
            raise ConfigError(f"step {index}: the replay refused its options; see {log}")
        summary_path = run_dir / "summary.json"
        if not summary_path.is_file():
            if code == EXIT_ENDPOINT_DOWN and not self._any_passed:
                raise EndpointError(f"the endpoint is down: step {index} at speed "
                                    f"{format_speed(speed)} could not replay; see {log}")
            if code == EXIT_ENDPOINT_DOWN:
                return StepResult(index=index, speed=speed, run_dir=run_dir, exit_code=code,
                                  passed=False, messages=messages, endpoint_down=True,
                                  problems=["the endpoint went down"])
            raise ReplayError(f"step {index} ended with exit code {code} and no summary.json; "
                              f"see {log}")
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        verdict = summary.get("verdict") or {}
        endpoint_down = code == EXIT_ENDPOINT_DOWN
        if endpoint_down and not self._any_passed:
            raise EndpointError(f"the endpoint went down during step {index} at speed "
                                f"{format_speed(speed)}, before any step passed; see {log}")
        return StepResult(
            index=index, speed=speed, run_dir=run_dir, exit_code=code,
            passed=bool(verdict.get("passed")) and not endpoint_down,
            messages=messages,
            thresholds=list(verdict.get("thresholds") or []),
            problems=list(verdict.get("problems") or []),
            rates=dict(summary.get("rates") or {}),
            endpoint_down=endpoint_down,
        )
