"""The burst benchmark's reference: a naive gevent sender of the same first messages.

    python -m bench.naive_sender DATASET URL SPEED WINDOW_S   ->  prints BENCH_JSON {...}

Reads the dataset's first message of every call due within WINDOW_S seconds at SPEED, and
posts each from its own timer (`gevent.spawn_later`), with geventhttpclient's pooled client
(256 connections): no plan, no recorder, no Locust. Prints the lag (sent - due) p50/p99/max in
ms and the count, so the replay's figure can be read beside what a bare sender achieves on the
same core; its lag is taken when the timer fires, before the request waits for a connection.
Then, from the mock's ledger at URL, the same messages' lag at the endpoint (arrival - due,
`endpoint_p50_ms` ...), the figure that does not depend on where a sender takes its clock.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import numpy as np  # noqa: E402
import orjson  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from geventhttpclient import HTTPClient  # noqa: E402
from geventhttpclient.url import URL  # noqa: E402

from bench.endpoint_lag import endpoint_lag, ledger_arrivals  # noqa: E402


def main(dataset: str, url: str, speed: float, window_s: float) -> None:
    table = pq.read_table(dataset)
    t0 = pc.min(table.column("endTime")).as_py()
    due = (table.column("endTime").to_numpy() - t0) / 1000.0 / speed
    first = (table.column("messageId").to_numpy(zero_copy_only=False).astype(str))
    keep = np.flatnonzero((np.char.endswith(first, "-m0")) & (due < window_s))
    keys = table.column("vendorCallKey").to_numpy(zero_copy_only=False)
    client = HTTPClient.from_url(URL(url), concurrency=256, connection_timeout=10,
                                 network_timeout=10)
    lags: list[float] = []

    def post(i: int) -> None:
        lags.append(time.monotonic() - start - due[i])
        body = orjson.dumps({"participantId": "p", "messageId": first[i], "startTime": 1,
                             "endTime": 2, "content": "hello", "senderType": "END_USER"})
        path = f"/telephony/v1/voiceCalls/{keys[i]}/messages"
        response = client.post(path, body=body, headers={"Content-Type": "application/json"})
        response.read()

    greenlets = [gevent.Greenlet(post, i) for i in keep.tolist()]  # made before the clock starts
    loop = gevent.get_hub().loop
    start = time.monotonic() + 1.0
    start_epoch_s = time.time() + (start - time.monotonic())
    for greenlet, i in zip(greenlets, keep.tolist(), strict=True):
        loop.update_now()  # timers count from the loop's cached time: or they fire early
        greenlet.start_later(max(0.0, start + due[i] - time.monotonic()))
    gevent.joinall(greenlets, timeout=window_s + 60)
    lag_ms = np.maximum(np.array(lags), 0.0) * 1000.0
    sent = pd.DataFrame({"vendorCallKey": keys[keep].astype(str),
                         "messageId": first[keep], "due_s": due[keep]})
    at_endpoint = endpoint_lag(ledger_arrivals(url), sent, t0_epoch_s=start_epoch_s)
    print("BENCH_JSON " + json.dumps({
        "count": int(lag_ms.size), "lag_p50_ms": float(np.percentile(lag_ms, 50)),
        "lag_p99_ms": float(np.percentile(lag_ms, 99)), "lag_max_ms": float(lag_ms.max()),
        **{f"endpoint_{key}": value for key, value in at_endpoint.items()}}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
