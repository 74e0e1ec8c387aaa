"""Flows end to end on moto: bus events enter and exit enrollments, the sweep runs due steps through the
sender (consent, quiet hours, exactly once), DELETE stops a flow, statistics add up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from infra.local.invoker import Invoker
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, bus_tap, sent_sms

PHONE = "+48501234567"
SHOP = {
    **DEMO_LIST,
    "opt_in": "single",
    "language": "en",
    "brand": "Shop",
    "consent_text": {"version": "1", "text": "Yes"},
}
WELCOME = {
    "list_id": "shop",
    "name": "Welcome",
    "trigger": {"event": "Consent.Confirmed"},
    "steps": [{"send": {"text": "Welcome {first_name|friend}!"}}, {"wait": {"days": 1}}, {"send": {"text": "Day two"}}],
}
CART = {
    "list_id": "shop",
    "name": "Cart rescue",
    "trigger": {"event": "Cart.Abandoned"},
    "exit_on": ["Customer.Purchase"],
    "steps": [
        {"wait": {"hours": 2}},
        {"send": {"text": "{first_name|Hi}, your cart: {event.url}"}},
        {"wait": {"hours": 46}},
        {"send": {"text": "Still thinking?"}},
    ],
}

Tap = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def tap(aws: LocalAws) -> Tap:
    """What the platform publishes on its bus, read through a rule → SQS target."""
    return bus_tap(aws, "flows-tap")


@pytest.fixture
def shop(aws: LocalAws, clock: Clock) -> LocalAws:
    clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday, 11:00 in Warsaw
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    return aws


def relay(aws: LocalAws, tap: Tap) -> list[dict[str, Any]]:
    """Deliver the bus's events to the rule's target, as EventBridge would."""
    return [Invoker(aws.stack).invoke("AudienceEventsFunction", event) for event in tap()]


def bus_event(kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"version": "0", "id": "e", "detail-type": kind, "source": "shop", "detail": detail}


def sweep(aws: LocalAws) -> dict[str, Any]:
    report: dict[str, Any] = Invoker(aws.stack).invoke("FlowSweepFunction", {})
    aws.drain()
    return report


def texts(phone: str = PHONE) -> list[str]:
    return [m["body"] for m in sent_sms() if m["to"] == phone]


def sign_up(aws: LocalAws, tap: Tap, phone: str = PHONE) -> None:
    form = {"phone": phone, "list_id": "shop", "sms_consent": True, "first_name": "Ala"}
    reply = aws.http("POST", "/v1/optin", form, source_ip=f"198.51.{int(phone[-3:])}.7")  # under the per-IP limit
    assert reply.status in (200, 201, 202), reply.body
    aws.drain()
    relay(aws, tap)


def test_welcome_series_starts_on_a_single_opt_in(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    assert shop.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    sign_up(shop, tap)
    before = len(texts())
    clock.advance(minutes=1)
    sweep(shop)
    assert texts()[before:] == ["Welcome Ala! Reply STOP to opt out"]
    clock.advance(hours=23)
    sweep(shop)
    assert len(texts()) == before + 1  # not due yet
    clock.advance(hours=1, minutes=1)
    sweep(shop)
    assert texts()[before + 1 :] == ["Day two. Reply STOP to opt out"]
    stats = shop.http("GET", "/v1/admin/flows/welcome").body["stats"]
    assert (stats["entered"], stats["completed"], stats["sent"]) == (1, 1, 2)
    assert [s["sent"] for s in stats["steps"]] == [1, 0, 1]


def test_welcome_series_starts_on_a_keyword_join(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    keyword = {"number": "4301", "action": "join", "list_id": "shop"}
    assert shop.http("PUT", "/v1/admin/keywords/join", keyword).status == 201
    assert shop.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    shop.text("JOIN")
    relay(shop, tap)
    clock.advance(minutes=1)
    sweep(shop)
    assert "Welcome friend! Reply STOP to opt out" in texts()


def test_cart_flow_waits_sends_and_a_purchase_cancels_the_rest(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    assert shop.http("PUT", "/v1/admin/flows/cart", CART).status == 201
    sign_up(shop, tap)
    cart = {"list_id": "shop", "phone": PHONE, "cart_id": "c-1", "url": "https://shop.example/c/1"}
    Invoker(shop.stack).invoke("AudienceEventsFunction", bus_event("Cart.Abandoned", cart))
    Invoker(shop.stack).invoke("AudienceEventsFunction", bus_event("Cart.Abandoned", cart))  # the same cart again
    clock.advance(hours=1, minutes=59)
    sweep(shop)
    assert not [t for t in texts() if "cart" in t]
    clock.advance(minutes=2)
    sweep(shop)
    assert [t for t in texts() if "cart" in t] == ["Ala, your cart: https://shop.example/c/1. Reply STOP to opt out"]
    purchase = {"phone": PHONE, "at": (clock.now + timedelta(minutes=5)).isoformat(), "order_id": "o-1"}
    clock.advance(minutes=5)
    result = Invoker(shop.stack).invoke("AudienceEventsFunction", bus_event("Customer.Purchase", purchase))
    assert result["flows_exited"] == 1
    clock.advance(days=3)
    sweep(shop)
    assert not [t for t in texts() if "Still thinking" in t]
    stats = shop.http("GET", "/v1/admin/flows/cart").body["stats"]
    assert (stats["entered"], stats["exited"], stats["active"]) == (1, {"Customer.Purchase": 1}, 0)


def test_quiet_hours_defer_the_step_to_the_window(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    assert shop.http("PUT", "/v1/admin/flows/cart", CART).status == 201
    sign_up(shop, tap)
    clock.now = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 18:30 in Warsaw: due at 20:30, after 20:00
    cart = {"list_id": "shop", "phone": PHONE, "cart_id": "c-2", "url": "https://shop.example/c/2"}
    Invoker(shop.stack).invoke("AudienceEventsFunction", bus_event("Cart.Abandoned", cart))
    clock.advance(hours=2, minutes=1)
    sweep(shop)
    assert not [t for t in texts() if "cart" in t]
    clock.now = datetime(2026, 11, 24, 7, 59, tzinfo=UTC)
    sweep(shop)
    assert not [t for t in texts() if "cart" in t]
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Warsaw: the window opens
    sweep(shop)
    assert len([t for t in texts() if "cart" in t]) == 1
    step = shop.http("GET", "/v1/admin/flows/cart").body["stats"]["steps"][1]
    assert (step["deferred"], step["sent"]) == (1, 1)


def test_stop_mid_flow_ends_the_enrollment(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    assert shop.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    sign_up(shop, tap)
    clock.advance(minutes=1)
    sweep(shop)
    shop.text("STOP")
    relay(shop, tap)
    sent = len(texts())
    clock.advance(days=2)
    sweep(shop)
    assert len(texts()) == sent
    assert shop.http("GET", "/v1/admin/flows/welcome").body["stats"]["exited"] == {"unsubscribed": 1}


def test_each_step_is_sent_once_under_redelivery_and_a_crashed_sweep(
    shop: LocalAws, clock: Clock, tap: Tap, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consent_platform.adapters.dynamodb.flows import FlowStore

    assert shop.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    sign_up(shop, tap)
    before = len(texts())
    clock.advance(minutes=1)
    moves = FlowStore.move

    def crash(*_args: Any, **_kwargs: Any) -> bool:
        raise RuntimeError("the sweep dies after queueing")

    monkeypatch.setattr(FlowStore, "move", crash)
    with pytest.raises(RuntimeError):
        Invoker(shop.stack).invoke("FlowSweepFunction", {})
    monkeypatch.setattr(FlowStore, "move", moves)
    queued = shop.receive("OutboundQueue")
    assert len(queued) == 1
    body = queued[0]["Body"]
    sqs = boto3.client("sqs")
    for _ in range(2):  # SQS delivers the message twice
        sqs.send_message(QueueUrl=shop.queue_url("OutboundQueue"), MessageBody=body)
    sweep(shop)  # the next run queues the same step again
    assert texts()[before:] == ["Welcome Ala! Reply STOP to opt out"]


def test_delete_stops_the_flow_and_counts_what_it_cancelled(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    assert shop.http("PUT", "/v1/admin/flows/cart", CART).status == 201
    sign_up(shop, tap)
    cart = {"list_id": "shop", "phone": PHONE, "cart_id": "c-3", "url": "https://shop.example/c/3"}
    Invoker(shop.stack).invoke("AudienceEventsFunction", bus_event("Cart.Abandoned", cart))
    reply = shop.http("DELETE", "/v1/admin/flows/cart")
    assert (reply.status, reply.body["cancelled"]) == (200, 1)
    clock.advance(hours=3)
    sweep(shop)
    assert not [t for t in texts() if "cart" in t]
    flow = shop.http("GET", "/v1/admin/flows/cart").body
    assert (flow["status"], flow["stats"]["exited"], flow["stats"]["active"]) == ("deleted", {"flow_deleted": 1}, 0)
    assert shop.http("DELETE", "/v1/admin/flows/cart").status == 404
    assert shop.http("PUT", "/v1/admin/flows/cart", CART).status == 409


def test_put_replaces_lists_and_names_the_bad_step(shop: LocalAws) -> None:
    assert shop.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    assert shop.http("PUT", "/v1/admin/flows/welcome", {**WELCOME, "status": "paused"}).status == 200
    bad = {**CART, "steps": [*CART["steps"], {"send": {"text": "Hi {x}"}}]}
    reply = shop.http("PUT", "/v1/admin/flows/cart", bad)
    assert reply.status == 422
    assert reply.body["error"]["fields"]["steps[4].send.text"].startswith("unknown placeholder {x}")
    assert shop.http("PUT", "/v1/admin/flows/cart", CART).status == 201
    first = shop.http("GET", "/v1/admin/flows", query="limit=1").body
    assert [f["flow_id"] for f in first["flows"]] == ["cart"]
    second = shop.http("GET", "/v1/admin/flows", query=f"limit=1&next={first['next']}").body
    assert [(f["flow_id"], f["status"]) for f in second["flows"]] == [("welcome", "paused")]


def test_requests_per_executed_step(
    shop: LocalAws, clock: Clock, tap: Tap, aws_calls: list[tuple[str, str, dict[str, Any]]]
) -> None:
    """≤ 3 requests per executed send step (the number's state, its share of a batch send, the move);
    what a run costs whatever is due (the flows, one Query per shard, counters) is paid once."""
    assert shop.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201

    def run_with(count: int, start: int) -> int:
        for n in range(count):
            sign_up(shop, tap, phone=f"+4850123{start + n:04d}")
        clock.advance(minutes=1)
        aws_calls.clear()
        report = Invoker(shop.stack).invoke("FlowSweepFunction", {})
        assert report["queued"] == count
        calls = [c for c in aws_calls if c[0] in ("dynamodb", "sqs")]
        shop.drain()
        return len(calls)

    one, eleven = run_with(1, 100), run_with(11, 200)
    assert (eleven - one) / 10 <= 3, (one, eleven)


def test_welcome_series_starts_on_a_confirmed_double_opt_in(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    assert shop.http("PUT", "/v1/admin/lists/shop", {**SHOP, "opt_in": "double"}).status == 200
    assert shop.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    sign_up(shop, tap)  # pending: Consent.Granted is not published, nobody enters yet
    clock.advance(minutes=1)
    assert sweep(shop)["due"] == 0
    shop.text("YES", to="+48500000000")
    relay(shop, tap)  # Consent.Confirmed
    clock.advance(minutes=1)
    sweep(shop)
    assert "Welcome Ala! Reply STOP to opt out" in texts()


def test_erasing_a_number_mid_flow_leaves_nothing_due(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    assert shop.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    sign_up(shop, tap)
    clock.advance(minutes=1)
    sweep(shop)
    assert shop.http("DELETE", "/v1/admin/contacts/%2B48501234567").status == 200
    sent = len(texts())
    clock.advance(days=2)
    assert sweep(shop)["due"] == 0  # the enrollment went with the number, and its index entry with it
    assert len(texts()) == sent
