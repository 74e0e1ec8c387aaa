"""DynamoDB repository for lists, contacts, subscriptions, sent-message records and the ledger.

Two tables, both defined in ``template.yaml``:

* the **consent table** (``pk``/``sk``) holds mutable state, each item versioned for optimistic
  concurrency::

      LIST#<list_id>   META                 list configuration (current consent text)
      LIST#<list_id>   CONSENT#<version>    every consent text version ever published (immutable)
      PHONE#<e164>     PROFILE              contact profile
      PHONE#<e164>     SUB#<list_id>        subscription state
      PHONE#<e164>     RATE                 transactional replies sent in the last 24 h (pumping cap)
      CONFIG           LIST#<list_id>       list snapshot for the inbound worker (same transaction as META)
      CONFIG           KEYWORD#<keyword>    custom keyword
      KWSTATS#<kw>     TOTAL | DAY#<date>   keyword usage counters
      INBOUND#<provider>#<id>  INBOUND      inbound message marker: effect applied once, replies kept
      MSG#<message_id> MSG                  sent-message record (the sender's idempotency claim)

* the **ledger table** (``phone``/``sk`` = ``<at>#<seq>#<event_id>``) is append-only: functions get
  ``PutItem`` and ``Query`` on it and nothing else (see the IAM policies in the template), and every
  put is conditional on the key not existing.

A state change and its ledger entries are written in one ``TransactWriteItems``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..domain.consent import LedgerEntry, Subscription, Transition
from ..domain.contacts import Profile
from ..domain.errors import Conflict
from ..domain.keywords import StoredKeyword
from ..domain.lists import StoredList
from ..domain.messages import SubscriptionGuard
from .aws import client
from .dynamo import from_item, to_item

META = "META"
PROFILE = "PROFILE"
CONFIG = "CONFIG"
RATE = "RATE"


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


@dataclass
class PhoneState:
    profile: Profile | None = None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    rate: dict[str, Any] | None = None


class ConcurrentUpdate(Conflict):
    """Another writer changed the item between our read and our conditional write."""

    code = "concurrent_update"

    def __init__(self, message: str, failed_index: int = -1) -> None:
        super().__init__(message)
        self.failed_index = failed_index  # which operation of the transaction failed its condition


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

    def load_phone(self, phone: str) -> PhoneState:
        """Profile, every subscription and the reply-rate record of one number: one Query."""
        state = PhoneState()
        for item in self._query(self.table, "pk", f"PHONE#{phone}"):
            if item["sk"] == PROFILE:
                state.profile = Profile.model_validate(item)
            elif item["sk"] == RATE:
                state.rate = item
            elif item["sk"].startswith("SUB#"):
                sub = Subscription.model_validate(item)
                state.subscriptions[sub.list_id] = sub
        return state

    def load_config(self) -> tuple[dict[str, StoredList], dict[str, StoredKeyword]]:
        """Every list snapshot and keyword: one Query on the CONFIG partition."""
        lists: dict[str, StoredList] = {}
        keywords: dict[str, StoredKeyword] = {}
        for item in self._query(self.table, "pk", CONFIG):
            if item["sk"].startswith("LIST#"):
                stored = StoredList.model_validate(item)
                lists[stored.list_id] = stored
            elif item["sk"].startswith("KEYWORD#"):
                keyword = StoredKeyword.model_validate(item)
                keywords[keyword.keyword] = keyword
        return lists, keywords

    def get_keyword(self, keyword: str) -> tuple[StoredKeyword | None, dict[str, int]]:
        items = self._batch_get([{"pk": {"S": CONFIG}, "sk": {"S": f"KEYWORD#{keyword}"}}])
        item = items.get((CONFIG, f"KEYWORD#{keyword}"))
        usage = {row["sk"]: int(row.get("count", 0)) for row in self._query(self.table, "pk", f"KWSTATS#{keyword}")}
        return (StoredKeyword.model_validate(item) if item else None), usage

    def put_keyword(self, stored: StoredKeyword) -> None:
        client("dynamodb").put_item(
            TableName=self.table,
            Item=to_item({"pk": CONFIG, "sk": f"KEYWORD#{stored.keyword}", **stored.model_dump(mode="json")}),
        )

    def get_inbound_marker(self, key: str) -> dict[str, Any] | None:
        items = self._batch_get([{"pk": {"S": key}, "sk": {"S": "INBOUND"}}])
        return items.get((key, "INBOUND"))

    def inbound_marker_put(self, key: str, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item({"pk": key, "sk": "INBOUND", **data}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def rate_put(self, phone: str, sent: list[str], ttl: int, previous: dict[str, Any] | None) -> dict[str, Any]:
        version = int(previous.get("version", 0)) if previous else None
        return self._versioned_put(
            {"pk": f"PHONE#{phone}", "sk": RATE, "sent": sent, "ttl": ttl, "version": (version or 0) + 1}, version
        )

    def keyword_usage_updates(self, keyword: str, day: str) -> list[dict[str, Any]]:
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {"pk": {"S": f"KWSTATS#{keyword}"}, "sk": {"S": sk}},
                    "UpdateExpression": "ADD #c :one",
                    "ExpressionAttributeNames": {"#c": "count"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
            for sk in ("TOTAL", f"DAY#{day}")
        ]

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
        # A snapshot under the CONFIG partition lets the inbound worker load every list and keyword
        # with one Query; it is written in the same transaction, guarded by the META version check.
        ops.append(
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item({"pk": CONFIG, "sk": f"LIST#{stored.list_id}", **stored.model_dump(mode="json")}),
                }
            }
        )
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
        first: list[dict[str, Any]] | None = None,
        extra: list[dict[str, Any]] | None = None,
    ) -> None:
        """Write subscription changes, their ledger entries and the profile in one transaction.

        ``first`` ops go at the head of the transaction (an inbound marker, so that a failed
        condition on it is recognisable); ``extra`` ops go at the end.
        """
        ops: list[dict[str, Any]] = list(first or [])
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
        ops.extend(extra or [])
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
                raise ConcurrentUpdate(
                    "the record changed while this request was processed; retry",
                    failed_index=reasons.index("ConditionalCheckFailed"),
                ) from exc
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
