"""Origination identities: each one's configured rate and the token bucket all senders share.

One item per identity (``SENDER`` / ``ID#<identity>``): ``parts_per_second`` (absent: the default from
``domain/throughput.py``), ``tat`` (the bucket's GCRA time) and ``version``. DynamoDB's update
expressions cannot compute a refill (no multiplication, no max), so a claim is computed here from the
item as last seen and written with one conditional ``UpdateItem`` on its version; a stale view fails
with the current item in the answer (``ReturnValuesOnConditionCheckFailure``) and is computed again. A
warm sender that claimed last needs one request per batch and identity, a contended one two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..aws import client
from ..dynamo import from_item
from . import keys as k
from .table import Table

T = TypeVar("T")
CLAIM_ATTEMPTS = 8  # 10 concurrent batches on one identity: each loses at most a few races


class BucketContended(Exception):
    """Every attempt lost the race for the bucket: the batch comes back (nothing was claimed)."""


class PacingStore:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._seen: dict[str, dict[str, Any] | None] = {}  # identity → its item as this process last saw it

    def put_rate(self, identity: str, parts_per_second: float, at: str) -> bool:
        """Configure an identity's rate (the bucket keeps its time); ``True`` when it was not configured."""
        response = client("dynamodb").update_item(
            TableName=self.table.name,
            Key=k.SENDER.key(identity=identity),
            UpdateExpression=("SET #r = :r, origination = :i, updated_at = :at ADD version :one, configured :one"),
            ExpressionAttributeNames={"#r": "parts_per_second"},
            ExpressionAttributeValues={
                ":r": {"N": repr(parts_per_second)},
                ":i": {"S": identity},
                ":at": {"S": at},
                ":one": {"N": "1"},
            },
            ReturnValues="ALL_NEW",
        )
        item = from_item(response["Attributes"])
        self._seen[identity] = item  # this process's next claim needs no second request to learn it
        return int(item["configured"]) == 1  # how many times it was configured

    def configured_rate(self, identity: str) -> float | None:
        """The identity's configured parts per second (``None``: not configured): one ``GetItem``."""
        item = (
            client("dynamodb")
            .get_item(
                TableName=self.table.name,
                Key=k.SENDER.key(identity=identity),
                ProjectionExpression="parts_per_second",
            )
            .get("Item")
        )
        rate = from_item(item).get("parts_per_second") if item else None
        return float(rate) if rate else None

    def identities(self) -> list[dict[str, Any]]:
        """Every identity with an item (configured, or paced at its default), in identity order."""
        return [item for item in self.table.query(k.SENDER.pk) if item.get("origination")]

    def claim(self, identity: str, plan: Callable[[dict[str, Any] | None], tuple[float, T]]) -> T:
        """Take from ``identity``'s bucket: ``plan(item)`` gives the bucket's new time and the result for
        the item as read (``None``: no item yet); written only if nobody wrote since."""
        item = self._seen.get(identity)
        for _ in range(CLAIM_ATTEMPTS):
            tat, result = plan(item)
            version = int(item["version"]) if item else 0
            request: dict[str, Any] = {
                "TableName": self.table.name,
                "Key": k.SENDER.key(identity=identity),
                "UpdateExpression": "SET tat = :tat, origination = :i, version = :next",
                "ExpressionAttributeValues": {
                    ":tat": {"N": repr(tat)},
                    ":i": {"S": identity},
                    ":next": {"N": str(version + 1)},
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
            if item:
                request["ConditionExpression"] = "version = :v"
                request["ExpressionAttributeValues"][":v"] = {"N": str(version)}
            else:
                request["ConditionExpression"] = "attribute_not_exists(version)"
            ddb = client("dynamodb")
            try:
                ddb.update_item(**request)
            except ddb.exceptions.ConditionalCheckFailedException as exc:
                current = exc.response.get("Item")
                item = from_item(current) if current else None
                continue
            self._seen[identity] = {**(item or {}), "origination": identity, "tat": tat, "version": version + 1}
            return result
        self._seen.pop(identity, None)
        raise BucketContended(f"the bucket of {identity} stayed contended")
