"""Call lifecycle: create (POST /voiceCalls) and update (PATCH), and what they do to transcripts."""

from __future__ import annotations

import pytest

from replay.mock.lifecycle import iso_to_ms
from replay.mock.process import start_mock

from .mock_helpers import call, message, post_message, unique_key

JSON = {"Content-Type": "application/json"}
CALL_START = "2025-11-25T16:00:00Z"  # 1764086400000 ms, the sample messages' startTime


def create_body(key: str, **changes) -> dict:
    body = {"callCenterApiName": "ACMECallCenter", "vendorCallKey": key, "to": "+15550100",
            "from": "+15550199", "initiationMethod": "Inbound", "startTime": CALL_START,
            "participants": [{"participantKey": "+15550199", "type": "END_USER"}]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture(scope="module")
def open_mock():
    with start_mock(["--no-auth", "--call-create-rate", "0"]) as running:
        yield running


def create(url: str, key: str, **changes):
    return call(url, "POST", "/telephony/v1/voiceCalls", create_body(key, **changes), JSON)


def update(url: str, key: str, body: dict):
    return call(url, "PATCH", f"/telephony/v1/voiceCalls/{key}", body, JSON)


def test_iso_times_convert_to_epoch_ms():
    assert iso_to_ms(CALL_START) == 1764086400000
    assert iso_to_ms("2025-11-25T16:00:00.250+00:00") == 1764086400250
    assert iso_to_ms("yesterday") is None


def test_create_answers_a_voice_call_id(open_mock):
    answer = create(open_mock.url, unique_key())
    assert answer.status == 200
    assert answer.json["errors"] == []
    voice_call_id = answer.json["voiceCallId"]
    assert voice_call_id.startswith("0LQ") and len(voice_call_id) == 15


@pytest.mark.parametrize(("changes", "field"), [
    ({"vendorCallKey": None}, "vendorCallKey"),
    ({"initiationMethod": "Outbound"}, "initiationMethod"),
    ({"startTime": "noon"}, "startTime"),
    ({"participants": [{"type": "END_USER"}]}, "participants"),
    ({"callAttributes": {"a": 1}}, "callAttributes"),
])
def test_create_with_a_bad_field_gets_400_naming_it(open_mock, changes, field):
    answer = create(open_mock.url, unique_key(), **changes)
    assert answer.status == 400
    assert field in {problem["field"] for problem in answer.json["errors"]}


def test_creating_the_same_call_twice_gets_409(open_mock):
    key = unique_key()
    assert create(open_mock.url, key).status == 200
    assert create(open_mock.url, key).status == 409


def test_update_answers_pending(open_mock):
    key = unique_key()
    create(open_mock.url, key)
    answer = update(open_mock.url, key, {"numberOfHolds": 1, "totalHoldDuration": 30})
    assert (answer.status, answer.json) == (200, {"status": "pending"})


def test_update_by_voice_call_id_works(open_mock):
    key = unique_key()
    voice_call_id = create(open_mock.url, key).json["voiceCallId"]
    assert update(open_mock.url, voice_call_id, {"isActiveCall": False}).status == 200
    assert open_mock.call(key)["active"] is False


def test_update_of_an_unknown_call_gets_404(open_mock):
    assert update(open_mock.url, unique_key(), {"isActiveCall": False}).status == 404


def test_update_with_bad_types_gets_400(open_mock):
    key = unique_key()
    create(open_mock.url, key)
    answer = update(open_mock.url, key, {"isActiveCall": "no", "numberOfHolds": -1})
    assert answer.status == 400
    assert {p["field"] for p in answer.json["errors"]} == {"isActiveCall", "numberOfHolds"}


@pytest.mark.parametrize("ending", [{"isActiveCall": False},
                                    {"endTime": "2025-11-25T16:10:00Z"}])
def test_message_after_the_call_ended_is_refused(open_mock, ending):
    key = unique_key()
    create(open_mock.url, key)
    assert post_message(open_mock.url, key, message("before")).status == 202
    update(open_mock.url, key, ending)
    answer = post_message(open_mock.url, key, message("after"))
    assert answer.status == 409
    assert answer.error == "CALL_ENDED"
    assert open_mock.stats()["after_end"] >= 1


def test_message_before_the_call_started_is_taken_but_not_stored(open_mock):
    key = unique_key()
    create(open_mock.url, key, startTime="2025-11-25T16:30:00Z")
    assert post_message(open_mock.url, key, message("early")).status == 202
    summary = open_mock.call(key)
    assert (summary["stored"], summary["outside_window"]) == (0, 1)


def test_message_to_a_created_call_is_stored(open_mock):
    key = unique_key()
    create(open_mock.url, key)
    post_message(open_mock.url, key, message())
    summary = open_mock.call(key)
    assert summary["created_by_api"] is True and summary["stored"] == 1


def test_strict_calls_accepts_messages_for_created_calls():
    with start_mock(["--no-auth", "--strict-calls"]) as running:
        key = unique_key()
        assert post_message(running.url, key, message()).status == 404
        create(running.url, key)
        assert post_message(running.url, key, message()).status == 202


def test_after_end_status_is_an_option():
    with start_mock(["--no-auth", "--after-end-status", "400"]) as running:
        key = unique_key()
        create(running.url, key)
        update(running.url, key, {"isActiveCall": False})
        assert post_message(running.url, key, message()).status == 400


def test_lifecycle_needs_json(open_mock):
    answer = call(open_mock.url, "POST", "/telephony/v1/voiceCalls", b"<a/>",
                  {"Content-Type": "application/xml"})
    assert answer.status == 415


@pytest.mark.parametrize(("method", "path"), [("GET", "/telephony/v1/voiceCalls"),
                                              ("POST", "/telephony/v1/voiceCalls/k")])
def test_lifecycle_wrong_method_gets_405(open_mock, method, path):
    assert call(open_mock.url, method, path, {}, JSON).status == 405


def test_call_first_seen_in_a_transcript_is_adopted_by_create(open_mock):
    key = unique_key()
    post_message(open_mock.url, key, message())
    answer = create(open_mock.url, key)
    assert answer.status == 200
    assert open_mock.call(key)["voiceCallId"] == answer.json["voiceCallId"]


def test_lifecycle_requests_need_a_valid_token(mock, token):
    answer = call(mock.url, "POST", "/telephony/v1/voiceCalls", create_body(unique_key()), JSON)
    assert answer.status == 401
    authorized = {**JSON, "Authorization": f"Bearer {token()}"}
    answer = call(mock.url, "POST", "/telephony/v1/voiceCalls", create_body(unique_key()),
                  authorized)
    assert answer.status == 200


def test_outside_window_reject_answers_400():
    with start_mock(["--no-auth", "--outside-window", "reject"]) as running:
        key = unique_key()
        create(running.url, key, startTime="2025-11-25T16:30:00Z")
        answer = post_message(running.url, key, message("early"))
        assert answer.status == 400
        assert answer.error == "OUTSIDE_WINDOW"
        late = message("late", startTime=1764088200000, endTime=1764088201000)
        assert post_message(running.url, key, late).status == 202
        assert running.stats()["stored"] == 1
