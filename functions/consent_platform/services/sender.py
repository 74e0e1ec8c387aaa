"""The sender use case: deliver one queued SMS at most once, and only while it is still wanted."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ..adapters.repository import ClaimOutcome, ConsentRepository
from ..adapters.sms import SmsProvider
from ..domain.clock import iso, parse_iso
from ..domain.messages import OutboundMessage
from ..domain.phone import mask_phone

# A guarded message is queued just before its subscription is written. If the sender sees the
# subscription older than the message, the write may simply not have landed yet: retry for this long,
# then treat the message as orphaned (the write failed and the caller got an error). Must stay below
# the queue's maxReceiveCount × VisibilityTimeout (5 × 60 s) so orphans are dropped, not dead-lettered.
ORPHAN_AFTER = timedelta(minutes=4)


class Delivery(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"
    ORPHANED = "orphaned"


class NotYetVisible(Exception):
    """The state this message depends on is not written yet; let SQS deliver the message again."""


class SenderService:
    def __init__(self, repo: ConsentRepository, provider: SmsProvider, record_days: int) -> None:
        self.repo = repo
        self.provider = provider
        self.record_days = record_days

    def deliver(self, message: OutboundMessage, now: datetime, logger: Any = None) -> Delivery:
        record = {
            **message.model_dump(mode="json", exclude={"guard"}),
            "provider": self.provider.name,
            "claimed_at": iso(now),
            "ttl": int((now + timedelta(days=self.record_days)).timestamp()),
        }
        claim = self.repo.claim_message(record, message.guard)
        log = {"message_id": message.message_id, "to": mask_phone(message.to), "kind": message.kind}
        if claim.outcome == ClaimOutcome.DUPLICATE:
            _info(logger, "duplicate delivery skipped", log)
            return Delivery.DUPLICATE
        if claim.outcome == ClaimOutcome.GUARD_FAILED:
            current = claim.subscription or {}
            if current.get("updated_at", "") >= message.created_at:
                _info(logger, "superseded message dropped", {**log, "status": current.get("status")})
                return Delivery.SUPERSEDED
            if now - parse_iso(message.created_at) < ORPHAN_AFTER:
                raise NotYetVisible(f"subscription for message {message.message_id} not written yet")
            _info(logger, "orphaned message dropped", log)
            return Delivery.ORPHANED
        try:
            provider_id = self.provider.send(message)
        except Exception:
            # Give the claim back so the retry SQS makes can send it; nothing went out.
            self.repo.release_message(message.message_id)
            raise
        _info(
            logger,
            "sms sent",
            {
                **log,
                "provider": self.provider.name,
                "provider_message_id": provider_id,
                "encoding": message.encoding,
                "segments": message.segments,
            },
        )
        return Delivery.SENT


def _info(logger: Any, text: str, extra: dict[str, Any]) -> None:
    if logger is not None:
        logger.info(text, extra=extra)
