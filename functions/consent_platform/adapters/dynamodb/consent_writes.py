"""The write operations of a consent change: subscription, ledger entries, audience registry, daily
list counters. Pure request building (no I/O); ``consent_store`` puts them in one transaction."""

from __future__ import annotations

import random
from functools import cache
from typing import TYPE_CHECKING, Any

from ...domain.list_stats import counter_increments  # every consent change counts its ledger entries
from ..dynamo import to_item
from . import keys as k
from .table import Op, Table

if TYPE_CHECKING:
    from ...domain.consent import LedgerEntry, Subscription, Transition

INDEX_KEYS = ("aud_pk", "aud_sk", "exp_pk")  # set or removed with every subscription write


@cache
def subscription_fields() -> tuple[str, ...]:
    from ...domain.consent import Subscription

    return tuple(Subscription.model_fields)


def audience_keys(sub: Subscription) -> dict[str, str]:
    """Index keys while active, none otherwise (a sparse index holds only the sendable audience)."""
    if sub.status != "active" or not sub.bucket:
        return {}
    partition = k.audience_partition(sub.list_id, sub.bucket, k.shard(sub.phone, k.AUDIENCE_SHARDS))
    return {"aud_pk": partition, "aud_sk": sub.phone}


def expiry_keys(sub: Subscription) -> dict[str, str]:
    """The expiry index's partition key while a confirmation is pending, none otherwise: the sweep reads
    only the closed confirmation windows, however many sign-ups are pending."""
    if sub.status != "pending" or not sub.pending_expires_at:
        return {}
    return {"exp_pk": k.expiry_partition(k.shard(sub.phone, k.EXPIRY_SHARDS))}


def ledger_put(table: Table, entry: LedgerEntry) -> Op:
    sort_key = k.LEDGER.pair(phone=entry.phone, at=entry.at, seq=entry.seq, event_id=entry.event_id)[1]
    item = {"TableName": table.ledger, "Item": to_item({"sk": sort_key, **entry.model_dump(mode="json")})}
    return Op(f"ledger:{entry.event_id}", {"Put": {**item, "ConditionExpression": "attribute_not_exists(sk)"}})


def subscription_write(table: Table, sub: Subscription, previous_version: int | None) -> Op:
    """A subscription change as an ``Update`` (not a ``Put``): every field of the model is set or
    removed, conditional on the version, and the sender's send marks on the item (``sent_w<week>``, not
    part of the model) survive any consent change."""
    name = f"subscription:{sub.list_id}"
    data = {**sub.model_dump(mode="json"), **audience_keys(sub), **expiry_keys(sub)}
    key = k.SUBSCRIPTION.plain(phone=sub.phone, list_id=sub.list_id)
    if previous_version is None:  # a new item carries no marks: a plain conditional put
        return Op(name, table.versioned_put({**key, **data}, None))
    names: dict[str, str] = {"#version": "version"}
    values: dict[str, Any] = {":expected": {"N": str(previous_version)}}
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
    update = {
        "TableName": table.name,
        "Key": k.SUBSCRIPTION.key(phone=sub.phone, list_id=sub.list_id),
        "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
        "ConditionExpression": "#version = :expected",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    return Op(name, {"Update": update})


def bucket_count(table: Table, list_id: str, bucket: str, delta: int) -> Op:
    """The per-list audience registry (planning reads it instead of the audience)."""
    return Op(f"bucket:{bucket}", table.add_counts(k.BUCKET.key(list_id=list_id, bucket=bucket), {"count": delta}))


def audience_ops(table: Table, transition: Transition, zone_hint: str | None) -> list[Op]:
    """Keep the per-list bucket registry in step: +1 when a subscription becomes active, −1 when it
    stops being active — in the same transaction as the change itself."""
    from ...domain.consent import Status

    sub = transition.subscription
    was_active = transition.previous_status == Status.ACTIVE
    is_active = sub.status == Status.ACTIVE
    if was_active == is_active:
        return []
    if is_active:
        from ...domain.recipient_zone import resolve_zone

        sub.bucket = resolve_zone(sub.phone, zone_hint).bucket
    if not sub.bucket:
        return []
    return [bucket_count(table, sub.list_id, sub.bucket, 1 if is_active else -1)]


def reachable_since(transitions: list[Transition]) -> dict[str, str]:
    """Numbers whose write makes a subscription active (any opt-in: form, API, keyword, import, START,
    YES), with the time it did: a person who (re)joins shows the number is in use, so this same write
    clears its ``undeliverable`` mark (``services/undeliverable.py``). A pending sign-up does not: anyone
    can type a number into a form."""
    from ...domain.consent import Status

    out: dict[str, str] = {}
    for t in transitions:
        sub = t.subscription
        if sub.status == Status.ACTIVE and t.previous_status != Status.ACTIVE:
            at = sub.confirmed_at or sub.updated_at
            out[sub.phone] = max(at, out.get(sub.phone, at))
    return out


def stats_ops(table: Table, entries: list[LedgerEntry]) -> list[Op]:
    """Daily list statistics, in the same transaction as the events they count (sharded items)."""
    ops = []
    for (list_id, day), counts in counter_increments(entries).items():
        shard = random.randrange(k.STATS_SHARDS)  # noqa: S311 - load spreading, not security
        key = k.LIST_STATS.key(list_id=list_id, day=day, shard=shard)
        ops.append(Op(f"list_stats:{list_id}", table.add_counts(key, counts)))
    return ops
