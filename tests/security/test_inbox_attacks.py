"""Attacks on the inbox (issue #20): forged cursors, answers to ids that are not ours to answer, and
hostile bodies from the carrier side."""

from __future__ import annotations

import base64

import boto3
import pytest

from consent_platform.adapters.dynamodb import keys
from tests.integration.conftest import Clock, LocalAws

NUMBER = "4301"


def cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "forged",
    [
        cursor("PROFILE"),  # another item type of a number's partition
        cursor("~MSG#x"),  # sent messages sort right next to the inbox
        cursor("~INBOX#\n"),  # not printable
        "!!not-base64!!",
        "A" * 600,
    ],
)
def test_a_forged_cursor_is_a_422_naming_next(aws: LocalAws, forged: str) -> None:
    aws.text("Czy macie róże?")
    for query in (f"number={NUMBER}&next={forged}", f"from=%2B48501234567&next={forged}"):
        reply = aws.http("GET", "/v1/admin/inbox", query=query)
        assert reply.status == 422, reply.body
        assert "next" in reply.body["error"]["fields"]


def test_a_cursor_cannot_leave_the_partition_it_is_used_on(aws: LocalAws, clock: Clock) -> None:
    aws.text("Tajne pytanie", sender="+48501234568", to="4302")
    clock.advance(minutes=1)
    ours = aws.text("Czy macie róże?")
    # A cursor newer than everything, of the right shape: it only pages within number 4301.
    late = cursor(keys.INBOX.sk_prefix + "9999")
    page = aws.http("GET", "/v1/admin/inbox", query=f"number={NUMBER}&next={late}").body
    assert [i["message_id"] for i in page["items"]] == [ours]


def test_no_listing_without_a_partition(aws: LocalAws) -> None:
    reply = aws.http("GET", "/v1/admin/inbox")
    assert reply.status == 422 and "number" in reply.body["error"]["fields"]
    reply = aws.http("GET", "/v1/admin/inbox", query="from=not-a-phone")
    assert reply.status == 422 and "from" in reply.body["error"]["fields"]


@pytest.mark.parametrize("message_id", ["unknown", "x%23y", "..%2F..%2Fetc", "INBOUND%23twilio%23SM1", "a" * 129])
def test_answering_an_id_we_never_received_is_refused(aws: LocalAws, message_id: str) -> None:
    aws.text("Czy macie róże?")
    reply = aws.http("POST", f"/v1/admin/inbox/{message_id}/reply", {"text": "Tak"})
    assert reply.status in (404, 422), reply.body
    assert aws.receive_count("OutboundQueue") == 0


def test_a_marker_without_an_inbox_item_is_not_answered(aws: LocalAws) -> None:
    """Messages applied before the inbox existed have a marker but no item: nothing to answer, nobody to
    answer to (the marker holds no number)."""
    table = aws.stack.attributes["ConsentTable"]["Ref"]
    marker = keys.INBOUND_MARKER.key(provider="twilio", message_id="SM" + "0" * 32)
    boto3.client("dynamodb").put_item(TableName=table, Item={**marker, "intent": {"S": "unmatched"}})
    reply = aws.http("POST", f"/v1/admin/inbox/SM{'0' * 32}/reply", {"text": "Tak"})
    assert reply.status == 404, reply.body


def test_a_hostile_carrier_body_is_kept_bounded_and_inert(aws: LocalAws) -> None:
    """End User Messaging hands over whatever its SNS message holds: 10 KB with terminal escapes."""
    hostile = "\x1b[2J\x1b]0;pwned\x07\u202e" + "ż" * (10 * 1024)
    aws.text(hostile)
    [item] = aws.http("GET", "/v1/admin/inbox", query=f"number={NUMBER}").body["items"]
    assert item["truncated"] is True and len(item["body"]) <= 1600 + 5 * 5
    assert not any(c in item["body"] for c in "\x1b\x07\u202e")
    assert item["body"].startswith("\\u001b[2J")


def test_the_webhook_still_refuses_an_oversized_body(aws: LocalAws) -> None:
    """The signed webhook's own limit (1,600 characters) refuses before anything is queued or kept."""
    import json

    from tests.integration.conftest import WEBHOOK_SECRETS
    from tests.integration.test_webhooks import post_webhook, sign

    body = json.dumps({"from": "+48501234567", "to": NUMBER, "body": "x" * (10 * 1024), "message_id": "w-1"}).encode()
    reply = post_webhook(aws, body, sign(WEBHOOK_SECRETS[0], body))
    assert reply.status in (413, 422), reply.body
    aws.process_inbound()
    assert aws.http("GET", "/v1/admin/inbox", query=f"number={NUMBER}").body["items"] == []
