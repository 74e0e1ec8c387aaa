"""Abandoned-cart triggers and the customer events that move a profile's timestamps."""

from __future__ import annotations

from typing import Any

from ..aws import client
from . import keys as k
from .table import Op, Table, Transaction


class TriggerStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put_trigger(self, phone: str, cart_id: str, data: dict[str, Any]) -> bool:
        """The trigger record and a once-per-cart marker, together; False when the cart was seen."""
        marker = self.table.put({**k.CART.plain(cart_id=cart_id), "phone": phone}, "attribute_not_exists(pk)")
        trigger = self.table.put({**k.TRIGGER.plain(phone=phone, cart_id=cart_id), **data})
        return not Transaction().add(Op("cart_marker", marker), Op("trigger", trigger)).attempt()

    def touch_profile(self, phone: str, field: str, at: str) -> bool:
        """Move a profile timestamp forward only (events may arrive out of order)."""
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key=k.PROFILE.key(phone=phone),
                UpdateExpression="SET #f = :at",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#f) OR #f < :at)",
                ExpressionAttributeNames={"#f": field},
                ExpressionAttributeValues={":at": {"S": at}},
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def cancel_triggers_before(self, phone: str, at: str) -> int:
        ddb = client("dynamodb")
        cancelled = 0
        for item in self.table.query(k.TRIGGER.pk.format(phone=phone), below=k.STATE_BELOW):
            if not k.TRIGGER.matches(item["pk"], item["sk"]):
                continue
            if item.get("status") != "scheduled" or item["created_at"] > at:
                continue
            try:
                ddb.update_item(
                    TableName=self.table.name,
                    Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}},
                    UpdateExpression="SET #s = :c",
                    ConditionExpression="#s = :scheduled",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":c": {"S": "cancelled"}, ":scheduled": {"S": "scheduled"}},
                )
                cancelled += 1
            except ddb.exceptions.ConditionalCheckFailedException:
                continue
        return cancelled
