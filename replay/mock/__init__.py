"""The mock Service Cloud Voice telephony API: a fast ASGI server that keeps a ledger.

    python -m replay.mock --public-key key.pub.pem --port 8080     # or `replay mock ...`
    with start_mock(["--no-auth"]) as mock:                        # from replay.mock.process
        mock.url, mock.stats(), mock.ledger()

It shares nothing with the rest of `replay` but the API contract (docs/contract.md): nothing here
imports from `replay.*` outside `replay.mock`. Modules: config (options), auth (JWT checks),
validation (bodies), ledger (memory and export), faults (limits, injected faults), responses
(HTTP plumbing), app (routes, hot path), lifecycle (create/update calls), admin (/__admin),
server (uvicorn), workers (--workers N), process (run it as a subprocess).
"""
