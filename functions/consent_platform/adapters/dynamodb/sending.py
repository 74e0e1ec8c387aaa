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
from . import pending
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
        self, phone: str, list_id: str, message_id: str, created_at: str, cap: Op | None
    ) -> CampaignClaim:
        """One conditional write on the subscription item itself: it is still active and carries no send
        mark for this message id; the mark is added by the same write (``send_mark_update``).

        A single-item ``UpdateItem`` (1 WRU while the item is under 1 KB; the AudienceIndex is keys-only
        and its keys do not change, so no index write). When a cap applies, the conditional update of the
        number's cap record joins it in one ``TransactWriteItems``: still one request. The attempt's
        pending record was written before (``pending.py``), not in this write."""
        ddb = client("dynamodb")
        update = {
            "TableName": self.table.name,
            "Key": k.SUBSCRIPTION.key(phone=phone, list_id=list_id),
            **send_mark_update(message_id, created_at),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if cap is None:
            try:
                ddb.update_item(**update)
            except ddb.exceptions.ConditionalCheckFailedException as exc:
                item = exc.response.get("Item")
                return _refused(from_item(item) if item else None)
            return CampaignClaim.CLAIMED
        failed = {f.name: f for f in Transaction().add(Op("claim", {"Update": update}), cap).attempt()}
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
        """Undo a claim after the provider refused the message (transiently), so that a retry may send it
        (the attempt's pending record goes with the batch's writes: an unclaimed one is never resent)."""
        name, digest = send_mark(message_id, created_at)
        client("dynamodb").update_item(
            TableName=self.table.name,
            Key=k.SUBSCRIPTION.key(phone=phone, list_id=list_id),
            UpdateExpression="DELETE #m :d",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#m": name},
            ExpressionAttributeValues={":d": {"SS": [digest]}},
        )

    def write_pending(self, items: list[dict[str, Any]]) -> None:
        """The pending records of a whole batch, before its claims: one ``BatchWriteItem`` per 25."""
        pending.batch_write(self.table.name, pending.put_requests(items))

    def claim_state(self, message: OutboundMessage) -> tuple[bool, dict[str, Any] | None]:
        """For the reconciler: is the message claimed (a campaign's send mark on its subscription; a
        single message's record) and its sent-message record — one strongly consistent BatchGetItem."""
        record_key = k.MESSAGE.key(phone=message.to, message_id=message.message_id)
        keys = [record_key]
        if message.campaign is not None and message.list_id:
            keys.append(k.SUBSCRIPTION.key(phone=message.to, list_id=message.list_id))
        found = self.table.batch_get(keys)
        record = found.get(k.MESSAGE.pair(phone=message.to, message_id=message.message_id))
        if message.campaign is None:
            return record is not None, record
        subscription = found.get(k.SUBSCRIPTION.pair(phone=message.to, list_id=message.list_id or ""), {})
        name, digest = send_mark(message.message_id, message.created_at)
        return digest in (subscription.get(name) or set()), record

    def settle_pending(self, keys: list[tuple[str, str]], record: dict[str, Any] | None, stats: Op | None) -> bool:
        """Resolve a message's pending records once: delete them (only if still there), write the
        message's record and count it, all or nothing. ``False``: someone else resolved it first."""
        ops = [
            Op(
                f"pending:{i}",
                {
                    "Delete": {
                        "TableName": self.table.name,
                        "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            )
            for i, (pk, sk) in enumerate(keys)
        ]
        if record is not None:
            ops.append(Op("record", {"Put": {"TableName": self.table.name, "Item": message_item(record)}}))
        ops += [stats] if stats is not None else []
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
        """Add provider message ids to sent-message records, and delete the pending records (pk, sk) of
        the attempts whose outcome is now known: one BatchWriteItem per 25 writes of either kind."""
        writes = [{"PutRequest": {"Item": message_item(r)}} for r in records] + pending.delete_requests(settled)
        pending.batch_write(self.table.name, writes)

    def claim_message(self, record: dict[str, Any], guard: SubscriptionGuard | None) -> Claim:
        """Record a message as being sent, in one request, and only if its guard still holds.

        Alone this is one conditional ``PutItem``; with a guard (a ``ConditionCheck`` on the
        subscription) one ``TransactWriteItems``. The record names the attempt's pending record
        (``pending_sk``), so the reconciler knows which attempt claimed it. A resend is checked against
        the id the subscription expects: the original's.
        """
        ddb = client("dynamodb")
        put = {
            "TableName": self.table.name,
            "Item": message_item(record),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        expected = (record.get("resend") or {}).get("of") or record["message_id"]
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
        failed = {f.name: f for f in tx.attempt()}
        if "message" in failed:
            return Claim(ClaimOutcome.DUPLICATE)
        if "guard" in failed:
            return Claim(ClaimOutcome.GUARD_FAILED, failed["guard"].item)
        return Claim(ClaimOutcome.CLAIMED)

    def release_message(self, phone: str, message_id: str) -> None:
        """Undo a claim after the provider refused the message, so that a retry may send it."""
        key = k.MESSAGE.key(phone=phone, message_id=message_id)
        client("dynamodb").delete_item(TableName=self.table.name, Key=key)
