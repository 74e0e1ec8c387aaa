"""Delivery status of a sent message (``~DLR#<message_id>`` under the number: erasure deletes it).

The provider reports a message's fate in any order and more than once; a report only moves the
status forward (``delivered``/``failed`` are final), so replays and late reports change nothing."""

from __future__ import annotations

from typing import Any

from ..aws import client
from . import keys as k
from .table import Table

RANK = {"queued": 0, "sent": 1, "delivered": 2, "failed": 2}


class DeliveryStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def record(self, phone: str, message_id: str, status: str, at: str, ttl: int) -> bool:
        """Move the message's status forward; ``False`` when the report is older or repeated."""
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key=k.DELIVERY.key(phone=phone, message_id=message_id),
                UpdateExpression="SET #s = :s, #r = :r, #at = :at, #t = :ttl",
                ConditionExpression="attribute_not_exists(#r) OR #r < :r",
                ExpressionAttributeNames={"#s": "status", "#r": "rank", "#at": "at", "#t": "ttl"},
                ExpressionAttributeValues={
                    ":s": {"S": status},
                    ":r": {"N": str(RANK[status])},
                    ":at": {"S": at},
                    ":ttl": {"N": str(ttl)},
                },
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, phone: str, message_id: str) -> dict[str, Any] | None:
        wanted = k.DELIVERY.key(phone=phone, message_id=message_id)
        return self.table.batch_get([wanted]).get(k.DELIVERY.pair(phone=phone, message_id=message_id))
