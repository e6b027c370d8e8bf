"""Locust glue of the replay: options, the user, the schedule, the run's outputs.

    # locustfile.py
    from locust import events
    from replay.driver import install
    ReplayUser = install(events)

Modules: options (flags -> ReplayConfig), prepare (load + plan off the loop, dry run), clock
(the run clock), replayer (calls as greenlets, messages on time), sender (one request with
retries), retry (backoff arithmetic), health (endpoint gone?), tls (certificate checks),
progress (snapshots and lines), outputs (files, verdict, exit code), ci_outputs (--junit-xml
and the GitHub job summary), metrics (--metrics-port, Prometheus), session (Locust listeners
and the run), user (the Locust user), http (the HTTP client), distributed (master and
workers), roles (the session/role seam), runtime (process-wide settings), interrupt (Ctrl-C
asks a headless run to stop). Only this package and
locustfile.py import Locust.
"""

from __future__ import annotations

from typing import Any


def install(events: Any) -> type:
    """Register the replay's listeners on Locust's `events`; return the user class to expose.
    The process-wide settings are applied here, at the program's edge (replay.driver.runtime).

    Imported here, not at the top, so that `replay run` can read `replay.driver.options`
    without importing Locust (whose import monkey-patches the process with gevent).
    """
    from replay.driver.runtime import quiet_interrupts
    from replay.driver.session import ReplaySession
    from replay.driver.user import make_user_class

    quiet_interrupts()
    session = ReplaySession()
    session.listen(events)
    return make_user_class(session)


__all__ = ["install"]
