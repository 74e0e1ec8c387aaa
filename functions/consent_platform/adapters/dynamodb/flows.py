"""Flows: definitions, sharded counters, enrollments and the due-time index the sweep reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .table import Table

ENROLLMENT_PREFIX = k.ENROLLMENT.sk_prefix  # "~FLOW#"


class FlowStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------------ definitions
    def put_flow(self, flow_id: str, fields: dict[str, Any], now: str) -> bool | None:
        """Create or replace a flow's definition; ``True`` created, ``False`` replaced, ``None`` refused
        (a deleted flow's id: its enrollments and counters belong to the old flow)."""
        ddb = client("dynamodb")
        values = to_item({f":{name}": value for name, value in fields.items()})
        names = {f"#{name}": name for name in fields}
        sets = ", ".join(f"#{name} = :{name}" for name in fields)
        try:
            response = ddb.update_item(
                TableName=self.table.name,
                Key=k.FLOW.key(flow_id=flow_id),
                UpdateExpression=f"SET {sets}, #c = if_not_exists(#c, :now), #u = :now ADD #v :one",
                ConditionExpression="attribute_not_exists(pk) OR #status <> :deleted",
                ExpressionAttributeNames={**names, "#c": "created_at", "#u": "updated_at", "#v": "version"},
                ExpressionAttributeValues={
                    **values,
                    ":now": {"S": now},
                    ":one": {"N": "1"},
                    ":deleted": {"S": "deleted"},
                },
                ReturnValues="ALL_OLD",
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return None
        return not response.get("Attributes")

    def get_flow(self, flow_id: str) -> dict[str, Any] | None:
        return self.table.batch_get([k.FLOW.key(flow_id=flow_id)]).get(k.FLOW.pair(flow_id=flow_id))

    def all_flows(self) -> list[dict[str, Any]]:
        """Every flow (one Query: flows are configuration, tens of them)."""
        return [i for i in self.table.query(k.FLOW.pk) if k.FLOW.matches(i["pk"], i["sk"])]

    def page_flows(
        self, limit: int, after: str | None, keep: Callable[[dict[str, Any]], bool]
    ) -> tuple[list[dict[str, Any]], str | None]:
        return self.table.page(k.FLOW.pk, k.FLOW.sk_prefix, limit, after, keep)

    def mark_deleted(self, flow_id: str, now: str) -> bool:
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key=k.FLOW.key(flow_id=flow_id),
                UpdateExpression="SET #s = :deleted, deleted_at = :now",
                ConditionExpression="attribute_exists(pk) AND #s <> :deleted",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":deleted": {"S": "deleted"}, ":now": {"S": now}},
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # ------------------------------------------------------------------ counters
    def add_stats(self, flow_id: str, counts: dict[str, int], shard: int) -> None:
        counts = {name: v for name, v in counts.items() if v}
        if counts:
            key = k.FLOW_STATS.key(flow_id=flow_id, shard=shard % k.STATS_SHARDS)
            client("dynamodb").update_item(**self.table.add_counts(key, counts)["Update"])

    def stats(self, flow_id: str) -> dict[str, int]:
        return _summed(self.table.query(k.FLOW_STATS.pk.format(flow_id=flow_id)))

    def sender_stats(self, campaign_id: str) -> dict[str, int]:
        """What the sender counted for one send step (its campaign counters)."""
        return _summed(
            i
            for i in self.table.query(k.CAMPAIGN_STATS.pk.format(campaign_id=campaign_id))
            if k.CAMPAIGN_STATS.matches(i["pk"], i["sk"])
        )

    # ------------------------------------------------------------------ enrollments
    def enroll(self, item: dict[str, Any]) -> bool:
        """A new enrollment, once per (flow, number, instance): ``False`` when it exists already."""
        ddb = client("dynamodb")
        try:
            ddb.put_item(TableName=self.table.name, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def enrollments_of(self, phone: str) -> list[dict[str, Any]]:
        """Every enrollment of one number (one Query over its ``~FLOW#`` items only)."""
        pk = k.PROFILE.pk.format(phone=phone)
        return list(self.table.query(pk, between=(ENROLLMENT_PREFIX, ENROLLMENT_PREFIX + "\uffff")))

    def due(self, shard: int, upto: str, limit: int) -> Iterator[list[dict[str, Any]]]:
        """Pages of the enrollments of one shard due at or before ``upto`` (nothing later is read)."""
        request: dict[str, Any] = {
            "TableName": self.table.name,
            "IndexName": k.FLOW_DUE_INDEX,
            "KeyConditionExpression": "group_pk = :p AND group_sk <= :upto",
            "ExpressionAttributeValues": {":p": {"S": k.flow_due_partition(shard)}, ":upto": {"S": upto + "#~"}},
            "Limit": limit,
        }
        while True:
            response = client("dynamodb").query(**request)
            yield [from_item(raw) for raw in response.get("Items", [])]
            if not response.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def move(self, item: dict[str, Any], changes: dict[str, Any], remove_due: bool) -> bool:
        """Advance an enrollment as read from the index (still active, still at that due time): one
        conditional ``UpdateItem``. ``False``: someone else moved it first (a concurrent sweep, an exit)."""
        ddb = client("dynamodb")
        names = {f"#{n}": n for n in changes}
        update = "SET " + ", ".join(f"#{n} = :{n}" for n in changes)
        if remove_due:
            update += " REMOVE group_pk, group_sk"
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}},
                UpdateExpression=update,
                ConditionExpression="#status = :active AND group_sk = :read",
                ExpressionAttributeNames={**names, "#status": "status"},
                ExpressionAttributeValues={
                    **to_item({f":{n}": v for n, v in changes.items()}),
                    ":active": {"S": "active"},
                    ":read": {"S": item["group_sk"]},
                },
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def end(self, pk: str, sk: str, reason: str, at: str) -> bool:
        """Exit an active enrollment (its index entry goes with it); ``False`` if it was not active. Its
        status "cancelled" also stops a message of it still on the queue (the sender's control check)."""
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key={"pk": {"S": pk}, "sk": {"S": sk}},
                UpdateExpression=("SET #s = :cancelled, exit_reason = :r, ended_at = :at REMOVE group_pk, group_sk"),
                ConditionExpression="#s = :active",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":cancelled": {"S": "cancelled"},
                    ":active": {"S": "active"},
                    ":r": {"S": reason},
                    ":at": {"S": at},
                },
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _summed(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        for key, value in item.items():
            if key not in ("pk", "sk") and isinstance(value, int | float):
                out[key] = out.get(key, 0) + int(value)
    return out
