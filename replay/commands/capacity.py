"""`replay capacity DATASET --fail-on RULES`: the highest speed the endpoint holds.

    replay capacity datasets/sample.parquet --fail-on "error_rate>1%,p99>500ms" --window 20
    replay capacity calls.parquet --host https://... --jwt-key key.pem --org-id 00D... \
        --call-center MyCC --fail-on "p99>500ms" --window 60 --cooldown 30

Replays the dataset (or --window seconds of its busiest stretch) at rising speeds, each step a
full `replay run` with its own run directory `<report-dir>/<id>/step-NN` (see
replay.capacity.steps): from --start-speed doubling until a step fails its --fail-on thresholds,
then bisecting to --precision, within --max-speed and --max-steps (replay.capacity.search).
Writes `<report-dir>/<id>/capacity.json` and `capacity.html` and prints the answer. Exit 0 when a
capacity was found, 1 when even the start speed fails, 2 on bad input, 3 when the endpoint is
down, 130 when stopped (the steps so far are written). Every option of `replay run` but --speed
is accepted and passed to each step.
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from replay.capacity.junit import write_capacity_junit
from replay.capacity.outputs import capacity_document, exit_code_for, format_answer, write_capacity
from replay.capacity.search import INTERRUPTED, SearchResult, SearchSettings, Step, search
from replay.capacity.steps import StepInterrupted, StepResult, StepRunner, format_speed
from replay.commands import run as run_command
from replay.dataset import load_transcripts
from replay.driver.ci_outputs import make_junit_folder
from replay.driver.outputs import make_run_dir
from replay.errors import ConfigError
from replay.results.verdict import parse_fail_on


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "capacity",
        help="find the highest replay speed the endpoint holds within --fail-on thresholds",
        description="Replay the dataset (or --window seconds of its busiest stretch) at rising "
        "speeds until a step fails its --fail-on thresholds, then bisect to --precision; write "
        "capacity.json and capacity.html.",
    )
    parser.add_argument("dataset", metavar="DATASET", help="the transcripts to replay")
    search_group = parser.add_argument_group("capacity search")
    search_group.add_argument("--start-speed", type=float, default=1.0, metavar="X",
                              help="speed of the first step (default 1)")
    search_group.add_argument("--precision", default="10%", metavar="P",
                              help="stop bisecting when the first failing speed is within P of "
                                   "the highest passing one: 10%% or 0.1 (default 10%%)")
    search_group.add_argument("--max-speed", type=float, default=None, metavar="X",
                              help="never try a speed above X (default: no cap)")
    search_group.add_argument("--max-steps", type=int, default=12, metavar="N",
                              help="run at most N steps (default 12)")
    search_group.add_argument("--window", type=float, default=None, metavar="SECONDS",
                              help="each step replays SECONDS of run time: the busiest "
                                   "stretch of SECONDS x speed dataset seconds (default: the "
                                   "whole dataset)")
    search_group.add_argument("--cooldown", type=float, default=5.0, metavar="SECONDS",
                              help="pause between steps, for the endpoint to drain (default 5)")
    run_command.add_replay_arguments(parser, skip=("speed",))
    parser.set_defaults(handler=capacity)


def parse_precision(text: str) -> float:
    """'10%' or '0.1' -> 0.1; ConfigError when not a positive fraction."""
    value_text = text.strip()
    percent = value_text.endswith("%")
    try:
        value = float(value_text.rstrip("%"))
    except ValueError:
        raise ConfigError(f"--precision {text!r}: expected a percentage like 10% or a "
                          "fraction like 0.1") from None
    if not percent and value >= 1:  # "--precision 10" meant 10%, not 1000%
        raise ConfigError(f"--precision {text!r}: a bare number is a fraction below 1; for "
                          f"{value:g} percent write {value:g}%")
    value = value / 100 if percent else value
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"--precision {text!r}: must be more than 0, e.g. 10%")
    return value


def settings_from(args: argparse.Namespace) -> SearchSettings:
    if args.dry_run:
        raise ConfigError("replay capacity sends load to find its answer: --dry-run has nothing "
                          "to show here; use replay run DATASET --dry-run to see the requests")
    if not parse_fail_on(args.fail_on):
        raise ConfigError('replay capacity needs --fail-on: the thresholds a step must hold, '
                          'e.g. --fail-on "error_rate>1%,p99>500ms,lag_p99>50ms"')
    if not (math.isfinite(args.start_speed) and args.start_speed > 0):
        raise ConfigError(f"--start-speed must be more than 0, got {args.start_speed:g}")
    if args.max_speed is not None and not args.max_speed >= args.start_speed:
        raise ConfigError(f"--max-speed {args.max_speed:g} is below --start-speed "
                          f"{args.start_speed:g}")
    if args.max_steps < 1:
        raise ConfigError(f"--max-steps must be 1 or more, got {args.max_steps}")
    if args.window is not None and not args.window > 0:
        raise ConfigError(f"--window must be more than 0 seconds, got {args.window:g}")
    if not args.cooldown >= 0:
        raise ConfigError(f"--cooldown must be 0 or more seconds, got {args.cooldown:g}")
    return SearchSettings(start_speed=args.start_speed, precision=parse_precision(args.precision),
                          max_speed=args.max_speed, max_steps=args.max_steps)


def capacity(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    config = run_command.validate(_with_speed(args, settings.start_speed))
    make_junit_folder(config)  # an unusable --junit-xml fails now, not after the search
    transcripts = load_transcripts(args.dataset, config.load_options())
    capacity_id = args.run_id or datetime.now(UTC).strftime("capacity-%Y%m%d-%H%M%S")
    capacity_dir = Path(config.report_dir) / capacity_id
    make_run_dir(capacity_dir)
    started = time.time()
    meta = _meta(args, config.send_at, settings, capacity_id, started, transcripts.table)
    runner = StepRunner(args, transcripts, capacity_dir, send_at=config.send_at,
                        window_s=args.window, cooldown_s=args.cooldown)
    steps: list[Step[StepResult]] = []
    try:
        result = search(runner, settings, on_step=lambda step: _seen(steps, step))
    except (StepInterrupted, KeyboardInterrupt):
        _finish(capacity_dir, SearchResult(tuple(steps), INTERRUPTED), meta, started,
                args.junit_xml)
        print("replay capacity: interrupted; the steps so far are written", flush=True)
        return StepInterrupted.exit_code
    document = _finish(capacity_dir, result, meta, started, args.junit_xml)
    return exit_code_for(document)


def _seen(steps: list[Step[StepResult]], step: Step[StepResult]) -> None:
    steps.append(step)
    verdict = "passed" if step.passed else "FAILED"
    broke = ", ".join(row["expression"] for row in step.result.broken)
    print(f"replay capacity: step {step.index} ({step.phase}) speed {format_speed(step.speed)}: "
          f"{verdict}{': ' + broke if broke else ''}", flush=True)


def _finish(capacity_dir: Path, result: SearchResult[StepResult], meta: dict[str, Any],
            started: float, junit_path: str | None) -> dict[str, Any]:
    ended = time.time()
    meta["run"]["ended_at"] = _iso(ended)
    meta["run"]["duration_s"] = round(ended - started, 3)
    document = capacity_document(result, meta)
    json_path, html_path = write_capacity(capacity_dir, document)
    print(format_answer(document), flush=True)
    print(f"replay capacity: wrote {json_path} and {html_path}", flush=True)
    if junit_path:
        try:
            write_capacity_junit(junit_path, document)
        except OSError as error:
            raise ConfigError(f"--junit-xml {junit_path}: cannot write the JUnit report "
                              f"({error.strerror or error}); capacity.json is written") from None
        print(f"replay capacity: wrote {junit_path}", flush=True)
    return document


def _with_speed(args: argparse.Namespace, speed: float) -> argparse.Namespace:
    checked = argparse.Namespace(**vars(args))
    checked.speed = format_speed(speed)
    return checked


def _meta(args: argparse.Namespace, send_at: str, settings: SearchSettings, capacity_id: str,
          started: float, table: Any) -> dict[str, Any]:
    return {
        "run": {"id": capacity_id, "started_at": _iso(started), "ended_at": None,
                "duration_s": None, "host": args.host or "embedded mock",
                "mock_args": args.mock_args if not args.host else None,
                "workers": args.workers},
        "dataset": {"path": str(args.dataset), "messages": len(table),
                    "calls": int(table["vendorCallKey"].nunique())},
        "fail_on": args.fail_on,
        "settings": {"start_speed": settings.start_speed, "precision": settings.precision,
                     "max_speed": settings.max_speed, "max_steps": settings.max_steps,
                     "window_s": args.window, "cooldown_s": args.cooldown,
                     "send_at": send_at},
    }


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="seconds")
