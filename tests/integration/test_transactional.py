"""Transactional messages on moto (issue #18): ``POST /v1/admin/messages`` and ``Message.Requested`` —
sent once per key, at any hour, without marketing consent; refused after STOP. Erasure, key reuse and the
cap: tests/security/test_transactional_attacks.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.invoker import Invoker
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

PHONE = "+48501234567"
SHOP = {
    **DEMO_LIST,
    "opt_in": "single",
    "language": "en",
    "brand": "Shop",
    "consent_text": {"version": "1", "text": "Yes"},
}


@pytest.fixture
def shop(aws: LocalAws, clock: Clock) -> LocalAws:
    clock.now = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)  # 03:30 in Warsaw: quiet hours for marketing
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    return aws


def notice(key: str = "order-1938-shipped", to: str = PHONE, text: str = "Order #1938 has shipped") -> dict[str, Any]:
    return {"list_id": "shop", "to": to, "text": text, "idempotency_key": key}


def texts(phone: str = PHONE) -> list[str]:
    return [m["body"] for m in sent_sms() if m["to"] == phone]


def requested(aws: LocalAws, detail: dict[str, Any]) -> dict[str, Any]:
    event = {"version": "0", "id": "e", "detail-type": "Message.Requested", "source": "shop", "detail": detail}
    result: dict[str, Any] = Invoker(aws.stack).invoke("AudienceEventsFunction", event)
    aws.drain()
    return result


def test_sent_once_per_key_at_night_without_consent(shop: LocalAws) -> None:
    first = shop.http("POST", "/v1/admin/messages", notice())
    again = shop.http("POST", "/v1/admin/messages", notice())
    shop.drain()
    assert (first.status, again.status) == (202, 202)
    assert first.body["message_id"] == again.body["message_id"]
    assert (first.body["repeated"], again.body["repeated"]) == (False, True)
    assert texts() == ["Shop: Order #1938 has shipped"]  # the list's brand, no opt-out footer, at 03:30
    assert shop.http("POST", "/v1/admin/messages", notice(key="order-1939-shipped")).status == 202
    shop.drain()
    assert len(texts()) == 2


def test_refused_after_stop(shop: LocalAws, clock: Clock) -> None:
    form = {"phone": PHONE, "list_id": "shop", "sms_consent": True}
    assert shop.http("POST", "/v1/optin", form).status in (200, 201, 202)
    shop.drain()
    shop.text("STOP")
    shop.drain()
    before = len(texts())
    refused = shop.http("POST", "/v1/admin/messages", notice())
    shop.drain()
    assert refused.status == 409 and refused.body["error"]["fields"] == {"to": "opted out"}
    assert len(texts()) == before


def test_message_requested_on_the_bus_is_idempotent_like_the_api(shop: LocalAws) -> None:
    first = requested(shop, notice())
    second = requested(shop, notice())
    assert first["status"] == second["status"] == "queued"
    assert first["message_id"] == second["message_id"]
    api = shop.http("POST", "/v1/admin/messages", notice())
    assert api.body["message_id"] == first["message_id"] and api.body["repeated"] is True
    shop.drain()
    assert texts() == ["Shop: Order #1938 has shipped"]
    bad = requested(shop, {"list_id": "shop", "to": PHONE})
    assert (bad["status"], bad["code"]) == ("refused", "validation_error")
