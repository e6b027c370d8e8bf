"""The capacity search: which speeds to try, given which passed. Pure: no I/O, no clock.

    settings = SearchSettings(start_speed=1, precision=0.10, max_speed=None, max_steps=12)
    result = search(run_step, settings)     # run_step(speed) -> anything with a bool `.passed`
    result.highest_passing, result.first_failing, result.stopped, result.steps

From `start_speed` the speed doubles while steps pass (never beyond `max_speed`). After the first
failure it bisects between the highest passing and the lowest failing speed until they are
within `precision` of each other (relative to the passing one). It stops early when the start
speed fails, when `max_speed` passes, or after `max_steps` steps. `run_step` may raise to end
the search (the endpoint is down, the user pressed Ctrl-C); the caller keeps the steps it saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

# Why the search stopped.
PRECISION = "precision"          # passing and failing speeds are within --precision
MAX_SPEED = "max_speed"          # --max-speed passed: the capacity is at least that
MAX_STEPS = "max_steps"          # --max-steps steps were run
START_FAILED = "start_failed"    # even --start-speed failed: no capacity found
INTERRUPTED = "interrupted"      # Ctrl-C or SIGTERM (set by the command, which keeps the steps)

DOUBLING = "doubling"
BISECTION = "bisection"


class Verdict(Protocol):
    @property
    def passed(self) -> bool: ...


R = TypeVar("R", bound=Verdict)


@dataclass(frozen=True, kw_only=True)
class SearchSettings:
    start_speed: float = 1.0
    precision: float = 0.10
    max_speed: float | None = None
    max_steps: int = 12

    def __post_init__(self) -> None:
        if not self.start_speed > 0:
            raise ValueError(f"start_speed must be positive, not {self.start_speed}")
        if not self.precision > 0:
            raise ValueError(f"precision must be positive, not {self.precision}")
        if self.max_speed is not None and self.max_speed < self.start_speed:
            raise ValueError(f"max_speed {self.max_speed} is below start_speed "
                             f"{self.start_speed}")
        if self.max_steps < 1:
            raise ValueError(f"max_steps must be 1 or more, not {self.max_steps}")


@dataclass(frozen=True)
class Step(Generic[R]):
    """One step of the search: the speed tried, why it was chosen, and what it gave."""

    index: int
    speed: float
    phase: str
    result: R

    @property
    def passed(self) -> bool:
        return self.result.passed


@dataclass(frozen=True)
class SearchResult(Generic[R]):
    steps: tuple[Step[R], ...]
    stopped: str

    @property
    def highest_passing(self) -> float | None:
        speeds = [step.speed for step in self.steps if step.passed]
        return max(speeds) if speeds else None

    @property
    def first_failing(self) -> float | None:
        """The lowest speed that failed (the boundary's upper side), None if none failed."""
        speeds = [step.speed for step in self.steps if not step.passed]
        return min(speeds) if speeds else None

    @property
    def found(self) -> bool:
        return self.highest_passing is not None


def next_speed(low: float | None, high: float | None,
               settings: SearchSettings) -> tuple[float, str] | str:
    """The next (speed, phase) to try, or why to stop, from the highest passing speed `low`
    and the lowest failing speed `high` so far (None before any step)."""
    if low is None and high is None:
        return settings.start_speed, DOUBLING
    if low is None:
        return START_FAILED
    if high is None:
        if settings.max_speed is not None and low >= settings.max_speed:
            return MAX_SPEED
        speed = low * 2
        if settings.max_speed is not None:
            speed = min(speed, settings.max_speed)
        return speed, DOUBLING
    if high <= low * (1 + settings.precision):
        return PRECISION
    return (low + high) / 2, BISECTION


def search(run_step: Callable[[float], R], settings: SearchSettings,
           on_step: Callable[[Step[R]], None] | None = None) -> SearchResult[R]:
    """Run steps until the boundary is found or a limit is reached; `on_step` sees each one."""
    steps: list[Step[R]] = []
    low: float | None = None
    high: float | None = None
    while True:
        decision = next_speed(low, high, settings)
        if isinstance(decision, str):
            return SearchResult(tuple(steps), decision)
        if len(steps) >= settings.max_steps:
            return SearchResult(tuple(steps), MAX_STEPS)
        speed, phase = decision
        step = Step(len(steps) + 1, speed, phase, run_step(speed))
        steps.append(step)
        if on_step is not None:
            on_step(step)
        if step.passed:
            low = speed if low is None else max(low, speed)
        else:
            high = speed if high is None else min(high, speed)
