"""The mock Service Cloud Voice telephony API: a fast ASGI server that keeps a ledger.

    python -m replay.mock --public-key key.pub.pem --port 8080     # or `replay mock ...`
    with start_mock(["--no-auth"]) as mock:                        # from replay.mock.process
        mock.url, mock.stats(), mock.ledger()

It shares nothing with the rest of `replay` but the API contract (docs/contract.md) and three
small dependency-free helpers: replay.options (its option registry), replay.errors and
replay.atomic. It never imports gevent or Locust (tests/mock/test_layering.py).

Modules, in import order (each imports only earlier ones, always at the top):
config (options) -> network (sockets, URL, ready file) -> auth (JWT checks), validation
(bodies), ledger (memory and export), faults (limits, injected faults), responses (HTTP
plumbing), checks (auth and rate checks every route shares), cluster (--workers N seen as one),
state (one process's ledger and helpers) -> admin (/__admin), lifecycle (create/update calls)
-> app (routes, hot path) -> server (uvicorn) -> workers (--workers N) -> launch (one or N).
process (run it as a subprocess) stands apart.
"""
