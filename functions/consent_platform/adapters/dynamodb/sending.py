"""The sender's claims: each message goes out at most once, only while its subscription (and its
campaign or trigger) still allows it, within the number's frequency caps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .send_marks import send_mark, send_mark_update
from .table import Op, Table, Transaction

if TYPE_CHECKING:
    from ...domain.messages import CampaignJob, OutboundMessage, SubscriptionGuard


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


def _refused(item: dict[str, Any] | None) -> CampaignClaim:
    """Why a campaign claim's condition failed, from the subscription item as it was."""
    if not item or item.get("status") != "active":
        return CampaignClaim.OPTED_OUT
    return CampaignClaim.DUPLICATE


def message_item(record: dict[str, Any]) -> dict[str, Any]:
    """A sent-message record as an item (``record`` carries ``to`` and ``message_id``)."""
    return {**k.MESSAGE.key(phone=record["to"], message_id=record["message_id"]), **to_item(record)}


def control_key(job: CampaignJob) -> tuple[str, str]:
    """The item whose status must not be "cancelled" when the job's message goes out."""
    return (job.control[0], job.control[1]) if job.control else k.campaign_control(job.campaign_id)


class SendingStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def claim_campaign_send(
        self, phone: str, list_id: str, message_id: str, created_at: str, cap: Op | None, pending: Op | None = None
    ) -> CampaignClaim:
        """One conditional write on the subscription item itself: it is still active and carries no send
        mark for this message id; the mark is added by the same write (``send_mark_update``).

        Alone, a single-item ``UpdateItem`` (1 WRU while the item is under 1 KB; the AudienceIndex is
        keys-only and its keys do not change, so no index write). The pending record (``pending_put``)
        and, when a cap applies, the conditional update of the number's cap record join it in one
        ``TransactWriteItems``: still one request."""
        ddb = client("dynamodb")
        update = {
            "TableName": self.table.name,
            "Key": k.SUBSCRIPTION.key(phone=phone, list_id=list_id),
            **send_mark_update(message_id, created_at),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if cap is None and pending is None:
            try:
                ddb.update_item(**update)
            except ddb.exceptions.ConditionalCheckFailedException as exc:
                item = exc.response.get("Item")
                return _refused(from_item(item) if item else None)
            return CampaignClaim.CLAIMED
        ops = [op for op in (cap, pending) if op is not None]
        failed = {f.name: f for f in Transaction().add(Op("claim", {"Update": update}), *ops).attempt()}
        if "claim" in failed:
            return _refused(failed["claim"].item)
        if failed:
            return CampaignClaim.CAP_RACE
        return CampaignClaim.CLAIMED

    def note_deferral(self, phone: str, list_id: str, schedule_name: str, ttl: int) -> bool:
        """Before a deferred campaign message becomes a schedule (which holds the number): note the
        schedule under the number, so that erasure finds and deletes it — only while the subscription
        is still active (else ``False``: no schedule for a number that stopped or was erased)."""
        active = {
            "ConditionCheck": {
                "TableName": self.table.name,
                "Key": k.SUBSCRIPTION.key(phone=phone, list_id=list_id),
                "ConditionExpression": "#s = :active",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":active": {"S": "active"}},
            }
        }
        note = self.table.put({**k.DEFERRAL.plain(phone=phone, schedule=schedule_name), "ttl": ttl})
        return not Transaction().add(Op("active", active), Op("deferral", note)).attempt()

    def release_campaign_send(self, phone: str, list_id: str, message_id: str, created_at: str) -> None:
        """Undo a claim after the provider refused the message (transiently), so that a retry may send it.
        The mark and the pending record go together: a pending record left alone would be resent by the
        reconciler while SQS retries the message."""
        name, digest = send_mark(message_id, created_at)
        release = {
            "TableName": self.table.name,
            "Key": k.SUBSCRIPTION.key(phone=phone, list_id=list_id),
            "UpdateExpression": "DELETE #m :d",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": {"#m": name},
            "ExpressionAttributeValues": {":d": {"SS": [digest]}},
        }
        Transaction().add(Op("release", {"Update": release}), self._pending_delete(phone, message_id)).commit()

    def pending_put(self, message: OutboundMessage, claimed_at: str, ttl: int) -> Op:
        """ "Claimed, provider outcome unknown", to join the claim's own write (``claim_*``): the message
        to resend, findable by claim time in PendingIndex (shard by message id). ``ttl`` only bounds
        an item no reconciler ever resolves (days beyond its safe delay)."""
        shard = k.shard(message.message_id, k.PENDING_SHARDS)
        data = {
            **k.PENDING.plain(phone=message.to, message_id=message.message_id),
            "pend_pk": k.pending_partition(shard),
            "pend_at": claimed_at,
            "message": message.model_dump_json(),
            "ttl": ttl,
        }
        return Op("pending", self.table.put(data))

    def _pending_delete(self, phone: str, message_id: str) -> Op:
        key = k.PENDING.key(phone=phone, message_id=message_id)
        return Op("pending_clear", {"Delete": {"TableName": self.table.name, "Key": key}})

    def due_pending(self, shard: int, before: str) -> Iterable[dict[str, Any]]:
        """Pending records of one shard claimed before ``before`` (oldest first): one Query a page."""
        pages = (
            client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=self.table.name,
                IndexName=k.PENDING_INDEX,
                KeyConditionExpression="pend_pk = :p AND pend_at < :before",
                ExpressionAttributeValues={":p": {"S": k.pending_partition(shard)}, ":before": {"S": before}},
            )
        )
        for page in pages:
            for raw in page.get("Items", []):
                yield from_item(raw)

    def settle_pending(self, phone: str, message_id: str, record: dict[str, Any], stats: Op | None) -> bool:
        """Resolve a pending record once: delete it (only if still there), write the message's record and
        count it, all or nothing. ``False``: someone else resolved it first (nothing written)."""
        delete = self._pending_delete(phone, message_id)
        delete.request["Delete"]["ConditionExpression"] = "attribute_exists(pk)"
        put = Op("record", {"Put": {"TableName": self.table.name, "Item": message_item(record)}})
        ops = [delete, put] + ([stats] if stats is not None else [])
        return not Transaction().add(*ops).attempt()

    def open_controls(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        """For each campaign (or trigger) control item: may messages still go out (exists and not
        cancelled)? One strongly consistent ``BatchGetItem`` for all of them."""
        wanted = list(dict.fromkeys(keys))
        found = self.table.batch_get([{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in wanted])
        return {key: key in found and found[key].get("status") != "cancelled" for key in wanted}

    def cap_state(self, phone: str) -> dict[str, Any] | None:
        return self.table.batch_get([k.CAP.key(phone=phone)]).get(k.CAP.pair(phone=phone))

    def cap_put(self, phone: str, sent: list[str], ttl: int, previous: dict[str, Any] | None) -> Op:
        version = int(previous.get("version", 0)) if previous else None
        data = {**k.CAP.plain(phone=phone), "sent": sent, "ttl": ttl, "version": (version or 0) + 1}
        return Op("frequency_cap", self.table.versioned_put(data, version))

    def record_sent(self, records: list[dict[str, Any]], settled: Iterable[tuple[str, str]] = ()) -> None:
        """Add provider message ids to sent-message records, and delete the pending records of the
        messages whose provider outcome is now known ((phone, message id)): one BatchWriteItem per 25
        writes of either kind."""
        ddb = client("dynamodb")
        writes = [{"PutRequest": {"Item": message_item(r)}} for r in records] + [
            {"DeleteRequest": {"Key": k.PENDING.key(phone=phone, message_id=mid)}} for phone, mid in settled
        ]
        for start in range(0, len(writes), 25):
            request: dict[str, Any] = {self.table.name: writes[start : start + 25]}
            while request:
                request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    def claim_message(
        self, record: dict[str, Any], guard: SubscriptionGuard | None, pending: Op | None = None
    ) -> Claim:
        """Record a message as being sent, in one request, and only if its guard still holds.

        Alone this is one conditional ``PutItem``; with a guard (a ``ConditionCheck`` on the
        subscription) or a pending record (``pending_put``) it is one ``TransactWriteItems`` — still a
        single request. A resend is checked against the id the subscription expects: the original's.
        """
        ddb = client("dynamodb")
        put = {
            "TableName": self.table.name,
            "Item": message_item(record),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        expected = (record.get("resend") or {}).get("of") or record["message_id"]
        if guard is None and pending is not None:
            duplicate = Transaction().add(Op("message", {"Put": put}), pending).attempt()
            return Claim(ClaimOutcome.DUPLICATE if duplicate else ClaimOutcome.CLAIMED)
        if guard is None:
            try:
                ddb.put_item(**put)
            except ddb.exceptions.ConditionalCheckFailedException:
                return Claim(ClaimOutcome.DUPLICATE)
            return Claim(ClaimOutcome.CLAIMED)
        check = {
            "TableName": self.table.name,
            "Key": k.SUBSCRIPTION.key(phone=guard.phone, list_id=guard.list_id),
            "ConditionExpression": "#status = :status AND expected_message_id = :mid",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":status": {"S": guard.status}, ":mid": {"S": expected}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        tx = Transaction().add(Op("guard", {"ConditionCheck": check}), Op("message", {"Put": put}))
        if pending is not None:
            tx.add(pending)
        failed = {f.name: f for f in tx.attempt()}
        if "message" in failed:
            return Claim(ClaimOutcome.DUPLICATE)
        if "guard" in failed:
            return Claim(ClaimOutcome.GUARD_FAILED, failed["guard"].item)
        return Claim(ClaimOutcome.CLAIMED)

    def release_message(self, phone: str, message_id: str) -> None:
        """Undo a claim after the provider refused the message, so that a retry may send it: the claim
        and its pending record together (see ``release_campaign_send``)."""
        key = k.MESSAGE.key(phone=phone, message_id=message_id)
        claim = Op("release", {"Delete": {"TableName": self.table.name, "Key": key}})
        Transaction().add(claim, self._pending_delete(phone, message_id)).commit()
