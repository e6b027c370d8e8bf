"""The benchmark suite: every speed figure of the product, in one bounded command.

    python -m bench [--quick | --smoke]
                    [--only mock,generator,fidelity,data,import,soak,metrics,tokens,proxy,bulk,
                            anonymize,scale,report]
                    [--results-dir bench/results]

Sections (default: mock, generator, fidelity, data, import; the others only when named in
--only):
  mock       the mock endpoint's posts/s and latency on one core, wrk, RS256 on and off
  generator  bare Locust FastHttpUser vs k6 vs the replay at --speed max, one core each
  fidelity   the replay's schedule lag at fixed rates (1,000, 4,000, 8,000 messages/s)
  data       load, validate and plan one million messages (bench/data.py)
  import     replay import messages/s on one core, Contact Lens and Transcribe, 10,000 files
  soak       ten minutes at 2,000 messages/s, the replay's memory over time
  scale      peak memory and start-up at 1M-50M messages, replay prepare, 50,000 calls at once
  metrics    a --metrics-port scrape of a million-message recorder: its time and loop stall
  tokens     --speed max and a fixed rate with a token per request vs one shared token: msg/s
             per sending core, and the minter's CPU per token elsewhere
  proxy      a fixed rate directly and through a real HTTP proxy (proxy.py): what it adds
  bulk       --bulk vs single posts: msg/s per core at --speed max (and --bulk streamed from a
             prepared directory), the lag the batch window adds at 20/s and 1,000/s; the mock's
             --service-rate accuracy (bench/bulk.py)
  anonymize  replay anonymize's messages/s on one core per content mode (bench/anonymize.py)
  report     replay report's time and peak memory on 2M messages: from series.json, and from
             outcomes.parquet alone as the reference (bench/report_run.py); series.json's
             builder over 1M calls, each call dropped as it ends vs all kept (bench/series_run.py)

Everything runs on 127.0.0.1; the server is pinned to core 0 and the load generator to core 1.
Every process started is stopped at the end, also on an error, Ctrl-C or SIGTERM. Writes
`<results-dir>/<date>-<host>[-quick|-smoke].json` (schema in bench/results.py), prints a Markdown
table and the comparison with the previous results file of the same mode. Exit status: 0 when
every section ran, 1 when one failed or its component is missing, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shlex
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import (
    anonymize_section,
    bulk,
    data_section,
    fidelity,
    generator,
    import_section,
    metrics_section,
    mock,
    proxy,
    report_section,
    scale,
    soak,
    tokens,
)
from bench.context import PROFILES, Context
from bench.keys import make_keys
from bench.procs import Processes, bench_cores
from bench.results import (
    Section,
    compare,
    comparison_text,
    contention,
    contention_text,
    markdown_table,
    results_name,
    unavailable,
    write_results,
)
from bench.target import ComponentMissing
from bench.tools import machine, versions

log = logging.getLogger("bench")
SECTIONS: dict[str, Callable[[Context], Section]] = {
    "mock": mock.run, "generator": generator.run, "fidelity": fidelity.run,
    "data": data_section.run, "import": import_section.run, "soak": soak.run,
    "metrics": metrics_section.run, "tokens": tokens.run, "proxy": proxy.run,
    "bulk": bulk.run, "scale": scale.run,
    "anonymize": anonymize_section.run, "report": report_section.run,
}
DEFAULT_SECTIONS = ("mock", "generator", "fidelity", "data", "import")
DEFAULT_RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, kw_only=True)
class BenchOptions:
    mode: str
    sections: tuple[str, ...]
    results_dir: Path
    command: str


def parse_options(argv: list[str] | None) -> BenchOptions:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="shorter windows and two repeats (about 3 minutes)")
    size.add_argument("--smoke", action="store_true",
                      help="tiny sizes, one repeat: checks every section runs, judges nothing")
    parser.add_argument("--only", metavar="LIST",
                        help=f"comma-separated sections of {','.join(SECTIONS)} "
                             f"(default {','.join(DEFAULT_SECTIONS)})")
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS_DIR, metavar="DIR",
                        help="where the results file goes (default bench/results)")
    args = parser.parse_args(argv)
    sections = DEFAULT_SECTIONS
    if args.only:
        sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
        unknown = [s for s in sections if s not in SECTIONS]
        if unknown or not sections:
            parser.error(f"--only: unknown section {', '.join(unknown) or '(none given)'}; "
                         f"choose from {','.join(SECTIONS)}")
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    return BenchOptions(mode=mode, sections=sections, results_dir=args.results_dir,
                        command=command)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    options = parse_options(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    run_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        document = run_sections(options, run_dir)
    except KeyboardInterrupt:
        print(f"interrupted: every process started was stopped; logs in {run_dir}",
              file=sys.stderr)
        return 130
    path = write_results(options.results_dir / results_name(
        document["started_at"], document["machine"]["hostname"], options.mode), document)
    print(markdown_table(document))
    print()
    if document["contention"]:
        print(contention_text(document))
    print(comparison_text(document["comparison"]))
    print(f"results: {path}")
    ok = all(s["status"] == "ok" for s in document["sections"].values())
    if ok:
        shutil.rmtree(run_dir, ignore_errors=True)
    else:
        print(f"logs of the run: {run_dir}", file=sys.stderr)
    return 0 if ok else 1


def run_sections(options: BenchOptions, run_dir: Path) -> dict:
    profile = PROFILES[options.mode]
    started = dt.datetime.now(dt.UTC)
    t_start = time.monotonic()
    server_core, generator_core = bench_cores()
    sections: dict[str, Section] = {}
    with Processes(run_dir / "logs") as procs:
        ctx = Context(profile=profile, procs=procs, run_dir=run_dir, keys=make_keys(run_dir),
                      server_core=server_core, generator_core=generator_core)
        for name in options.sections:
            log.info("section %s (%s profile)", name, profile.name)
            sections[name] = _run_section(name, ctx)
            procs.stop_all()
    document = {
        "schema": "bench-results/1", "mode": options.mode, "judged": profile.judged,
        "started_at": started.isoformat(timespec="seconds"),
        "ended_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - t_start, 1),
        "command": options.command,
        "machine": machine(), "versions": versions(),
        "cores": {"server": server_core, "generator": generator_core},
        "sections": {name: s.to_json(judged=profile.judged) for name, s in sections.items()},
    }
    document["contention"] = contention(document)
    document["comparison"] = _compare_with_earlier(options, document)
    return document


def _run_section(name: str, ctx: Context) -> Section:
    try:
        return SECTIONS[name](ctx)
    except ComponentMissing as exc:
        log.warning("section %s unavailable: %s", name, exc)
        return unavailable(name, str(exc))
    except Exception as exc:  # one broken section must not lose the others' figures
        log.exception("section %s failed", name)
        return Section(name=name, status="failed", why=f"{type(exc).__name__}: {exc}")


def _compare_with_earlier(options: BenchOptions, document: dict) -> dict:
    earlier = []
    for path in sorted(options.results_dir.glob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if (doc.get("schema") == document["schema"] and doc.get("mode") == options.mode
                and doc.get("started_at", "") < document["started_at"]):
            earlier.append((doc["started_at"], path.name, doc))
    return compare(document, [(name, doc) for _, name, doc in sorted(earlier, reverse=True)])


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    sys.exit(main())
