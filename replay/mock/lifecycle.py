"""Call lifecycle endpoints: create a VoiceCall, and update (end) one.

    POST  /telephony/v1/voiceCalls          -> 200 {"voiceCallId": "0LQ...", "errors": []}
    PATCH /telephony/v1/voiceCalls/{key}    -> 200 {"status": "pending"}

Create body (JSON, docs/contract.md "Call lifecycle"): callCenterApiName, vendorCallKey, to, from
(strings), initiationMethod (`Inbound` or `Transfer`), startTime (ISO 8601), participants
(`[{"participantKey": "...", "type": "END_USER"}]`); optional parentVoiceCallId, callOrigin,
queue, callSubtype, callAttributes (strings). Creating is limited by --call-create-rate (429 with
Retry-After). A key already created through this endpoint gets 409; a key first seen through a
transcript (auto-created) is adopted. The call's startTime opens its window: messages starting
before it are taken but not stored (outside_window).

Update body (JSON; {key} is the vendorCallKey or the voiceCallId): optional startTime, endTime
(ISO 8601), isActiveCall (bool), totalHoldDuration, numberOfHolds (int), disconnectReason
(string). `isActiveCall: false` or an endTime ends the call; later transcripts are refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from replay.mock.checks import check_authorization, check_rate, request_headers
from replay.mock.responses import Receive, Refusal, Send, read_body, refusal, send_response
from replay.mock.state import MockState
from replay.mock.validation import JSON, content_kind

CREATE_STRINGS = ("callCenterApiName", "vendorCallKey", "to", "from")
CREATE_OPTIONAL_STRINGS = ("parentVoiceCallId", "callOrigin", "queue", "callSubtype",
                           "callAttributes")
INITIATION_METHODS = ("Inbound", "Transfer")
CREATED_BODY = b'{"status":"pending"}'


def iso_to_ms(value: Any) -> int | None:
    """Epoch ms of an ISO 8601 string ('2026-11-25T17:00:00Z'), None if it is not one."""
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class Lifecycle:
    """Create and update handlers over one process's state (its ledger and limits)."""

    def __init__(self, state: MockState) -> None:
        self.state = state

    async def handle(self, scope: dict[str, Any], receive: Receive, send: Send, rest: str) -> None:
        method = scope["method"]
        if rest == "":
            if method != "POST":
                raise refusal(405, "METHOD_NOT_ALLOWED", "method",
                              f"{method[:20]} is not allowed here; create calls with POST",
                              ((b"allow", b"POST"),))
            await self._create(scope, receive, send)
        elif rest.count("/") == 1:
            if method != "PATCH":
                raise refusal(405, "METHOD_NOT_ALLOWED", "method",
                              f"{method[:20]} is not allowed here; update calls with PATCH",
                              ((b"allow", b"PATCH"),))
            await self._update(scope, receive, send, rest[1:])
        else:
            raise refusal(404, "NOT_FOUND", "path",
                          f"no such endpoint: {scope['path'][:200]}")

    async def _document(self, scope: dict[str, Any], receive: Receive) -> dict[str, Any] | None:
        state = self.state
        authorization, content_type, _length = request_headers(scope)
        check_authorization(state.verifier, authorization)
        if content_kind(content_type) != JSON:
            raise refusal(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type",
                          "call lifecycle requests must be application/json")
        body = await read_body(receive, state.config.max_body_bytes)
        if body is None:
            return None
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise refusal(400, "INVALID_BODY", "body", f"not valid JSON (UTF-8): {error}") from None
        if not isinstance(document, dict):
            raise refusal(400, "INVALID_BODY", "body", "must be a JSON object")
        return document

    async def _create(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        document = await self._document(scope, receive)
        if document is None:
            return
        config = self.state.config
        problems = create_problems(document, config.call_center)
        if problems:
            raise Refusal(400, "INVALID_FIELDS", problems)
        check_rate(self.state.call_limiter, 1, limit=config.call_create_rate,
                   option="--call-create-rate", what="calls created")
        ledger = self.state.ledger
        key = document["vendorCallKey"]
        call = ledger.call(key)
        if call is not None and call.created_by_api:
            raise refusal(409, "CALL_EXISTS", "vendorCallKey",
                          f"call {key[:100]!r} was already created ({call.voice_call_id})")
        if call is None:
            call = ledger.open_call(key, created_by_api=True)
        else:
            ledger.adopt(call)
        call.set_window(start_ms=iso_to_ms(document["startTime"]))
        body = orjson.dumps({"voiceCallId": call.voice_call_id, "errors": []})
        await send_response(send, 200, body)

    async def _update(self, scope: dict[str, Any], receive: Receive, send: Send,
                      key_or_id: str) -> None:
        document = await self._document(scope, receive)
        if document is None:
            return
        problems = update_problems(document)
        if problems:
            raise Refusal(400, "INVALID_FIELDS", problems)
        ledger = self.state.ledger
        call = ledger.call_by_key_or_id(key_or_id)
        if call is None:
            raise refusal(404, "UNKNOWN_CALL", "vendorCallKey",
                          f"no call with vendorCallKey or voiceCallId {key_or_id[:100]!r}")
        if "startTime" in document:
            call.set_window(start_ms=iso_to_ms(document["startTime"]))
        end_ms = iso_to_ms(document.get("endTime"))
        if end_ms is not None or document.get("isActiveCall") is False:
            ledger.end_call(call, end_ms)
        await send_response(send, 200, CREATED_BODY)


def create_problems(document: dict[str, Any], call_center: str | None) -> list[dict[str, str]]:
    problems = []
    for name in CREATE_STRINGS:
        value = document.get(name)
        if not isinstance(value, str) or not value:
            problems.append({"field": name, "message": "is required: a non-empty string"})
    if isinstance(document.get("vendorCallKey"), str) and "/" in document["vendorCallKey"]:
        problems.append({"field": "vendorCallKey", "message": "must not contain '/'"})
    center = document.get("callCenterApiName")
    if call_center is not None and isinstance(center, str) and center != call_center:
        problems.append({"field": "callCenterApiName",
                         "message": f"must be {call_center!r} (--call-center)"})
    if document.get("initiationMethod") not in INITIATION_METHODS:
        problems.append({"field": "initiationMethod",
                         "message": "must be Inbound or Transfer (outbound is not supported)"})
    if iso_to_ms(document.get("startTime")) is None:
        problems.append({"field": "startTime",
                         "message": "must be an ISO 8601 date-time, e.g. 2026-11-25T17:00:00Z"})
    participants = document.get("participants")
    if not isinstance(participants, list) or not participants or not all(
        isinstance(p, dict) and isinstance(p.get("participantKey"), str)
        and isinstance(p.get("type"), str) for p in participants
    ):
        problems.append({"field": "participants",
                         "message": 'must be a list like [{"participantKey": "...", '
                                    '"type": "END_USER"}]'})
    for name in CREATE_OPTIONAL_STRINGS:
        if name in document and not isinstance(document[name], str):
            problems.append({"field": name, "message": "must be a string"})
    return problems


def update_problems(document: dict[str, Any]) -> list[dict[str, str]]:
    problems = []
    for name in ("startTime", "endTime"):
        if name in document and iso_to_ms(document[name]) is None:
            problems.append({"field": name, "message": "must be an ISO 8601 date-time"})
    if "isActiveCall" in document and not isinstance(document["isActiveCall"], bool):
        problems.append({"field": "isActiveCall", "message": "must be true or false"})
    for name in ("totalHoldDuration", "numberOfHolds"):
        value = document.get(name)
        if name in document and (type(value) is not int or value < 0):
            problems.append({"field": name, "message": "must be a non-negative integer"})
    if "disconnectReason" in document and not isinstance(document["disconnectReason"], str):
        problems.append({"field": "disconnectReason", "message": "must be a string"})
    return problems
