"""Section anonymize: messages per second through `replay anonymize`, per content mode, one core.

    section = run(ctx)

Runs `python -m bench.anonymize` (see bench/anonymize.py) once per repeat, pinned to the
generator core: a generated dataset with planted personal data (500,000 messages; 200,000 with
--quick; 20,000 with --smoke), timed through a reference pass (read, validate, write: no
anonymizing) and the three content modes. Target (issue 12): mask >= 50,000 messages/s.
"""

from __future__ import annotations

import sys

from bench.context import Context
from bench.replay_run import REPO
from bench.results import Figure, Section, Target

TIMEOUT_S = 900
MESSAGES = {"full": 500_000, "quick": 200_000, "smoke": 20_000}
MASK_TARGET = 50_000
PASSES = {"reference": "read + validate + write, no anonymizing", "mask": "mask",
          "synthetic": "synthetic", "keep": "keep (ids only)"}  # fmt: skip


def run(ctx: Context) -> Section:
    messages = MESSAGES[ctx.profile.name]
    measured = [_measure_once(ctx, messages, repeat) for repeat in range(ctx.profile.repeats)]
    setup = (f"python -m bench.anonymize --messages {messages} on core {ctx.generator_core}, "
             f"{len(measured)} time(s)")  # fmt: skip
    figures = tuple(anonymize_figures(measured, ctx.profile.judged))
    return Section(name="anonymize", status="ok", figures=figures,
                   details={"setup": setup, "runs": measured})  # fmt: skip


def anonymize_figures(measured: list[dict], judged: bool) -> list[Figure]:
    figures = []
    for name, label in PASSES.items():
        for field, unit_label in (("messages_per_s", ""), ("messages_per_cpu_s", ", per CPU s")):
            judged_here = judged and name == "mask" and field == "messages_per_s"
            figures.append(Figure(
                key=f"anonymize.{name}.{field}", label=f"Anonymize, {label}{unit_label}",
                unit="msg/s", better="higher",
                samples=tuple(float(run[name][field]) for run in measured),
                target=Target(op=">=", value=MASK_TARGET) if judged_here else None))  # fmt: skip
    return figures


def _measure_once(ctx: Context, messages: int, repeat: int) -> dict:
    folder = ctx.run_dir / f"anonymize-{repeat}"
    child = ctx.procs.start(
        f"anonymize-{repeat}",
        [sys.executable, "-m", "bench.anonymize", "--messages", str(messages),
         "--dir", str(folder)],
        core=ctx.generator_core, cwd=REPO,
    )  # fmt: skip
    result = child.result(TIMEOUT_S)
    if result is None:
        raise child.failure("printed no result")
    return result
