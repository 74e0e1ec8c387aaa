"""Pending records: "this delivery attempt may claim a message whose provider outcome is then unknown".

One per delivery attempt, in their own write-sharded partitions (``PEND#<shard>``, sort key
``<message_id>#<pend_at>#<attempt>``: two deliveries of one message at the same instant stay apart),
holding the message to resend. The sender writes those of its whole SQS batch in one ``BatchWriteItem``
before any claim (1 WRU each: no transaction, no index) and deletes them with the batch's sent-message
records once each outcome is known; only a claim whose outcome stayed unknown (or whose function died)
leaves its record for the reconciler. A partition therefore holds only the attempts of the last seconds
plus the unresolved: reading a whole one is cheap, and the records of one message sit together
(``begins_with``), so the reconciler can tell an attempt still in flight.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k

if TYPE_CHECKING:
    from ...domain.messages import OutboundMessage

MAX_BATCH_WRITE = 25


def pending_item(message: OutboundMessage, pend_at: str, ttl: int) -> dict[str, Any]:
    """The pending record of one attempt at ``message`` (``phone``: erasure finds it by the number)."""
    shard = k.shard(message.message_id, k.PENDING_SHARDS)
    return {
        **k.PENDING.plain(shard=shard, message_id=message.message_id, pend_at=pend_at, attempt=uuid4().hex[:12]),
        "phone": message.to,
        "pend_at": pend_at,
        "message": message.model_dump_json(),
        "ttl": ttl,
    }


def batch_write(table: str, writes: list[dict[str, Any]]) -> None:
    """``BatchWriteItem`` requests of 25, unprocessed items asked again."""
    ddb = client("dynamodb")
    for start in range(0, len(writes), MAX_BATCH_WRITE):
        request: dict[str, Any] = {table: writes[start : start + MAX_BATCH_WRITE]}
        while request:
            request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def put_requests(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    unique = {(i["pk"], i["sk"]): i for i in items}  # a batch may hold one message twice
    return [{"PutRequest": {"Item": to_item(item)}} for item in unique.values()]


def delete_requests(keys: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}} for pk, sk in dict.fromkeys(keys)]


def _query(table: str, **params: Any) -> Iterator[dict[str, Any]]:
    pages = client("dynamodb").get_paginator("query").paginate(TableName=table, ConsistentRead=True, **params)
    for page in pages:
        for raw in page.get("Items", []):
            yield from_item(raw)


def shard_records(table: str, shard: int) -> Iterator[dict[str, Any]]:
    """Every pending record of one shard (in-flight attempts and unresolved claims only)."""
    return _query(
        table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": k.pending_partition(shard)}}
    )


def message_records(table: str, message_id: str) -> list[dict[str, Any]]:
    """The pending records of every attempt at one message, read again right before resolving it."""
    pk = k.pending_partition(k.shard(message_id, k.PENDING_SHARDS))
    values = {":p": {"S": pk}, ":m": {"S": f"{message_id}#"}}
    return list(
        _query(table, KeyConditionExpression="pk = :p AND begins_with(sk, :m)", ExpressionAttributeValues=values)
    )


def of_phone(table: str, phone: str) -> list[dict[str, Any]]:
    """Pending records holding ``phone`` (erasure): a filtered read of the small PEND# partitions."""
    found: list[dict[str, Any]] = []
    for shard in range(k.PENDING_SHARDS):
        found.extend(
            _query(
                table,
                KeyConditionExpression="pk = :p",
                FilterExpression="phone = :phone",
                ExpressionAttributeValues={":p": {"S": k.pending_partition(shard)}, ":phone": {"S": phone}},
            )
        )
    return found
