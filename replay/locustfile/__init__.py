"""The packaged locustfile, so `replay run` works from any install (not only a checkout).

`locustfile.py` beside this file is what `replay run` passes to `locust -f`; the repository's
top-level `locustfile.py` re-exports it for `locust -f locustfile.py`. It sits in a folder of
its own because Locust puts the locustfile's folder on sys.path.
"""

from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
