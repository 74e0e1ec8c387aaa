"""The delivery-receipt use case: apply each End User Messaging event to its message once, in order,
and turn the batch's final outcomes into campaign statistics, bus events and metrics.

Per event one conditional UpdateItem (``DeliveryStore.apply``); per batch one counter update per campaign
and one PutEvents (one event per kind, ``per_kind``) — about 1.2 AWS requests per receipt in a batch of 10.

What the worker trusts: the topic only takes events from End User Messaging of this account, and the
number it writes under is the provider's ``destinationPhoneNumber`` — the number the message really went
to. ``context`` is whatever the caller of SendTextMessage put there, so it only names the message *under
that number*, and it counts for a campaign only when the message id is the one that campaign sends to that
number (``campaign_message_id``): a forged context cannot touch another number's records, nor count for a
campaign more than once per number it was really sent to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ..adapters.dynamodb.campaigns import CampaignStore
from ..adapters.dynamodb.deliveries import DeliveryStore
from ..adapters.events import EventPublisher
from ..domain.clock import parse_iso
from ..domain.delivery_status import Receipt, StatusClass, event_detail
from ..domain.messages import campaign_message_id, original_id
from ..domain.phone import mask_phone


class Applied(StrEnum):
    """What one receipt did (the handler names its metric after it)."""

    PROGRESS = "progress"  # a first or later non-final report: stored, nothing counted
    DELIVERED = "delivered"
    FAILED = "failed"  # undeliverable for now or for good (permanent / temporary)
    BLOCKED = "blocked"  # blocked or filtered: content or registration, not the number
    REPEATED = "repeated"  # a duplicate, or older than what is stored: changed nothing


_APPLIED_FOR = {
    StatusClass.DELIVERED: Applied.DELIVERED,
    StatusClass.PERMANENT: Applied.FAILED,
    StatusClass.TEMPORARY: Applied.FAILED,
    StatusClass.BLOCKED: Applied.BLOCKED,
}


# The undeliverable-number policy (``services/undeliverable.note_receipt`` bound to the stores):
# (phone, class, reason, at) → whether the number became undeliverable.
UndeliverablePolicy = Callable[[str, str, str, datetime], bool]


@dataclass
class _Batch:
    stats: dict[str, Counter[str]] = field(default_factory=dict)  # campaign → counters
    events: list[dict[str, Any]] = field(default_factory=list)
    marked: int = 0  # numbers the undeliverable policy marked
    policy_failures: int = 0


class ReceiptService:
    def __init__(
        self,
        deliveries: DeliveryStore,
        campaigns: CampaignStore,
        events: EventPublisher | None,
        record_days: int,
        undeliverable: UndeliverablePolicy | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.campaigns = campaigns
        self.events = events
        self.record_days = record_days
        self.undeliverable = undeliverable
        self.batch = _Batch()

    def apply(self, receipt: Receipt, now: datetime) -> Applied:
        ttl = int((now + timedelta(days=self.record_days)).timestamp())
        before = self.deliveries.apply(receipt, ttl)
        if before is None:
            return Applied.REPEATED
        if not receipt.final:
            return Applied.PROGRESS
        # The first final report of this message (the condition lets exactly one through).
        price = receipt.price_micro_usd or int(before.get("price_micro_usd", 0))
        self._count(receipt, price)
        self.batch.events.append(
            {
                "detail_type": "Message.Delivered" if receipt.klass is StatusClass.DELIVERED else "Message.Failed",
                "detail": event_detail(receipt),
            }
        )
        self.on_final(receipt.phone, receipt.klass, receipt.reason, receipt.at)
        return _APPLIED_FOR[receipt.klass]

    def on_final(self, phone: str, klass: StatusClass, reason: str | None, at: str) -> None:
        """Where a number's final outcome is known, once per message (never for a repeat): the
        undeliverable-number policy decides whether the number is dead. It runs after the receipt is
        stored, so a temporary failure's history Query already sees it. A redelivered receipt is a
        repeat and would not reach here again, so a failure is not raised into an SQS retry: it fails
        the batch's effects (logged, ``DeliveryEffectsFailed``), like the counters; the next final
        failure of the number decides again from the whole history."""
        if self.undeliverable is None:
            return
        try:
            if self.undeliverable(phone, klass.value, reason or "", parse_iso(at)):
                self.batch.marked += 1
        except Exception:
            self.batch.policy_failures += 1

    def _count(self, receipt: Receipt, price_micro_usd: int) -> None:
        campaign_id = receipt.campaign_id
        # A resend (reconciler) counts as the message it repeats: at most one of the two was accepted.
        if not campaign_id or campaign_message_id(campaign_id, receipt.phone) != original_id(receipt.message_id):
            return  # not a campaign message, or a context that does not belong to this number
        counts = self.batch.stats.setdefault(campaign_id, Counter())
        if receipt.klass is StatusClass.DELIVERED:
            counts["delivered"] += 1
            if receipt.variant:  # the experiment group the sender named in the context (issue 19)
                counts[f"variant#{receipt.variant}#delivered"] += 1
        else:
            counts[f"undelivered_{receipt.reason}"] += 1
            if receipt.klass is StatusClass.BLOCKED:
                counts["blocked"] += 1
        counts["price_micro_usd"] += price_micro_usd

    def finish(self, shard: int, logger: Any = None) -> bool:
        """Write the batch's counters (one update per campaign) and bus events. ``False`` when that failed:
        the receipts themselves are stored, and a redelivered receipt no longer counts (it is a repeat),
        so the handler does not fail the batch — it logs and raises the ``DeliveryEffectsFailed`` metric."""
        batch, self.batch = self.batch, _Batch()
        ok = batch.policy_failures == 0
        if logger is not None and (batch.marked or batch.policy_failures):
            report = logger.error if batch.policy_failures else logger.info
            report("undeliverable numbers", extra={"marked": batch.marked, "policy_failed": batch.policy_failures})
        for index, (campaign_id, counts) in enumerate(batch.stats.items()):
            try:
                self.campaigns.add_campaign_stats(campaign_id, dict(counts), shard=shard + index)
            except Exception:  # one campaign's failure must not stop the others
                ok = False
                _log(logger, "campaign delivery stats not written", {"campaign_id": campaign_id, **counts})
        if batch.events and self.events is not None:
            try:
                self.events.publish(per_kind(batch.events))
            except Exception:  # the receipts are stored; see the docstring
                ok = False
                _log(logger, "delivery bus events not published", {"events": len(batch.events)})
        return ok


def per_kind(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One bus event per kind per batch, ``{"messages": [...]}``: EventBridge bills every event, so one per
    receipt would cost more than the rest of the receipt's processing ($1 per million; a batch of ten
    costs $0.10-0.20 per million receipts). Rules still match a message inside (``detail.messages.reason``)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        grouped.setdefault(event["detail_type"], []).append(event["detail"])
    return [{"detail_type": kind, "detail": {"messages": details}} for kind, details in grouped.items()]


def _log(logger: Any, text: str, extra: dict[str, Any]) -> None:
    if logger is not None:
        logger.exception(text, extra=extra)


def describe(receipt: Receipt) -> dict[str, Any]:
    """Log fields of a receipt: the number masked (invariant 9)."""
    return {
        "message_id": receipt.message_id,
        "to": mask_phone(receipt.phone),
        "provider_status": receipt.provider_status,
        "final": receipt.final,
    }
