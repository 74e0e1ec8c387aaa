"""Forged or hostile delivery events. The worker trusts only what End User Messaging itself sets — the
number the message went to (``destinationPhoneNumber``) — and treats ``context`` (whatever the caller of
SendTextMessage wrote) as naming a message *under that number*, counted for a campaign only when the id is
the one that campaign sends to that number."""

from __future__ import annotations

import json

import pytest

from consent_platform.services.dispatcher import campaign_message_id
from tests.integration.conftest import Clock, LocalAws
from tests.integration.receipts_support import bus_entries, delivery_event, delivery_items, publish
from tests.integration.test_campaigns import FR, NY, PL, shop
from tests.integration.test_receipts import sent, stats

__all__ = ["sent", "shop"]  # fixtures, used by name
ATTACKER = "+48609000111"  # a number the attacker can text (with a configuration set that reports here)


def test_a_forged_context_cannot_touch_another_numbers_message(
    shop: LocalAws, clock: Clock, sent: str, aws_calls: list
) -> None:
    """An event for a message really sent to ATTACKER, whose context names PL's campaign message: the
    status is written under ATTACKER only, PL's message stays 'sent', and the campaign counts nothing."""
    victim_message = campaign_message_id(sent, PL)
    forged = delivery_event(ATTACKER, victim_message, "TEXT_INVALID", clock=clock, campaign_id=sent)
    assert publish(shop, forged)["batchItemFailures"] == []
    assert {i["pk"]["S"] for i in delivery_items(shop)} == {f"PHONE#{ATTACKER}"}
    s = stats(shop, sent)
    assert s["undelivered"] == {} and s["awaiting_receipt"] == 4 and s["price_usd"] == 0.0
    victim = shop.http("GET", "/v1/admin/contacts/%2B48501234567").body["messages"]
    assert [m["status"] for m in victim] == ["sent", "sent"]
    # The bus event names the number it was really about, never the victim.
    phones = [m["phone"] for e in bus_entries(aws_calls) for m in json.loads(e["Detail"])["messages"]]
    assert phones == [ATTACKER]


def test_a_campaign_id_borrowed_by_another_message_of_the_number_does_not_count(
    shop: LocalAws, clock: Clock, sent: str
) -> None:
    """A transactional message to NY whose context claims the campaign: not the campaign's message id."""
    event = delivery_event(NY, "welcome-or-anything", "TEXT_DELIVERED", clock=clock, campaign_id=sent)
    publish(shop, event)
    assert stats(shop, sent)["delivered"] == 0


@pytest.mark.parametrize(
    "message_id",
    ["m#~PROFILE", "../SUB#shop", "x" * 101, "has space", "~MSG#x"],
)
def test_a_message_id_cannot_reach_outside_its_delivery_item(
    shop: LocalAws, clock: Clock, sent: str, message_id: str
) -> None:
    event = delivery_event(FR, message_id, "TEXT_INVALID", clock=clock, campaign_id=sent)
    assert publish(shop, event)["batchItemFailures"] == []  # dropped as poison, not retried
    assert delivery_items(shop) == []


@pytest.mark.parametrize(
    "change",
    [
        {"totalMessagePrice": 1e9},  # would poison the campaign's price
        {"totalMessageParts": 10**6},
        {"destinationPhoneNumber": "PHONE#+48501234567"},
        {"destinationPhoneNumber": "+48501234567 "},
        {"eventTimestamp": -1},
    ],
)
def test_out_of_range_fields_are_poison(shop: LocalAws, clock: Clock, sent: str, change: dict) -> None:
    event = {**delivery_event(PL, campaign_message_id(sent, PL), clock=clock, campaign_id=sent), **change}
    assert publish(shop, event)["batchItemFailures"] == []
    assert delivery_items(shop) == []
    assert stats(shop, sent)["delivered"] == 0
