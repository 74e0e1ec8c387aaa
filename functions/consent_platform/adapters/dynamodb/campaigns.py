"""Campaigns: their record, sharded counters, dispatched buckets and the audience they page through."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ...domain.clock import iso
from ...domain.errors import Conflict
from ..aws import client
from . import keys as k
from .table import Op, Table, Transaction

# What a listing entry repeats of its campaign (``GET /v1/admin/campaigns`` answers these).
LISTED = ("campaign_id", "list_id", "name", "status", "created_at", "send_at", "send_at_local")


def listing_entry(campaign: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    key = k.CAMPAIGN_LISTING.plain(
        list_id=campaign["list_id"], created_at=campaign["created_at"], campaign_id=campaign["campaign_id"]
    )
    entry = {name: campaign.get(name) for name in LISTED}
    recipients = sum(int(item.get("recipients", 0)) for item in campaign.get("plan", []))
    return {**key, **entry, "status": status or campaign["status"], "recipients": recipients}


def listing_prefix(list_id: str | None) -> str:
    """The sort-key prefix of one list's entries (the ``#`` ends the id: list ``a`` is not ``a-b``), or
    of every list's."""
    base = k.CAMPAIGN_LISTING.sk_prefix
    return base if list_id is None else f"{base}{list_id}#"


class CampaignStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put_campaign(self, campaign: dict[str, Any]) -> None:
        """The campaign and its listing entry, in one transaction (a listing never names a campaign that
        does not exist, nor misses one that does)."""
        meta = {**k.CAMPAIGN.plain(campaign_id=campaign["campaign_id"]), **campaign}
        tx = Transaction().add(
            Op("campaign", self.table.put(meta, "attribute_not_exists(pk)"), Conflict("campaign id already used")),
            Op("campaign_listing", self.table.put(listing_entry(campaign))),
        )
        tx.commit()

    def page_campaigns(
        self, list_id: str | None, limit: int, after: str | None, keep: Callable[[dict[str, Any]], bool]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of listing entries, newest first within a list (every list's: by list id, descending)."""
        prefix = listing_prefix(list_id)
        return self.table.page(k.CAMPAIGN_LISTING.pk, prefix, limit, after, keep, newest_first=True)

    def get_campaign(self, campaign_id: str) -> tuple[dict[str, Any] | None, dict[str, int]]:
        meta: dict[str, Any] | None = None
        stats: dict[str, int] = {}
        for item in self.table.query(k.CAMPAIGN.pk.format(campaign_id=campaign_id)):
            if k.CAMPAIGN.matches(item["pk"], item["sk"]):
                meta = item
            elif k.CAMPAIGN_STATS.matches(item["pk"], item["sk"]):
                for key, value in item.items():
                    if key not in ("pk", "sk"):
                        stats[key] = stats.get(key, 0) + int(value)
        return meta, stats

    def set_campaign_status(self, campaign: dict[str, Any], status: str, allowed_from: tuple[str, ...]) -> bool:
        """Move the campaign (as read) to ``status`` if it is in one of ``allowed_from``, and its listing
        entry with it, in one transaction; ``False`` when the status was not one of those. The entry is
        put whole (its other fields never change), so a campaign created before listings gains one."""
        values = {":s": {"S": status}, **{f":f{i}": {"S": s} for i, s in enumerate(allowed_from)}}
        update = {
            "Update": {
                "TableName": self.table.name,
                "Key": k.CAMPAIGN.key(campaign_id=campaign["campaign_id"]),
                "UpdateExpression": "SET #s = :s",
                "ConditionExpression": f"#s IN ({', '.join(f':f{i}' for i in range(len(allowed_from)))})",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": values,
            }
        }
        tx = Transaction().add(
            Op("campaign_status", update), Op("campaign_listing", self.table.put(listing_entry(campaign, status)))
        )
        return not tx.attempt()

    def add_campaign_stats(self, campaign_id: str, counts: dict[str, int], shard: int) -> None:
        """Sharded counters: one small update per sender batch, spread over STATS_SHARDS items."""
        counts = {name: v for name, v in counts.items() if v}
        if not counts:
            return
        key = k.CAMPAIGN_STATS.key(campaign_id=campaign_id, shard=shard % k.STATS_SHARDS)
        client("dynamodb").update_item(**self.table.add_counts(key, counts)["Update"])

    def bucket_dispatched(self, campaign_id: str, bucket: str) -> bool:
        return bool(self.table.batch_get([k.DISPATCHED.key(campaign_id=campaign_id, bucket=bucket)]))

    def finish_bucket(self, campaign_id: str, bucket: str, now: datetime, counts: dict[str, int]) -> bool:
        """Mark the bucket dispatched and count it, once: written only after every job was queued, so a
        dispatcher that failed half-way is simply run again (the sender drops the repeated jobs)."""
        counts = {name: v for name, v in counts.items() if v}
        marker = {**k.DISPATCHED.plain(campaign_id=campaign_id, bucket=bucket), "at": iso(now), **counts}
        tx = Transaction().add(Op("dispatched", self.table.put(marker, "attribute_not_exists(pk)")))
        if counts:
            shard = random.randrange(k.STATS_SHARDS)  # noqa: S311 - load spreading, not security
            key = k.CAMPAIGN_STATS.key(campaign_id=campaign_id, shard=shard)
            tx.add(Op("campaign_stats", self.table.add_counts(key, counts)))
        return not tx.attempt()

    def audience_buckets(self, list_id: str) -> dict[str, int]:
        """Active subscribers per bucket: one Query whatever the audience size."""
        out: dict[str, int] = {}
        for item in self.table.query(k.BUCKET.pk.format(list_id=list_id)):
            if k.BUCKET.matches(item["pk"], item["sk"]) and int(item.get("count", 0)) > 0:
                out[k.BUCKET.field(item["sk"], "bucket")] = int(item["count"])
        return out

    def audience_page(
        self,
        list_id: str,
        bucket: str,
        shard: int,
        start: dict[str, Any] | None,
        limit: int = 500,
        where: tuple[str, str] | None = None,
    ) -> tuple[list[str], dict[str, Any] | None]:
        """One page of the shard's numbers, in order; ``where`` narrows it: ``("after", cursor)`` (a
        dispatch cursor) or ``("prefix", p)`` (the rest of a cursor's block)."""
        condition, values = "aud_pk = :p", {":p": {"S": k.audience_partition(list_id, bucket, shard)}}
        if where is not None:
            kind, value = where
            condition += " AND aud_sk > :w" if kind == "after" else " AND begins_with(aud_sk, :w)"
            values[":w"] = {"S": value}
        params: dict[str, Any] = {
            "TableName": self.table.name,
            "IndexName": k.AUDIENCE_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        if start:
            params["ExclusiveStartKey"] = start
        response = client("dynamodb").query(**params)
        return [i["aud_sk"]["S"] for i in response.get("Items", [])], response.get("LastEvaluatedKey")
