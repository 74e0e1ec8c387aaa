"""The ``undeliverable`` mark on a number's profile: set from delivery receipts, cleared by opt-ins.

The mark lives on the profile (not on each subscription) because the dispatcher already reads every
audience page's profiles: campaigns skip marked numbers without one more request per message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .table import Op, Table


@dataclass(frozen=True, slots=True)
class MarkRefused:
    """Why a mark was not written: ``profile`` is the item as it was (``None``: no profile, e.g. erased)."""

    profile: dict[str, Any] | None


def clear_op(table: Table, phone: str, at: str) -> Op:
    """The profile's part of a consent write that makes a subscription active, when that write does not put
    the whole profile: forget the mark and note when the number last showed it is in use. Conditional on
    the profile existing (no profile item is ever created here); the version moves so a concurrent
    read-modify-write of the profile retries instead of writing an old mark back."""
    update = {
        "TableName": table.name,
        "Key": k.PROFILE.key(phone=phone),
        "UpdateExpression": "SET #r = :at, #v = if_not_exists(#v, :zero) + :one REMOVE #u",
        "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeNames": {"#r": "reachable_at", "#v": "version", "#u": "undeliverable"},
        "ExpressionAttributeValues": {":at": {"S": at}, ":one": {"N": "1"}, ":zero": {"N": "0"}},
    }
    return Op("profile_reachable", {"Update": update})


class UndeliverableStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def mark(self, phone: str, mark: dict[str, str], since: str) -> MarkRefused | None:
        """Set ``undeliverable`` on the number's profile, in one conditional ``UpdateItem``: only if the
        profile exists (an erased number stays erased), is not marked yet (a replay changes nothing) and
        its owner has not opted in since ``since`` (the first receipt the decision rests on). ``None`` when
        written, else the profile as it was."""
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key=k.PROFILE.key(phone=phone),
                UpdateExpression="SET #u = :u, #v = if_not_exists(#v, :zero) + :one",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#u) "
                "AND (attribute_not_exists(#r) OR #r < :since)",
                ExpressionAttributeNames={"#u": "undeliverable", "#v": "version", "#r": "reachable_at"},
                ExpressionAttributeValues={
                    ":u": to_item({"u": mark})["u"],
                    ":one": {"N": "1"},
                    ":zero": {"N": "0"},
                    ":since": {"S": since},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ddb.exceptions.ConditionalCheckFailedException as exc:
            old = exc.response.get("Item")
            return MarkRefused(from_item(old) if old else None)
        return None

    def clear(self, phone: str, at: str) -> bool:
        """Clear the mark outside a consent write (an operator's decision); ``False`` when no profile."""
        request = clear_op(self.table, phone, at).request["Update"]
        ddb = client("dynamodb")
        try:
            ddb.update_item(**request)
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def history(self, phone: str) -> list[dict[str, str]]:
        """The number's delivery receipts (``klass`` and ``at`` of each ``DELIVERY`` item): one strongly
        consistent Query over the ``~DLR#`` range of the number's partition, nothing else of it."""
        pk, prefix = k.DELIVERY.pk.format(phone=phone), k.DELIVERY.sk_prefix
        pages = (
            client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=self.table.name,
                KeyConditionExpression="pk = :p AND begins_with(sk, :dlr)",
                ProjectionExpression="klass, #at",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":p": {"S": pk}, ":dlr": {"S": prefix}},
                ConsistentRead=True,
            )
        )
        return [from_item(raw) for page in pages for raw in page.get("Items", [])]
