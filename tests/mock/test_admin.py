"""Admin API: stats, ledger, one call, reset; and the bulk endpoint's effect on them."""

from __future__ import annotations

import pytest

from replay.mock.process import start_mock

from .mock_helpers import call, message, post_message, unique_key

BULK = "/telephony/v1/voiceCalls/messages"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def fresh():
    with start_mock(["--no-auth"]) as running:
        yield running


def test_stats_count_every_kind_of_answer(fresh):
    key = unique_key()
    post_message(fresh.url, key, message("a"))
    post_message(fresh.url, key, message("a"))
    post_message(fresh.url, key, message("b", senderType="nobody"))
    post_message(fresh.url, key, b"[", content_type="application/json")
    stats = fresh.stats()
    assert stats["received"] == 4
    assert (stats["accepted"], stats["stored"], stats["duplicates"]) == (2, 1, 1)
    assert stats["rejected"] == {"400": 2}
    assert (stats["calls"], stats["calls_created"], stats["calls_ended"]) == (1, 0, 0)
    assert stats["outside_window"] == 0 and stats["after_end"] == 0


def test_ledger_lists_accepted_messages_in_arrival_order(fresh):
    first, second = unique_key(), unique_key()
    post_message(fresh.url, first, message("1"))
    post_message(fresh.url, second, message("2", senderType="HUMAN_AGENT",
                                            participantId="005000000000001"))
    post_message(fresh.url, first, message("1"))
    rows = fresh.ledger()
    assert [(r["vendorCallKey"], r["messageId"], r["outcome"], r["call_seq"]) for r in rows] == [
        (first, "1", "stored", 0), (second, "2", "stored", 0), (first, "1", "duplicate", 1)]
    assert rows[0]["arrived_us"] <= rows[1]["arrived_us"] <= rows[2]["arrived_us"]
    assert set(rows[0]) == {"vendorCallKey", "messageId", "participantId", "senderType",
                            "startTime", "endTime", "arrived_ms", "arrived_us", "outcome",
                            "call_seq", "worker"}


def test_ledger_streams_many_rows(fresh):
    key = unique_key()
    bodies = [{"vendorCallKey": key, "messages": [message(f"{n}-{m}") for m in range(5)]}
              for n in range(5)]
    for number in range(60):
        entries = [{**entry, "vendorCallKey": f"{key}-{number}-{i}"}
                   for i, entry in enumerate(bodies)]
        assert call(fresh.url, "POST", BULK, {"entries": entries}, JSON).status == 202
    assert len(fresh.ledger()) == 60 * 25


def test_unknown_call_is_404(fresh):
    answer = call(fresh.url, "GET", f"/__admin/calls/{unique_key()}")
    assert answer.status == 404


def test_reset_forgets_everything(fresh):
    post_message(fresh.url, unique_key(), message())
    fresh.reset()
    stats = fresh.stats()
    assert (stats["received"], stats["stored"], stats["calls"]) == (0, 0, 0)
    assert fresh.ledger() == []


def test_unknown_admin_route_is_404(fresh):
    assert call(fresh.url, "GET", "/__admin/nothing").status == 404
    assert call(fresh.url, "DELETE", "/__admin/stats").status == 404


def test_health_answers(fresh):
    assert call(fresh.url, "GET", "/__admin/health").json == {"ok": True, "worker": 0}


def test_bulk_accepts_up_to_five_calls_of_five_messages(fresh):
    entries = [{"vendorCallKey": unique_key(), "messages": [message(f"m-{n}") for n in range(5)]}
               for _ in range(5)]
    answer = call(fresh.url, "POST", BULK, {"entries": entries}, JSON)
    assert (answer.status, answer.json) == (202, {"result": "Accepted"})
    stats = fresh.stats()
    assert (stats["received"], stats["bulk_requests"], stats["stored"]) == (1, 1, 25)


@pytest.mark.parametrize(("entries", "field"), [
    ([{"vendorCallKey": "k", "messages": [message()]}] * 6, "entries"),
    ([{"vendorCallKey": "k", "messages": [message(f"{n}") for n in range(6)]}],
     "entries[0].messages"),
    ([{"vendorCallKey": "", "messages": [message()]}], "entries[0].vendorCallKey"),
    ([{"vendorCallKey": "k", "messages": [message(startTime="x")]}],
     "entries[0].messages[0].startTime"),
    ([], "entries"),
])
def test_bulk_over_the_limits_or_invalid_gets_400_and_stores_nothing(fresh, entries, field):
    answer = call(fresh.url, "POST", BULK, {"entries": entries}, JSON)
    assert answer.status == 400
    assert field in {problem["field"] for problem in answer.json["errors"]}
    assert fresh.stats()["stored"] == 0


def test_bulk_with_an_ended_call_is_refused_whole():
    with start_mock(["--no-auth"]) as running:
        ended = unique_key()
        call(running.url, "POST", "/telephony/v1/voiceCalls", {
            "callCenterApiName": "CC", "vendorCallKey": ended, "to": "1", "from": "2",
            "initiationMethod": "Inbound", "startTime": "2025-11-25T16:00:00Z",
            "participants": [{"participantKey": "2", "type": "END_USER"}]}, JSON)
        call(running.url, "PATCH", f"/telephony/v1/voiceCalls/{ended}",
             {"isActiveCall": False}, JSON)
        entries = [{"vendorCallKey": unique_key(), "messages": [message()]},
                   {"vendorCallKey": ended, "messages": [message()]}]
        answer = call(running.url, "POST", BULK, {"entries": entries}, JSON)
        assert answer.status == 409
        assert running.stats()["stored"] == 0


def test_bulk_needs_json(fresh):
    answer = call(fresh.url, "POST", BULK, b"<a/>", {"Content-Type": "application/xml"})
    assert answer.status == 415


@pytest.mark.parametrize(("client", "allowed"), [
    (("127.0.0.1", 5000), True), (("::1", 5000), True), (("10.1.2.3", 5000), False),
    (None, False),
])
def test_admin_answers_loopback_clients_only(client, allowed):
    from replay.mock.admin import _is_loopback

    assert _is_loopback({"client": client}) is allowed
