"""Transactional messages (issue #18): one SMS to one customer that is not marketing — a shipping notice,
an order confirmation. Pure rules; services/transactional.py stores and queues.

No marketing consent and no quiet hours (the customer is waiting for it), but never to a number that
texted STOP to the list — or to every list (STOPALL) — and never to an erased number. Each message is
named by the caller's idempotency key: the same key is the same message, sent at most once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from .consent import Status
from .errors import Conflict, RateLimited

# Transactional messages per number per UTC day, across lists. Why 10: a customer's order produces a
# handful of notices a day at most (confirmed, shipped, out for delivery, delivered); a leaked
# integration credential or a loop in a shop's code must not turn one number into a stream of paid
# SMS (SMS pumping bills by message, and premium-rate ranges pay their owner per message received).
# Spraying many numbers is bounded elsewhere: the list's countries (``may_reach``) and the spend alarms.
DAILY_CAP = 10
# How long a key is remembered (its record's TTL): a retry after this is a new message.
KEY_KEPT = timedelta(days=7)


def key_hash(idempotency_key: str) -> str:
    """The key as stored (a client's key may hold anything, an order number, an e-mail address)."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def message_id(list_id: str, idempotency_key: str) -> str:
    """The outbound id: one per (list, key), without the key or the number in it (ids appear in logs)."""
    digest = hashlib.sha256(f"{list_id}\n{idempotency_key}".encode()).hexdigest()[:32]
    return f"txn:{digest}"


def request_digest(to: str, text: str) -> str:
    """What a retry must repeat to be the same message: the number and the text."""
    return hashlib.sha256(f"{to}\n{text}".encode()).hexdigest()


def check_not_stopped(list_id: str, statuses: dict[str, Status]) -> None:
    """409 when the number revoked this list (STOP), or revoked a list and holds none active — what a
    STOPALL leaves (the inbox answer's rule for a number with no STOP on record, domain/inbox.py)."""
    revoked_here = statuses.get(list_id) == Status.REVOKED
    revoked_everywhere = bool(statuses) and Status.REVOKED in statuses.values() and not _any_active(statuses.values())
    if revoked_here or revoked_everywhere:
        raise Conflict("the number opted out (STOP); no message is sent", {"to": "opted out"})


def _any_active(statuses: Iterable[Status]) -> bool:
    return any(s == Status.ACTIVE for s in statuses)


def with_brand(text: str, brand: str) -> str:
    """The list's brand opens the text unless the text names it already (the recipient must know who
    writes; carriers filter unbranded application-to-person traffic)."""
    return text if brand.lower() in text.lower() else f"{brand}: {text}"


def erased() -> Conflict:
    return Conflict("the number was erased at the person's request; no message is sent", {"to": "erased"})


def key_reused() -> Conflict:
    return Conflict(
        "this idempotency_key was used for another message (another number or text); use a new key",
        {"idempotency_key": "already used for a different message"},
    )


def cap_reached(now: datetime) -> RateLimited:
    """429 until the next UTC day starts."""
    tomorrow = (now.astimezone(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return RateLimited(
        f"at most {DAILY_CAP} transactional messages per number per day",
        {"to": f"daily cap of {DAILY_CAP} reached for this number"},
        retry_after=max(1, int((tomorrow - now).total_seconds())),
    )
