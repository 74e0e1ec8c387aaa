"""Abandoned-cart SMS: scheduled into the allowed window, one per cart, cancelled by a purchase or STOP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.invoker import Invoker
from infra.local.schedules import LocalScheduler
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

PHONE = "+48501234567"
SHOP = {
    **DEMO_LIST,
    "opt_in": "single",
    "language": "en",
    "brand": "Shop",
    "consent_text": {"version": "1", "text": "Yes"},
    "cart_abandoned": {"text": "Hi {first_name|there}, your cart is waiting: {url}", "delay_hours": 48},
}
CART = {"list_id": "shop", "phone": PHONE, "cart_id": "cart-1", "url": "https://shop.example/c/1"}


@pytest.fixture
def shop(aws: LocalAws, clock: Clock) -> LocalAws:
    clock.now = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)  # 22:30 in Warsaw
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "shop", "sms_consent": True, "first_name": "Ala"})
    aws.drain()
    return aws


def event(kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "e1",
        "detail-type": kind,
        "source": "shop",
        "account": "123456789012",
        "time": "2026-11-22T21:30:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def fire(aws: LocalAws, clock: Clock, until: datetime) -> list[str]:
    clock.now = until
    fired = LocalScheduler(aws.stack, Invoker(aws.stack)).fire_due(until, wait=False)
    aws.drain()
    return fired


def carts() -> list[str]:
    return [m["body"] for m in sent_sms() if "cart is waiting" in m["body"]]


def test_cart_message_after_48h_inside_the_window(shop: LocalAws, clock: Clock) -> None:
    reply = shop.http("POST", "/v1/admin/triggers", CART)
    assert reply.status == 202, reply.body
    # 48 h after 22:30 Warsaw is 22:30 on Tuesday: outside 9–20, so 09:00 on Wednesday.
    assert reply.body["send_at_utc"] == "2026-11-25T08:00:00.000000Z"
    assert fire(shop, clock, datetime(2026, 11, 25, 7, 59, tzinfo=UTC)) == []
    fire(shop, clock, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    assert carts() == ["Hi Ala, your cart is waiting: https://shop.example/c/1. Reply STOP to opt out"]


def test_one_message_per_cart_ever(shop: LocalAws) -> None:
    assert shop.http("POST", "/v1/admin/triggers", CART).body["status"] == "scheduled"
    assert shop.http("POST", "/v1/admin/triggers", CART).body["status"] == "duplicate"
    assert Invoker(shop.stack).invoke("AudienceEventsFunction", event("Cart.Abandoned", CART))["status"] == "duplicate"


def test_purchase_after_the_trigger_cancels_it(shop: LocalAws, clock: Clock) -> None:
    Invoker(shop.stack).invoke("AudienceEventsFunction", event("Cart.Abandoned", CART))
    result = Invoker(shop.stack).invoke(
        "AudienceEventsFunction",
        event("Customer.Purchase", {"phone": PHONE, "at": "2026-11-23T10:00:00Z", "order_id": "o-1", "amount": 99.5}),
    )
    assert result.items() >= {"phone_known": True, "triggers_cancelled": 1}.items()  # + its conversion
    fire(shop, clock, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    assert carts() == []
    profile = shop.http("GET", "/v1/admin/contacts/%2B48501234567").body["profile"]
    assert profile["last_purchase_at"].startswith("2026-11-23T10:00:00")


def test_stop_cancels_the_trigger(shop: LocalAws, clock: Clock) -> None:
    shop.http("POST", "/v1/admin/triggers", CART)
    shop.text("STOP", sender=PHONE, to="+48500000000")
    fire(shop, clock, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    assert carts() == []


def test_activity_only_moves_forward_and_non_subscribers_are_ignored(shop: LocalAws) -> None:
    invoke = Invoker(shop.stack).invoke
    assert invoke("AudienceEventsFunction", event("Customer.Activity", {"phone": PHONE, "at": "2026-11-20T10:00:00Z"}))[
        "phone_known"
    ]
    assert not invoke(
        "AudienceEventsFunction", event("Customer.Activity", {"phone": PHONE, "at": "2026-11-01T10:00:00Z"})
    )["phone_known"]  # older than what we know: ignored
    stranger = {**CART, "phone": "+48600100200", "cart_id": "cart-2"}
    assert shop.http("POST", "/v1/admin/triggers", stranger).body["status"] == "not_subscribed"
    no_template = shop.http("POST", "/v1/admin/triggers", {**CART, "list_id": "nope"})
    assert no_template.status == 404
    bad = shop.http("POST", "/v1/admin/triggers", {**CART, "url": "ftp://x"})
    assert bad.status == 422 and "url" in bad.body["error"]["fields"]


def test_events_on_the_bus_reach_the_function_through_the_local_rule(shop: LocalAws) -> None:
    """The template's EventBridgeRule, provisioned on moto: an event put on the bus lands in the
    rule's (local) target queue and the poller hands it to AudienceEventsFunction."""
    import json
    import threading

    import boto3

    from infra.local.sources.eventbridge import EventPoller

    bus = shop.stack.attributes["EventBus"]["Ref"]
    boto3.client("events").put_events(
        Entries=[{"EventBusName": bus, "Source": "shop", "DetailType": "Cart.Abandoned", "Detail": json.dumps(CART)}]
    )
    [source] = [s for s in shop.stack.sqs_sources() if s.eventbridge]
    poller = EventPoller(source, shop.stack, Invoker(shop.stack), threading.Event())
    polled = 0
    while handed := poller.poll_once():
        polled += handed
    assert polled == 2  # the sign-up's Consent.Granted (flows listen to it) and the cart
    assert shop.http("POST", "/v1/admin/triggers", CART).body["status"] == "duplicate"  # the event made it


def test_an_undeliverable_number_gets_no_cart_reminder(shop: LocalAws, clock: Clock) -> None:
    """A number that delivery receipts marked dead costs nothing: no schedule, no SMS."""
    from consent_platform import bootstrap
    from consent_platform.services.undeliverable import note_receipt

    clock.now += timedelta(minutes=5)  # a receipt after the opt-in
    assert note_receipt(bootstrap.stores(), PHONE, "permanent", "invalid", clock.now)
    reply = shop.http("POST", "/v1/admin/triggers", CART)
    assert reply.status == 200 and reply.body == {"status": "undeliverable", "cart_id": "cart-1"}
    assert fire(shop, clock, datetime(2026, 11, 25, 8, 0, tzinfo=UTC)) == []  # nothing was scheduled
    assert carts() == []
