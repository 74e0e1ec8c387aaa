"""Storage of the date and inactivity flow triggers (services/flow_dates.py): date entries under the number,
listed by day of the year through GroupIndex; inactivity watches, due in the flows' FLOWDUE# shards; and a
date flow's planning cursor on its definition item."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .table import Table


class FlowTriggerStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ---- date entries -----------------------------------------------------------------------------
    def put_date(self, phone: str, attribute: str, date: str, only_first: bool = False) -> bool:
        """The number's date for ``attribute`` (``YYYY-MM-DD``; year 0000 when unknown), indexed by its
        day of the year. ``only_first``: keep an existing one (the first purchase stays the first)."""
        year, month_day = date[:4], date[5:]
        item = {
            **k.DATE_ENTRY.plain(phone=phone, attribute=attribute),
            "phone": phone,
            "date": date,
            "group_pk": k.date_partition(attribute, month_day),
            "group_sk": f"{year}#{phone}",
        }
        ddb = client("dynamodb")
        request: dict[str, Any] = {"TableName": self.table.name, "Item": to_item(item)}
        if only_first:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        try:
            ddb.put_item(**request)
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def dates_on(self, attribute: str, month_day: str, year: str | None) -> Iterator[dict[str, Any]]:
        """The entries of one day of the year (of one year only, with ``year``): a paged Query."""
        condition = "group_pk = :p" + (" AND begins_with(group_sk, :y)" if year else "")
        values = {":p": k.date_partition(attribute, month_day), **({":y": f"{year}#"} if year else {})}
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table.name,
            IndexName=k.GROUP_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=to_item(values),
        ):
            yield from (from_item(raw) for raw in page.get("Items", []))

    def set_planned(self, flow_id: str, day: str) -> None:
        """A date flow's cursor: every day up to ``day`` is planned (only moves forward)."""
        ddb = client("dynamodb")
        # A concurrent run got further, or the flow is gone: either way nothing to move.
        with suppress(ddb.exceptions.ConditionalCheckFailedException):
            ddb.update_item(
                TableName=self.table.name,
                Key=k.FLOW.key(flow_id=flow_id),
                UpdateExpression="SET dates_planned = :d",
                ConditionExpression="attribute_exists(pk) AND "
                "(attribute_not_exists(dates_planned) OR dates_planned < :d)",
                ExpressionAttributeValues={":d": {"S": day}},
            )

    # ---- inactivity watches -----------------------------------------------------------------------
    def watch(self, phone: str, flow: dict[str, Any], activity_at: str, due: str, watch_id: str) -> bool:
        """Due ``due`` (activity + N days) unless a later activity set it already: one conditional write.
        ``watch_id``: a digest (no number in the index's sort key, as enrollments)."""
        key = k.FLOW_WATCH.key(phone=phone, flow_id=flow["flow_id"])
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key=key,
                UpdateExpression="SET flow_id = :f, phone = :ph, list_id = :l, last_activity = :at, "
                "group_pk = :gp, group_sk = :gs",
                ConditionExpression="attribute_not_exists(last_activity) OR last_activity < :at",
                ExpressionAttributeValues=to_item(
                    {
                        ":f": flow["flow_id"],
                        ":ph": phone,
                        ":l": flow["list_id"],
                        ":at": activity_at,
                        ":gp": k.flow_due_partition(k.shard(watch_id, k.FLOW_DUE_SHARDS)),
                        ":gs": k.flow_due_sort_key(due, watch_id),
                    }
                ),
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def unwatch(self, item: dict[str, Any]) -> bool:
        """Out of the due index once fired, unless an activity moved it meanwhile (then it is due later)."""
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}},
                UpdateExpression="REMOVE group_pk, group_sk",
                ConditionExpression="group_sk = :read",
                ExpressionAttributeValues={":read": {"S": item["group_sk"]}},
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True
