"""The forwarder (issue #20): one job per forwarded inbound message, delivered to each of its targets once.

Targets are a table of small handlers (URL, e-mail, phone). A target that fails (5xx, timeout, an SES
error) raises :class:`DeliveryFailed`: the job goes back to its queue and SQS retries it after the
visibility timeout, up to ``maxReceiveCount`` times, then it lands in the forwarding DLQ (alarmed).

Once per target: each target that succeeded is recorded under the provider's message id
(``keys.FORWARD_MARK``), and a retry skips it — a retry after the URL failed does not e-mail twice, and
a job queued twice (a redelivered inbound message) forwards once. What remains is at least once: a crash
between a target taking the message and the record being written repeats that target once; receivers
dedupe on ``message_id`` (also in ``X-Message-Id``). The phone target is recorded *before* its SMS is
queued (with the daily cap, in one transaction) and the SMS's id derives from the message id, so the
sender sends it at most once whatever happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..adapters.dynamodb.forwarding import ForwardingStore
from ..adapters.dynamodb.stores import Stores
from ..adapters.forwarding import DeliveryFailed, Mailer, Poster
from ..adapters.queue import OutboundQueue
from ..domain.clock import iso
from ..domain.forwarding import (
    PHONE_DAILY_CAP,
    email_text,
    number_key,
    signed_request,
    sms_message_id,
    sms_text,
    url_problem,
)
from ..domain.messages import build_message

MARK_DAYS = 14  # longer than the queue keeps a job (4 days), so no retry outlives its record
logger = logging.getLogger(__name__)


@dataclass
class Forwarder:
    stores: Stores
    poster: Poster
    mailer: Mailer
    sms: OutboundQueue
    secrets: Callable[[], list[str]]
    allow_loopback_http: bool = False

    @property
    def store(self) -> ForwardingStore:
        return ForwardingStore(self.stores.table)

    def forward(self, job: dict[str, Any], now: datetime) -> list[str]:
        """Deliver to every target not done yet; the outcomes (one metric name each). Raises
        :class:`DeliveryFailed` when any target failed, after trying all of them."""
        done = self.store.progress(job["provider"], job["message_id"])
        outcomes: list[str] = []
        failed: list[str] = []
        for channel, target in dict(job.get("targets") or {}).items():
            handler = _TARGETS.get(channel)
            if handler is None:
                continue
            if channel in done and channel != "phone":
                outcomes.append(f"{channel}_duplicate")
                continue
            try:
                outcomes.append(handler(self, job, str(target), now, channel in done))
            except DeliveryFailed as exc:
                failed.append(f"{channel}: {exc}")
        if failed:
            raise DeliveryFailed("; ".join(failed))
        return outcomes

    def _done(self, job: dict[str, Any], channel: str, now: datetime) -> None:
        ttl = int((now + timedelta(days=MARK_DAYS)).timestamp())
        self.store.mark_done(job["provider"], job["message_id"], channel, iso(now), ttl)

    def to_url(self, job: dict[str, Any], url: str, now: datetime, _done: bool) -> str:
        problem = url_problem(url, self.allow_loopback_http)
        if problem:  # the rule was checked when stored; a URL refused now is never retried into
            logger.warning("forwarding URL refused: %s", problem)
            return "url_refused"
        body, headers = signed_request(job, bool(job.get("mask_sender")), self.secrets(), int(now.timestamp()))
        status = self.poster.post(url, body, headers)
        if not 200 <= status < 300:
            raise DeliveryFailed(f"the URL answered {status}")
        self._done(job, "url", now)
        return "url_sent"

    def to_email(self, job: dict[str, Any], address: str, now: datetime, _done: bool) -> str:
        subject, text = email_text(job, bool(job.get("mask_sender")))
        try:
            self.mailer.send(address, subject, text)
        except DeliveryFailed:
            raise
        except Exception as exc:  # SES refused or failed: retried like a failed POST
            raise DeliveryFailed(f"e-mail failed: {type(exc).__name__}") from None
        self._done(job, "email", now)
        return "email_sent"

    def to_phone(self, job: dict[str, Any], phone: str, now: datetime, done: bool) -> str:
        if number_key(phone) in {number_key(n) for n in _platform_numbers(self.stores) | {str(job["to"])}}:
            logger.warning("forward to a platform number refused (a loop)")
            return "phone_refused"
        if not done:
            day = now.astimezone(UTC).strftime("%Y-%m-%d")
            ttl = int((now + timedelta(days=MARK_DAYS)).timestamp())
            if not self.store.claim_sms(job, iso(now), day, PHONE_DAILY_CAP, ttl):
                return "phone_capped"
        message = build_message(
            to=phone,
            body=sms_text(job, bool(job.get("mask_sender"))),
            kind="reply",
            now=now,
            origination=str(job["to"]),
            message_id=sms_message_id(job),
        )
        self.sms.send([message])  # again on a retry: the sender sends one id at most once
        return "phone_queued"


def _platform_numbers(stores: Stores) -> set[str]:
    from .forwarding import platform_numbers

    return platform_numbers(stores)


_TARGETS: dict[str, Callable[[Forwarder, dict[str, Any], str, datetime, bool], str]] = {
    "url": Forwarder.to_url,
    "email": Forwarder.to_email,
    "phone": Forwarder.to_phone,
}
