"""DynamoDB repository for lists, contacts, subscriptions, sent-message records and the ledger.

Two tables, both defined in ``template.yaml``:

* the **consent table** (``pk``/``sk``) holds mutable state, each item versioned for optimistic
  concurrency::

      LIST#<list_id>   META                 list configuration (current consent text)
      LIST#<list_id>   CONSENT#<version>    every consent text version ever published (immutable)
      PHONE#<e164>     PROFILE              contact profile
      PHONE#<e164>     SUB#<list_id>        subscription state, and the sender's campaign send marks
      LSTATS#<list_id> DAY#<date>#<shard>   daily opt-in/confirmation/opt-out counters (sharded)
      LIST#<list_id>   BUCKET#<bucket>      number of active subscribers per audience bucket (planning)
      CAMPAIGN#<id>    META | STATS#<n>     campaign and its sharded counters
      PHONE#<e164>     CAP                  recent marketing sends (frequency caps)
      PHONE#<e164>     RATE                 transactional replies sent in the last 24 h (pumping cap)
      PHONE#<e164>     RL#<secs>#<window>   sign-up requests for this number in one fixed window (TTL)
      RL#ip#<[list/]net> W#<secs>#<window>  sign-up requests from one client network (v4 /24, v6 /64) (TTL)
      RL#prefix#<[list/]digits> W#<secs>#<window>  sign-up requests for one number range in one window (TTL)
      RL#country#<list/cc> W#<secs>#<window>  sign-up requests of a list for one foreign country (TTL)
      LCAP#<list_id>   DAY#<date>           sign-up SMS sent for the list that UTC day (daily cap, TTL)
      PHONE#<e164>     TRIGGER#cart#<id>    abandoned-cart trigger;  CART#<id> / CART: once-per-cart marker
      SUPPRESS#<hmac>  SUPPRESS             an erased number (keyed hash): never re-imported
      ERASURE          META                 erasures ever done (imports need the key once there are any)
      CONFIG           LIST#<list_id>       list snapshot for the inbound worker (same transaction as META)
      CONFIG           KEYWORD#<keyword>    custom keyword
      KWSTATS#<kw>     TOTAL | DAY#<date>   keyword usage counters
      INBOUND#<provider>#<id>  INBOUND      inbound message marker: effect applied once, kept forever
                                            (no TTL, nothing personal: see services/inbound.py)
      PHONE#<e164>     ~INBOUND#<p>#<id>    that message's replies and events, for finishing a crashed
                                            first attempt (TTL; under the number: erasure deletes it)
      PHONE#<e164>     ~DEFER#<schedule>    a deferred campaign message's schedule (erasure deletes it; TTL)
      PHONE#<e164>     ~MSG#<message_id>    sent-message record (a transactional message's idempotency
                                            claim; a campaign message's, written after it went out).
                                            Under the number so that erasure deletes it with the rest;
                                            "~" sorts after every state item, so state reads stop before
                                            them (``sk < "~"``) however many messages a number received

* the **ledger table** (``phone``/``sk`` = ``<at>#<seq>#<event_id>``) is append-only: functions get
  ``PutItem`` and ``Query`` on it and nothing else (see the IAM policies in the template), and every
  put is conditional on the key not existing. The one exception is erasure (``ErasureFunction``,
  ``DELETE /v1/admin/contacts/{phone}``): it moves a number's entries to the partition
  ``hmac:<HMAC-SHA256(key, e164)>`` with the personal fields replaced by keyed hashes (put the new
  entry, delete the old one, in transactions of at most 100 operations).

A state change and its ledger entries are written in one ``TransactWriteItems``.

Active subscriptions also carry ``aud_pk`` = ``AUD#<list>#<bucket>#<shard>`` / ``aud_sk`` = phone: the
sparse, write-sharded ``AudienceIndex`` the dispatcher pages through. Revoked ones drop out of it.
Pending double opt-ins carry ``exp_pk`` = ``EXPIRY#<shard>``: with ``pending_expires_at`` as its sort
key, the sparse ``ExpiryIndex`` lists every confirmation window by its end, for the expiry sweep.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from ..domain.clock import iso, parse_iso
from ..domain.errors import Conflict
from ..domain.list_stats import counter_increments  # every consent change (commit) counts its ledger entries
from .aws import client
from .dynamo import from_item, to_item

# The domain models are imported by the methods that build them: every function loads this module, and
# the sender and the dispatcher use none of them (the services that do import them at their top).
if TYPE_CHECKING:
    from ..domain.consent import LedgerEntry, Subscription, Transition
    from ..domain.contacts import Profile
    from ..domain.keywords import StoredKeyword
    from ..domain.lists import StoredList
    from ..domain.messages import SubscriptionGuard
    from ..domain.pumping import Check

AUDIENCE_INDEX = "AudienceIndex"
AUDIENCE_SHARDS = 4  # write sharding of the audience index: no hot partition for a big list
STATS_SHARDS = 10
CAP = "CAP"
META = "META"
PROFILE = "PROFILE"
CONFIG = "CONFIG"
RATE = "RATE"
MESSAGES = "~MSG#"  # sort-key prefix of sent-message records: after every state item of a number
DEFERRED = "~DEFER#"  # sort-key prefix of a deferred campaign message's schedule (erasure deletes it)
STATE_BELOW = "~"  # the sort-key bound of a number's state (profile, subscriptions, caps, triggers)


def list_key(list_id: str, sk: str = META) -> dict[str, Any]:
    return {"pk": {"S": f"LIST#{list_id}"}, "sk": {"S": sk}}


def phone_key(phone: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": f"PHONE#{phone}"}, "sk": {"S": sk}}


def message_key(phone: str, message_id: str) -> dict[str, Any]:
    """The key of a sent-message record: under the number it went to."""
    return phone_key(phone, f"{MESSAGES}{message_id}")


def _message_item(record: dict[str, Any]) -> dict[str, Any]:
    """A sent-message record as an item (``record`` carries ``to`` and ``message_id``)."""
    return {**message_key(record["to"], record["message_id"]), **to_item(record)}


def ledger_sort_key(entry: LedgerEntry) -> str:
    return f"{entry.at}#{entry.seq:02d}#{entry.event_id}"


def audience_partition(list_id: str, bucket: str, shard: int) -> str:
    return f"AUD#{list_id}#{bucket}#{shard}"


def audience_keys(sub: Subscription) -> dict[str, str]:
    """Index keys while active, none otherwise (a sparse index holds only the sendable audience)."""
    if sub.status != "active" or not sub.bucket:
        return {}
    shard = _shard(sub.phone, AUDIENCE_SHARDS)
    return {"aud_pk": audience_partition(sub.list_id, sub.bucket, shard), "aud_sk": sub.phone}


# Sparse and write-sharded like the audience index: only pending subscriptions carry exp_pk, and the
# index sorts them by pending_expires_at, so the expiry sweep reads only the closed confirmation windows,
# however many sign-ups are pending (and however long the sweep was down).
EXPIRY_INDEX = "ExpiryIndex"
EXPIRY_SHARDS = 4


def _shard(phone: str, shards: int) -> int:
    return int(hashlib.sha256(phone.encode()).hexdigest(), 16) % shards


def expiry_keys(sub: Subscription) -> dict[str, str]:
    """The expiry index's partition key while a confirmation is pending, none otherwise."""
    if sub.status != "pending" or not sub.pending_expires_at:
        return {}
    return {"exp_pk": f"EXPIRY#{_shard(sub.phone, EXPIRY_SHARDS)}"}


@cache
def subscription_fields() -> tuple[str, ...]:
    from ..domain.consent import Subscription

    return tuple(Subscription.model_fields)


INDEX_KEYS = ("aud_pk", "aud_sk", "exp_pk")  # set or removed with every subscription write
# Campaign send marks on the subscription item: ``sent_w<week>`` is a string set of 12-hex-digit digests
# of the message ids claimed, by the week (days since the epoch // 7) the message was *created* in, so
# that every delivery of one message looks in the same place. A claim looks in its week and both
# neighbours (a re-run dispatcher builds the same message id with a later ``created_at``, within hours)
# and drops marks of weeks at least SEND_MARK_WEEKS_KEPT older: a duplicate can only arrive while the
# message can still be delivered — outbound queue 4 days, its DLQ 14 days, a deferral a few days.
SEND_MARK_WEEKS_KEPT = 5
SEND_MARK_WEEKS_DROPPED = 8  # how many weeks beyond that each claim removes (missing ones cost nothing)


def send_mark(message_id: str, created_at: str) -> tuple[str, str]:
    """(attribute, digest) of one campaign message's send mark."""
    week = int(parse_iso(created_at).timestamp()) // 86400 // 7
    return f"sent_w{week}", hashlib.sha256(message_id.encode()).hexdigest()[:12]


def send_mark_update(message_id: str, created_at: str) -> dict[str, Any]:
    """Condition and update of a campaign claim on the subscription item (see ``send_mark``)."""
    name, digest = send_mark(message_id, created_at)
    week = int(name.removeprefix("sent_w"))
    checked = {f"#c{i}": f"sent_w{week + d}" for i, d in enumerate((-1, 0, 1))}
    dropped = {f"#x{i}": f"sent_w{week - SEND_MARK_WEEKS_KEPT - i}" for i in range(SEND_MARK_WEEKS_DROPPED)}
    return {
        "ConditionExpression": "#s = :active AND " + " AND ".join(f"NOT contains({n}, :d)" for n in checked),
        "UpdateExpression": "ADD #c1 :dset REMOVE " + ", ".join(dropped),
        "ExpressionAttributeNames": {"#s": "status", **checked, **dropped},
        "ExpressionAttributeValues": {
            ":active": {"S": "active"},
            ":d": {"S": digest},
            ":dset": {"SS": [digest]},
        },
    }


def _refused(item: dict[str, Any] | None) -> CampaignClaim:
    """Why a campaign claim's condition failed, from the subscription item as it was."""
    if not item or item.get("status", {}).get("S") != "active":
        return CampaignClaim.OPTED_OUT
    return CampaignClaim.DUPLICATE


class CampaignClaim(StrEnum):
    CLAIMED = "claimed"
    OPTED_OUT = "opted_out"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    CAP_RACE = "cap_race"  # another send to this number changed the cap record: retry


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
        from ..domain.lists import StoredList

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

    def load_signup(
        self, list_id: str, consent_version: str | None, day: str
    ) -> tuple[StoredList | None, str | None, int]:
        """The list, the consent text version asked for, and the list's sign-up SMS so far that day —
        one ``BatchGetItem``, as before the daily cap existed."""
        from ..domain.lists import StoredList

        keys = [list_key(list_id), {"pk": {"S": f"LCAP#{list_id}"}, "sk": {"S": f"DAY#{day}"}}]
        if consent_version is not None:
            keys.append(list_key(list_id, f"CONSENT#{consent_version}"))
        items = self._batch_get(keys)
        meta = items.get(("LIST#" + list_id, META))
        text_item = items.get(("LIST#" + list_id, f"CONSENT#{consent_version}")) if consent_version else None
        cap = items.get((f"LCAP#{list_id}", f"DAY#{day}"))
        return (
            StoredList.model_validate(meta) if meta else None,
            text_item["text"] if text_item else None,
            int(cap.get("count", 0)) if cap else 0,
        )

    def signup_cap_op(self, list_id: str, day: str, maximum: int, ttl: int) -> dict[str, Any]:
        """+1 on the list's sign-up SMS of the day, only while below ``maximum`` (a failed condition
        cancels the transaction it is part of)."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": {"pk": {"S": f"LCAP#{list_id}"}, "sk": {"S": f"DAY#{day}"}},
                "UpdateExpression": "SET #t = :ttl ADD #n :one",
                "ConditionExpression": "attribute_not_exists(#n) OR #n < :max",
                "ExpressionAttributeNames": {"#n": "count", "#t": "ttl"},
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":max": {"N": str(maximum)},
                    ":ttl": {"N": str(ttl)},
                },
            }
        }

    def consume_rate_limits(self, checks: list[Check]) -> list[Check]:
        """Count one request against every check, all or nothing, in one ``TransactWriteItems``.

        Returns the checks whose limit was already reached (then nothing was written), else ``[]``.
        """
        from ..domain.pumping import COUNTER_GRACE

        if not checks:
            return []
        ops = []
        for check in checks:
            seconds = check.limit.window_seconds
            if check.limit.scope == "phone":
                key = phone_key(check.subject, f"RL#{seconds}#{check.window}")
            else:
                key = {
                    "pk": {"S": f"RL#{check.limit.scope}#{check.subject}"},
                    "sk": {"S": f"W#{seconds}#{check.window}"},
                }
            ops.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": key,
                        "UpdateExpression": "SET #t = :ttl ADD #n :one",
                        "ConditionExpression": "attribute_not_exists(#n) OR #n < :max",
                        "ExpressionAttributeNames": {"#n": "count", "#t": "ttl"},
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":max": {"N": str(check.requests)},
                            ":ttl": {"N": str(int((check.window_end + COUNTER_GRACE).timestamp()))},
                        },
                    }
                }
            )
        ddb = client("dynamodb")
        try:
            ddb.transact_write_items(TransactItems=ops)
        except ddb.exceptions.TransactionCanceledException as exc:
            codes = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            failed = [check for check, code in zip(checks, codes, strict=False) if code == "ConditionalCheckFailed"]
            if failed:
                return failed
            raise
        return []

    def load_contact_state(self, phone: str, list_id: str) -> tuple[Profile | None, Subscription | None]:
        """Profile and one subscription, in one strongly consistent ``BatchGetItem``."""
        from ..domain.consent import Subscription
        from ..domain.contacts import Profile

        items = self._batch_get([phone_key(phone, PROFILE), phone_key(phone, f"SUB#{list_id}")])
        profile = items.get((f"PHONE#{phone}", PROFILE))
        sub = items.get((f"PHONE#{phone}", f"SUB#{list_id}"))
        return (
            Profile.model_validate(profile) if profile else None,
            Subscription.model_validate(sub) if sub else None,
        )

    def get_contact(self, phone: str) -> tuple[Profile | None, list[Subscription], list[LedgerEntry]]:
        from ..domain.consent import LedgerEntry, Subscription
        from ..domain.contacts import Profile

        profile: Profile | None = None
        subs: list[Subscription] = []
        for item in self._query(self.table, "pk", f"PHONE#{phone}", below=STATE_BELOW):
            if item["sk"] == PROFILE:
                profile = Profile.model_validate(item)
            elif item["sk"].startswith("SUB#"):
                subs.append(Subscription.model_validate(item))
        ledger = [LedgerEntry.model_validate(item) for item in self._query(self.ledger, "phone", phone)]
        return profile, subs, ledger

    def load_phone(self, phone: str) -> PhoneState:
        """Profile, every subscription and the reply-rate record of one number: one Query."""
        from ..domain.consent import Subscription
        from ..domain.contacts import Profile

        state = PhoneState()
        for item in self._query(self.table, "pk", f"PHONE#{phone}", below=STATE_BELOW):
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
        from ..domain.keywords import StoredKeyword
        from ..domain.lists import StoredList

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
        from ..domain.keywords import StoredKeyword

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

    def inbound_outbox_put(self, phone: str, key: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self.table, "Item": to_item({"pk": f"PHONE#{phone}", "sk": f"~{key}", **data})}}

    def get_inbound_outbox(self, phone: str, key: str) -> dict[str, Any] | None:
        pk, sk = f"PHONE#{phone}", f"~{key}"
        return self._batch_get([{"pk": {"S": pk}, "sk": {"S": sk}}]).get((pk, sk))

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

    def _batch_get(self, keys: list[dict[str, Any]], consistent: bool = True) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": consistent}}
        while request:
            response = client("dynamodb").batch_get_item(RequestItems=request)
            for raw in response.get("Responses", {}).get(self.table, []):
                item = from_item(raw)
                found[(item["pk"], item["sk"])] = item
            # Unprocessed keys come back under throttling; ask again for just those.
            request = response.get("UnprocessedKeys") or {}
        return found

    def _query(self, table: str, key_name: str, key_value: str, below: str | None = None) -> Iterable[dict[str, Any]]:
        """Every item of one partition (strongly consistent); with ``below``, only sort keys before it."""
        condition, values = "#k = :v", {":v": {"S": key_value}}
        if below is not None:
            condition += " AND sk < :below"
            values[":below"] = {"S": below}
        paginator = client("dynamodb").get_paginator("query")
        pages = paginator.paginate(
            TableName=table,
            KeyConditionExpression=condition,
            ExpressionAttributeNames={"#k": key_name},
            ExpressionAttributeValues=values,
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
        zone_hint: str | None = None,
    ) -> None:
        """Write subscription changes, their ledger entries and the profile in one transaction.

        ``first`` ops go at the head of the transaction (an inbound marker, so that a failed
        condition on it is recognisable); ``extra`` ops go at the end.
        """
        ops: list[dict[str, Any]] = list(first or [])
        for transition in transitions:
            sub = transition.subscription
            sub.version = (transition.previous_version or 0) + 1
            ops.extend(self._audience_ops(transition, zone_hint or (profile.timezone if profile else None)))
            ops.append(self._subscription_write(sub, transition.previous_version))
            ops.extend(self._ledger_put(entry) for entry in transition.entries)
        if profile is not None:
            profile.version = (profile_previous_version or 0) + 1
            ops.append(
                self._versioned_put(
                    {"pk": f"PHONE#{profile.phone}", "sk": PROFILE, **profile.model_dump(mode="json")},
                    profile_previous_version,
                )
            )
        ops.extend(self._stats_ops([e for t in transitions for e in t.entries]))
        ops.extend(extra or [])
        if ops:
            self._transact(ops)

    def update_profile(self, profile: Profile, previous_version: int, subscriptions: list[Subscription]) -> int:
        """Write the profile; when its time zone moves an active subscription to another audience
        bucket, move the registry counts and the index keys in the same transaction. Returns moves."""
        from ..domain.recipient_zone import resolve_zone

        profile.version = previous_version + 1
        ops = [
            self._versioned_put(
                {"pk": f"PHONE#{profile.phone}", "sk": PROFILE, **profile.model_dump(mode="json")}, previous_version
            )
        ]
        moved = 0
        for sub in subscriptions:
            if sub.status != "active" or not sub.bucket:
                continue
            bucket = resolve_zone(sub.phone, profile.timezone).bucket
            if bucket == sub.bucket:
                continue
            ops.extend(self._bucket_count(sub.list_id, sub.bucket, -1) + self._bucket_count(sub.list_id, bucket, 1))
            moved_sub = sub.model_copy(update={"bucket": bucket, "version": sub.version + 1})
            ops.append(self._subscription_write(moved_sub, sub.version))
            moved += 1
        self._transact(ops)
        return moved

    def _bucket_count(self, list_id: str, bucket: str, delta: int) -> list[dict[str, Any]]:
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": list_key(list_id, f"BUCKET#{bucket}"),
                    "UpdateExpression": "ADD #n :d",
                    "ExpressionAttributeNames": {"#n": "count"},
                    "ExpressionAttributeValues": {":d": {"N": str(delta)}},
                }
            }
        ]

    def put_trigger(self, phone: str, cart_id: str, data: dict[str, Any]) -> bool:
        """The trigger record and a once-per-cart marker, together; False when the cart was seen."""
        ddb = client("dynamodb")
        try:
            ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item({"pk": f"CART#{cart_id}", "sk": "CART", "phone": phone}),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item({"pk": f"PHONE#{phone}", "sk": f"TRIGGER#cart#{cart_id}", **data}),
                        }
                    },
                ]
            )
        except ddb.exceptions.TransactionCanceledException:
            return False
        return True

    def touch_profile(self, phone: str, field: str, at: str) -> bool:
        """Move a profile timestamp forward only (events may arrive out of order)."""
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table,
                Key=phone_key(phone, PROFILE),
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
        for item in self._query(self.table, "pk", f"PHONE#{phone}", below=STATE_BELOW):
            if not item["sk"].startswith("TRIGGER#") or item.get("status") != "scheduled" or item["created_at"] > at:
                continue
            try:
                ddb.update_item(
                    TableName=self.table,
                    Key=phone_key(phone, item["sk"]),
                    UpdateExpression="SET #s = :c",
                    ConditionExpression="#s = :scheduled",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":c": {"S": "cancelled"}, ":scheduled": {"S": "scheduled"}},
                )
                cancelled += 1
            except ddb.exceptions.ConditionalCheckFailedException:
                continue
        return cancelled

    def _stats_ops(self, entries: list[LedgerEntry]) -> list[dict[str, Any]]:
        """Daily list statistics, in the same transaction as the events they count (sharded items)."""
        ops = []
        for (list_id, day), counts in counter_increments(entries).items():
            shard = random.randrange(STATS_SHARDS)  # noqa: S311 - load spreading, not security
            names = {f"#a{i}": key for i, key in enumerate(counts)}
            ops.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {"pk": {"S": f"LSTATS#{list_id}"}, "sk": {"S": f"DAY#{day}#{shard}"}},
                        "UpdateExpression": "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(counts))),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": {f":v{i}": {"N": str(v)} for i, v in enumerate(counts.values())},
                    }
                }
            )
        return ops

    def list_stats(self, list_id: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        paginator = client("dynamodb").get_paginator("query")
        rows: list[dict[str, Any]] = []
        for page in paginator.paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues={
                ":p": {"S": f"LSTATS#{list_id}"},
                ":a": {"S": f"DAY#{first_day}"},
                ":b": {"S": f"DAY#{last_day}#~"},
            },
        ):
            rows.extend(from_item(item) for item in page.get("Items", []))
        return rows

    def _audience_ops(self, transition: Transition, zone_hint: str | None) -> list[dict[str, Any]]:
        """Keep the per-list bucket registry in step: +1 when a subscription becomes active, −1 when it
        stops being active — in the same transaction as the change itself."""
        from ..domain.consent import Status

        sub = transition.subscription
        was_active = transition.previous_status == Status.ACTIVE
        is_active = sub.status == Status.ACTIVE
        if was_active == is_active:
            return []
        if is_active:
            from ..domain.recipient_zone import resolve_zone

            sub.bucket = resolve_zone(sub.phone, zone_hint).bucket
        if not sub.bucket:
            return []
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": list_key(sub.list_id, f"BUCKET#{sub.bucket}"),
                    "UpdateExpression": "ADD #n :d",
                    "ExpressionAttributeNames": {"#n": "count"},
                    "ExpressionAttributeValues": {":d": {"N": "1" if is_active else "-1"}},
                }
            }
        ]

    def audience_buckets(self, list_id: str) -> dict[str, int]:
        """Active subscribers per bucket: one Query whatever the audience size."""
        out: dict[str, int] = {}
        for item in self._query(self.table, "pk", f"LIST#{list_id}"):
            if item["sk"].startswith("BUCKET#") and int(item.get("count", 0)) > 0:
                out[item["sk"].removeprefix("BUCKET#")] = int(item["count"])
        return out

    def audience_page(
        self, list_id: str, bucket: str, shard: int, start: dict[str, Any] | None, limit: int = 500
    ) -> tuple[list[str], dict[str, Any] | None]:
        params: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": AUDIENCE_INDEX,
            "KeyConditionExpression": "aud_pk = :p",
            "ExpressionAttributeValues": {":p": {"S": audience_partition(list_id, bucket, shard)}},
            "Limit": limit,
        }
        if start:
            params["ExclusiveStartKey"] = start
        response = client("dynamodb").query(**params)
        return [i["aud_sk"]["S"] for i in response.get("Items", [])], response.get("LastEvaluatedKey")

    def lapsed_pending(self, now: str, page_size: int) -> Iterator[list[tuple[str, str]]]:
        """Pages of (phone, list_id) of pending confirmations whose window closed at or before ``now``:
        each shard from its oldest window on, ``page_size`` at a time, the cursor carried from page to
        page (so entries already handled are not read again, however slowly the index drops them). The
        index is eventually consistent: read each subscription again before acting on it."""
        for shard in range(EXPIRY_SHARDS):
            params: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": EXPIRY_INDEX,
                "KeyConditionExpression": "exp_pk = :p AND pending_expires_at <= :now",
                "ExpressionAttributeValues": {":p": {"S": f"EXPIRY#{shard}"}, ":now": {"S": now}},
                "Limit": page_size,
            }
            while True:
                response = client("dynamodb").query(**params)
                keys = [
                    (item["pk"]["S"].removeprefix("PHONE#"), item["sk"]["S"].removeprefix("SUB#"))
                    for item in response.get("Items", [])
                ]
                if keys:
                    yield keys
                if "LastEvaluatedKey" not in response:
                    break
                params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def subscriptions(self, keys: list[tuple[str, str]]) -> tuple[list[Subscription], list[tuple[str, str]]]:
        """The current (strongly consistent) subscriptions of (phone, list_id) pairs, and the keys of
        items that no longer fit the model (left to the caller to report). Missing items are left out."""
        from pydantic import ValidationError

        from ..domain.consent import Subscription

        found: list[Subscription] = []
        unreadable: list[tuple[str, str]] = []
        for start in range(0, len(keys), 100):  # BatchGetItem takes at most 100 keys
            chunk = keys[start : start + 100]
            items = self._batch_get([phone_key(phone, f"SUB#{list_id}") for phone, list_id in chunk])
            for phone, list_id in chunk:
                item = items.get((f"PHONE#{phone}", f"SUB#{list_id}"))
                if item is None:
                    continue
                try:
                    found.append(Subscription.model_validate(item))
                except ValidationError:
                    unreadable.append((phone, list_id))
        return found, unreadable

    def profiles(self, phones: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(phones), 100):  # BatchGetItem takes at most 100 keys
            items = self._batch_get([phone_key(p, PROFILE) for p in phones[start : start + 100]], consistent=False)
            for (pk, _sk), item in items.items():
                found[pk.removeprefix("PHONE#")] = item
        return found

    # ---- campaigns ---------------------------------------------------------------------------------

    def put_campaign(self, campaign: dict[str, Any]) -> None:
        client("dynamodb").put_item(
            TableName=self.table,
            Item=to_item({"pk": f"CAMPAIGN#{campaign['campaign_id']}", "sk": META, **campaign}),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get_campaign(self, campaign_id: str) -> tuple[dict[str, Any] | None, dict[str, int]]:
        meta: dict[str, Any] | None = None
        stats: dict[str, int] = {}
        for item in self._query(self.table, "pk", f"CAMPAIGN#{campaign_id}"):
            if item["sk"] == META:
                meta = item
            elif item["sk"].startswith("STATS#"):
                for key, value in item.items():
                    if key not in ("pk", "sk"):
                        stats[key] = stats.get(key, 0) + int(value)
        return meta, stats

    def set_campaign_status(self, campaign_id: str, status: str, allowed_from: tuple[str, ...]) -> bool:
        ddb = client("dynamodb")
        names = {"#s": "status"}
        values = {":s": {"S": status}, **{f":f{i}": {"S": s} for i, s in enumerate(allowed_from)}}
        try:
            ddb.update_item(
                TableName=self.table,
                Key={"pk": {"S": f"CAMPAIGN#{campaign_id}"}, "sk": {"S": META}},
                UpdateExpression="SET #s = :s",
                ConditionExpression=f"#s IN ({', '.join(f':f{i}' for i in range(len(allowed_from)))})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def add_campaign_stats(self, campaign_id: str, counts: dict[str, int], shard: int) -> None:
        """Sharded counters: one small update per sender batch, spread over STATS_SHARDS items."""
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        client("dynamodb").update_item(
            TableName=self.table,
            Key={"pk": {"S": f"CAMPAIGN#{campaign_id}"}, "sk": {"S": f"STATS#{shard % STATS_SHARDS}"}},
            UpdateExpression="ADD " + ", ".join(f"#k{i} :v{i}" for i in range(len(counts))),
            ExpressionAttributeNames={f"#k{i}": k for i, k in enumerate(counts)},
            ExpressionAttributeValues={f":v{i}": {"N": str(v)} for i, v in enumerate(counts.values())},
        )

    def bucket_dispatched(self, campaign_id: str, bucket: str) -> bool:
        key = {"pk": {"S": f"CAMPAIGN#{campaign_id}"}, "sk": {"S": f"DISPATCHED#{bucket}"}}
        return bool(self._batch_get([key]))

    def finish_bucket(self, campaign_id: str, bucket: str, now: datetime, counts: dict[str, int]) -> bool:
        """Mark the bucket dispatched and count it, once: written only after every job was queued, so a
        dispatcher that failed half-way is simply run again (the sender drops the repeated jobs)."""
        ddb = client("dynamodb")
        counts = {k: v for k, v in counts.items() if v}
        ops: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(
                        {"pk": f"CAMPAIGN#{campaign_id}", "sk": f"DISPATCHED#{bucket}", "at": iso(now), **counts}
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        if counts:
            ops.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {
                            "pk": {"S": f"CAMPAIGN#{campaign_id}"},
                            "sk": {"S": f"STATS#{random.randrange(STATS_SHARDS)}"},  # noqa: S311
                        },
                        "UpdateExpression": "ADD " + ", ".join(f"#k{i} :v{i}" for i in range(len(counts))),
                        "ExpressionAttributeNames": {f"#k{i}": k for i, k in enumerate(counts)},
                        "ExpressionAttributeValues": {f":v{i}": {"N": str(v)} for i, v in enumerate(counts.values())},
                    }
                }
            )
        try:
            ddb.transact_write_items(TransactItems=ops)
        except ddb.exceptions.TransactionCanceledException:
            return False
        return True

    def claim_campaign_send(
        self, phone: str, list_id: str, message_id: str, created_at: str, cap: dict[str, Any] | None
    ) -> CampaignClaim:
        """One conditional write on the subscription item itself: it is still active and carries no send
        mark for this message id; the mark is added by the same write (``send_mark_update``).

        A single-item ``UpdateItem`` (1 WRU while the item is under 1 KB; the AudienceIndex is keys-only
        and its keys do not change, so no index write). When a cap applies, the conditional update of the
        number's cap record joins it in one ``TransactWriteItems``."""
        ddb = client("dynamodb")
        update = {
            "TableName": self.table,
            "Key": phone_key(phone, f"SUB#{list_id}"),
            **send_mark_update(message_id, created_at),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if cap is None:
            try:
                ddb.update_item(**update)
            except ddb.exceptions.ConditionalCheckFailedException as exc:
                return _refused(exc.response.get("Item"))
            return CampaignClaim.CLAIMED
        try:
            ddb.transact_write_items(TransactItems=[{"Update": update}, cap])
        except ddb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return _refused(reasons[0].get("Item"))
            if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                return CampaignClaim.CAP_RACE
            raise
        return CampaignClaim.CLAIMED

    def note_deferral(self, phone: str, list_id: str, schedule_name: str, ttl: int) -> bool:
        """Before a deferred campaign message becomes a schedule (which holds the number): note the
        schedule under the number, so that erasure finds and deletes it — only while the subscription
        is still active (else ``False``: no schedule for a number that stopped or was erased)."""
        ddb = client("dynamodb")
        try:
            ddb.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self.table,
                            "Key": phone_key(phone, f"SUB#{list_id}"),
                            "ConditionExpression": "#s = :active",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {":active": {"S": "active"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item({"pk": f"PHONE#{phone}", "sk": f"{DEFERRED}{schedule_name}", "ttl": ttl}),
                        }
                    },
                ]
            )
        except ddb.exceptions.TransactionCanceledException as exc:
            if [r.get("Code") for r in exc.response.get("CancellationReasons", [])][:1] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    def release_campaign_send(self, phone: str, list_id: str, message_id: str, created_at: str) -> None:
        """Undo a claim after the provider refused the message (transiently), so that a retry may send it."""
        name, digest = send_mark(message_id, created_at)
        client("dynamodb").update_item(
            TableName=self.table,
            Key=phone_key(phone, f"SUB#{list_id}"),
            UpdateExpression="DELETE #m :d",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#m": name},
            ExpressionAttributeValues={":d": {"SS": [digest]}},
        )

    def open_controls(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        """For each campaign (or trigger) control item: may messages still go out (exists and not
        cancelled)? One strongly consistent ``BatchGetItem`` for all of them."""
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(wanted), 100):
            chunk = wanted[start : start + 100]
            found.update(self._batch_get([{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in chunk]))
        return {key: key in found and found[key].get("status") != "cancelled" for key in wanted}

    def cap_put(self, phone: str, sent: list[str], ttl: int, previous: dict[str, Any] | None) -> dict[str, Any]:
        version = int(previous.get("version", 0)) if previous else None
        return self._versioned_put(
            {"pk": f"PHONE#{phone}", "sk": CAP, "sent": sent, "ttl": ttl, "version": (version or 0) + 1}, version
        )

    def record_sent(self, records: list[dict[str, Any]]) -> None:
        """Add provider message ids to sent-message records: one BatchWriteItem per 25 messages."""
        ddb = client("dynamodb")
        for start in range(0, len(records), 25):
            request = {self.table: [{"PutRequest": {"Item": _message_item(r)}} for r in records[start : start + 25]]}
            while request:
                request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    def cap_state(self, phone: str) -> dict[str, Any] | None:
        items = self._batch_get([phone_key(phone, CAP)])
        return items.get((f"PHONE#{phone}", CAP))

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

    def _subscription_write(self, sub: Subscription, previous_version: int | None) -> dict[str, Any]:
        """A subscription change as an ``Update`` (not a ``Put``): every field of the model is set or
        removed, conditional on the version like ``_versioned_put``, and the sender's send marks on the
        item (``sent_w<week>``, not part of the model) survive any consent change."""
        data = {**sub.model_dump(mode="json"), **audience_keys(sub), **expiry_keys(sub)}
        if previous_version is None:  # a new item carries no marks: a plain conditional put
            return self._versioned_put({"pk": f"PHONE#{sub.phone}", "sk": f"SUB#{sub.list_id}", **data}, None)
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        removes: list[str] = []
        for index, field_name in enumerate([*subscription_fields(), *INDEX_KEYS]):
            names[f"#f{index}"] = field_name
            value = data.get(field_name)
            if value is None:
                removes.append(f"#f{index}")
            else:
                values[f":f{index}"] = to_item({"v": value})["v"]
                sets.append(f"#f{index} = :f{index}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        names["#version"] = "version"
        values[":expected"] = {"N": str(previous_version)}
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": phone_key(sub.phone, f"SUB#{sub.list_id}"),
            "UpdateExpression": expression,
            "ConditionExpression": "#version = :expected",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        return {"Update": update}

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
            "Item": _message_item(record),
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

    def release_message(self, phone: str, message_id: str) -> None:
        """Undo a claim after the provider refused the message, so that a retry may send it."""
        client("dynamodb").delete_item(TableName=self.table, Key=message_key(phone, message_id))
