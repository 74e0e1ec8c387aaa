"""The sender use case: deliver one queued SMS at most once, and only while it is still wanted.

Each attempt is preceded by a pending record ("this attempt may claim it, outcome unknown"), written for
the whole batch in one request before the claims (adapters/dynamodb/pending.py); once the outcome is
known the batch's record write deletes it. A failure that proves nothing was accepted gives the claim
back for SQS to retry; one that may have been accepted (timeout, 5xx, the function dying) leaves the
pending record for the reconciler (services/reconciler.py), which resolves it from the delivery receipt."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ..adapters.aws import CONNECT_TIMEOUT_S, READ_TIMEOUT_S
from ..adapters.dynamodb.pending import pending_item
from ..adapters.dynamodb.sending import CampaignClaim, ClaimOutcome, control_key
from ..adapters.dynamodb.stores import Stores
from ..adapters.dynamodb.table import Op
from ..adapters.provider_errors import Failure, classify, is_throttling
from ..adapters.sms import DestinationOptedOut, SmsProvider
from ..domain.clock import iso, parse_iso
from ..domain.messages import CampaignJob, OutboundMessage
from ..domain.phone import mask_phone
from ..domain.planner import rule_by_code
from ..domain.quiet_hours import is_allowed, next_allowed_time

# A guarded message is queued just before its subscription is written. If the sender sees the
# subscription older than the message, the write may simply not have landed yet: retry for this long,
# then treat the message as orphaned (the write failed and the caller got an error). Must stay below
# the queue's maxReceiveCount × VisibilityTimeout (5 × 180 s) so orphans are dropped, not dead-lettered.
ORPHAN_AFTER = timedelta(minutes=4)

# A campaign's (or trigger's) status is read once per batch, strongly consistent, and read again before a
# claim once the last read is this old: a cancel stops every claim made more than this after it commits
# (with the check inside each claim, a message claimed just before the cancel could still go out too).
# The reads are paid per second of sending, not per message: at ~66 ms a send (15 a second per sender),
# 1 s cost 0.067 requests per message, 5 s costs 0.013 — and a cancel 5 s late is still seconds, against
# the minutes a campaign takes to go out.
CONTROL_MAX_AGE_S = 5.0

# A message the provider still throttled after the in-call retries comes back this much later.
THROTTLED_DELAY_S = 2

# The handler stops taking a batch's messages once less than one send's worst case is left: a claim, then
# the provider call's connect + read timeouts (functions/sender/app.py puts the rest back).
DEADLINE_MARGIN_MS = (CONNECT_TIMEOUT_S + READ_TIMEOUT_S + 2) * 1000

# A pending record the reconciler never resolved (it runs every few minutes) is dropped after this.
PENDING_KEPT = timedelta(days=7)


class Delivery(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"
    ORPHANED = "orphaned"
    # campaign messages
    DEFERRED = "deferred"
    FAILED = "failed"
    OPTED_OUT = "opted_out"
    FREQUENCY_CAP = "frequency_cap"
    CANCELLED = "cancelled"
    # any message: the provider refused the number because it opted out there (permanent)
    DESTINATION_OPTED_OUT = "destination_opted_out"
    # any message: the call failed after the request may have reached the provider; the reconciler
    # decides from the delivery receipt (not counted in campaign stats until then)
    UNKNOWN = "unknown"
    # any message: not sent yet, put back on the queue for later (over the identity's rate)
    PACED = "paced"


# Outcomes that mean "not sent, and never will be" for this message.
NOT_SENT = frozenset(
    {
        Delivery.SUPERSEDED,
        Delivery.ORPHANED,
        Delivery.OPTED_OUT,
        Delivery.FREQUENCY_CAP,
        Delivery.CANCELLED,
    }
)

# Campaign statistics keys per outcome (GET /v1/admin/campaigns/{id} → stats).
STAT_FOR = {
    Delivery.SENT: "sent",
    Delivery.DEFERRED: "deferred",
    Delivery.FAILED: "failed",
    Delivery.OPTED_OUT: "skipped_opted_out",
    Delivery.FREQUENCY_CAP: "skipped_frequency_cap",
    Delivery.DUPLICATE: "skipped_duplicate",
    Delivery.CANCELLED: "skipped_cancelled",
    Delivery.DESTINATION_OPTED_OUT: "skipped_opted_out",
}


class NotYetVisible(Exception):
    """The state this message depends on is not written yet; let SQS deliver the message again."""


class SenderService:
    def __init__(
        self,
        stores: Stores,
        provider: SmsProvider,
        record_days: int,
        defer: Callable[[OutboundMessage, datetime], bool] | None = None,
        requeue: Callable[[Sequence[tuple[OutboundMessage, int]]], None] | None = None,
    ) -> None:
        self.stores = stores
        self.sending = stores.sending
        self.provider = provider
        self.record_days = record_days
        self.defer = defer  # puts a campaign message back for later (a one-time schedule)
        self.requeue = requeue  # puts messages back on the queue, each with a delay (pacing)
        self.sent_records: list[dict[str, Any]] = []
        self.attempts: dict[str, dict[str, Any]] = {}  # message id → this batch's pending record
        self.unknown: set[str] = set()  # message ids claimed here whose outcome is not known (yet)
        self.controls: dict[tuple[str, str], tuple[bool, float]] = {}  # control item → (open, read at)

    def begin_batch(self, messages: Iterable[OutboundMessage], now: datetime) -> None:
        """The pending records of a whole batch, before any claim: one ``BatchWriteItem`` (per 25)."""
        ttl = int((now + PENDING_KEPT).timestamp())
        items = {m.message_id: pending_item(m, iso(now), ttl) for m in messages}
        if items:
            self.sending.write_pending(list(items.values()))
        self.attempts.update(items)

    def _attempt(self, message: OutboundMessage, now: datetime) -> dict[str, Any]:
        """This attempt's pending record (written now if the batch did not: a message delivered alone)."""
        if message.message_id not in self.attempts:
            self.begin_batch([message], now)
        return self.attempts[message.message_id]

    def deliver(self, message: OutboundMessage, now: datetime, logger: Any = None) -> Delivery:
        if message.campaign is not None:
            outcome = self._deliver_campaign(message, message.campaign, now, logger)
        else:
            outcome = self._deliver_single(message, now, logger)
        if message.resend is not None and outcome in NOT_SENT:
            # The reconciler's resend, no longer allowed: its record says why nothing went out.
            record = {**message.model_dump(mode="json", exclude={"guard", "campaign"}), "outcome": "not_sent"}
            ttl = int((now + timedelta(days=self.record_days)).timestamp())
            self.sent_records.append({**record, "reason": outcome.value, "claimed_at": iso(now), "ttl": ttl})
        return outcome

    def _deliver_single(self, message: OutboundMessage, now: datetime, logger: Any) -> Delivery:
        record = {
            **message.model_dump(mode="json", exclude={"guard"}),
            "provider": self.provider.name,
            "claimed_at": iso(now),
            "ttl": int((now + timedelta(days=self.record_days)).timestamp()),
            "pending_sk": self._attempt(message, now)["sk"],  # which attempt claimed it (the reconciler asks)
        }
        self.unknown.add(message.message_id)  # from before the call: a claim that errors may still be made
        claim = self.sending.claim_message(record, message.guard)
        if claim.outcome != ClaimOutcome.CLAIMED:
            self.unknown.discard(message.message_id)
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
        provider_id = self._call(
            message, record, lambda: self.sending.release_message(message.to, message.message_id), log, logger
        )
        if isinstance(provider_id, Delivery):
            return provider_id
        self.unknown.discard(message.message_id)
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

    def prefetch_controls(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read the control items (campaign META, or a trigger record) of a whole batch at its start:
        one strongly consistent ``BatchGetItem`` instead of a condition in every message's claim."""
        read_at = time.monotonic()
        self.controls = {key: (is_open, read_at) for key, is_open in self.sending.open_controls(keys).items()}

    def _control_open(self, key: tuple[str, str]) -> bool:
        """Cancellation check: the batch's read, or a fresh one once that is CONTROL_MAX_AGE old."""
        known = self.controls.get(key)
        if known is None or time.monotonic() - known[1] > CONTROL_MAX_AGE_S:
            read_at = time.monotonic()
            known = (self.sending.open_controls([key])[key], read_at)
            self.controls[key] = known
        return known[0]

    def _deliver_campaign(self, message: OutboundMessage, job: CampaignJob, now: datetime, logger: Any) -> Delivery:
        """Right before the provider call: window at the actual time, the campaign not cancelled (read at
        most CONTROL_MAX_AGE_S ago), then consent + dedupe (+ caps) in one conditional write, then send
        (PROMOTIONAL)."""
        log = {"message_id": message.message_id, "to": mask_phone(message.to), "campaign_id": job.campaign_id}
        rule = rule_by_code(job.rule)
        if not is_allowed(now, job.zones, rule):
            # The window closed (a big bucket, a retry, a redrive): send later, never drop, never now.
            return self._defer_to_window(message, next_allowed_time(now, job.zones, rule), log, logger)
        if not self._control_open(control_key(job)):
            _info(logger, "campaign message skipped: cancelled", log)
            return Delivery.CANCELLED
        replaced = message.resend.claimed_at if message.resend else None
        attempt = self._attempt(message, now)
        capped, cap_op = self._caps(message.to, job, now, replaced, attempt["pend_at"])
        if capped:
            _info(logger, "frequency cap reached", {**log, "cap": capped})
            return Delivery.FREQUENCY_CAP
        assert message.list_id is not None
        self.unknown.add(message.message_id)  # from before the call: a claim that errors may still be made
        claim = self.sending.claim_campaign_send(
            message.to, message.list_id, message.message_id, message.created_at, cap_op
        )
        if claim != CampaignClaim.CLAIMED:
            self.unknown.discard(message.message_id)
        if claim == CampaignClaim.CAP_RACE:
            raise NotYetVisible("the number's cap record changed concurrently; retry")
        if claim != CampaignClaim.CLAIMED:
            outcome = {CampaignClaim.OPTED_OUT: Delivery.OPTED_OUT, CampaignClaim.DUPLICATE: Delivery.DUPLICATE}[claim]
            _info(logger, f"campaign message skipped: {outcome.value}", log)
            return outcome
        record = {
            **message.model_dump(mode="json", exclude={"guard", "campaign"}),
            "campaign_id": job.campaign_id,
            "provider": self.provider.name,
            "claimed_at": iso(now),
            "ttl": int((now + timedelta(days=self.record_days)).timestamp()),
        }
        list_id = message.list_id
        provider_id = self._call(
            message,
            record,
            lambda: self.sending.release_campaign_send(message.to, list_id, message.message_id, message.created_at),
            log,
            logger,
        )
        if isinstance(provider_id, Delivery):
            return provider_id
        self.unknown.discard(message.message_id)
        # The sent-message record (audit: who, when, the provider's id), written with the batch's others.
        self.sent_records.append({**record, "provider_message_id": provider_id, "sent_at": iso(now)})
        # DEBUG, not INFO: the sent-message record holds the same fields, and the handler logs one line
        # per campaign per batch (a campaign to a million numbers would otherwise log ~0.6 GB).
        _debug(logger, "sms sent", {**log, "provider_message_id": provider_id, "segments": message.segments})
        return Delivery.SENT

    def _call(
        self,
        message: OutboundMessage,
        record: dict[str, Any],
        release: Callable[[], None],
        log: dict[str, Any],
        logger: Any,
    ) -> str | Delivery:
        """The provider call: its message id, or the outcome of a failure by what it proves
        (``adapters/provider_errors.py``). Not accepted and retryable → the claim is given back and the
        error re-raised (SQS retries). Not accepted, permanently → a campaign message fails for good (its
        claim stays); a single message is retried as before (its DLQ and alarm show it). Maybe
        accepted → nothing is given back and nothing retried: the pending record stays for the
        reconciler, and SQS deletes the message."""
        try:
            return self.provider.send(message)
        except DestinationOptedOut as exc:
            return self._opted_out_at_provider(record, str(exc), log, logger)
        except Exception as exc:
            failure = classify(exc)
            error = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
            if failure is Failure.PERMANENT and message.campaign is not None:
                _info(logger, "campaign message failed permanently", {**log, "error": error})
                self.sent_records.append({**record, "outcome": Delivery.FAILED.value, "reason": error})
                self.unknown.discard(message.message_id)
                return Delivery.FAILED
            if failure is Failure.UNKNOWN:
                _warning(logger, "provider outcome unknown: left to the reconciler", {**log, "error": error})
                return Delivery.UNKNOWN
            release()
            self.unknown.discard(message.message_id)  # given back: nothing to reconcile
            if is_throttling(exc) and self.requeue is not None:
                # Still over the identity's rate after the in-call retries: wait for it on the queue (a new
                # message, this one acknowledged), not in SQS's retries, which dead-letter after 5.
                self.requeue([(message.model_copy(update={"paced_at": None}), THROTTLED_DELAY_S)])
                _info(logger, "sms throttled: put back for later", {**log, "delay_s": THROTTLED_DELAY_S})
                return Delivery.PACED
            raise

    def _defer_to_window(self, message: OutboundMessage, when: datetime, log: dict[str, Any], logger: Any) -> Delivery:
        """Hold a campaign message until the recipient's window opens again at ``when``."""
        if self.defer is None:
            raise NotYetVisible("outside the recipient's window and no scheduler to defer with")
        if not self.defer(message, when):  # no longer subscribed (STOP, erasure): nothing to hold
            _info(logger, "campaign message skipped: opted_out", log)
            return Delivery.OPTED_OUT
        _info(logger, "campaign message deferred", {**log, "until": iso(when)})
        return Delivery.DEFERRED

    def _caps(
        self, to: str, job: CampaignJob, now: datetime, replaced: str | None, entry: str
    ) -> tuple[str | None, Op | None]:
        """The cap reached (``"<n>/<h>h"``), else the cap record's update to join the claim (or none).
        ``replaced``: a resend's original claim time, whose cap entry is this same message, not a send.
        ``entry``: this send's entry, its pending record's time (what a resend names as ``replaced``)."""
        if not job.caps:
            return None, None
        state = self.sending.cap_state(to)
        longest = max(hours for _, hours in job.caps)
        recent = [s for s in (state or {}).get("sent", []) if s > iso(now - timedelta(hours=longest))]
        if replaced in recent:
            recent.remove(replaced)
        for limit, hours in job.caps:
            if sum(1 for s in recent if s > iso(now - timedelta(hours=hours))) >= limit:
                return f"{limit}/{hours}h", None
        ttl = int((now + timedelta(hours=longest + 24)).timestamp())
        return None, self.sending.cap_put(to, [*recent, entry], ttl, state)

    def _opted_out_at_provider(self, record: dict[str, Any], reason: str, log: dict[str, Any], logger: Any) -> Delivery:
        """The provider's opt-out list has the number (e.g. it answered a STOP itself): a permanent outcome
        for every kind of message. The claim stays (a redelivery is a duplicate, never a resend) and the
        message's record says why nothing went out; the message is done, not retried or dead-lettered."""
        self.sent_records.append({**record, "outcome": Delivery.DESTINATION_OPTED_OUT.value, "reason": reason})
        self.unknown.discard(record["message_id"])
        _info(logger, "sms refused: destination opted out at the provider", {**log, "reason": reason})
        return Delivery.DESTINATION_OPTED_OUT

    def flush_records(self) -> None:
        """Provider message ids of this batch's sends, and the deletion of the pending records of every
        attempt whose outcome is known (all but the unknown ones), written together (``record_sent``)."""
        records, self.sent_records = self.sent_records, []
        settled = [(a["pk"], a["sk"]) for mid, a in self.attempts.items() if mid not in self.unknown]
        self.attempts, self.unknown = {}, set()
        if records or settled:
            self.sending.record_sent(records, settled)


def _info(logger: Any, text: str, extra: dict[str, Any]) -> None:
    if logger is not None:
        logger.info(text, extra=extra)


def _warning(logger: Any, text: str, extra: dict[str, Any]) -> None:
    if logger is not None:
        logger.warning(text, extra=extra)


def _debug(logger: Any, text: str, extra: dict[str, Any]) -> None:
    if logger is not None:
        logger.debug(text, extra=extra)
