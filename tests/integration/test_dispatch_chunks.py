"""A bucket dispatched through many short invocations: the schedule's invocation, then one chunk per
dispatch-queue message, each with little time left — every number queued exactly once, none skipped,
the bucket counted once, and a cancellation stops the chain."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from consent_platform import bootstrap
from consent_platform.adapters.dynamodb import keys as k
from consent_platform.services import dispatch_shard
from infra.local.lambda_runtime import load_handler
from tests.integration.conftest import Clock, LocalAws, sqs_event
from tests.integration.test_campaigns import SHOP, create

PAGES_PER_INVOCATION = 3
MOBILE = ("50", "51", "53", "60", "66", "69", "72", "78", "79", "88")  # Polish mobile ranges


@dataclass
class ShortContext:
    """A Lambda context that has time for a few pages only: every look at the clock costs one page."""

    function_name: str
    aws_request_id: str = "req"
    calls: int = field(default=0)
    meanwhile: Callable[[], None] | None = None  # runs once, while this invocation holds its shard
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:f"

    def get_remaining_time_in_millis(self) -> int:
        self.calls += 1
        if self.calls == 2 and self.meanwhile is not None:  # the 1st look sets the lease, the 2nd is after it
            self.meanwhile()
        return dispatch_shard.MARGIN_MS + (PAGES_PER_INVOCATION - self.calls) * 1000


def seed_audience(aws: LocalAws, size: int) -> list[str]:
    """One subscriber through the API; ``size - 1`` copies of its subscription written straight to the
    table (thousands of opt-ins over HTTP would take minutes), in random number ranges."""
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    first = "+48501234567"
    assert aws.http("POST", "/v1/optin", {"phone": first, "list_id": "shop", "sms_consent": True}).status == 202
    aws.drain()
    table = bootstrap.stores().table.name
    ddb = boto3.client("dynamodb")
    template = ddb.get_item(TableName=table, Key=k.SUBSCRIPTION.key(phone=first, list_id="shop"))["Item"]
    bucket = template["aud_pk"]["S"].split("#")[2]
    rng = random.Random(17)
    phones = sorted({first} | {f"+48{rng.choice(MOBILE)}{rng.randrange(10**7):07d}" for _ in range(size - 1)})
    items = []
    for phone in phones:
        item = {**template, **k.SUBSCRIPTION.key(phone=phone, list_id="shop")}
        item["aud_pk"] = {"S": k.audience_partition("shop", bucket, k.shard(phone, k.AUDIENCE_SHARDS))}
        item["aud_sk"] = {"S": phone}
        items.append({"PutRequest": {"Item": item}})
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={table: items[start : start + 25]})
    ddb.update_item(
        TableName=table,
        Key=k.BUCKET.key(list_id="shop", bucket=bucket),
        UpdateExpression="SET #c = :n",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":n": {"N": str(len(phones))}},
    )
    return phones


def fire_bucket(aws: LocalAws, campaign_id: str, bucket: str, queued: Counter[str]) -> None:
    handler = load_handler(aws.stack, "DispatcherFunction")
    handler({"campaign_id": campaign_id, "bucket": bucket}, ShortContext("DispatcherFunction"))
    take_queued(aws, queued)


def take_queued(aws: LocalAws, queued: Counter[str]) -> None:
    """Move what was queued into ``queued`` (moto's SQS slows down with every message left in a queue)."""
    sqs, url = boto3.client("sqs"), aws.queue_url("OutboundQueue")
    for message in aws.receive("OutboundQueue"):
        queued[json.loads(message["Body"])["to"]] += 1
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def run_chunks(aws: LocalAws, queued: Counter[str], budget: int, mode: str = "once", stop: bool = False) -> int:
    """Deliver dispatch-queue messages one per invocation until the queue is empty (or, with ``stop``, the
    budget is spent); returns invocations. SQS is at-least-once: ``mode`` "twice" delivers every message
    again after its invocation, "concurrent" delivers it again *during* its invocation."""
    handler = load_handler(aws.stack, "DispatchShardFunction")
    sqs, url = boto3.client("sqs"), aws.queue_url("DispatchQueue")
    invocations = 0

    def deliver(messages: list[dict[str, Any]], meanwhile: Callable[[], None] | None = None) -> None:
        nonlocal invocations
        invocations += 1
        event = sqs_event(messages, aws.stack.attributes["DispatchQueue"]["Arn"])
        context = ShortContext("DispatchShardFunction", aws_request_id=str(invocations), meanwhile=meanwhile)
        assert handler(event, context)["batchItemFailures"] == []

    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
        duplicate = {**messages[0], "MessageId": f"{messages[0]['MessageId']}-again"}
        deliver(messages, (lambda d=duplicate: deliver([d])) if mode == "concurrent" else None)
        if mode == "twice":
            deliver([duplicate])
        take_queued(aws, queued)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
        if invocations >= budget:
            assert stop, "the chunks do not converge"
            break
    return invocations


def campaign(aws: LocalAws, campaign_id: str) -> dict[str, Any]:
    reply = aws.http("GET", f"/v1/admin/campaigns/{campaign_id}")
    assert reply.status == 200
    return dict(reply.body)


@pytest.mark.parametrize(
    ("mode", "size"),
    [
        ("once", 2_000),
        # Redeliveries: 600 numbers still take each of the 4 shards through 2+ chunks (pages of 25, ~3 a
        # chunk); the 2,000-number versions run under `slow` (the default run stays short).
        ("twice", 600),
        ("concurrent", 600),
        pytest.param("twice", 2_000, marks=pytest.mark.slow),
        pytest.param("concurrent", 2_000, marks=pytest.mark.slow),
    ],
)
def test_many_short_invocations_queue_everyone_once(
    aws: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch, mode: str, size: int
) -> None:
    monkeypatch.setattr(dispatch_shard, "PAGE_SIZE", 25)
    phones = seed_audience(aws, size)
    body = create(aws, send_at_local="2026-11-27T18:00").body
    (bucket,) = [p["bucket"] for p in body["plan"]]
    queued: Counter[str] = Counter()
    fire_bucket(aws, body["campaign_id"], bucket, queued)
    invocations = 1 + run_chunks(aws, queued, 600, mode)

    assert set(queued) == set(phones)  # none skipped
    assert max(queued.values()) == 1  # none queued twice
    stats = campaign(aws, body["campaign_id"])["stats"]
    assert stats["queued"] == len(phones)
    _, raw = bootstrap.stores().campaigns.get_campaign(body["campaign_id"])
    assert raw["buckets_dispatched"] == 1
    # Pages of 25, ~3 pages an invocation: dozens of invocations, not one.
    assert invocations >= len(phones) // (25 * PAGES_PER_INVOCATION)
    # The cursors hold number prefixes, never a number.
    for cursor in bootstrap.stores().dispatch.cursors(body["campaign_id"], bucket):
        assert cursor["done"] is True
        after = cursor.get("after", "")
        assert not any(p in after for p in phones)
        assert len(after.rstrip(":")) <= len(phones[0]) - dispatch_shard.BLOCK_DIGITS


def test_cancellation_stops_the_chain(aws: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch_shard, "PAGE_SIZE", 25)
    phones = seed_audience(aws, 1_000)
    body = create(aws, send_at_local="2026-11-27T18:00").body
    (bucket,) = [p["bucket"] for p in body["plan"]]
    queued: Counter[str] = Counter()
    fire_bucket(aws, body["campaign_id"], bucket, queued)
    run_chunks(aws, queued, 6, stop=True)  # a few chunks of one shard or another...
    before = sum(queued.values())
    assert 0 < before < len(phones)

    assert aws.http("DELETE", f"/v1/admin/campaigns/{body['campaign_id']}").status == 200
    run_chunks(aws, queued, 10)  # ...then the kicks already queued find the campaign cancelled and stop
    assert sum(queued.values()) == before
    assert aws.receive_count("DispatchQueue") == 0
    assert not bootstrap.stores().campaigns.bucket_dispatched(body["campaign_id"], bucket)
