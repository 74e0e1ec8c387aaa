"""The inbox (issue #20) through the real path: SNS → inbound queue → worker writes the item; the admin API
lists it, answers it (transactional SMS through the sender), and erasure removes it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Clock, LocalAws, sent_sms

PHONE = "+48501234567"
OTHER = "+48501234568"
NUMBER = "4301"


@pytest.fixture
def kwiaty(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("PUT", "/v1/admin/keywords/kwiaty", {"number": NUMBER, "action": "join", "list_id": "demo"})
    assert reply.status == 201, reply.body


def inbox(aws: LocalAws, query: str) -> dict[str, Any]:
    reply = aws.http("GET", "/v1/admin/inbox", query=query)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def answer(aws: LocalAws, message_id: str, text: str = "Tak, mamy róże.") -> Any:
    return aws.http("POST", f"/v1/admin/inbox/{message_id}/reply", {"text": text})


def test_worker_keeps_stop_keyword_and_unmatched_and_lists_them(aws: LocalAws, kwiaty: None, clock: Clock) -> None:
    joined = aws.text("Kwiaty")
    clock.advance(minutes=1)
    free = aws.text("Czy macie róże na jutro?")
    clock.advance(minutes=1)
    stopped = aws.text("Stop.", sender=OTHER)

    page = inbox(aws, f"number={NUMBER}")
    assert [(i["message_id"], i["handled_as"]) for i in page["items"]] == [
        (stopped, "stop"),
        (free, "unmatched"),
        (joined, "keyword:KWIATY"),
    ]
    first = page["items"][1]
    assert first["from"] == PHONE and first["to"] == NUMBER and first["body"] == "Czy macie róże na jutro?"
    assert first["received_at"] and page["next"] is None

    assert [i["message_id"] for i in inbox(aws, f"number={NUMBER}&unhandled=true")["items"]] == [free]
    assert [i["message_id"] for i in inbox(aws, "from=%2B48501234567")["items"]] == [free, joined]
    since = page["items"][1]["received_at"]
    assert [i["message_id"] for i in inbox(aws, f"number={NUMBER}&since={since}")["items"]] == [stopped, free]
    assert inbox(aws, "number=4302")["items"] == []


def test_cursor_walks_newest_first_without_repeats(aws: LocalAws, clock: Clock) -> None:
    sent = []
    for n in range(5):
        sent.append(aws.text(f"pytanie {n}"))
        clock.advance(seconds=10)
    seen: list[str] = []
    query = f"number={NUMBER}&limit=2"
    while True:
        page = inbox(aws, query)
        seen += [i["message_id"] for i in page["items"]]
        if not page["next"]:
            break
        query = f"number={NUMBER}&limit=2&next={page['next']}"
    assert seen == list(reversed(sent))


def test_a_redelivered_or_replayed_message_is_kept_once(aws: LocalAws) -> None:
    message_id = aws.text("Czy macie tulipany?")
    aws.text("Czy macie tulipany?", message_id=message_id)
    assert [i["message_id"] for i in inbox(aws, f"number={NUMBER}")["items"]] == [message_id]


def test_reply_is_sent_once_from_the_receiving_number_and_a_retry_changes_nothing(aws: LocalAws) -> None:
    message_id = aws.text("Czy macie róże na jutro?")
    first = answer(aws, message_id)
    assert first.status == 202, first.body
    assert first.body["to"] == PHONE and first.body["origination"] == NUMBER and not first.body["repeated"]
    again = answer(aws, message_id)
    assert again.status == 202 and again.body["repeated"]
    assert again.body["reply_message_id"] == first.body["reply_message_id"]
    aws.drain()
    assert [m["body"] for m in sent_sms() if m["to"] == PHONE] == ["Tak, mamy róże."]
    assert inbox(aws, f"number={NUMBER}")["items"][0]["replies"] == 1


def test_reply_refused_after_stop_unknown_id_and_bad_text(aws: LocalAws, clock: Clock) -> None:
    message_id = aws.text("Czy macie róże?")
    clock.advance(minutes=1)
    aws.text("STOP")
    refused = answer(aws, message_id)
    assert refused.status == 409 and "message_id" in refused.body["error"]["fields"]
    assert answer(aws, "no-such-message").status == 404
    clock.advance(minutes=1)
    aws.text("START")
    assert answer(aws, message_id).status == 202  # START on the same number lifts it
    for bad in ("", "  ", "x" * 1601, "line\u001b[31m"):
        reply = answer(aws, message_id, bad)
        assert reply.status == 422 and "text" in str(reply.body["error"]["fields"]), (bad, reply.body)


def test_replies_are_capped_per_number_per_day(aws: LocalAws) -> None:
    from consent_platform.domain.inbox import REPLY_DAILY_CAP

    message_id = aws.text("Halo?")
    for n in range(REPLY_DAILY_CAP):
        assert answer(aws, message_id, f"odpowiedź {n}").status == 202
    capped = answer(aws, message_id, "jeszcze jedna")
    assert capped.status == 429 and int(capped.headers["Retry-After"]) > 0


def test_erasure_removes_the_inbox_and_refuses_replies(aws: LocalAws) -> None:
    message_id = aws.text("Czy macie róże?")
    other = aws.text("Czy macie tulipany?", sender=OTHER)
    assert aws.http("DELETE", "/v1/admin/contacts/%2B48501234567").status == 200
    assert [i["message_id"] for i in inbox(aws, f"number={NUMBER}")["items"]] == [other]
    assert inbox(aws, "from=%2B48501234567")["items"] == []
    gone = answer(aws, message_id)
    assert gone.status == 409, gone.body


def test_contact_shows_received_next_to_sent(aws: LocalAws, kwiaty: None, clock: Clock) -> None:
    joined = aws.text("Kwiaty")
    contact = aws.http("GET", "/v1/admin/contacts/%2B48501234567").body
    directions = [(e["direction"], e["message_id"]) for e in contact["timeline"]]
    assert ("in", joined) in directions
    assert any(d == "out" for d, _ in directions)  # the confirmation request
    free = aws.text("Czy macie róże?", sender="+48501234569")  # texted only: no consent record
    only_texted = aws.http("GET", "/v1/admin/contacts/%2B48501234569")
    assert only_texted.status == 200 and [e["message_id"] for e in only_texted.body["timeline"]] == [free]


def test_retention_is_the_items_ttl(aws: LocalAws, clock: Clock) -> None:
    import boto3

    aws.text("Czy macie róże?")
    table = aws.stack.attributes["ConsentTable"]["Ref"]
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]  # test-only look at the stored item
    kept = [i for i in items if i["sk"]["S"].startswith("~INBOX#")]
    assert len(kept) == 1
    assert int(kept[0]["ttl"]["N"]) == int(clock.now.timestamp()) + 90 * 86400
