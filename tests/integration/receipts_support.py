"""Publishing End User Messaging delivery events the way the configuration set's event destination does:
to DeliveryTopic, through the template's raw SNS → SQS subscription, then the worker runs."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

import boto3

from consent_platform.domain.delivery_status import AcceptedMessage, provider_event
from consent_platform.services.dispatcher import campaign_message_id
from tests.integration.conftest import Clock, LocalAws


def delivery_event(
    phone: str,
    message_id: str,
    event_type: str = "TEXT_DELIVERED",
    *,
    clock: Clock,
    campaign_id: str | None = None,
    list_id: str | None = "shop",
    price: float = 0.00581,
    is_final: bool | None = None,
) -> dict[str, Any]:
    """End User Messaging's event for our message (the builder the local stack's emulation uses too)."""
    # Built as given, not through send_context: the hostile-input tests send ids the sender never would.
    context = {"message_id": message_id, **({"campaign_id": campaign_id} if campaign_id else {})}
    if list_id:
        context["list_id"] = list_id
    status = event_type.removeprefix("TEXT_")
    accepted = AcceptedMessage(phone, context, f"eum-{message_id}-{status}", "+48500000000", 1, price)
    final = is_final if is_final is not None else status not in ("PENDING", "QUEUED", "SUCCESSFUL")
    return provider_event(accepted, event_type, clock.now, final, f"provider says {status.lower()}")


def store_receipt(phone: str, message_id: str, now: datetime) -> None:
    """A TEXT_DELIVERED receipt stored exactly as the delivery worker stores it (for tests that play the
    provider without running the pipeline)."""
    from consent_platform import bootstrap
    from consent_platform.adapters.dynamodb.deliveries import DeliveryStore
    from consent_platform.domain.delivery_status import parse_event

    event = delivery_event(phone, message_id, clock=cast(Clock, SimpleNamespace(now=now)), list_id=None)
    DeliveryStore(bootstrap.stores().table).apply(parse_event(json.dumps(event)), int(now.timestamp()) + 86400)


def publish(aws: LocalAws, *events: dict[str, Any] | str) -> dict[str, Any]:
    """Publish each event (a dict, or a raw body for hostile input), then run the worker over the queue."""
    sns = boto3.client("sns")
    for event in events:
        body = event if isinstance(event, str) else json.dumps(event)
        sns.publish(TopicArn=aws.stack.attributes["DeliveryTopic"]["Ref"], Message=body)
    return aws.drain("DeliveryWorkerFunction", "DeliveryQueue")


def receipt(aws: LocalAws, clock: Clock, phone: str, campaign_id: str, event_type: str, **kw: Any) -> dict[str, Any]:
    """One campaign message's event, published and processed."""
    message_id = campaign_message_id(campaign_id, phone)
    return publish(aws, delivery_event(phone, message_id, event_type, clock=clock, campaign_id=campaign_id, **kw))


def delivery_items(aws: LocalAws) -> list[dict[str, Any]]:
    from consent_platform.adapters.dynamodb import keys

    items = boto3.client("dynamodb").scan(TableName=aws.stack.attributes["ConsentTable"]["Ref"])["Items"]
    return [i for i in items if keys.item_type(i["pk"]["S"], i["sk"]["S"]) == keys.DELIVERY]


def bus_entries(aws_calls: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [e for service, op, p in aws_calls if op == "PutEvents" for e in p["Entries"]]
