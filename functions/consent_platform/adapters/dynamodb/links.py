"""Short links: written in batches by the dispatcher, read and counted by the redirect.

Request budget (issue 19). Writing: one BatchWriteItem per 25 link records, per dispatcher page —
never a request per message in the sender. A click: one UpdateItem on the link (conditional on the link
existing and not having expired; ``ReturnValues=ALL_OLD`` returns the URL and campaign *and* whether it
was clicked before, atomically, so a repeat click counts once for unique clicks without a read-then-write
race), then one TransactWriteItems adding to the campaign's sharded counters and the list's daily
counters. A preview fetch or HEAD costs one GetItem and no write.
"""

from __future__ import annotations

import random
from typing import Any

from botocore.exceptions import ClientError

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .table import Table

MAX_BATCH_WRITE = 25


class LinkStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put_links(self, records: list[dict[str, Any]]) -> int:
        """Every record (``code`` and its fields), 25 to a BatchWriteItem; unprocessed items are sent
        again. Returns the number of requests made."""
        requests = 0
        for start in range(0, len(records), MAX_BATCH_WRITE):
            chunk = records[start : start + MAX_BATCH_WRITE]
            items = [{"PutRequest": {"Item": to_item({**k.LINK.plain(code=r["code"]), **r})}} for r in chunk]
            pending: dict[str, Any] = {self.table.name: items}
            while pending:
                response = client("dynamodb").batch_write_item(RequestItems=pending)
                requests += 1
                pending = response.get("UnprocessedItems") or {}
        return requests

    def peek(self, code: str, epoch: int) -> dict[str, Any] | None:
        """The link, unless unknown or expired (TTL deletion lags by up to days: the time is checked)."""
        raw = client("dynamodb").get_item(TableName=self.table.name, Key=k.LINK.key(code=code)).get("Item")
        item = from_item(raw) if raw else None
        return item if item and int(item.get("ttl", 0)) > epoch else None

    def click(self, code: str, at: str, epoch: int) -> dict[str, Any] | None:
        """Count a click on the link itself and return it as it was before (no ``first_click_at``: this
        is its first click); ``None`` for an unknown or expired code (nothing is written then)."""
        try:
            response = client("dynamodb").update_item(
                TableName=self.table.name,
                Key=k.LINK.key(code=code),
                UpdateExpression="SET first_click_at = if_not_exists(first_click_at, :at), last_click_at = :at "
                "ADD clicks :one",
                ConditionExpression="attribute_exists(pk) AND #ttl > :now",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={":at": {"S": at}, ":one": {"N": "1"}, ":now": {"N": str(epoch)}},
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return from_item(response["Attributes"])

    def count_click(
        self,
        link: dict[str, Any],
        day: str,
        counts: dict[str, int],
        daily: dict[str, int],
        last_click: dict[str, Any] | None = None,
    ) -> None:
        """Add ``counts`` to the campaign's counters and ``daily`` to the list's of ``day``, together — and
        put the number's last click (conversions: ``last_click``, a Put) in the same request."""
        shard = random.randrange(k.STATS_SHARDS)  # noqa: S311 - load spreading, not security
        campaign = k.CAMPAIGN_STATS.key(campaign_id=link["campaign_id"], shard=shard)
        day_key = k.LIST_STATS.key(list_id=link["list_id"], day=day, shard=shard)
        items = [self.table.add_counts(campaign, counts), self.table.add_counts(day_key, daily)]
        client("dynamodb").transact_write_items(TransactItems=items + ([last_click] if last_click else []))
