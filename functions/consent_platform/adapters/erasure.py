"""DynamoDB side of erasure, and the suppression list imports consult.

Only ``ErasureFunction`` runs :class:`ErasureRepository` (it alone may delete ledger items: see the
template). Writes are grouped so that what must change together is in one ``TransactWriteItems`` of
at most 100 operations: a ledger entry's new pseudonymous copy with the deletion of the original; a
subscription's deletion with its audience-bucket decrement; the profile's deletion with the
suppression entry. Deletions of versioned items are conditional on the version that was read, so a
concurrent change makes the erasure start again from fresh state instead of losing it.

What happens to each item under the number is its item type's erasure policy in the key registry
(``dynamodb/keys.py``); this module has one small handler per policy and no list of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..domain.erasure import PREFIX, parse_keys
from ..domain.errors import ServiceUnavailable
from .aws import client
from .dynamo import from_item, to_item
from .dynamodb import keys as k
from .dynamodb.pending import of_phone
from .dynamodb.table import ConcurrentUpdate, Op

MAX_TRANSACTION_OPS = 100


def suppression_key(pseudonym: str) -> dict[str, Any]:
    return k.SUPPRESSION.key(digest=pseudonym.removeprefix(PREFIX))


def policy(item: dict[str, Any]) -> k.Erasure:
    """An item's erasure policy; an item under a number of no known type is deleted with it."""
    found = k.item_type(item["pk"], item["sk"])
    return found.erasure if found is not None else k.Erasure.DELETE


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
        return next((i for i in self.items if k.PROFILE.matches(i["pk"], i["sk"])), None)

    @property
    def subscriptions(self) -> list[dict[str, Any]]:
        return [i for i in self.items if k.SUBSCRIPTION.matches(i["pk"], i["sk"])]

    @property
    def cart_ids(self) -> list[str]:
        """Carts of the number's triggers: their once-per-cart markers stay, under the pseudonym."""
        return [k.TRIGGER.field(i["sk"], "cart_id") for i in self.items if k.TRIGGER.matches(i["pk"], i["sk"])]

    @property
    def deferred_schedules(self) -> list[str]:
        """Schedules of deferred campaign messages (they hold the number: erasure deletes them)."""
        return [k.DEFERRAL.field(i["sk"], "schedule") for i in self.items if k.DEFERRAL.matches(i["pk"], i["sk"])]

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
            # Pending send records hold the number outside its partition; the 8 shards hold only
            # in-flight attempts, so reading them filtered on the number is small.
            items=list(self._query(self.table, "pk", k.PROFILE.pk.format(phone=phone))) + of_phone(self.table, phone),
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

    def erase_state(self, records: PhoneRecords, pseudonym: str, erased_at: str) -> tuple[int, int]:
        """Every item under the number by its type's erasure policy: subscriptions that were active
        leave their audience bucket; cart markers keep the once-per-cart rule under the pseudonym. Last,
        with the profile: the suppression entry. Returns (items deleted, active subscriptions removed)."""
        handlers: dict[k.Erasure, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
            k.Erasure.DELETE: lambda item: [self._delete(item, versioned=False)],
            k.Erasure.DELETE_VERSIONED: lambda item: [self._delete(item, versioned=True)],
            k.Erasure.LEAVE_AUDIENCE: self._leave_audience,
        }
        groups = [handlers[policy(item)](item) for item in records.items if policy(item) in handlers]
        active = sum(1 for group in groups if len(group) > 1)
        for cart_id in records.cart_ids:
            marker = {**k.CART.plain(cart_id=cart_id), "phone": pseudonym}
            groups.append([{"Put": {"TableName": self.table, "Item": to_item(marker)}}])
        groups.append(self._last(records, erased_at, pseudonym))
        self._run(groups)
        return len(records.items), active

    def _leave_audience(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        group = [self._delete(item, versioned=True)]
        if item.get("status") == "active" and item.get("bucket"):
            group.append(self._bucket_decrement(item["list_id"], item["bucket"]))
        return group

    def _last(self, records: PhoneRecords, erased_at: str, pseudonym: str) -> list[dict[str, Any]]:
        """The profile's deletion, the suppression entry and the erasure marker, together."""
        at = {":at": {"S": erased_at}, ":one": {"N": "1"}}
        last = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": suppression_key(pseudonym),
                    "UpdateExpression": "SET erased_at = :at, first_erased_at = if_not_exists(first_erased_at, :at) "
                    "ADD erasures :one",
                    "ExpressionAttributeValues": at,
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": k.ERASURE_MARKER.key(),
                    "UpdateExpression": "SET last_erased_at = :at ADD erasures :one",
                    "ExpressionAttributeValues": at,
                }
            },
        ]
        if records.profile is not None:
            last.insert(0, self._delete(records.profile, versioned=True))
        return last

    def _delete(self, item: dict[str, Any], versioned: bool) -> dict[str, Any]:
        delete: dict[str, Any] = {"TableName": self.table, "Key": {"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}}
        if versioned and "version" in item:
            delete["ConditionExpression"] = "version = :v"
            delete["ExpressionAttributeValues"] = {":v": {"N": str(item["version"])}}
        return {"Delete": delete}

    def _bucket_decrement(self, list_id: str, bucket: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": k.BUCKET.key(list_id=list_id, bucket=bucket),
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
    response = client("dynamodb").get_item(TableName=table, Key=k.ERASURE_MARKER.key(), ConsistentRead=True)
    return "Item" in response


def suppression_checks(table: str, pseudonyms: list[str], error: Exception | None = None) -> list[Op]:
    """Conditions that fail when the number is on the suppression list (one per key); ``error`` is
    what that means to the caller, raised by the transaction they join."""
    return [
        Op(
            f"not_suppressed:{index}",
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": suppression_key(pseudonym),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            error,
        )
        for index, pseudonym in enumerate(pseudonyms)
    ]
