"""The inbox: every received message, kept under its sender (``keys.INBOX``: erasure deletes it with the
number, TTL ends it after the retention) and listed by the number that received it through the sparse
``GroupIndex``. The inbound worker writes an item in the transaction that applies the message (one more
Put in the same TransactWriteItems: no extra request), after the inbound marker's "never applied"
condition — so a redelivery or a replay writes nothing twice.

An operator's answer is found by the provider's message id through the inbound marker (kept forever,
nothing personal: it holds the receiving number and when the message came, which locate the item in the
index). Every listing is a Query, newest first; a page costs what it returns plus what a filter skips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, get_args

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .table import Op, Table

if TYPE_CHECKING:
    from ...domain.inbound_message import InboundMessage

_LAST = "\uffff"


def _providers() -> tuple[str, ...]:
    from ...domain.inbound_message import InboundMessage

    return get_args(InboundMessage.model_fields["provider"].annotation)


class InboxStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ---- written by the inbound worker -------------------------------------------------------------

    def put(self, message: InboundMessage, sender: str, fields: dict[str, Any]) -> Op:
        """The item of one received message (``fields``: received_at, handled_as, body, truncated, ttl)."""
        parts = {"phone": sender, "received_at": fields["received_at"], "message_id": message.message_id}
        key = k.INBOX.plain(**parts)
        item = {
            **key,
            "group_pk": k.inbox_partition(message.to),
            "group_sk": key["sk"],
            "message_id": message.message_id,
            "provider": message.provider,
            "from": sender,
            "to": message.to,
            **fields,
        }
        return Op("inbox_message", self.table.put(item))

    # ---- listings ----------------------------------------------------------------------------------

    def page(
        self, query: dict[str, Any], limit: int, after: str | None, keep: Callable[[dict[str, Any]], bool]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to ``limit`` kept items newest first, and the sort key to continue after (``None`` at the end).
        ``query``: ``{"number"|"sender": ..., "since": sk floor}``; ``after``: a sort key of this listing."""
        upper = after or k.INBOX.sk_prefix + _LAST
        if query["since"] > upper:  # BETWEEN refuses an empty range: nothing newer than ``since`` is left
            return [], None
        by_sender = query.get("sender") is not None
        key_name, sort_name = ("pk", "sk") if by_sender else ("group_pk", "group_sk")
        partition = k.PROFILE.pk.format(phone=query["sender"]) if by_sender else k.inbox_partition(query["number"])
        request: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": "#p = :p AND #s BETWEEN :lo AND :hi",
            "ExpressionAttributeNames": {"#p": key_name, "#s": sort_name},
            "ExpressionAttributeValues": to_item({":p": partition, ":lo": query["since"], ":hi": upper}),
            "ScanIndexForward": False,
            "Limit": limit + 1,  # BETWEEN includes ``after`` itself: read one more
        }
        if not by_sender:
            request["IndexName"] = k.INBOX_INDEX
        found: list[dict[str, Any]] = []
        ddb = client("dynamodb")
        while True:
            response = ddb.query(**request)
            for item in map(from_item, response.get("Items", [])):
                if item[sort_name] != after and keep(item):
                    found.append(item)
                    if len(found) == limit:
                        return found, item[sort_name]
            if not response.get("LastEvaluatedKey"):
                return found, None
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def received(self, phone: str, limit: int) -> list[dict[str, Any]]:
        """The number's newest received messages (one Query): the contact view's timeline."""
        items, _ = self.page({"sender": phone, "since": k.INBOX.sk_prefix}, limit, None, lambda _i: True)
        return items

    def handled_from(self, phone: str, to: str) -> Iterator[str]:
        """What the platform did with each message ``phone`` sent to ``to``, newest first."""
        pk = k.PROFILE.pk.format(phone=phone)
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table.name,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            FilterExpression="#to = :to",
            ProjectionExpression="handled_as",
            ExpressionAttributeNames={"#to": "to"},
            ExpressionAttributeValues=to_item({":p": pk, ":s": k.INBOX.sk_prefix, ":to": to}),
            ScanIndexForward=False,
            ConsistentRead=True,
        ):
            for raw in page.get("Items", []):
                yield str(from_item(raw).get("handled_as", ""))

    # ---- answers -----------------------------------------------------------------------------------

    def markers(self, message_id: str) -> list[dict[str, Any]]:
        """The inbound markers of ``message_id`` under every provider (one BatchGetItem)."""
        keys = [k.INBOUND_MARKER.key(provider=p, message_id=message_id) for p in _providers()]
        return list(self.table.batch_get(keys).values())

    def get(self, to: str, sort_key: str) -> dict[str, Any] | None:
        """One item by its receiving number and sort key (a Query of one key in the index)."""
        response = client("dynamodb").query(
            TableName=self.table.name,
            IndexName=k.INBOX_INDEX,
            KeyConditionExpression="group_pk = :p AND group_sk = :s",
            ExpressionAttributeValues=to_item({":p": k.inbox_partition(to), ":s": sort_key}),
        )
        items = response.get("Items", [])
        return from_item(items[0]) if items else None

    def still_held(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """The item as stored now (strongly consistent), ``None`` once erased or expired."""
        pair = (item["pk"], item["sk"])
        return self.table.batch_get([{"pk": {"S": pair[0]}, "sk": {"S": pair[1]}}]).get(pair)

    def reply_ops(self, item: dict[str, Any], reply_id: str, day: str, cap: int, ttl: int) -> list[Op]:
        """Record the answer on the item (once per id, only while the item exists) and count it in the
        number's daily cap: one transaction, so a refused or repeated answer counts nothing."""
        record = {
            "Update": {
                "TableName": self.table.name,
                "Key": {"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}},
                "UpdateExpression": "ADD replies :one_id",
                "ConditionExpression": "attribute_exists(pk) AND NOT contains(replies, :id)",
                "ExpressionAttributeValues": {":one_id": {"SS": [reply_id]}, ":id": {"S": reply_id}},
            }
        }
        cap_key = k.INBOX_REPLY_CAP.key(phone=item["from"], day=day)
        return [Op("inbox_reply", record), Op("inbox_reply_cap", self.table.bounded_increment(cap_key, cap, ttl))]
