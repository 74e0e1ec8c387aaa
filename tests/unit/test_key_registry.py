"""The key registry: one entry per item type, each found again from its keys, each with an erasure
policy that fits where it lives."""

from __future__ import annotations

import pytest

from consent_platform.adapters.dynamodb import keys
from consent_platform.adapters.erasure import policy

PARTS = {
    "identity": "+18885550100",
    "list_id": "demo",
    "version": "1",
    "bucket": "PL",
    "day": "2026-01-01",
    "shard": 3,
    "keyword": "TEA",
    "period": "TOTAL",
    "phone": "+48501234567",
    "seconds": 60,
    "window": 7,
    "scope": "ip",
    "subject": "203.0.113.0",
    "cart_id": "c1",
    "campaign_id": "k1",
    "digest": "abc",
    "code": "Ab3dE5gH9k",  # a short link
    "recipient": "ab" * 32,  # a keyed hash (last click)
    "order_id": "o-1",
    "provider": "twilio",
    "schedule": "d-1",
    "message_id": "m-1",
    "pend_at": "2026-01-01T00:00:00.000000Z",
    "created_at": "2026-01-01T00:00:00Z",
    "attempt": "a1",
    "received_at": "2026-01-01T00:00:00.000000Z",
    "contest_id": "spring",
    "slot": "ENTRY",
    "poll_id": "p1",
    "number": "48500000000",
    "flow_id": "welcome",
    "enrollment": "0123abcd",
    "key_hash": "0a1b2c",
    "attribute": "birthday",
    "pool": "CART10",
    "key": "0123abcd",
}


@pytest.mark.parametrize("item_type", keys.REGISTRY, ids=lambda t: t.name)
def test_every_item_type_is_found_from_its_own_keys(item_type: keys.ItemType) -> None:
    pk, sk = item_type.pair(**PARTS)
    assert keys.item_type(pk, sk) is item_type


@pytest.mark.parametrize("item_type", keys.REGISTRY, ids=lambda t: t.name)
def test_what_lives_under_a_number_is_personal(item_type: keys.ItemType) -> None:
    under_number = item_type.pk.startswith("PHONE#")
    assert (item_type.erasure != keys.Erasure.NOT_PERSONAL) or not under_number
    assert policy(item_type.plain(**PARTS)) == item_type.erasure


def test_an_unknown_item_under_a_number_is_deleted_with_it() -> None:
    assert policy({"pk": "PHONE#+48501234567", "sk": "SOMETHING-NEW"}) == keys.Erasure.DELETE


def test_fields_come_back_from_a_sort_key() -> None:
    assert keys.SUBSCRIPTION.field("SUB#demo", "list_id") == "demo"
    assert keys.TRIGGER.field("TRIGGER#cart#c-9", "cart_id") == "c-9"
    assert keys.DEFERRAL.field("~DEFER#d-1-2", "schedule") == "d-1-2"
