"""transcript-replay: replay Service Cloud Voice transcripts against the telephony API, under load.

The package is a pipeline of small modules (see docs/architecture.md):
dataset -> plan -> driver (Locust) -> client -> endpoint (real, or `replay.mock`)
-> results -> report.
"""

__version__ = "0.1.0"
