"""Table primitives shared by the stores, and the named transaction builder.

Every operation of a transaction carries a name and the exception its failed condition means, so a
caller never finds out *which* condition failed from its position: adding an operation shifts nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...domain.errors import Conflict
from ..aws import client
from ..dynamo import from_item, to_item

MAX_BATCH_GET = 100  # BatchGetItem takes at most 100 keys


class ConcurrentUpdate(Conflict):
    """Another writer changed the item between our read and our conditional write."""

    code = "concurrent_update"

    def __init__(self, message: str, failed: str = "") -> None:
        super().__init__(message)
        self.failed = failed  # the name of the operation whose condition failed


@dataclass(frozen=True, slots=True)
class Op:
    """One operation of a ``TransactWriteItems``: ``request`` is ``{"Put"|"Update"|...: {...}}``;
    ``error`` is raised when its condition fails (``None``: the item changed under us, retry)."""

    name: str
    request: dict[str, Any]
    error: Exception | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """An operation whose condition failed, with the item as it was when it asked for it
    (``ReturnValuesOnConditionCheckFailure``)."""

    op: Op
    item: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return self.op.name


class Transaction:
    def __init__(self) -> None:
        self.ops: list[Op] = []

    def add(self, *ops: Op) -> Transaction:
        self.ops.extend(ops)
        return self

    def extend(self, ops: Iterable[Op]) -> Transaction:
        self.ops.extend(ops)
        return self

    def __len__(self) -> int:
        return len(self.ops)

    def commit(self) -> None:
        """All or nothing. A failed condition raises the failing operation's own error (the first one
        that carries one), else ``ConcurrentUpdate`` naming it."""
        failed = [f.op for f in self.attempt()]
        for op in failed:
            if op.error is not None:
                raise op.error
        if failed:
            raise ConcurrentUpdate("the record changed while this request was processed; retry", failed=failed[0].name)

    def attempt(self) -> list[Failure]:
        """All or nothing; returns the operations whose condition failed (then nothing was written)."""
        if not self.ops:
            return []
        ddb = client("dynamodb")
        try:
            ddb.transact_write_items(TransactItems=[op.request for op in self.ops])
        except ddb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            failed = [
                Failure(op, from_item(r["Item"]) if r.get("Item") else None)
                for op, r in zip(self.ops, reasons, strict=False)
                if r.get("Code") == "ConditionalCheckFailed"
            ]
            if not failed:
                raise
            return failed
        return []


class Table:
    """The two tables' names and the reads every store needs."""

    def __init__(self, table_name: str, ledger_table_name: str) -> None:
        self.name = table_name
        self.ledger = ledger_table_name

    def batch_get(self, keys: list[dict[str, Any]], consistent: bool = True) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(keys), MAX_BATCH_GET):
            request: dict[str, Any] = {
                self.name: {"Keys": keys[start : start + MAX_BATCH_GET], "ConsistentRead": consistent}
            }
            while request:
                response = client("dynamodb").batch_get_item(RequestItems=request)
                for raw in response.get("Responses", {}).get(self.name, []):
                    item = from_item(raw)
                    found[(item["pk"], item["sk"])] = item
                # Unprocessed keys come back under throttling; ask again for just those.
                request = response.get("UnprocessedKeys") or {}
        return found

    def query(
        self,
        key_value: str,
        below: str | None = None,
        *,
        ledger: bool = False,
        between: tuple[str, str] | None = None,
        consistent: bool = True,
    ) -> Iterable[dict[str, Any]]:
        """Every item of one partition (strongly consistent); with ``below``, only sort keys before it."""
        condition, values = "#k = :v", {":v": {"S": key_value}}
        if below is not None:
            condition += " AND sk < :below"
            values[":below"] = {"S": below}
        if between is not None:
            condition += " AND sk BETWEEN :a AND :b"
            values[":a"], values[":b"] = {"S": between[0]}, {"S": between[1]}
        paginator = client("dynamodb").get_paginator("query")
        pages = paginator.paginate(
            TableName=self.ledger if ledger else self.name,
            KeyConditionExpression=condition,
            ExpressionAttributeNames={"#k": "phone" if ledger else "pk"},
            ExpressionAttributeValues=values,
            ConsistentRead=consistent,
        )
        for page in pages:
            for raw in page.get("Items", []):
                yield from_item(raw)

    def page(
        self,
        key_value: str,
        sk_prefix: str,
        limit: int,
        after: str | None,
        keep: Callable[[dict[str, Any]], bool],
        *,
        newest_first: bool = False,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to ``limit`` items of one partition whose sort key starts with ``sk_prefix`` and that ``keep``
        accepts, in sort-key order after ``after`` (descending with ``newest_first``); and the sort key to
        continue after (``None`` at the end). Each Query reads at most ``limit`` items, so a page costs
        what it returns (a filter may need a few more reads, never a scan of the whole partition up front)."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
            "ExpressionAttributeValues": {":p": {"S": key_value}, ":s": {"S": sk_prefix}},
            "Limit": limit,
            "ScanIndexForward": not newest_first,
        }
        if after is not None:
            request["ExclusiveStartKey"] = {"pk": {"S": key_value}, "sk": {"S": after}}
        found: list[dict[str, Any]] = []
        while True:
            response = client("dynamodb").query(**request)
            for raw in response.get("Items", []):
                item = from_item(raw)
                if keep(item):
                    found.append(item)
                    if len(found) == limit:
                        return found, item["sk"]  # a full page: more may follow
            request["ExclusiveStartKey"] = response.get("LastEvaluatedKey")
            if not request["ExclusiveStartKey"]:
                return found, None

    def put(self, data: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self.name, "Item": to_item(data)}
        if condition:
            put["ConditionExpression"] = condition
        return {"Put": put}

    def versioned_put(self, data: dict[str, Any], previous_version: int | None) -> dict[str, Any]:
        """Conditional on the version read (``None``: the item must not exist yet)."""
        if previous_version is None:
            return self.put(data, "attribute_not_exists(pk)")
        put = self.put(data, "version = :expected")
        put["Put"]["ExpressionAttributeValues"] = {":expected": {"N": str(previous_version)}}
        return put

    def add_counts(self, key: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
        """``ADD`` each count to its attribute of one item."""
        return {
            "Update": {
                "TableName": self.name,
                "Key": key,
                "UpdateExpression": "ADD " + ", ".join(f"#k{i} :v{i}" for i in range(len(counts))),
                "ExpressionAttributeNames": {f"#k{i}": k for i, k in enumerate(counts)},
                "ExpressionAttributeValues": {f":v{i}": {"N": str(v)} for i, v in enumerate(counts.values())},
            }
        }

    def bounded_increment(self, key: dict[str, Any], maximum: int, ttl: int) -> dict[str, Any]:
        """+1 on the item's ``count`` only while below ``maximum`` (a TTL'd counter)."""
        return {
            "Update": {
                "TableName": self.name,
                "Key": key,
                "UpdateExpression": "SET #t = :ttl ADD #n :one",
                "ConditionExpression": "attribute_not_exists(#n) OR #n < :max",
                "ExpressionAttributeNames": {"#n": "count", "#t": "ttl"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":max": {"N": str(maximum)}, ":ttl": {"N": str(ttl)}},
            }
        }
