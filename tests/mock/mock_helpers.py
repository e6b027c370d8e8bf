"""Helpers for the mock's tests: tokens like docs/contract.md's sample, HTTP requests, bodies.

`call(url, method, path, body, headers)` sends one request on a fresh connection and returns an
`Answer` (status, headers, raw body, .json, .error). `message(**changes)` is a valid transcript
body; `post_message` posts one; `sample_claims(**changes)` is the contract's claim set (None
removes a claim).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

ORG_ID = "00DHs00000Kmpyr"
CALL_CENTER = "ACMECallCenter"
TRANSCRIPT = "/telephony/v1/voiceCalls/{key}/messages"


def sample_claims(**changes: Any) -> dict[str, Any]:
    """The claim set of docs/contract.md's Authentication table, valid for 5 minutes from now."""
    now = int(time.time())
    claims = {"iss": ORG_ID, "sub": CALL_CENTER, "iat": now, "exp": now + 300,
              "jti": str(uuid.uuid4())}
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def error(self) -> str:
        return self.json["error"]


def call(url: str, method: str, path: str, body: bytes | str | dict | None = None,
         headers: dict[str, str] | None = None, timeout: float = 10.0) -> Answer:
    """One HTTP request on a fresh connection."""
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read())
    finally:
        connection.close()


def message(message_id: str = "m-1", **changes: Any) -> dict[str, Any]:
    body = {"participantId": "C-1END_USER", "messageId": message_id,
            "startTime": 1764086400000, "endTime": 1764086402500,
            "content": "Hello, I have a question about my bill.", "senderType": "END_USER"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def post_message(url: str, key: str, body: Any, token: str | None = None,
                 content_type: str = "application/json", **headers: str) -> Answer:
    all_headers = {"Content-Type": content_type, **headers}
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    return call(url, "POST", TRANSCRIPT.format(key=key), body, all_headers)


def unique_key() -> str:
    return f"call-{uuid.uuid4().hex[:12]}"
