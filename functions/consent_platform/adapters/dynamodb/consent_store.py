"""Consent state of a number: profile, subscriptions and their ledger, written together."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..aws import client
from . import keys as k
from .consent_writes import audience_ops, bucket_count, ledger_put, reachable_since, stats_ops, subscription_write
from .table import Op, Table, Transaction
from .undeliverable import clear_op

if TYPE_CHECKING:  # the models are imported by the methods that build them (cold start)
    from ...domain.consent import LedgerEntry, Subscription, Transition
    from ...domain.contacts import Profile


@dataclass
class PhoneState:
    profile: Profile | None = None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    rate: dict[str, Any] | None = None


class ConsentStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def load_contact_state(self, phone: str, list_id: str) -> tuple[Profile | None, Subscription | None]:
        """Profile and one subscription, in one strongly consistent ``BatchGetItem``."""
        from ...domain.consent import Subscription
        from ...domain.contacts import Profile

        items = self.table.batch_get([k.PROFILE.key(phone=phone), k.SUBSCRIPTION.key(phone=phone, list_id=list_id)])
        profile = items.get(k.PROFILE.pair(phone=phone))
        sub = items.get(k.SUBSCRIPTION.pair(phone=phone, list_id=list_id))
        return (
            Profile.model_validate(profile) if profile else None,
            Subscription.model_validate(sub) if sub else None,
        )

    def load_phone(self, phone: str) -> PhoneState:
        """Profile, every subscription and the reply-rate record of one number: one Query."""
        from ...domain.consent import Subscription
        from ...domain.contacts import Profile

        state = PhoneState()
        for item in self.table.query(k.PROFILE.pk.format(phone=phone), below=k.STATE_BELOW):
            if k.PROFILE.matches(item["pk"], item["sk"]):
                state.profile = Profile.model_validate(item)
            elif k.RATE.matches(item["pk"], item["sk"]):
                state.rate = item
            elif k.SUBSCRIPTION.matches(item["pk"], item["sk"]):
                sub = Subscription.model_validate(item)
                state.subscriptions[sub.list_id] = sub
        return state

    def get_contact(self, phone: str) -> tuple[Profile | None, list[Subscription], list[LedgerEntry]]:
        from ...domain.consent import LedgerEntry

        state = self.load_phone(phone)
        ledger = [LedgerEntry.model_validate(item) for item in self.table.query(phone, ledger=True)]
        return state.profile, list(state.subscriptions.values()), ledger

    def commit(
        self,
        transitions: Iterable[Transition],
        profile: Profile | None = None,
        profile_previous_version: int | None = None,
        *,
        guards: Iterable[Op] = (),
        extra: Iterable[Op] = (),
        zone_hint: str | None = None,
    ) -> None:
        """Subscription changes, their ledger entries and the profile in one transaction, with the
        caller's ``guards`` (conditions that must hold, each raising its own error) and ``extra`` ops."""
        transitions = list(transitions)
        tx = Transaction().extend(guards)
        for transition in transitions:
            sub = transition.subscription
            sub.version = (transition.previous_version or 0) + 1
            tx.extend(audience_ops(self.table, transition, zone_hint or (profile.timezone if profile else None)))
            tx.add(subscription_write(self.table, sub, transition.previous_version))
            tx.extend(ledger_put(self.table, entry) for entry in transition.entries)
        reachable = reachable_since(transitions)  # an opt-in clears the number's undeliverable mark
        if profile is not None:
            if profile.phone in reachable:
                at = reachable.pop(profile.phone)
                profile.undeliverable, profile.reachable_at = None, max(at, profile.reachable_at or at)
            tx.add(self._profile_put(profile, profile_previous_version))
        tx.extend(clear_op(self.table, phone, at) for phone, at in reachable.items())
        tx.extend(stats_ops(self.table, [e for t in transitions for e in t.entries]))
        tx.extend(extra)
        tx.commit()

    def _profile_put(self, profile: Profile, previous_version: int | None) -> Op:
        profile.version = (previous_version or 0) + 1
        data = {**k.PROFILE.plain(phone=profile.phone), **profile.model_dump(mode="json")}
        return Op("profile", self.table.versioned_put(data, previous_version))

    def update_profile(self, profile: Profile, previous_version: int, subscriptions: list[Subscription]) -> int:
        """Write the profile; when its time zone moves an active subscription to another audience
        bucket, move the registry counts and the index keys in the same transaction. Returns moves."""
        from ...domain.recipient_zone import resolve_zone

        tx = Transaction().add(self._profile_put(profile, previous_version))
        moved = 0
        for sub in subscriptions:
            if sub.status != "active" or not sub.bucket:
                continue
            bucket = resolve_zone(sub.phone, profile.timezone).bucket
            if bucket == sub.bucket:
                continue
            tx.add(
                bucket_count(self.table, sub.list_id, sub.bucket, -1), bucket_count(self.table, sub.list_id, bucket, 1)
            )
            moved_sub = sub.model_copy(update={"bucket": bucket, "version": sub.version + 1})
            tx.add(subscription_write(self.table, moved_sub, sub.version))
            moved += 1
        tx.commit()
        return moved

    def append_ledger(self, entries: Iterable[LedgerEntry]) -> None:
        Transaction().extend(ledger_put(self.table, entry) for entry in entries).commit()

    def list_stats(self, list_id: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        pk, first = k.LIST_STATS.pair(list_id=list_id, day=first_day, shard="")
        last = k.LIST_STATS.pair(list_id=list_id, day=last_day, shard="~")[1]
        return list(self.table.query(pk, between=(first.rstrip("#"), last), consistent=False))

    def lapsed_pending(self, now: str, page_size: int) -> Iterator[list[tuple[str, str]]]:
        """Pages of (phone, list_id) of pending confirmations whose window closed at or before ``now``:
        each shard from its oldest window on, ``page_size`` at a time, the cursor carried from page to
        page. The index is eventually consistent: read each subscription again before acting on it."""
        for shard in range(k.EXPIRY_SHARDS):
            params: dict[str, Any] = {
                "TableName": self.table.name,
                "IndexName": k.EXPIRY_INDEX,
                "KeyConditionExpression": "exp_pk = :p AND pending_expires_at <= :now",
                "ExpressionAttributeValues": {":p": {"S": k.expiry_partition(shard)}, ":now": {"S": now}},
                "Limit": page_size,
            }
            while True:
                response = client("dynamodb").query(**params)
                found = [(item["pk"]["S"], item["sk"]["S"]) for item in response.get("Items", [])]
                if found:
                    yield [(k.phone_of(pk), k.SUBSCRIPTION.field(sk, "list_id")) for pk, sk in found]
                if "LastEvaluatedKey" not in response:
                    break
                params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def subscriptions(self, wanted: list[tuple[str, str]]) -> tuple[list[Subscription], list[tuple[str, str]]]:
        """The current (strongly consistent) subscriptions of (phone, list_id) pairs, and the keys of
        items that no longer fit the model (left to the caller to report). Missing items are left out."""
        from pydantic import ValidationError

        from ...domain.consent import Subscription

        found: list[Subscription] = []
        unreadable: list[tuple[str, str]] = []
        items = self.table.batch_get([k.SUBSCRIPTION.key(phone=p, list_id=lst) for p, lst in wanted])
        for phone, list_id in wanted:
            item = items.get(k.SUBSCRIPTION.pair(phone=phone, list_id=list_id))
            if item is None:
                continue
            try:
                found.append(Subscription.model_validate(item))
            except ValidationError:
                unreadable.append((phone, list_id))
        return found, unreadable

    def profiles(self, phones: list[str]) -> dict[str, dict[str, Any]]:
        """Profiles of a page of the audience (eventually consistent: only the time zone is read)."""
        items = self.table.batch_get([k.PROFILE.key(phone=p) for p in phones], consistent=False)
        return {k.phone_of(pk): item for (pk, _sk), item in items.items()}
