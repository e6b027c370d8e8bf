"""What every benchmark section gets: the profile (sizes and durations) and the shared run state.

    profile = PROFILES["quick"]
    ctx = Context(profile=profile, procs=procs, run_dir=tmp, keys=keys, server_core=0,
                  generator_core=1)

Profiles: `full` (the default, about 10 minutes), `quick` (--quick, about 3 minutes) and `smoke`
(--smoke: tiny sizes, one repeat, checks the sections run end to end and judges nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.keys import Keys
from bench.procs import Processes


@dataclass(frozen=True, kw_only=True)
class Profile:
    name: str
    judged: bool
    repeats: int
    mock_warmup_s: float
    mock_window_s: float
    generator_warmup_s: float
    generator_window_s: float
    generator_concurrency: int
    fidelity_rates: tuple[int, ...]
    fidelity_duration_s: float
    data_quick: bool
    soak_rate: int
    soak_duration_s: float
    soak_sample_s: float


PROFILES = {
    "full": Profile(name="full", judged=True, repeats=3, mock_warmup_s=1, mock_window_s=5,
                    generator_warmup_s=2, generator_window_s=5, generator_concurrency=64,
                    fidelity_rates=(1000, 4000, 8000), fidelity_duration_s=15,
                    data_quick=False, soak_rate=2000, soak_duration_s=600, soak_sample_s=5),
    "quick": Profile(name="quick", judged=True, repeats=2, mock_warmup_s=1, mock_window_s=3,
                     generator_warmup_s=2, generator_window_s=3, generator_concurrency=64,
                     fidelity_rates=(1000, 4000, 8000), fidelity_duration_s=6,
                     data_quick=False, soak_rate=2000, soak_duration_s=120, soak_sample_s=2),
    "smoke": Profile(name="smoke", judged=False, repeats=1, mock_warmup_s=0.5, mock_window_s=1,
                     generator_warmup_s=1, generator_window_s=1, generator_concurrency=8,
                     fidelity_rates=(100, 200, 400), fidelity_duration_s=2,
                     data_quick=True, soak_rate=200, soak_duration_s=6, soak_sample_s=0.5),
}


@dataclass(frozen=True, kw_only=True)
class Context:
    profile: Profile
    procs: Processes
    run_dir: Path
    keys: Keys
    server_core: int
    generator_core: int

    @property
    def cores_text(self) -> str:
        return f"server on core {self.server_core}, load generator on core {self.generator_core}"
