"""Personalisation and coupons on moto: attribute, event and coupon placeholders in flow sends and
campaigns; one code per recipient, the same on re-rendering; redemption by purchase; the coupon_redeemed
condition; an empty pool skips the step (counted, metric)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.invoker import Invoker
from tests.integration import test_flows
from tests.integration.conftest import Clock, LocalAws
from tests.integration.test_campaigns import fire
from tests.integration.test_flows import SHOP, Tap, bus_event, sign_up, sweep, texts

tap = test_flows.tap  # the bus tap fixture, shared

PHONE = "+48501234567"
OTHER = "+48501234568"
CODES = "CART10-AAAA\nCART10-BBBB\ncart10-cccc\nCART10-AAAA\n"

CART = {
    "list_id": "shop",
    "name": "Cart",
    "trigger": {"event": "Cart.Abandoned"},
    "steps": [
        {
            "send": {
                "text": "{first_name|Hi} ({attributes.tier|member}), {event.product|items} wait. Code {coupon:CART10}"
            }
        },
        {"wait": {"hours": 1}},
        {"send": {"text": "Reminder: {coupon:CART10}"}},
    ],
}


@pytest.fixture
def shop(aws: LocalAws, clock: Clock) -> LocalAws:
    clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday, 11:00 in Warsaw
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    return aws


def upload(aws: LocalAws, body: str = CODES) -> Any:
    return aws.http("POST", "/v1/admin/coupons/CART10", raw=body, headers={"content-type": "text/plain"})


def abandon(aws: LocalAws, phone: str = PHONE, cart: str = "c-1") -> None:
    detail = {"list_id": "shop", "phone": phone, "cart_id": cart, "product": "red shoes", "url": "https://s.example/c"}
    Invoker(aws.stack).invoke("AudienceEventsFunction", bus_event("Cart.Abandoned", detail))


def test_upload_counts_and_ignores_duplicates(shop: LocalAws) -> None:
    reply = upload(shop)
    assert reply.status == 200, reply.body
    assert (reply.body["added"], reply.body["duplicates"], reply.body["total"]) == (3, 1, 3)
    again = shop.http("POST", "/v1/admin/coupons/CART10", {"codes": ["cart10-aaaa", "CART10-DDDD"]})
    assert (again.body["added"], again.body["duplicates"], again.body["total"]) == (1, 1, 4)
    shown = shop.http("GET", "/v1/admin/coupons/CART10").body
    assert {k: shown[k] for k in ("total", "assigned", "redeemed", "available")} == {
        "total": 4,
        "assigned": 0,
        "redeemed": 0,
        "available": 4,
    }
    assert shop.http("GET", "/v1/admin/coupons/NOPE").status == 404


def test_flow_send_renders_attributes_event_and_one_code_per_enrollment(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    upload(shop)
    assert shop.http("PUT", "/v1/admin/flows/cart", CART).status == 201
    sign_up(shop, tap)
    assert shop.http("PATCH", f"/v1/admin/contacts/{PHONE}", {"attributes": {"tier": "Gold"}}).status == 200
    abandon(shop)
    clock.advance(minutes=1)
    sweep(shop)
    first = [t for t in texts() if "wait" in t]
    assert len(first) == 1 and first[0].startswith("Ala (Gold), red shoes wait. Code CART10-"), first
    code = first[0].split("Code ")[1].split(".")[0]
    clock.advance(hours=1, minutes=1)
    sweep(shop)
    assert [t for t in texts() if t.startswith("Reminder")] == [f"Reminder: {code}. Reply STOP to opt out"]
    pool = shop.http("GET", "/v1/admin/coupons/CART10").body
    assert (pool["assigned"], pool["available"]) == (1, 2)  # one code for the enrollment's two steps
    view = shop.http("GET", "/v1/admin/flows/cart").body
    assert [p["step"] for p in view["previews"]] == [0, 2]
    assert view["previews"][0]["sample_text"].startswith("Alex (member), items wait. Code XXXXXXXXXXX")
    assert view["previews"][0]["worst_case_segments"] > view["previews"][0]["sample_segments"]


def test_the_same_message_rendered_twice_keeps_its_code(shop: LocalAws) -> None:
    from consent_platform import bootstrap
    from consent_platform.adapters.dynamodb.coupons import CouponStore

    upload(shop)
    store = CouponStore(bootstrap.stores().table)
    now = "2026-11-23T10:00:00Z"
    first = store.claim("CART10", PHONE, "msg-1", now)
    assert first is not None
    assert store.claim("CART10", PHONE, "msg-1", now) == first
    assert store.claim("CART10", PHONE, "msg-2", now) not in (None, first)
    assert shop.http("GET", "/v1/admin/coupons/CART10").body["assigned"] == 2


def test_campaign_renders_attributes_and_gives_each_recipient_a_code(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    upload(shop)
    sign_up(shop, tap)
    sign_up(shop, tap, OTHER)
    shop.http("PATCH", f"/v1/admin/contacts/{PHONE}", {"attributes": {"tier": "Gold"}})
    body = {
        "list_id": "shop",
        "name": "BF",
        "text": "BF {attributes.tier|friend}: {coupon:CART10}",
        "send_at": "2026-11-23T12:00:00Z",
    }
    created = shop.http("POST", "/v1/admin/campaigns", body)
    assert created.status == 201, created.body
    preview = created.body["preview"]
    assert preview["sample_text"] == "BF friend: XXXXXXXXXXX. Reply STOP to opt out"  # the fallback; the longest code
    assert preview["worst_case_segments"] >= 4  # 500 attribute characters
    fire(shop, clock, "2026-11-23T12:00:00Z")
    sent = {to: [t for t in texts(to) if t.startswith("BF")] for to in (PHONE, OTHER)}
    assert sent[PHONE][0].startswith("BF Gold: CART10-") and sent[OTHER][0].startswith("BF friend: CART10-")
    assert len({sent[PHONE][0].split(": ")[1], sent[OTHER][0].split(": ")[1]}) == 2


def test_campaign_refuses_event_placeholders_and_unknown_pools(shop: LocalAws) -> None:
    base = {"list_id": "shop", "name": "x", "send_at": "2026-11-23T12:00:00Z"}
    reply = shop.http("POST", "/v1/admin/campaigns", {**base, "text": "Your {event.url}"})
    assert reply.status == 422 and "{event.url}" in reply.body["error"]["fields"]["text"]
    reply = shop.http("POST", "/v1/admin/campaigns", {**base, "text": "Code {coupon:NOPE}"})
    assert reply.status == 422 and "NOPE" in reply.body["error"]["fields"]["text"]
    flow = {**CART, "steps": [{"send": {"text": "Code {coupon:NOPE}"}}]}
    reply = shop.http("PUT", "/v1/admin/flows/x", flow)
    assert reply.status == 422 and "NOPE" in reply.body["error"]["fields"]["steps[0].send.text"]
    assert shop.http("GET", "/v1/admin/flows/x").status == 404  # nothing stored


def test_purchase_redeems_and_the_condition_sees_it(shop: LocalAws, clock: Clock, tap: Tap) -> None:
    upload(shop)
    guarded = {
        **CART,
        "steps": [
            {"send": {"text": "Code {coupon:CART10}"}},
            {"wait": {"hours": 1}},
            {"if": {"coupon_not_redeemed": "CART10"}, "else": "exit"},
            {"send": {"text": "Last call"}},
        ],
    }
    assert shop.http("PUT", "/v1/admin/flows/cart", guarded).status == 201
    sign_up(shop, tap)
    abandon(shop)
    clock.advance(minutes=1)
    sweep(shop)
    code = next(t for t in texts() if t.startswith("Code "))[5:].split(".")[0]
    purchase = {"phone": PHONE, "at": clock.now.isoformat(), "order_id": "o-1", "coupon": code.lower()}
    result = Invoker(shop.stack).invoke("AudienceEventsFunction", bus_event("Customer.Purchase", purchase))
    assert result["coupon_redeemed"] == "CART10"
    again = Invoker(shop.stack).invoke("AudienceEventsFunction", bus_event("Customer.Purchase", purchase))
    assert again["coupon_redeemed"] == ""  # redeemed once
    assert shop.http("GET", "/v1/admin/coupons/CART10").body["redeemed"] == 1
    clock.advance(hours=1, minutes=1)
    sweep(shop)
    assert "Last call. Reply STOP to opt out" not in texts()
    assert shop.http("GET", "/v1/admin/flows/cart").body["stats"]["exited"] == {"condition": 1}


def test_an_empty_pool_skips_the_step_counted(
    shop: LocalAws, clock: Clock, tap: Tap, capsys: pytest.CaptureFixture[str]
) -> None:
    upload(shop, "CART10-ONLY\n")
    assert shop.http("PUT", "/v1/admin/flows/cart", CART).status == 201
    for phone in (PHONE, OTHER):
        sign_up(shop, tap, phone)
        abandon(shop, phone)
    clock.advance(minutes=1)
    sweep(shop)
    assert len([t for p in (PHONE, OTHER) for t in texts(p) if "wait" in t]) == 1
    step = shop.http("GET", "/v1/admin/flows/cart").body["stats"]["steps"][0]
    assert (step["queued"], step["skipped"]) == (1, {"coupon_pool_empty": 1})
    assert '"CouponPoolEmpty"' in capsys.readouterr().out  # the EMF metric the alarm watches


def test_a_coupon_costs_two_requests_per_message(shop: LocalAws, aws_calls: list[tuple[str, str, Any]]) -> None:
    """The bench figure: one Query of a shard's available codes and one TransactWriteItems (a pool of
    160 codes has some in every one of its 16 shards)."""
    from consent_platform import bootstrap
    from consent_platform.adapters.dynamodb.coupons import CouponStore

    upload(shop, "\n".join(f"CART10-{i:04d}" for i in range(160)))
    store = CouponStore(bootstrap.stores().table)
    aws_calls.clear()
    for index in range(3):
        assert store.claim("CART10", PHONE, f"msg-{index}", "2026-11-23T10:00:00Z") is not None
    assert [op for _svc, op, _params in aws_calls] == ["Query", "TransactWriteItems"] * 3


def test_erasure_unlinks_the_code_from_the_number(shop: LocalAws, tap: Tap) -> None:
    """The assignment lives under the number (deleted with it); the code stays assigned (it was sent)."""
    import boto3

    from consent_platform import bootstrap
    from consent_platform.adapters.dynamodb import keys as k
    from consent_platform.adapters.dynamodb.coupons import CouponStore

    upload(shop)
    sign_up(shop, tap)
    code = CouponStore(bootstrap.stores().table).claim("CART10", PHONE, "msg-1", "2026-11-23T10:00:00Z")
    assert shop.http("DELETE", f"/v1/admin/contacts/{PHONE}").status == 200
    table = bootstrap.stores().table.name
    key = k.COUPON_ASSIGNMENT.key(phone=PHONE, pool="CART10", key="msg-1")
    assert "Item" not in boto3.client("dynamodb").get_item(TableName=table, Key=key)
    item = boto3.client("dynamodb").get_item(TableName=table, Key=k.COUPON_CODE.key(code=code))["Item"]
    assert item["status"]["S"] == "assigned" and PHONE not in str(item)
    assert shop.http("GET", "/v1/admin/coupons/CART10").body["assigned"] == 1
