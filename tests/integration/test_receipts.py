"""Delivery receipts through the template's pipeline (DeliveryTopic → raw → DeliveryQueue → worker):
message status, campaign statistics, the contact's messages, bus events; replays, duplicates, order and
poison records."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Clock, LocalAws
from tests.integration.receipts_support import (
    bus_entries,
    delivery_event,
    delivery_items,
    publish,
    receipt,
)
from tests.integration.test_campaigns import FL, FR, NY, PL, create, fire, shop

__all__ = ["shop"]  # the fixture, used by name


@pytest.fixture
def sent(shop: LocalAws, clock: Clock) -> str:
    """A campaign sent to the four numbers of the shop list; returns its id."""
    campaign_id: str = create(shop, send_at_local="2026-11-27T18:00").body["campaign_id"]
    fire(shop, clock, "2026-11-27T17:00:00Z")  # Europe
    fire(shop, clock, "2026-11-27T23:00:00Z")  # the US
    assert shop.http("GET", f"/v1/admin/campaigns/{campaign_id}").body["stats"]["sent"] == 4
    return campaign_id


def stats(aws: LocalAws, campaign_id: str) -> dict[str, Any]:
    reply = aws.http("GET", f"/v1/admin/campaigns/{campaign_id}")
    assert reply.status == 200, reply.body
    return reply.body["stats"]  # type: ignore[no-any-return]


def test_before_any_receipt_everything_awaits(shop: LocalAws, sent: str) -> None:
    s = stats(shop, sent)
    assert s["delivered"] == 0 and s["undelivered"] == {} and s["awaiting_receipt"] == 4
    assert s["delivery_rate"] == 0.0 and s["price_usd"] == 0.0


def test_outcomes_fill_the_campaign_stats(shop: LocalAws, clock: Clock, sent: str, aws_calls: list) -> None:
    assert receipt(shop, clock, PL, sent, "TEXT_PENDING")["batchItemFailures"] == []  # progress: counts nothing
    receipt(shop, clock, PL, sent, "TEXT_DELIVERED", price=0.00581)
    receipt(shop, clock, FR, sent, "TEXT_INVALID", price=0.0469)
    receipt(shop, clock, NY, sent, "TEXT_SPAM")
    s = stats(shop, sent)
    assert s["delivered"] == 1
    assert s["undelivered"] == {"invalid": 1, "spam": 1}
    assert s["blocked"] == 1  # spam: content or registration, counted apart from dead numbers
    assert s["awaiting_receipt"] == 1  # FL: nothing reported yet
    assert s["delivered"] + sum(s["undelivered"].values()) + s["awaiting_receipt"] == s["sent"]
    assert s["delivery_rate"] == 0.25
    assert s["price_usd"] == pytest.approx(0.00581 + 0.0469 + 0.00581)
    kinds = sorted(e["DetailType"] for e in bus_entries(aws_calls))
    assert kinds == ["Message.Delivered", "Message.Failed", "Message.Failed"]
    failed = [
        message
        for e in bus_entries(aws_calls)
        if e["DetailType"] == "Message.Failed"
        for message in json.loads(e["Detail"])["messages"]
    ]
    assert {d["reason"] for d in failed} == {"invalid", "spam"} and {d["campaign_id"] for d in failed} == {sent}


def test_replays_and_duplicates_change_nothing(shop: LocalAws, clock: Clock, sent: str, aws_calls: list) -> None:
    from consent_platform.services.dispatcher import campaign_message_id

    event = delivery_event(PL, campaign_message_id(sent, PL), clock=clock, campaign_id=sent)
    assert publish(shop, event, event)["batchItemFailures"] == []  # the same event twice in one batch
    receipt(shop, clock, PL, sent, "TEXT_DELIVERED")  # and replayed later
    receipt(shop, clock, PL, sent, "TEXT_UNREACHABLE")  # a different final outcome after the first one
    s = stats(shop, sent)
    assert s["delivered"] == 1 and s["undelivered"] == {} and s["awaiting_receipt"] == 3
    assert s["price_usd"] == pytest.approx(0.00581)
    assert [e["DetailType"] for e in bus_entries(aws_calls)] == ["Message.Delivered"]


def test_a_late_pending_does_not_override_a_final_status(shop: LocalAws, clock: Clock, sent: str) -> None:
    receipt(shop, clock, PL, sent, "TEXT_DELIVERED")
    receipt(shop, clock, PL, sent, "TEXT_QUEUED")  # arrives after the delivery
    receipt(shop, clock, FR, sent, "TEXT_SUCCESSFUL")  # in order: accepted, then failed
    receipt(shop, clock, FR, sent, "TEXT_CARRIER_UNREACHABLE")
    statuses = {(i["pk"]["S"], i["status"]["S"], i["provider_status"]["S"]) for i in delivery_items(shop)}
    assert statuses == {
        (f"PHONE#{PL}", "delivered", "TEXT_DELIVERED"),
        (f"PHONE#{FR}", "failed", "TEXT_CARRIER_UNREACHABLE"),
    }
    assert stats(shop, sent)["undelivered"] == {"carrier_unreachable": 1}


def test_a_successful_the_provider_calls_final_is_a_delivery(shop: LocalAws, clock: Clock, sent: str) -> None:
    """Some countries report TEXT_SUCCESSFUL as the last word (the guide: used interchangeably)."""
    receipt(shop, clock, NY, sent, "TEXT_SUCCESSFUL", is_final=True)
    assert stats(shop, sent)["delivered"] == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json {",
        json.dumps({"eventType": "TEXT_DELIVERED"}),  # missing fields
        json.dumps(["a", "list"]),
        "",
    ],
)
def test_poison_records_are_dropped_not_retried(shop: LocalAws, clock: Clock, sent: str, body: str) -> None:
    result = publish(shop, body or " ")
    assert result["batchItemFailures"] == []  # acknowledged: a retry could never succeed
    assert shop.receive_count("DeliveryQueue") == 0
    assert delivery_items(shop) == []


def test_an_unknown_status_is_poison_and_a_good_record_in_the_batch_still_applies(
    shop: LocalAws, clock: Clock, sent: str
) -> None:
    from consent_platform.services.dispatcher import campaign_message_id

    good = delivery_event(PL, campaign_message_id(sent, PL), clock=clock, campaign_id=sent)
    bad = {**good, "eventType": "VOICE_COMPLETED"}
    assert publish(shop, bad, good)["batchItemFailures"] == []
    assert stats(shop, sent)["delivered"] == 1


def test_the_contact_lists_its_messages_newest_first_with_status(shop: LocalAws, clock: Clock, sent: str) -> None:
    receipt(shop, clock, FL, sent, "TEXT_INVALID")
    reply = shop.http("GET", "/v1/admin/contacts/%2B13055550123")
    assert reply.status == 200, reply.body
    messages = reply.body["messages"]
    assert [m["kind"] for m in messages] == ["marketing", "welcome"]  # newest first
    campaign, welcome = messages
    assert campaign["campaign_id"] == sent and campaign["list_id"] == "shop"
    assert campaign["status"] == "failed" and campaign["reason"] == "provider says invalid"
    assert campaign["status_at"] == clock.now.isoformat().replace("+00:00", ".000000Z")
    assert welcome["status"] == "sent" and welcome["status_at"] is None  # no receipt yet (or ever, with SNS)
    assert set(campaign) >= {"message_id", "kind", "list_id", "campaign_id", "sent_at", "status", "status_at", "reason"}


def test_erasure_removes_the_receipts(shop: LocalAws, clock: Clock, sent: str) -> None:
    receipt(shop, clock, PL, sent, "TEXT_DELIVERED")
    assert len(delivery_items(shop)) == 1
    assert shop.http("DELETE", "/v1/admin/contacts/%2B48501234567").status == 200
    assert delivery_items(shop) == []


def test_an_invalid_number_receipt_marks_it_and_the_next_campaign_skips_it(
    shop: LocalAws, clock: Clock, sent: str
) -> None:
    """The worker runs the undeliverable policy on a final outcome: TEXT_INVALID marks the number, a
    delivery or a spam block does not; the next campaign never queues the dead number."""
    receipt(shop, clock, FR, sent, "TEXT_INVALID")
    receipt(shop, clock, PL, sent, "TEXT_DELIVERED")
    receipt(shop, clock, NY, sent, "TEXT_SPAM")
    marked = {
        phone: shop.http("GET", f"/v1/admin/contacts/{phone.replace('+', '%2B')}").body["profile"]["undeliverable"]
        for phone in (FR, PL, NY)
    }
    assert marked[FR] is not None and marked[FR]["rule"] and marked[PL] is None and marked[NY] is None
    replay = receipt(shop, clock, FR, sent, "TEXT_INVALID")  # a repeat: the policy does not run again
    assert replay["batchItemFailures"] == []
    second: str = create(shop, send_at_local="2026-11-28T18:00").body["campaign_id"]
    fire(shop, clock, "2026-11-28T17:00:00Z")
    fire(shop, clock, "2026-11-28T23:00:00Z")
    s = stats(shop, second)
    assert s["skipped"]["undeliverable"] == 1 and s["sent"] == 3


def test_a_resends_receipt_counts_for_its_campaign_like_the_original(shop: LocalAws, clock: Clock, sent: str) -> None:
    """The reconciler resends an unknown message once as ``<id>~r``; its receipt must parse (the id has a
    "~") and count for the campaign as the message it repeats."""
    from consent_platform.services.dispatcher import campaign_message_id

    resend_id = campaign_message_id(sent, PL) + "~r"
    result = publish(shop, delivery_event(PL, resend_id, "TEXT_DELIVERED", clock=clock, campaign_id=sent))
    assert result["batchItemFailures"] == []
    assert stats(shop, sent)["delivered"] == 1
    assert [i for i in delivery_items(shop) if i["sk"]["S"].endswith("~r")], "the resend's receipt was not stored"
