"""The capacity search on fake endpoints: doubling, bisection, and every way it stops."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from replay.capacity.search import (
    BISECTION,
    DOUBLING,
    MAX_SPEED,
    MAX_STEPS,
    PRECISION,
    START_FAILED,
    SearchSettings,
    next_speed,
    search,
)


@dataclass(frozen=True)
class Fake:
    passed: bool


def endpoint_holding(capacity: float):
    """A step function: passes every speed up to `capacity`; records the speeds tried."""
    tried: list[float] = []

    def run_step(speed: float) -> Fake:
        tried.append(speed)
        return Fake(speed <= capacity)

    return run_step, tried


def test_speed_doubles_from_the_start_until_a_step_fails():
    run_step, tried = endpoint_holding(5.0)
    result = search(run_step, SearchSettings(start_speed=1, precision=10))
    assert tried == [1, 2, 4, 8]
    assert [step.phase for step in result.steps] == [DOUBLING] * 4


def test_bisection_narrows_the_boundary_to_the_precision():
    run_step, tried = endpoint_holding(5.0)
    result = search(run_step, SearchSettings(start_speed=1, precision=0.10))
    assert tried == [1, 2, 4, 8, 6, 5, 5.5]
    assert result.steps[4].phase == BISECTION
    assert (result.highest_passing, result.first_failing) == (5, 5.5)
    assert result.stopped == PRECISION
    assert result.found


def test_the_answer_is_within_the_precision_of_the_true_capacity():
    for capacity in (1.3, 3.7, 42.0, 99.9, 1000.0):
        run_step, _tried = endpoint_holding(capacity)
        result = search(run_step, SearchSettings(start_speed=1, precision=0.05, max_steps=40))
        assert result.highest_passing <= capacity < result.first_failing
        assert result.first_failing <= result.highest_passing * 1.05


def test_a_failing_start_speed_stops_the_search_without_a_capacity():
    run_step, tried = endpoint_holding(0.5)
    result = search(run_step, SearchSettings(start_speed=1))
    assert tried == [1]
    assert result.stopped == START_FAILED
    assert result.highest_passing is None and result.first_failing == 1
    assert not result.found


def test_max_speed_caps_the_doubling_and_ends_the_search_when_it_passes():
    run_step, tried = endpoint_holding(100.0)
    result = search(run_step, SearchSettings(start_speed=1, max_speed=6))
    assert tried == [1, 2, 4, 6]
    assert result.stopped == MAX_SPEED
    assert result.highest_passing == 6 and result.first_failing is None


def test_max_steps_ends_the_search_with_the_bounds_so_far():
    run_step, tried = endpoint_holding(5.0)
    result = search(run_step, SearchSettings(start_speed=1, max_steps=5))
    assert tried == [1, 2, 4, 8, 6]
    assert result.stopped == MAX_STEPS
    assert (result.highest_passing, result.first_failing) == (4, 6)


def test_a_noisy_pass_above_a_failure_does_not_move_the_bounds_outward():
    verdicts = iter([True, True, False, True, False, True])
    result = search(lambda speed: Fake(next(verdicts)), SearchSettings(precision=0.3))
    assert [step.speed for step in result.steps] == [1, 2, 4, 3, 3.5]
    assert (result.highest_passing, result.first_failing) == (3, 3.5)


def test_on_step_sees_every_step_as_it_finishes():
    run_step, _tried = endpoint_holding(3.0)
    seen = []
    search(run_step, SearchSettings(precision=0.5), on_step=seen.append)
    assert [(step.index, step.speed, step.passed) for step in seen] == [
        (1, 1, True), (2, 2, True), (3, 4, False), (4, 3, True)]


def test_an_exception_in_a_step_ends_the_search():
    def run_step(speed: float) -> Fake:
        raise RuntimeError("endpoint down")

    with pytest.raises(RuntimeError, match="endpoint down"):
        search(run_step, SearchSettings())


def test_next_speed_starts_at_the_start_speed():
    assert next_speed(None, None, SearchSettings(start_speed=2.5)) == (2.5, DOUBLING)


@pytest.mark.parametrize("changes, message", [
    ({"start_speed": 0}, "start_speed must be positive, not 0"),
    ({"precision": 0}, "precision must be positive, not 0"),
    ({"max_speed": 0.5}, "max_speed 0.5 is below start_speed 1.0"),
    ({"max_steps": 0}, "max_steps must be 1 or more, not 0"),
])
def test_settings_refuse_values_the_search_cannot_use(changes, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        SearchSettings(**changes)
