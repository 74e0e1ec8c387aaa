"""Delivery status of a sent message (``~DLR#<message_id>`` under the number: erasure deletes it).

Written only by the delivery worker, and only from a provider report: the item exists once the provider
reported the message (in any status) — the reconciler reads it as "the provider has this message".
The provider reports a message's fate in any order and more than once; a report only moves the
status forward (a final one is never overwritten), so replays and late reports change nothing.
"""

from __future__ import annotations

from typing import Any

from ...domain.delivery_status import Receipt
from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .table import Table

# Key range of one number's sent messages and their statuses: ~DLR#… < ~INBOUND#… < ~MSG#…
_FIRST, _LAST = k.DELIVERY.sk_prefix, k.MESSAGE.sk_prefix + "\uffff"


class DeliveryStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def apply(self, receipt: Receipt, ttl: int) -> dict[str, Any] | None:
        """One conditional UpdateItem. Returns the item as it was before (``{}`` when new) when the report
        moved the message forward, ``None`` when it is a repeat or older than what is stored."""
        ddb = client("dynamodb")
        fields: dict[str, Any] = {
            "status": receipt.status,
            "provider_status": receipt.provider_status,
            "klass": receipt.klass.value,
            "rank": receipt.rank,
            "at": receipt.at,
            "status_at": receipt.at,
            "ttl": ttl,
            "parts": receipt.parts,
            "price_micro_usd": receipt.price_micro_usd,
            "provider_message_id": receipt.provider_message_id,
            "reason": receipt.description or receipt.reason,
            "reason_code": receipt.reason,
            "campaign_id": receipt.campaign_id,
            "list_id": receipt.list_id,
        }
        present = {name: value for name, value in fields.items() if value is not None and value != ""}
        names = {f"#a{i}": name for i, name in enumerate(present)}
        values = {f":a{i}": value for i, value in enumerate(present.values())}
        rank = next(alias for alias, name in names.items() if name == "rank")
        try:
            response = ddb.update_item(
                TableName=self.table.name,
                Key=k.DELIVERY.key(phone=receipt.phone, message_id=receipt.message_id),
                UpdateExpression="SET " + ", ".join(f"{n} = :{n[1:]}" for n in names),
                ConditionExpression=f"attribute_not_exists({rank}) OR {rank} < :{rank[1:]}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_OLD",
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return None
        return from_item(response.get("Attributes", {}))

    def get(self, phone: str, message_id: str) -> dict[str, Any] | None:
        wanted = k.DELIVERY.key(phone=phone, message_id=message_id)
        return self.table.batch_get([wanted]).get(k.DELIVERY.pair(phone=phone, message_id=message_id))

    def messages(self, phone: str, limit: int) -> list[dict[str, Any]]:
        """The number's sent messages with their delivery status, newest first, at most ``limit``: one
        (paginated) Query over the ``~DLR#`` … ``~MSG#`` range, joined here."""
        sent: dict[str, dict[str, Any]] = {}
        status: dict[str, dict[str, Any]] = {}
        pk = k.PROFILE.pk.format(phone=phone)
        for item in self.table.query(pk, between=(_FIRST, _LAST), consistent=False):
            if k.MESSAGE.matches(item["pk"], item["sk"]):
                sent[k.MESSAGE.field(item["sk"], "message_id")] = item
            elif k.DELIVERY.matches(item["pk"], item["sk"]):
                status[k.DELIVERY.field(item["sk"], "message_id")] = item
        rows = [_row(message_id, item, status.get(message_id)) for message_id, item in sent.items()]
        rows.sort(key=lambda r: (r["sent_at"] or "", r["message_id"]), reverse=True)
        return rows[:limit]


def _row(message_id: str, message: dict[str, Any], dlr: dict[str, Any] | None) -> dict[str, Any]:
    """One message of the contact view: ``sent`` until a receipt says otherwise."""
    refused = message.get("outcome")  # the provider refused it (opted out there): nothing went out
    row = {
        "message_id": message_id,
        "kind": message.get("kind"),
        "list_id": message.get("list_id"),
        "campaign_id": message.get("campaign_id"),
        "sent_at": message.get("sent_at") or message.get("claimed_at"),
        "status": "sent",
        "status_at": None,
        "reason": None,
    }
    if refused:
        row.update(status="failed", status_at=row["sent_at"], reason=str(message.get("reason") or refused))
    elif dlr:
        row.update(status=dlr.get("status", "sent"), status_at=dlr.get("status_at"), reason=dlr.get("reason"))
    return row
