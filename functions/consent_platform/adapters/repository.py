"""DynamoDB repository for lists, contacts, subscriptions, sent-message records and the ledger.

Two tables, both defined in ``template.yaml``:

* the **consent table** (``pk``/``sk``) holds mutable state, each item versioned for optimistic
  concurrency::

      LIST#<list_id>   META                 list configuration (current consent text)
      LIST#<list_id>   CONSENT#<version>    every consent text version ever published (immutable)
      PHONE#<e164>     PROFILE              contact profile
      PHONE#<e164>     SUB#<list_id>        subscription state
      MSG#<message_id> MSG                  sent-message record (the sender's idempotency claim)

* the **ledger table** (``phone``/``sk`` = ``<at>#<seq>#<event_id>``) is append-only: functions get
  ``PutItem`` and ``Query`` on it and nothing else (see the IAM policies in the template), and every
  put is conditional on the key not existing.

A state change and its ledger entries are written in one ``TransactWriteItems``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..domain.consent import LedgerEntry, Subscription, Transition
from ..domain.contacts import Profile
from ..domain.errors import Conflict
from ..domain.lists import StoredList
from ..domain.messages import SubscriptionGuard
from .aws import client
from .dynamo import from_item, to_item

META = "META"
PROFILE = "PROFILE"


def list_key(list_id: str, sk: str = META) -> dict[str, Any]:
    return {"pk": {"S": f"LIST#{list_id}"}, "sk": {"S": sk}}


def phone_key(phone: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": f"PHONE#{phone}"}, "sk": {"S": sk}}


def ledger_sort_key(entry: LedgerEntry) -> str:
    return f"{entry.at}#{entry.seq:02d}#{entry.event_id}"


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    DUPLICATE = "duplicate"  # this message id was claimed before: never send twice
    GUARD_FAILED = "guard_failed"  # the subscription no longer expects this message


@dataclass(frozen=True, slots=True)
class Claim:
    outcome: ClaimOutcome
    subscription: dict[str, Any] | None = None  # current subscription item when the guard failed


class ConcurrentUpdate(Conflict):
    """Another writer changed the item between our read and our conditional write."""

    code = "concurrent_update"


class ConsentRepository:
    def __init__(self, table_name: str, ledger_table_name: str) -> None:
        self.table = table_name
        self.ledger = ledger_table_name

    # ---- reads -------------------------------------------------------------------------------

    def get_list(self, list_id: str, consent_version: str | None = None) -> tuple[StoredList | None, str | None]:
        keys = [list_key(list_id)]
        if consent_version is not None:
            keys.append(list_key(list_id, f"CONSENT#{consent_version}"))
        items = self._batch_get(keys)
        meta = items.get(("LIST#" + list_id, META))
        text_item = items.get(("LIST#" + list_id, f"CONSENT#{consent_version}")) if consent_version else None
        return (
            StoredList.model_validate(meta) if meta else None,
            text_item["text"] if text_item else None,
        )

    def load_contact_state(self, phone: str, list_id: str) -> tuple[Profile | None, Subscription | None]:
        """Profile and one subscription, in one strongly consistent ``BatchGetItem``."""
        items = self._batch_get([phone_key(phone, PROFILE), phone_key(phone, f"SUB#{list_id}")])
        profile = items.get((f"PHONE#{phone}", PROFILE))
        sub = items.get((f"PHONE#{phone}", f"SUB#{list_id}"))
        return (
            Profile.model_validate(profile) if profile else None,
            Subscription.model_validate(sub) if sub else None,
        )

    def get_contact(self, phone: str) -> tuple[Profile | None, list[Subscription], list[LedgerEntry]]:
        profile: Profile | None = None
        subs: list[Subscription] = []
        for item in self._query(self.table, "pk", f"PHONE#{phone}"):
            if item["sk"] == PROFILE:
                profile = Profile.model_validate(item)
            elif item["sk"].startswith("SUB#"):
                subs.append(Subscription.model_validate(item))
        ledger = [LedgerEntry.model_validate(item) for item in self._query(self.ledger, "phone", phone)]
        return profile, subs, ledger

    def _batch_get(self, keys: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
        while request:
            response = client("dynamodb").batch_get_item(RequestItems=request)
            for raw in response.get("Responses", {}).get(self.table, []):
                item = from_item(raw)
                found[(item["pk"], item["sk"])] = item
            # Unprocessed keys come back under throttling; ask again for just those.
            request = response.get("UnprocessedKeys") or {}
        return found

    def _query(self, table: str, key_name: str, key_value: str) -> Iterable[dict[str, Any]]:
        paginator = client("dynamodb").get_paginator("query")
        pages = paginator.paginate(
            TableName=table,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": key_name},
            ExpressionAttributeValues={":v": {"S": key_value}},
            ConsistentRead=True,
        )
        for page in pages:
            for raw in page.get("Items", []):
                yield from_item(raw)

    # ---- writes ------------------------------------------------------------------------------

    def put_list(self, stored: StoredList, previous_version: int | None, new_consent: tuple[str, str] | None) -> None:
        """Write the list; a consent text version, once published, is never changed or removed."""
        ops: list[dict[str, Any]] = [
            self._versioned_put(
                {"pk": f"LIST#{stored.list_id}", "sk": META, **stored.model_dump(mode="json")}, previous_version
            )
        ]
        if new_consent is not None:
            version, text = new_consent
            ops.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(
                            {
                                "pk": f"LIST#{stored.list_id}",
                                "sk": f"CONSENT#{version}",
                                "version": version,
                                "text": text,
                                "created_at": stored.updated_at,
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        self._transact(ops)

    def commit(
        self,
        transitions: Iterable[Transition],
        profile: Profile | None = None,
        profile_previous_version: int | None = None,
    ) -> None:
        """Write subscription changes, their ledger entries and the profile in one transaction."""
        ops: list[dict[str, Any]] = []
        for transition in transitions:
            sub = transition.subscription
            sub.version = (transition.previous_version or 0) + 1
            ops.append(
                self._versioned_put(
                    {"pk": f"PHONE#{sub.phone}", "sk": f"SUB#{sub.list_id}", **sub.model_dump(mode="json")},
                    transition.previous_version,
                )
            )
            ops.extend(self._ledger_put(entry) for entry in transition.entries)
        if profile is not None:
            profile.version = (profile_previous_version or 0) + 1
            ops.append(
                self._versioned_put(
                    {"pk": f"PHONE#{profile.phone}", "sk": PROFILE, **profile.model_dump(mode="json")},
                    profile_previous_version,
                )
            )
        if ops:
            self._transact(ops)

    def append_ledger(self, entries: Iterable[LedgerEntry]) -> None:
        ops = [self._ledger_put(entry) for entry in entries]
        if ops:
            self._transact(ops)

    def _ledger_put(self, entry: LedgerEntry) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.ledger,
                "Item": to_item({"sk": ledger_sort_key(entry), **entry.model_dump(mode="json")}),
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        }

    def _versioned_put(self, data: dict[str, Any], previous_version: int | None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self.table, "Item": to_item(data)}
        if previous_version is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": {"N": str(previous_version)}}
        return {"Put": put}

    def _transact(self, ops: list[dict[str, Any]]) -> None:
        ddb = client("dynamodb")
        try:
            ddb.transact_write_items(TransactItems=ops)
        except ddb.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons:
                raise ConcurrentUpdate("the record changed while this request was processed; retry") from exc
            raise

    # ---- sender idempotency ------------------------------------------------------------------

    def claim_message(self, record: dict[str, Any], guard: SubscriptionGuard | None) -> Claim:
        """Record a message as being sent, in one request, and only if its guard still holds.

        Without a guard this is one conditional ``PutItem``; with one it is a ``TransactWriteItems``
        of a ``ConditionCheck`` on the subscription and the put — still a single request.
        """
        ddb = client("dynamodb")
        put = {
            "TableName": self.table,
            "Item": to_item({"pk": f"MSG#{record['message_id']}", "sk": "MSG", **record}),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if guard is None:
            try:
                ddb.put_item(**put)
            except ddb.exceptions.ConditionalCheckFailedException:
                return Claim(ClaimOutcome.DUPLICATE)
            return Claim(ClaimOutcome.CLAIMED)
        check = {
            "TableName": self.table,
            "Key": phone_key(guard.phone, f"SUB#{guard.list_id}"),
            "ConditionExpression": "#status = :status AND expected_message_id = :mid",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":status": {"S": guard.status}, ":mid": {"S": record["message_id"]}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        try:
            ddb.transact_write_items(TransactItems=[{"ConditionCheck": check}, {"Put": put}])
        except ddb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                return Claim(ClaimOutcome.DUPLICATE)
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                item = reasons[0].get("Item")
                return Claim(ClaimOutcome.GUARD_FAILED, from_item(item) if item else None)
            raise
        return Claim(ClaimOutcome.CLAIMED)

    def release_message(self, message_id: str) -> None:
        """Undo a claim after the provider refused the message, so that a retry may send it."""
        client("dynamodb").delete_item(TableName=self.table, Key={"pk": {"S": f"MSG#{message_id}"}, "sk": {"S": "MSG"}})
