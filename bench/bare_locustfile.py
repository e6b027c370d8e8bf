"""The peer of the generator benchmark: a bare Locust FastHttpUser posting one transcript body
with no wait time, as a user would write it. Nothing here is tuned.

    locust -f bench/bare_locustfile.py --headless -u 64 -r 64 --host URL

Environment: BENCH_TOKEN (bearer token; empty sends none), BENCH_RUN (id prefix).
"""

from __future__ import annotations

import itertools
import os
import time

from locust import FastHttpUser, constant, task

RUN = os.environ.get("BENCH_RUN", "bare")
TOKEN = os.environ.get("BENCH_TOKEN", "")
CONTENT = ("Thanks for waiting, I can see the order on your account and it shipped this "
           "morning, so it should arrive by Thursday.")
_users = itertools.count()


class BareUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.call = f"{RUN}-u{next(_users)}"
        self.seq = itertools.count()
        self.headers = {"Authorization": f"Bearer {TOKEN}"} if TOKEN else {}

    @task
    def post_message(self) -> None:
        now_ms = int(time.time() * 1000)
        self.client.post(
            f"/telephony/v1/voiceCalls/{self.call}/messages",
            json={"participantId": f"{self.call}END_USER", "messageId": f"m{next(self.seq)}",
                  "startTime": now_ms - 1500, "endTime": now_ms, "content": CONTENT,
                  "senderType": "END_USER"},
            headers=self.headers,
            name="/messages",
        )
