"""Dispatch cursors: where each shard of a bucket's audience resumes, who is working on it, what it counted.

One small item per (campaign, bucket, shard) under the campaign's partition. ``after`` is a prefix of
numbers, never a number (services/dispatcher.py stops only at such a boundary), so the item holds
nothing personal. Counts are added in the same conditional update that moves ``after``: a chunk that
died before saving is redone and counted once, by whoever redoes it.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from ..aws import client
from ..dynamo import from_item
from . import keys as k
from .table import Table

# held_out: an experiment's hold-out, recorded and not sent (services/experiment_dispatch.py).
COUNTS = ("queued", "skipped_segment", "skipped_undeliverable", "skipped_coupon_pool_empty", "held_out")
# Every attribute by placeholder: "after" is one of DynamoDB's reserved words.
_NAMES = {"#a": "after", "#d": "done", "#l": "lease", "#u": "lease_until"}


class DispatchStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def _key(self, campaign_id: str, bucket: str, shard: int) -> dict[str, Any]:
        return k.DISPATCH_CURSOR.key(campaign_id=campaign_id, bucket=bucket, shard=shard)

    def start(self, campaign_id: str, bucket: str, shard: int, ttl: int) -> None:
        """Create the shard's cursor at the start of its audience; a retried schedule keeps the one it finds."""
        ddb = client("dynamodb")
        item = {
            **self._key(campaign_id, bucket, shard),
            "done": {"BOOL": False},
            "ttl": {"N": str(ttl)},
            **{name: {"N": "0"} for name in COUNTS},
        }
        with suppress(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(TableName=self.table.name, Item=item, ConditionExpression="attribute_not_exists(pk)")

    def acquire(
        self, campaign_id: str, bucket: str, shard: int, token: str, now_s: int, until_s: int
    ) -> dict[str, Any] | None:
        """Lease the shard until ``until_s`` (the invocation's deadline): None when it is done or another
        invocation holds an unexpired lease — a duplicate kick then has nothing to do."""
        ddb = client("dynamodb")
        try:
            response = ddb.update_item(
                TableName=self.table.name,
                Key=self._key(campaign_id, bucket, shard),
                UpdateExpression="SET #l = :t, #u = :u",
                ConditionExpression="attribute_exists(pk) AND #d = :f AND (attribute_not_exists(#u) OR #u < :now)",
                ExpressionAttributeNames={n: _NAMES[n] for n in ("#d", "#l", "#u")},
                ExpressionAttributeValues={
                    ":t": {"S": token},
                    ":u": {"N": str(until_s)},
                    ":f": {"BOOL": False},
                    ":now": {"N": str(now_s)},
                },
                ReturnValues="ALL_NEW",
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return None
        return from_item(response["Attributes"])

    def advance(
        self,
        campaign_id: str,
        bucket: str,
        shard: int,
        token: str,
        save: tuple[str | None, bool, dict[str, int]],
    ) -> None:
        """Move the cursor to ``after`` (None: unchanged), add the chunk's counts, mark it done or not, and
        release the lease — only if this invocation still holds it (else it raises: the kick is retried)."""
        after, done, counts = save
        names = {n: _NAMES[n] for n in ("#d", "#l", "#u")} | {f"#{n}": n for n in COUNTS}
        values: dict[str, Any] = {":t": {"S": token}, ":d": {"BOOL": done}}
        values |= {f":{n}": {"N": str(counts.get(n, 0))} for n in COUNTS}
        sets = "SET #d = :d"
        if after is not None:
            sets += ", #a = :a"
            names["#a"] = _NAMES["#a"]
            values[":a"] = {"S": after}
        client("dynamodb").update_item(
            TableName=self.table.name,
            Key=self._key(campaign_id, bucket, shard),
            UpdateExpression=f"{sets} ADD {', '.join(f'#{n} :{n}' for n in COUNTS)} REMOVE #l, #u",
            ConditionExpression="#l = :t",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def cursors(self, campaign_id: str, bucket: str) -> list[dict[str, Any]]:
        """Every shard's cursor of the bucket, strongly consistent (the last shard to finish must see all)."""
        pk, sk = k.DISPATCH_CURSOR.pair(campaign_id=campaign_id, bucket=bucket, shard="")
        response = client("dynamodb").query(
            TableName=self.table.name,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": pk}, ":s": {"S": sk}},
            ConsistentRead=True,
        )
        return [from_item(item) for item in response.get("Items", [])]

    def campaign_status(self, campaign_id: str) -> str | None:
        """Only the status (a cancellation stops the next page): one small read."""
        response = client("dynamodb").get_item(
            TableName=self.table.name,
            Key=k.CAMPAIGN.key(campaign_id=campaign_id),
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": "status"},
        )
        item = response.get("Item")
        return str(item["status"]["S"]) if item else None
