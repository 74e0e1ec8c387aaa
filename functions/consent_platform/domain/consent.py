"""The consent state machine: subscriptions, ledger entries and the transitions between them.

Pure functions: each takes the current state and the evidence, and returns a :class:`Transition` (the
new subscription plus the ledger entries that explain it) for an adapter to write atomically.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .clock import iso
from .errors import Conflict


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Action(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    CONFIRMED = "confirmed"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Method(StrEnum):
    WEB_FORM = "web_form"
    API = "api"
    KEYWORD = "keyword"
    REPLY = "reply"
    IMPORT = "import"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Who did what, where: everything the ledger must show to prove a consent event."""

    method: Method
    consent_text: str | None = None
    consent_version: str | None = None
    source: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    channel: str = "sms"


class HeldProfile(BaseModel):
    """Profile data from a sign-up that has not proven control of the number (an unconfirmed double
    opt-in), kept with its subscription and applied only when that subscription is confirmed
    (invariant 10): a stranger who knows a number can neither rename nor re-zone its contact, nor
    record an e-mail consent for it."""

    model_config = ConfigDict(extra="ignore")

    at: str  # when the sign-up asked for it
    first_name: str | None = None
    timezone: str | None = None
    email: str | None = None
    # The e-mail consent's evidence as the form gave it (text, version, IP, user agent, request id);
    # it enters the ledger, channel "email", when the SMS subscription is confirmed.
    email_evidence: dict[str, str | None] | None = None

    def evidence(self) -> Evidence | None:
        if not self.email_evidence:
            return None
        given = self.email_evidence
        return Evidence(
            method=Method(given.get("method") or Method.API),
            consent_text=given.get("consent_text"),
            consent_version=given.get("consent_version"),
            source=given.get("source"),
            ip=given.get("ip"),
            user_agent=given.get("user_agent"),
            request_id=given.get("request_id"),
            channel="email",
        )


class Subscription(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone: str
    list_id: str
    status: Status
    version: int = 0  # optimistic-concurrency counter; the repository conditions writes on it
    created_at: str
    updated_at: str
    method: Method | None = None
    source: str | None = None
    consent_version: str | None = None
    requested_at: str | None = None
    pending_expires_at: str | None = None
    last_confirm_sent_at: str | None = None
    confirmed_at: str | None = None
    revoked_at: str | None = None
    # The transactional message (confirmation request, welcome, STOP confirmation) this state expects
    # to go out. The sender sends it only while the subscription still carries this id and status, so
    # a message queued for a write that then failed, or that a newer request superseded, is dropped.
    expected_message_id: str | None = None
    # Carrier/receive time of the last inbound SMS that changed this subscription. Inbound messages
    # are ordered against each other only (one clock domain), so clock skew between a web form and a
    # carrier can never make a STOP look "older" than a sign-up and be ignored.
    last_inbound_at: str | None = None
    # Audience bucket (time zones × jurisdiction rule) this subscription is counted in while active;
    # kept after revocation so the registry can be decremented in the same bucket.
    bucket: str | None = None
    held: HeldProfile | None = None  # unverified profile data waiting for this subscription's confirmation


class LedgerEntry(BaseModel):
    """One append-only consent event. Never updated or deleted (except by erasure)."""

    model_config = ConfigDict(extra="ignore")

    event_id: str
    at: str
    seq: int = 0  # order within one atomic write
    phone: str
    list_id: str
    action: Action
    method: Method
    channel: str = "sms"
    status_after: Status | None = None
    consent_text: str | None = None
    consent_version: str | None = None
    source: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    detail: dict[str, str] | None = None


@dataclass(slots=True)
class Transition:
    subscription: Subscription
    entries: list[LedgerEntry] = field(default_factory=list)
    previous_version: int | None = None  # None: the subscription did not exist
    previous_status: Status | None = None

    def add(self, action: Action, now: datetime, evidence: Evidence, **detail: str) -> LedgerEntry:
        sub = self.subscription
        entry = LedgerEntry(
            event_id=str(uuid.uuid4()),
            at=iso(now),
            seq=len(self.entries),
            phone=sub.phone,
            list_id=sub.list_id,
            action=action,
            method=evidence.method,
            channel=evidence.channel,
            status_after=sub.status,
            consent_text=evidence.consent_text,
            consent_version=evidence.consent_version,
            source=evidence.source,
            ip=evidence.ip,
            user_agent=evidence.user_agent,
            request_id=evidence.request_id,
            detail=detail or None,
        )
        self.entries.append(entry)
        return entry


class NoPendingConfirmation(Conflict):
    code = "no_pending_confirmation"


class ConfirmationExpired(Conflict):
    code = "confirmation_expired"


def is_pending_expired(sub: Subscription, now: datetime) -> bool:
    return sub.status == Status.PENDING and sub.pending_expires_at is not None and sub.pending_expires_at <= iso(now)


def _start(existing: Subscription | None, phone: str, list_id: str, now: datetime) -> Transition:
    if existing is None:
        stamp = iso(now)
        sub = Subscription(phone=phone, list_id=list_id, status=Status.EXPIRED, created_at=stamp, updated_at=stamp)
        return Transition(sub, previous_version=None)
    return Transition(
        existing.model_copy(deep=True), previous_version=existing.version, previous_status=existing.status
    )


def expire_if_due(transition: Transition, now: datetime, evidence: Evidence) -> None:
    """Record the lapse of a pending confirmation that nobody confirmed in time."""
    sub = transition.subscription
    if is_pending_expired(sub, now):
        expired_at = sub.pending_expires_at or iso(now)
        sub.status = Status.EXPIRED
        sub.updated_at = iso(now)
        sub.pending_expires_at = None
        lapse = Evidence(method=evidence.method, request_id=evidence.request_id, source=evidence.source)
        transition.add(Action.EXPIRED, now, lapse, expired_at=expired_at)


def lapse_pending(sub: Subscription, now: datetime, request_id: str | None = None) -> Transition | None:
    """The expiry sweep's ``expired`` transition for a confirmation window that closed unanswered.

    ``None`` when nothing is due any more: the person confirmed, opted out or signed up again after the
    sweep read its index. The lapse is attributed to how the sign-up was made (its method and source).
    """
    if not is_pending_expired(sub, now):
        return None
    transition = _start(sub, sub.phone, sub.list_id, now)
    evidence = Evidence(method=sub.method or Method.API, source=sub.source, request_id=request_id)
    expire_if_due(transition, now, evidence)
    return transition


def request_double_optin(
    existing: Subscription | None,
    phone: str,
    list_id: str,
    now: datetime,
    evidence: Evidence,
    pending_ttl: timedelta,
) -> Transition:
    """Start (or restart) a double opt-in: status ``pending`` until the reply confirms it."""
    transition = _start(existing, phone, list_id, now)
    expire_if_due(transition, now, evidence)
    sub = transition.subscription
    if sub.status == Status.ACTIVE:
        raise Conflict("already active")
    stamp = iso(now)
    sub.status = Status.PENDING
    sub.updated_at = stamp
    sub.requested_at = stamp
    sub.pending_expires_at = iso(now + pending_ttl)
    sub.last_confirm_sent_at = stamp
    sub.held = None  # a new request brings its own (the caller sets it)
    sub.method, sub.source, sub.consent_version = evidence.method, evidence.source, evidence.consent_version
    transition.add(Action.REQUESTED, now, evidence)
    return transition


def grant_single_optin(
    existing: Subscription | None, phone: str, list_id: str, now: datetime, evidence: Evidence
) -> Transition:
    """Single opt-in: the submission itself is the consent; the subscription is active at once."""
    transition = _start(existing, phone, list_id, now)
    expire_if_due(transition, now, evidence)
    sub = transition.subscription
    if sub.status == Status.ACTIVE:
        raise Conflict("already active")
    stamp = iso(now)
    sub.status = Status.ACTIVE
    sub.updated_at = stamp
    sub.confirmed_at = stamp
    sub.pending_expires_at = None
    sub.held = None
    sub.method, sub.source, sub.consent_version = evidence.method, evidence.source, evidence.consent_version
    transition.add(Action.GRANTED, now, evidence)
    return transition


def confirm_pending(sub: Subscription | None, now: datetime, evidence: Evidence) -> Transition:
    """Turn ``pending`` into ``active`` — the reply-YES step of double opt-in.

    Raises :class:`ConfirmationExpired` (with the lapse recorded in the returned state of the error)
    when the window has passed, and :class:`NoPendingConfirmation` when there is nothing to confirm.
    """
    if sub is None or sub.status != Status.PENDING:
        raise NoPendingConfirmation("no pending confirmation for this number and list")
    transition = _start(sub, sub.phone, sub.list_id, now)
    if is_pending_expired(sub, now):
        expire_if_due(transition, now, evidence)
        raise ConfirmationExpiredWithLapse(transition)
    current = transition.subscription
    stamp = iso(now)
    current.status = Status.ACTIVE
    current.updated_at = stamp
    current.confirmed_at = stamp
    current.pending_expires_at = None
    current.held = None  # applied by the caller (contacts.confirm_held), from ``sub.held``
    transition.add(Action.CONFIRMED, now, evidence)
    return transition


class ConfirmationExpiredWithLapse(ConfirmationExpired):
    """Carries the ``expired`` transition so the caller can still record the lapse in the ledger."""

    def __init__(self, transition: Transition) -> None:
        super().__init__("the confirmation window has passed; sign up again")
        self.transition = transition


def revoke(sub: Subscription | None, now: datetime, evidence: Evidence, **detail: str) -> Transition | None:
    """Opt-out. Returns ``None`` when there is nothing active or pending to revoke (no ledger noise)."""
    if sub is None or sub.status not in (Status.ACTIVE, Status.PENDING):
        return None
    transition = _start(sub, sub.phone, sub.list_id, now)
    current = transition.subscription
    stamp = iso(now)
    current.status = Status.REVOKED
    current.updated_at = stamp
    current.revoked_at = stamp
    current.pending_expires_at = None
    current.held = None  # never confirmed: never applied
    transition.add(Action.REVOKED, now, evidence, **detail)
    return transition
