"""DynamoDB side of erasure, and the suppression list imports consult.

Only ``ErasureFunction`` runs :class:`ErasureRepository` (it alone may delete ledger items: see the
template). Writes are grouped so that what must change together is in one ``TransactWriteItems`` of
at most 100 operations: a ledger entry's new pseudonymous copy with the deletion of the original; a
subscription's deletion with its audience-bucket decrement; the profile's deletion with the
suppression entry. Deletions of versioned items are conditional on the version that was read, so a
concurrent change makes the erasure start again from fresh state instead of losing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.erasure import PREFIX, parse_keys
from ..domain.errors import ServiceUnavailable
from .aws import client
from .dynamo import from_item, to_item
from .repository import PROFILE, ConcurrentUpdate, list_key

MAX_TRANSACTION_OPS = 100
SUPPRESS = "SUPPRESS"
MARKER_PK = "ERASURE"


def suppression_key(pseudonym: str) -> dict[str, Any]:
    return {"pk": {"S": f"SUPPRESS#{pseudonym.removeprefix(PREFIX)}"}, "sk": {"S": SUPPRESS}}


def load_keys(parameter: str, max_age: int) -> list[bytes] | None:
    """The HMAC keys from SSM (SecureString, cached by Powertools); ``None`` when the parameter is not
    configured or does not exist. A present but unusable value is a 503, never a silent fallback."""
    if not parameter:
        return None
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_parameter(parameter, decrypt=True, max_age=max_age)
    except parameters.exceptions.GetParameterError as exc:
        if "ParameterNotFound" in str(exc):
            return None
        raise ServiceUnavailable("could not read the erasure key; nothing was changed") from exc
    try:
        return parse_keys(str(value))
    except ValueError as exc:
        raise ServiceUnavailable(str(exc)) from None


@dataclass
class PhoneRecords:
    """Everything stored under one number: consent-table items and ledger items, as stored."""

    items: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)

    @property
    def profile(self) -> dict[str, Any] | None:
        return next((i for i in self.items if i["sk"] == PROFILE), None)

    @property
    def subscriptions(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i["sk"].startswith("SUB#")]

    @property
    def known(self) -> bool:
        """Anything stored under the number: besides what ``GET /v1/admin/contacts/{phone}`` shows, a
        sent-message record the sender wrote while an earlier erasure ran is reason enough to erase."""
        return bool(self.items or self.ledger)


class ErasureRepository:
    def __init__(self, table_name: str, ledger_table_name: str) -> None:
        self.table = table_name
        self.ledger = ledger_table_name

    def load(self, phone: str) -> PhoneRecords:
        return PhoneRecords(
            items=list(self._query(self.table, "pk", f"PHONE#{phone}")),
            ledger=list(self._query(self.ledger, "phone", phone)),
        )

    def move_ledger(self, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        """Each (original, pseudonymous copy): put the copy under its new partition and delete the
        original, both conditional, in transactions of 50 pairs (100 operations)."""
        groups = [
            [
                {
                    "Put": {
                        "TableName": self.ledger,
                        "Item": to_item(new),
                        "ConditionExpression": "attribute_not_exists(sk)",
                    }
                },
                {
                    "Delete": {
                        "TableName": self.ledger,
                        "Key": {"phone": {"S": old["phone"]}, "sk": {"S": old["sk"]}},
                        "ConditionExpression": "attribute_exists(sk)",
                    }
                },
            ]
            for old, new in pairs
        ]
        self._run(groups)

    def erase_state(
        self, records: PhoneRecords, pseudonym: str, erased_at: str, cart_ids: list[str]
    ) -> tuple[int, int]:
        """Delete every item under the number; subscriptions that were active leave their audience
        bucket (registry −1, and the sparse index entry goes with the item). Cart markers keep the
        once-per-cart rule under the pseudonym. Last, with the profile: the suppression entry.
        Returns (items deleted, active subscriptions removed)."""
        groups: list[list[dict[str, Any]]] = []
        active = 0
        for item in records.items:
            if item["sk"] == PROFILE:
                continue
            group = [self._delete(item)]
            if item["sk"].startswith("SUB#") and item.get("status") == "active" and item.get("bucket"):
                group.append(self._bucket_decrement(item["list_id"], item["bucket"]))
                active += 1
            groups.append(group)
        for cart_id in cart_ids:
            groups.append(
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item({"pk": f"CART#{cart_id}", "sk": "CART", "phone": pseudonym}),
                        }
                    }
                ]
            )
        last = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": suppression_key(pseudonym),
                    "UpdateExpression": "SET erased_at = :at, first_erased_at = if_not_exists(first_erased_at, :at) "
                    "ADD erasures :one",
                    "ExpressionAttributeValues": {":at": {"S": erased_at}, ":one": {"N": "1"}},
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {"pk": {"S": MARKER_PK}, "sk": {"S": "META"}},
                    "UpdateExpression": "SET last_erased_at = :at ADD erasures :one",
                    "ExpressionAttributeValues": {":at": {"S": erased_at}, ":one": {"N": "1"}},
                }
            },
        ]
        if records.profile is not None:
            last.insert(0, self._delete(records.profile))
        groups.append(last)
        self._run(groups)
        return len(records.items), active

    def _delete(self, item: dict[str, Any]) -> dict[str, Any]:
        delete: dict[str, Any] = {"TableName": self.table, "Key": {"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}}
        if "version" in item and (item["sk"] == PROFILE or item["sk"].startswith("SUB#")):
            delete["ConditionExpression"] = "version = :v"
            delete["ExpressionAttributeValues"] = {":v": {"N": str(item["version"])}}
        return {"Delete": delete}

    def _bucket_decrement(self, list_id: str, bucket: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": list_key(list_id, f"BUCKET#{bucket}"),
                "UpdateExpression": "ADD #n :d",
                "ExpressionAttributeNames": {"#n": "count"},
                "ExpressionAttributeValues": {":d": {"N": "-1"}},
            }
        }

    def _run(self, groups: list[list[dict[str, Any]]]) -> None:
        """Transactions of whole groups, at most 100 operations each."""
        ddb = client("dynamodb")
        batch: list[dict[str, Any]] = []
        for group in [*groups, []]:
            if batch and (not group or len(batch) + len(group) > MAX_TRANSACTION_OPS):
                try:
                    ddb.transact_write_items(TransactItems=batch)
                except ddb.exceptions.TransactionCanceledException as exc:
                    reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                    if "ConditionalCheckFailed" in reasons:
                        raise ConcurrentUpdate("the contact changed during the erasure; retry") from exc
                    raise
                batch = []
            batch.extend(group)

    def _query(self, table: str, key_name: str, key_value: str) -> list[dict[str, Any]]:
        paginator = client("dynamodb").get_paginator("query")
        out: list[dict[str, Any]] = []
        for page in paginator.paginate(
            TableName=table,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": key_name},
            ExpressionAttributeValues={":v": {"S": key_value}},
            ConsistentRead=True,
        ):
            out.extend(from_item(raw) for raw in page.get("Items", []))
        return out


def erasures_recorded(table: str) -> bool:
    """Whether any number was ever erased (then a missing key must stop imports, not wave them through)."""
    response = client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": MARKER_PK}, "sk": {"S": "META"}}, ConsistentRead=True
    )
    return "Item" in response


def suppression_checks(table: str, pseudonyms: list[str]) -> list[dict[str, Any]]:
    """``ConditionCheck`` operations that fail when the number is on the suppression list (one per key)."""
    return [
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": suppression_key(pseudonym),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for pseudonym in pseudonyms
    ]
