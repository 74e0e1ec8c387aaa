"""Resolve claims whose provider outcome stayed unknown (the call timed out or failed with a 5xx, or
the sender died between the claim and the answer): sending becomes effectively-once.

Pending records are written before each attempt's claim (adapters/dynamodb/pending.py), so one is
resolved only if its attempt did claim the message and its outcome stayed unknown: for a campaign
message, the subscription carries its send mark and no sent-message record was written; for a single
message, its record names this attempt (``pending_sk``). Anything else (never claimed, claimed by
another attempt, outcome known) is only deleted, never resent. A message is looked at once every
attempt at it is older than ``SAFE_DELAY`` (a younger one may still be in flight), and its records are
read again right before, so an attempt starting meanwhile is seen.

For a claim whose outcome is unknown: a delivery receipt for its ``message_id`` (any
status) proves the provider accepted it → it counts as sent. No receipt → it was not accepted: it is
queued again ONCE (a derived id, ``<id>~r``, so that queueing it twice still sends it once) and the
sender decides, with its usual checks (consent, window, caps, cancellation), whether it still goes
out; a resend whose own outcome stays unknown is never resent, it is recorded as not sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ..adapters.dynamodb import keys as k
from ..adapters.dynamodb import pending
from ..adapters.dynamodb.stores import Stores
from ..adapters.dynamodb.table import Op
from ..domain.clock import iso
from ..domain.messages import OutboundMessage, resend_of
from ..domain.phone import mask_phone

# How old a pending record must be before its missing receipt means "not accepted". It must outlast:
# - the sender: its Lambda timeout is 30 s (template) and the provider client's read timeout 10 s, so no
#   call of a claim can still be in flight 30 s after it;
# - the receipt: End User Messaging publishes an event as soon as it accepts a message (TEXT_PENDING /
#   TEXT_QUEUED / TEXT_SUCCESSFUL within seconds; any status counts), SNS delivers it to the delivery
#   queue in seconds, and a delivery worker failing repeatedly holds it for at most 5 receives ×
#   60 s visibility = 5 min before it is dead-lettered;
# - the outbound queue: a redelivery of the original (visibility 180 s) finds the claim and is dropped
#   as a duplicate, so it never races the resend.
# 15 min is three times the longest of these; the reconciler runs every 5 min, so an unanswered
# message is resolved 15-20 min after its claim.
SAFE_DELAY = timedelta(minutes=15)


class Resolution(StrEnum):
    DROPPED = "dropped"  # no claim of unknown outcome behind it: the pending records are deleted
    CONFIRMED = "confirmed"  # a receipt came: the provider had accepted it
    RESENT = "resent"  # no receipt: queued once more for the sender's checks
    NOT_SENT = "not_sent"  # no receipt and no resend left (or no receipts to expect)


@dataclass
class Report:
    confirmed: int = 0
    resent: int = 0
    not_sent: int = 0
    dropped: int = 0
    raced: int = 0  # resolved by another run in between
    more: bool = False  # out of time: the next run goes on

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Reconciler:
    def __init__(
        self,
        stores: Stores,
        receipt: Callable[[str, str], dict[str, Any] | None],
        requeue: Callable[[OutboundMessage], None],
        *,
        receipts_expected: bool,
        record_days: int,
    ) -> None:
        self.stores = stores
        self.sending = stores.sending
        self.receipt = receipt  # (phone, message id) → the delivery status item, or None
        self.requeue = requeue
        # SNS reports no per-message events: without receipts a missing one proves nothing, so the
        # message is not resent (at most once, as before) but recorded as unconfirmed.
        self.receipts_expected = receipts_expected
        self.record_days = record_days

    def run(self, now: datetime, out_of_time: Callable[[], bool], logger: Any = None) -> Report:
        report = Report()
        before = iso(now - SAFE_DELAY)
        for shard in range(k.PENDING_SHARDS):
            for group in _by_message(pending.shard_records(self.stores.table.name, shard)):
                if max(i["pend_at"] for i in group) >= before:
                    continue  # an attempt may still be in flight
                if out_of_time():
                    report.more = True
                    return report
                resolution = self.resolve(group[0], now, logger)
                if resolution is None:
                    report.raced += 1
                else:
                    setattr(report, resolution.value, getattr(report, resolution.value) + 1)
        return report

    def resolve(self, item: dict[str, Any], now: datetime, logger: Any = None) -> Resolution | None:
        """The message of one pending record, resolved once from all its attempts' records (``None``:
        another run resolved it first, or an attempt started meanwhile)."""
        message = OutboundMessage.model_validate_json(item["message"])
        claimed, record = self.sending.claim_state(message)
        # Read after the claim: an attempt claims only after writing its record, so one that claimed
        # after the read above shows here (and then is left alone, as still in flight).
        attempts = pending.message_records(self.stores.table.name, message.message_id)
        keys = [(a["pk"], a["sk"]) for a in attempts]
        if not attempts or max(a["pend_at"] for a in attempts) >= iso(now - SAFE_DELAY):
            return None
        claimer = _claimer(message, claimed, record, attempts)
        if claimer is None:
            return Resolution.DROPPED if self.sending.settle_pending(keys, None, None) else None
        receipt = self.receipt(message.to, message.message_id)
        if receipt is not None:
            resolution, stat = Resolution.CONFIRMED, "sent"
            outcome = {"outcome": "sent", "receipt_status": receipt.get("status"), "confirmed_by": "receipt"}
        elif message.resend is not None or not self.receipts_expected:
            resolution, stat = Resolution.NOT_SENT, "failed"
            reason = "no_receipt_after_resend" if message.resend is not None else "provider_sends_no_receipts"
            outcome = {"outcome": "not_sent", "reason": reason}
        else:
            resend = resend_of(message, claimer["pend_at"])
            self.requeue(resend)  # first: a crash before the settle below only queues the same id again
            resolution, stat = Resolution.RESENT, None
            outcome = {"outcome": "resent", "resend_id": resend.message_id}
        settled = {**self._record(message, claimer["pend_at"], now), **outcome}
        if not self.sending.settle_pending(keys, settled, self._stats(message, stat)):
            return None
        if logger is not None:
            log = {"message_id": message.message_id, "to": mask_phone(message.to), "resolution": resolution.value}
            logger.info("unknown provider outcome resolved", extra={**log, **outcome})
        return resolution

    def _record(self, message: OutboundMessage, claimed_at: str, now: datetime) -> dict[str, Any]:
        record = {
            **message.model_dump(mode="json", exclude={"guard", "campaign"}),
            "claimed_at": claimed_at,
            "reconciled_at": iso(now),
            "ttl": int((now + timedelta(days=self.record_days)).timestamp()),
        }
        if message.campaign is not None:
            record["campaign_id"] = message.campaign.campaign_id
        return record

    def _stats(self, message: OutboundMessage, stat: str | None) -> Op | None:
        """The campaign counter the sender never wrote for this message (it counts no unknown outcome)."""
        job = message.campaign
        if stat is None or job is None or not job.count_stats:
            return None
        shard = k.shard(message.message_id, k.STATS_SHARDS)
        key = k.CAMPAIGN_STATS.key(campaign_id=job.campaign_id, shard=shard)
        return Op("campaign_stats", self.stores.table.add_counts(key, {stat: 1}))


def _by_message(items: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A shard's pending records, grouped by message (the sort key starts with the message id)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(OutboundMessage.model_validate_json(item["message"]).message_id, []).append(item)
    return list(groups.values())


def _claimer(
    message: OutboundMessage, claimed: bool, record: dict[str, Any] | None, attempts: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The attempt whose claim's outcome is unknown, or ``None`` (nothing to resolve: only delete).

    Single message: its record is the claim and names the attempt that wrote it. Campaign message: the
    send mark is the claim; an attempt that learnt the outcome wrote the sent-message record (or gave
    the mark back), so a mark without a record is the claim of an attempt whose record is still here
    (the oldest is taken: more than one is left only when attempts died)."""
    if message.campaign is None:
        sk = (record or {}).get("pending_sk")
        return next((a for a in attempts if a["sk"] == sk), None)
    if not claimed or record is not None:
        return None
    return min(attempts, key=lambda a: a["pend_at"])
