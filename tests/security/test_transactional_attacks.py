"""Attacks on transactional messages (issue #18): an idempotency key replayed for another number or text,
a loop pumping one number past the daily cap, and a forged ``Message.Requested`` for an erased number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consent_platform.domain.transactional import DAILY_CAP
from tests.integration.conftest import Clock, LocalAws
from tests.integration.test_transactional import SHOP, notice, requested, texts


@pytest.fixture
def shop(aws: LocalAws, clock: Clock) -> LocalAws:
    clock.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    return aws


def test_key_reused_for_another_number_or_text_is_409(shop: LocalAws) -> None:
    assert shop.http("POST", "/v1/admin/messages", notice()).status == 202
    other_number = shop.http("POST", "/v1/admin/messages", notice(to="+48501234568"))
    other_text = shop.http("POST", "/v1/admin/messages", notice(text="Order #1938 was cancelled"))
    shop.drain()
    assert (other_number.status, other_text.status) == (409, 409)
    assert "idempotency_key" in other_number.body["error"]["fields"]
    assert texts("+48501234568") == [] and len(texts()) == 1


def test_refused_after_erasure_also_on_the_bus(shop: LocalAws) -> None:
    assert shop.http("POST", "/v1/admin/messages", notice()).status == 202
    shop.drain()
    assert shop.http("DELETE", "/v1/admin/contacts/%2B48501234567").status == 200
    refused = shop.http("POST", "/v1/admin/messages", notice(key="order-2000"))
    assert refused.status == 409 and refused.body["error"]["fields"] == {"to": "erased"}
    # a repeat of a key accepted before the erasure is refused too, never re-queued
    assert shop.http("POST", "/v1/admin/messages", notice()).status == 409
    forged = requested(shop, notice(key="forged-1"))
    assert (forged["status"], forged["code"]) == ("refused", "conflict")
    assert texts() == ["Shop: Order #1938 has shipped"]


def test_daily_cap_per_number(shop: LocalAws, clock: Clock) -> None:
    for n in range(DAILY_CAP):
        assert shop.http("POST", "/v1/admin/messages", notice(key=f"k{n}")).status == 202
    over = shop.http("POST", "/v1/admin/messages", notice(key="one-more"))
    assert over.status == 429 and "Retry-After" in {h.title() for h in over.headers}
    assert shop.http("POST", "/v1/admin/messages", notice(key="k0")).status == 202  # a retry is not a new message
    clock.advance(days=1)
    assert shop.http("POST", "/v1/admin/messages", notice(key="next-day")).status == 202
    shop.drain()
    assert len(texts()) == DAILY_CAP + 1
