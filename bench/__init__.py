"""The benchmark suite of transcript-replay: `python -m bench` (see bench/__main__.py).

Modules: context (profiles, shared state), procs (pinned child processes, always stopped),
tools (wrk, k6), keys (key pair and token), target (the mock), replay_run (the replay),
flatdata (flat-rate datasets), one module per section (mock, generator, fidelity,
data_section, soak), results (figures, results file, table, comparison).
"""
