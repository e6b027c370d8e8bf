"""Replay Service Cloud Voice transcripts with Locust (docs/guides/replaying.md).

    locust -f locustfile.py --headless --dataset datasets/sample.parquet --speed 10 \
        --host http://127.0.0.1:8080 --jwt-key key.pem --org-id 00D... --call-center cc

The user class lives in the package (replay/locustfile/), so installed copies have it too.
"""

from replay.locustfile.locustfile import ReplayUser

__all__ = ["ReplayUser"]
