"""DynamoDB on-demand request units of one call, from its parameters, its response and moto's tables.

DynamoDB rules (Developer Guide, "Read and write capacity"/"Transactions"):

* a write costs 1 WRU per started KB of the larger of the item before and after it; a transactional
  write 2 WRU per KB for every action (``ConditionCheck`` included — conservative);
* a read costs 1 RRU per started 4 KB (strongly consistent), half of that when eventually consistent,
  2 per 4 KB in a transaction; a ``Query`` rounds the sum of the items it returns, not each item;
* a write that puts an item into, out of or moves it within a global secondary index writes the index
  too: every index of the table in template.yaml counts (AudienceIndex and ExpiryIndex project keys only:
  1 WRU per index entry; an index projecting more costs the item's size).

Item size: attribute names plus values (UTF-8 strings, numbers by their digits, lists/maps with their
overhead), as DynamoDB counts it; sizes before and after a write are read from moto's table.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from infra.local.template import load_template

KB = 1024


@cache
def table_indexes() -> dict[str, tuple[tuple[tuple[str, ...], bool], ...]]:
    """Per table (named as the local stack names it), each global secondary index's key attributes and
    whether it projects keys only — read from template.yaml, so a new index is counted without an edit."""
    out = {}
    for logical, res in load_template()["Resources"].items():
        if res["Type"] != "AWS::DynamoDB::Table":
            continue
        props = res["Properties"]
        out[str(props.get("TableName", logical))] = tuple(
            (
                tuple(k["AttributeName"] for k in index["KeySchema"]),
                index.get("Projection", {}).get("ProjectionType") == "KEYS_ONLY",
            )
            for index in props.get("GlobalSecondaryIndexes", [])
        )
    return out


def value_size(value: dict[str, Any]) -> int:
    (kind, raw), *_ = value.items()
    if kind in ("S", "B"):
        return len(str(raw).encode("utf-8"))
    if kind == "N":
        digits = len(str(raw).lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "BS"):
        return sum(len(str(v).encode("utf-8")) for v in raw)
    if kind == "NS":
        return sum(value_size({"N": v}) for v in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in raw.items())
    return len(str(raw))


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def _index_writes(table: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
    """WRU of the table's indexes: a put when an item enters one, a delete when it leaves, both when its
    index key changes; nothing when the key stays (DynamoDB writes a sparse index only for items that
    carry all its key attributes)."""
    units = 0
    for keys, keys_only in table_indexes().get(table, ()):
        before = _index_key(old, keys)
        after = _index_key(new, keys)
        if before == after:
            continue
        per_entry = 1 if keys_only else _kb(max(item_size(old), item_size(new)))
        units += per_entry * ((before is not None) + (after is not None))
    return units


def _index_key(item: dict[str, Any] | None, keys: tuple[str, ...]) -> tuple[Any, ...] | None:
    values = tuple((item or {}).get(k) for k in keys)
    return None if any(v is None for v in values) else values


def _kb(size: int, unit: int = KB) -> int:
    return max(1, math.ceil(size / unit))


class Capacity:
    """Request units of the calls made against one moto DynamoDB backend."""

    def __init__(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self.backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    def _stored(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        try:
            found = self.backend.get_item(table, key)
        except Exception:
            return None
        return found.to_json()["Attributes"] if found else None

    def _key(self, table: str, item: dict[str, Any]) -> dict[str, Any]:
        schema = self.backend.get_table(table)
        key = {schema.hash_key_attr: item[schema.hash_key_attr]}
        if schema.range_key_attr:
            key[schema.range_key_attr] = item[schema.range_key_attr]
        return key

    def writes(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], int]]:
        """(table, key, WRU per KB) of every item a write call touches, before it runs."""
        if operation == "PutItem":
            return [(params["TableName"], self._key(params["TableName"], params["Item"]), 1)]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(params["TableName"], params["Key"], 1)]
        if operation == "BatchWriteItem":
            out = []
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        out.append((table, self._key(table, request["PutRequest"]["Item"]), 1))
                    else:
                        out.append((table, request["DeleteRequest"]["Key"], 1))
            return out
        if operation == "TransactWriteItems":
            out = []
            for action in params["TransactItems"]:
                (kind, body), *_ = action.items()
                key = self._key(body["TableName"], body["Item"]) if kind == "Put" else body["Key"]
                out.append((body["TableName"], key, 2))
            return out
        return []

    def before(self, targets: list[tuple[str, dict[str, Any], int]]) -> list[dict[str, Any] | None]:
        return [self._stored(table, key) for table, key, _ in targets]

    def write_units(self, targets: list[tuple[str, dict[str, Any], int]], before: list[Any]) -> float:
        units = 0.0
        for (table, key, per_kb), old in zip(targets, before, strict=True):
            new = self._stored(table, key)
            units += per_kb * _kb(max(item_size(old), item_size(new)))
            units += _index_writes(table, old, new)
        return units

    def read_units(self, operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
        if operation == "GetItem":
            factor = 1.0 if params.get("ConsistentRead") else 0.5
            return factor * _kb(item_size(response.get("Item")), 4 * KB)
        if operation == "BatchGetItem":
            units = 0.0
            for table, items in response.get("Responses", {}).items():
                factor = 1.0 if params["RequestItems"][table].get("ConsistentRead") else 0.5
                units += sum(factor * _kb(item_size(item), 4 * KB) for item in items)
            return units
        if operation in ("Query", "Scan"):
            factor = 1.0 if params.get("ConsistentRead") else 0.5
            return factor * _kb(sum(item_size(i) for i in response.get("Items", [])), 4 * KB)
        if operation == "TransactGetItems":
            return sum(2.0 * _kb(item_size(r.get("Item")), 4 * KB) for r in response.get("Responses", []))
        return 0.0
