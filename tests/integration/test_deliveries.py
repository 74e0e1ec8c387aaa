"""The delivery-status item (``keys.DELIVERY``): forward-only, and erased with the number."""

from __future__ import annotations

import json
from typing import Any

import boto3

from consent_platform.adapters.dynamodb import keys
from consent_platform.adapters.dynamodb.deliveries import DeliveryStore
from consent_platform.adapters.dynamodb.table import Table
from consent_platform.domain.delivery_status import Receipt, parse_event
from tests.integration.conftest import Clock, LocalAws
from tests.integration.test_erasure import PATH, PHONE, subscribe_confirm_stop


def deliveries(aws: LocalAws) -> DeliveryStore:
    return DeliveryStore(Table(aws.stack.attributes["ConsentTable"]["Ref"], aws.stack.attributes["LedgerTable"]["Ref"]))


def delivery_items(aws: LocalAws) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=aws.stack.attributes["ConsentTable"]["Ref"])["Items"]
    return [i for i in items if keys.item_type(i["pk"]["S"], i["sk"]["S"]) == keys.DELIVERY]


def report(clock: Clock, event_type: str, message_id: str = "m-1") -> Receipt:
    from tests.integration.receipts_support import delivery_event

    return parse_event(json.dumps(delivery_event(PHONE, message_id, event_type, clock=clock)))


def test_a_status_only_moves_forward(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    """Reports come late and more than once: a final status is never overwritten by an earlier one."""
    store = deliveries(aws)
    assert store.get(PHONE, "m-1") is None  # no report, no item (the reconciler relies on it)
    assert store.apply(report(clock, "TEXT_PENDING"), 1) == {}
    assert store.apply(report(clock, "TEXT_DELIVERED"), 1) is not None
    assert store.apply(report(clock, "TEXT_PENDING"), 1) is None  # late report of an earlier stage
    assert store.apply(report(clock, "TEXT_DELIVERED"), 1) is None  # replay
    assert (store.get(PHONE, "m-1") or {})["status"] == "delivered"


def test_erasure_deletes_the_delivery_status(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    """Its erasure policy in the key registry (delete with the number) is all erasure needs to know."""
    subscribe_confirm_stop(aws, clock)
    deliveries(aws).apply(report(clock, "TEXT_DELIVERED"), 1)
    assert len(delivery_items(aws)) == 1
    assert keys.DELIVERY.erasure == keys.Erasure.DELETE

    assert aws.http("DELETE", PATH).status == 200
    assert delivery_items(aws) == []
