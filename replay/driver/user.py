"""The Locust user that starts the replay: its one task runs this process's replay, once.

    ReplayUser = make_user_class(session)      # in the locustfile, for Locust to find

The replay's calls are greenlets sharing one HTTP client (see http.py), not Locust users,
so concurrency follows the dataset rather than `--users`: run with the default `-u 1`. Extra
users, and users on Locust workers (where the master starts the replay with a message, see
distributed.py), stop at once.
"""

from __future__ import annotations

from typing import Any

from locust import User, constant, task
from locust.exception import StopUser


def make_user_class(session: Any) -> type[User]:
    class ReplayUser(User):
        """Replays the dataset given by --dataset on the timeline given by --speed."""

        wait_time = constant(0)

        @task
        def replay(self) -> None:
            session.replay()
            raise StopUser()

    return ReplayUser
