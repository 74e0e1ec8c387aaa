"""Forwarding rules (one per receiving number, in the CONFIG partition) and a forwarded message's
progress per target (``keys.FORWARD_MARK``), which is what keeps a redelivered job from forwarding twice."""

from __future__ import annotations

from typing import Any

from ...domain.forwarding import CHANNELS, ForwardingRule
from ..aws import client
from ..dynamo import to_item
from . import keys as k
from .table import Op, Table, Transaction

_RULE_FIELDS = ("url", "email", "phone", "which", "mask_sender")


def rule_of(item: dict[str, Any]) -> ForwardingRule:
    return ForwardingRule(number=str(item["number"]), **{name: item[name] for name in _RULE_FIELDS if name in item})


class ForwardingStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ---- rules ---------------------------------------------------------------------------------------

    def get_rule(self, digits: str) -> tuple[ForwardingRule | None, dict[str, Any] | None]:
        item = self.table.batch_get([k.FORWARDING.key(number=digits)]).get(k.FORWARDING.pair(number=digits))
        return (rule_of(item), item) if item else (None, None)

    def put_rule(self, digits: str, rule: ForwardingRule, updated_at: str) -> None:
        data = {name: getattr(rule, name) for name in _RULE_FIELDS if getattr(rule, name) is not None}
        item = {**k.FORWARDING.plain(number=digits), "number": rule.number, "updated_at": updated_at, **data}
        client("dynamodb").put_item(TableName=self.table.name, Item=to_item(item))

    def delete_rule(self, digits: str) -> bool:
        response = client("dynamodb").delete_item(
            TableName=self.table.name, Key=k.FORWARDING.key(number=digits), ReturnValues="ALL_OLD"
        )
        return bool(response.get("Attributes"))

    # ---- a job's progress ----------------------------------------------------------------------------

    def progress(self, provider: str, message_id: str) -> set[str]:
        """The targets this message was already forwarded to (or, for the phone, claimed)."""
        key = k.FORWARD_MARK.key(provider=provider, message_id=message_id)
        item = self.table.batch_get([key]).get(k.FORWARD_MARK.pair(provider=provider, message_id=message_id))
        return {name for name in CHANNELS if item and item.get(name)} if item else set()

    def mark_done(self, provider: str, message_id: str, channel: str, at: str, ttl: int) -> None:
        client("dynamodb").update_item(**self._mark(provider, message_id, channel, at, ttl))

    def claim_sms(self, job: dict[str, Any], at: str, day: str, cap: int, ttl: int) -> bool:
        """Mark the phone target done and count it in the receiving number's daily cap, in one
        transaction; False when the cap is full (nothing written)."""
        number = "".join(c for c in str(job["to"]) if c.isdigit())
        counter = self.table.bounded_increment(k.FORWARD_CAP.key(number=number, day=day), cap, ttl)
        mark = {"Update": self._mark(job["provider"], job["message_id"], "phone", at, ttl)}
        failed = Transaction().add(Op("forward_cap", counter), Op("forward_mark", mark)).attempt()
        return not failed

    def _mark(self, provider: str, message_id: str, channel: str, at: str, ttl: int) -> dict[str, Any]:
        return {
            "TableName": self.table.name,
            "Key": k.FORWARD_MARK.key(provider=provider, message_id=message_id),
            "UpdateExpression": "SET #c = :at, #t = :ttl",
            "ExpressionAttributeNames": {"#c": channel, "#t": "ttl"},
            "ExpressionAttributeValues": {":at": {"S": at}, ":ttl": {"N": str(ttl)}},
        }
