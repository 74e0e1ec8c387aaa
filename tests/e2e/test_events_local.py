"""Shop events against `make run`: /dev/events puts them on moto's bus; the template's EventBridge rule
delivers them to AudienceEventsFunction, which schedules the abandoned-cart SMS; /dev/clock fires it."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

PHONE = "+48501234567"
LIST = {
    "brand": "Cart Shop",
    "opt_in": "single",
    "default_country": "PL",
    "allowed_countries": ["PL"],
    "language": "en",
    "frequency": "up to 4 msgs/month",
    "support": "help@cart.example",
    "consent_text": {"version": "1", "text": "Yes"},
    "cart_abandoned": {"text": "Your cart is waiting: {url}", "delay_hours": 1},
}


def carts(stack: LocalStack) -> list[str]:
    messages: list[dict[str, Any]] = stack.request("GET", "/dev/outbox?phone=%2B48501234567").body["messages"]
    return [m["body"] for m in messages if "cart is waiting" in m["body"]]


def test_cart_abandoned_event_to_sms(local_stack: LocalStack) -> None:
    assert local_stack.json("PUT", "/v1/admin/lists/carts", LIST).status == 201
    local_stack.json("POST", "/v1/optin", {"phone": PHONE, "list_id": "carts", "sms_consent": True})
    reply = local_stack.json(
        "POST",
        "/dev/events",
        {
            "detail-type": "Cart.Abandoned",
            "detail": {"list_id": "carts", "phone": PHONE, "cart_id": "e2e-cart", "url": "https://cart.example/c/1"},
        },
    )
    assert reply.status == 202, reply.body
    deadline = time.monotonic() + 15
    # The rule's poller hands the event to the function, which logs it. Watched read-only: probing with
    # POST /v1/admin/triggers (as this test once did) could itself schedule the cart when it won the race.
    while '"cart_id":"e2e-cart"' not in local_stack.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert '"status":"scheduled","cart_id":"e2e-cart"' in local_stack.log(), (
        "the Cart.Abandoned event never reached the function"
    )
    duplicate = {"list_id": "carts", "phone": PHONE, "cart_id": "e2e-cart", "url": "https://x.example"}
    assert local_stack.json("POST", "/v1/admin/triggers", duplicate).body["status"] == "duplicate"
    assert carts(local_stack) == []
    local_stack.json("POST", "/dev/clock", {"advance_seconds": 26 * 3600})  # past the delay, into a window
    assert carts(local_stack) == ["Your cart is waiting: https://cart.example/c/1. Reply STOP to opt out"]
    bad = local_stack.json("POST", "/dev/events", {"detail": {}})
    assert bad.status == 422 and "detail-type" in bad.body["error"]["fields"]


def moto_endpoint(stack: LocalStack) -> str:
    match = re.search(r"served by moto at (http://[0-9.:]+)", stack.log())
    assert match, stack.log()
    return match.group(1)


def test_an_event_that_cannot_succeed_is_dead_lettered_with_its_reason(local_stack: LocalStack) -> None:
    """A list without a cart message: the event can never succeed. As in AWS it is tried 1 + 2 times (the
    function's EventInvokeConfig) and then lands in the OnFailure queue with the error — it used to be
    retried every 30 s for good, and every /dev/clock call then waited for a queue that never drained."""
    plain = {k: v for k, v in LIST.items() if k != "cart_abandoned"}
    assert local_stack.json("PUT", "/v1/admin/lists/nocart", plain).status == 201
    poison = {"list_id": "nocart", "phone": "+48501239999", "cart_id": "poison-1", "url": "https://x.example/c"}
    assert local_stack.json("POST", "/dev/events", {"detail-type": "Cart.Abandoned", "detail": poison}).status == 202
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint(local_stack), region_name="us-east-1")
    url = next(u for u in sqs.list_queues()["QueueUrls"] if u.endswith("AsyncFailureQueue"))
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while not records and time.monotonic() < deadline:
        received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        records += [json.loads(m["Body"]) for m in received]
    [record] = records
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["detail"]["cart_id"] == "poison-1"
    assert "cart_abandoned" in record["responsePayload"]["errorMessage"]

    started = time.monotonic()
    assert local_stack.json("POST", "/dev/clock", {"advance_seconds": 60}).status == 200
    assert time.monotonic() - started < 10  # nothing left that retries forever


def test_a_sign_up_enters_a_welcome_flow_and_the_sweep_runs_it(local_stack: LocalStack) -> None:
    """Flows on `make run`: the opt-in's Consent.Granted reaches the flow engine through the bus rule; the
    sweep runs at the clock move. Sent at once inside 9:00-20:00 in Warsaw, deferred outside: either way
    the step was taken (the time of day of the run decides which)."""
    assert local_stack.json("PUT", "/v1/admin/lists/welcomes", LIST).status in (200, 201)
    flow = {
        "list_id": "welcomes",
        "name": "Welcome",
        "trigger": {"event": "Consent.Confirmed"},
        "steps": [{"send": {"text": "Welcome aboard!"}}, {"wait": {"days": 1}}, {"send": {"text": "Day two"}}],
    }
    assert local_stack.json("PUT", "/v1/admin/flows/welcome", flow).status == 201
    local_stack.json("POST", "/v1/optin", {"phone": "+48501230001", "list_id": "welcomes", "sms_consent": True})
    deadline = time.monotonic() + 15
    stats: dict[str, Any] = {}
    while time.monotonic() < deadline:
        local_stack.json("POST", "/dev/clock", {"advance_seconds": 60})
        stats = local_stack.request("GET", "/v1/admin/flows/welcome").body["stats"]
        if stats["entered"] and (stats["sent"] or stats["deferred"]):
            break
        time.sleep(0.5)
    assert stats["entered"] == 1, stats
    assert stats["steps"][0]["sent"] + stats["steps"][0]["deferred"] >= 1, stats


def outbox(stack: LocalStack, phone: str) -> list[str]:
    path = "/dev/outbox?phone=" + phone.replace("+", "%2B")
    return [m["body"] for m in stack.request("GET", path).body["messages"]]


def notices(stack: LocalStack, phone: str) -> list[str]:
    return sorted(t for t in outbox(stack, phone) if t.startswith("Cart Shop: ") and "#19" in t)


def test_a_birthday_flow_and_a_transactional_shipping_notice(local_stack: LocalStack) -> None:
    """Issue 18 on `make run`: a birthday flow fires at 10:00 in Warsaw on the day (the clock moved there);
    a shipping notice goes out at once, once per idempotency key, by API and by a Message.Requested event."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from tests.e2e.conftest import stack_now

    phone, warsaw = "+48501230002", ZoneInfo("Europe/Warsaw")
    assert local_stack.json("PUT", "/v1/admin/lists/bdays", {**LIST, "cart_abandoned": None}).status in (200, 201)
    local_stack.json("POST", "/v1/optin", {"phone": phone, "list_id": "bdays", "sms_consent": True})
    day = stack_now(local_stack).astimezone(warsaw).date() + timedelta(days=3)
    patch = {"attributes": {"birthday": f"1990-{day.isoformat()[5:]}"}}
    assert local_stack.json("PATCH", "/v1/admin/contacts/%2B48501230002", patch).status == 200
    flow = {
        "list_id": "bdays",
        "name": "Birthday",
        "trigger": {"date_attribute": "birthday", "at_local": "10:00"},
        "steps": [{"send": {"text": "Happy birthday from Cart Shop!"}}],
    }
    assert local_stack.json("PUT", "/v1/admin/flows/birthday", flow).status == 201
    target = datetime(day.year, day.month, day.day, 10, 1, tzinfo=warsaw)
    local_stack.json("POST", "/dev/clock", {"advance_seconds": int((target - stack_now(local_stack)).total_seconds())})
    assert [t for t in outbox(local_stack, phone) if "birthday" in t] == [
        "Happy birthday from Cart Shop! Reply STOP to opt out"
    ]
    notice = {"list_id": "bdays", "to": phone, "text": "Order #1938 has shipped", "idempotency_key": "e2e-1938"}
    first = local_stack.json("POST", "/v1/admin/messages", notice)
    assert first.status == 202, first.body
    assert local_stack.json("POST", "/v1/admin/messages", notice).body["message_id"] == first.body["message_id"]
    event = {"detail-type": "Message.Requested", "detail": {**notice, "idempotency_key": "e2e-1939", "text": "#1939"}}
    assert local_stack.json("POST", "/dev/events", event).status == 202
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(notices(local_stack, phone)) < 2:
        time.sleep(0.3)
    assert notices(local_stack, phone) == ["Cart Shop: #1939", "Cart Shop: Order #1938 has shipped"]
