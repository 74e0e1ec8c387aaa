"""Coupon pools: codes (uploaded once each), their sharded "available" index, per-message assignments.

Requests per message that uses a coupon (first rendering): one Query of one GroupIndex shard (a few
available codes) and one ``TransactWriteItems`` that takes one of them — the code leaves the index, the
assignment is put under the number (``attribute_not_exists``: one per pool and message/enrollment) and the
pool's assigned counter (a random shard) grows, all or nothing. So 2 extra requests. A repeated
rendering (a retried page, a re-run sweep) finds its assignment through the failed condition
(``ReturnValuesOnConditionCheckFailure``; a GetItem where the reason carries no item). A race for the same
code (the index is eventually consistent) tries the next candidate; an empty shard, the next shard.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
from typing import Any

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .table import Op, Table, Transaction

TRANSACTION_ITEMS = 100  # TransactWriteItems takes at most 100 operations
CANDIDATES = 5  # available codes read per Query: concurrent claimers rarely pick the same one


def code_shard(code: str) -> int:
    return int(hashlib.sha256(code.encode()).hexdigest(), 16) % k.COUPON_SHARDS


class CouponStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------------ pools
    def pool(self, pool: str) -> tuple[dict[str, int], int] | None:
        """(summed counters, longest code) of a pool, or None if nothing was ever uploaded to it."""
        stats: dict[str, int] = {}
        meta: dict[str, Any] | None = None
        for item in self.table.query(k.COUPON_POOL.pk.format(pool=pool)):
            if item["sk"] == k.COUPON_POOL.sk:
                meta = item
            else:
                for name in ("total", "assigned", "redeemed"):
                    stats[name] = stats.get(name, 0) + int(item.get(name, 0))
        return None if meta is None else (stats, int(meta.get("longest_code", 0)))

    def longest_code(self, pool: str) -> int | None:
        found = client("dynamodb").get_item(TableName=self.table.name, Key=k.COUPON_POOL.key(pool=pool))
        item = found.get("Item")
        return int(from_item(item).get("longest_code", 0)) if item else None

    def add_codes(self, pool: str, codes: list[str], now: str) -> int:
        """Store the codes not stored yet (in any pool); how many were new. Each chunk's codes and its
        count go in one transaction, so a retried or interrupted upload never counts a code twice."""
        self._touch_pool(pool, max(len(code) for code in codes), now)
        added = 0
        for start in range(0, len(codes), TRANSACTION_ITEMS - 1):
            added += self._add_chunk(pool, codes[start : start + TRANSACTION_ITEMS - 1], now)
        return added

    def _touch_pool(self, pool: str, longest: int, now: str) -> None:
        ddb = client("dynamodb")
        ddb.update_item(
            TableName=self.table.name,
            Key=k.COUPON_POOL.key(pool=pool),
            UpdateExpression="SET created_at = if_not_exists(created_at, :now), pool_name = :pool",
            ExpressionAttributeValues={":now": {"S": now}, ":pool": {"S": pool}},
        )
        with contextlib.suppress(ddb.exceptions.ConditionalCheckFailedException):  # it only grows
            ddb.update_item(
                TableName=self.table.name,
                Key=k.COUPON_POOL.key(pool=pool),
                UpdateExpression="SET longest_code = :n",
                ConditionExpression="attribute_not_exists(longest_code) OR longest_code < :n",
                ExpressionAttributeValues={":n": {"N": str(longest)}},
            )

    def _add_chunk(self, pool: str, codes: list[str], now: str) -> int:
        pending = list(codes)
        while pending:
            new = "attribute_not_exists(pk)"
            ops = [Op(code, self.table.put(self._code_item(pool, code, now), new)) for code in pending]
            stats_key = k.COUPON_STATS.key(pool=pool, shard=random.randrange(k.STATS_SHARDS))  # noqa: S311
            ops.append(Op("stats", self.table.add_counts(stats_key, {"total": len(pending)})))
            taken = {failure.name for failure in Transaction().extend(ops).attempt()}
            if not taken:
                return len(pending)
            pending = [code for code in pending if code not in taken]  # stored already: not counted again
        return 0

    @staticmethod
    def _code_item(pool: str, code: str, now: str) -> dict[str, Any]:
        return {
            **k.COUPON_CODE.plain(code=code),
            "pool": pool,
            "code": code,
            "status": "available",
            "added_at": now,
            "group_pk": k.coupon_free_partition(pool, code_shard(code)),
            "group_sk": code,
        }

    # ------------------------------------------------------------------ assignment
    def claim(self, pool: str, phone: str, key: str, now: str) -> str | None:
        """The code of (pool, key) for this number: the one given before, else a newly taken one; None
        when the pool has no available code left."""
        first = int(hashlib.sha256(key.encode()).hexdigest(), 16) % k.COUPON_SHARDS
        for shard in [(first + step) % k.COUPON_SHARDS for step in range(k.COUPON_SHARDS)]:
            candidates = self._available(pool, shard)
            random.shuffle(candidates)
            for code in candidates:
                outcome = self._take(pool, code, phone, key, now)
                if outcome is not None:
                    return outcome
        # No code left — but this message may have taken the last one before (a re-rendering).
        earlier = self._assignment(phone, pool, key)
        return str(earlier["code"]) if earlier else None

    def _available(self, pool: str, shard: int) -> list[str]:
        response = client("dynamodb").query(
            TableName=self.table.name,
            IndexName=k.COUPON_FREE_INDEX,
            KeyConditionExpression="group_pk = :p",
            ExpressionAttributeValues={":p": {"S": k.coupon_free_partition(pool, shard)}},
            Limit=CANDIDATES,
        )
        return [from_item(item)["group_sk"] for item in response.get("Items", [])]

    def _take(self, pool: str, code: str, phone: str, key: str, now: str) -> str | None:
        """The code if taken now, the earlier assignment's code if (pool, key) has one, None if someone
        else took this code first."""
        assignment = {**k.COUPON_ASSIGNMENT.plain(phone=phone, pool=pool, key=key), "pool": pool, "code": code}
        put = self.table.put({**assignment, "assigned_at": now}, "attribute_not_exists(pk)")
        put["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        stats_key = k.COUPON_STATS.key(pool=pool, shard=random.randrange(k.STATS_SHARDS))  # noqa: S311
        failures = (
            Transaction()
            .add(
                Op("assignment", put),
                Op("code", self._take_code(code, now)),
                Op("stats", self.table.add_counts(stats_key, {"assigned": 1})),
            )
            .attempt()
        )
        earlier = next((f for f in failures if f.name == "assignment"), None)
        if earlier is not None:
            given = earlier.item or self._assignment(phone, pool, key) or {}
            return str(given.get("code")) if given.get("code") else None
        return None if failures else code

    def _take_code(self, code: str, now: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": k.COUPON_CODE.key(code=code),
                "UpdateExpression": "SET #s = :assigned, assigned_at = :now REMOVE group_pk, group_sk",
                "ConditionExpression": "#s = :available",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_item({":assigned": "assigned", ":available": "available", ":now": now}),
            }
        }

    def _assignment(self, phone: str, pool: str, key: str) -> dict[str, Any] | None:
        found = client("dynamodb").get_item(
            TableName=self.table.name,
            Key=k.COUPON_ASSIGNMENT.key(phone=phone, pool=pool, key=key),
            ConsistentRead=True,
        )
        return from_item(found["Item"]) if found.get("Item") else None

    # ------------------------------------------------------------------ redemption
    def redeem(self, code: str, phone: str, at: str) -> str | None:
        """Mark an assigned code redeemed (once) and the purchaser's profile as having redeemed its pool;
        the pool, or None for a code that is not ours or not assigned, or was redeemed before."""
        found = client("dynamodb").get_item(TableName=self.table.name, Key=k.COUPON_CODE.key(code=code))
        item = from_item(found["Item"]) if found.get("Item") else None
        if item is None or item.get("status") != "assigned":
            return None
        pool = str(item["pool"])
        stats_key = k.COUPON_STATS.key(pool=pool, shard=random.randrange(k.STATS_SHARDS))  # noqa: S311
        ops = [
            Op("code", self._redeem_code(code, at)),
            Op("stats", self.table.add_counts(stats_key, {"redeemed": 1})),
            Op("profile", self._mark_profile(phone, pool)),
        ]
        failed = {f.name for f in Transaction().extend(ops).attempt()}
        if failed == {"profile"}:  # no profile, or it has this pool already: the code and count alone
            failed = {f.name for f in Transaction().extend(ops[:2]).attempt()}
        return None if failed else pool

    def _redeem_code(self, code: str, at: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": k.COUPON_CODE.key(code=code),
                "UpdateExpression": "SET #s = :redeemed, redeemed_at = :at",
                "ConditionExpression": "#s = :assigned",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_item({":assigned": "assigned", ":redeemed": "redeemed", ":at": at}),
            }
        }

    def _mark_profile(self, phone: str, pool: str) -> dict[str, Any]:
        """Append the pool to ``coupons_redeemed``; the version grows, so a concurrent read-modify-write of
        the profile (conditional on the version it read) retries instead of dropping the mark."""
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": k.PROFILE.key(phone=phone),
                "UpdateExpression": "SET #c = list_append(if_not_exists(#c, :empty), :pools) ADD version :one",
                "ConditionExpression": "attribute_exists(pk) AND NOT contains(#c, :pool)",
                "ExpressionAttributeNames": {"#c": "coupons_redeemed"},
                "ExpressionAttributeValues": to_item({":empty": [], ":pools": [pool], ":pool": pool, ":one": 1}),
            }
        }
