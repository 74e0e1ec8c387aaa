"""The opt-in use case: web-form and API sign-ups, single and double opt-in."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ..adapters.dynamodb.stores import Stores
from ..adapters.dynamodb.table import ConcurrentUpdate
from ..adapters.events import EventPublisher
from ..adapters.queue import OutboundQueue
from ..api.public import OptInAccepted, OptInRequest
from ..domain.clock import iso, parse_iso
from ..domain.consent import (
    Evidence,
    HeldProfile,
    Method,
    Status,
    Subscription,
    Transition,
    grant_single_optin,
    is_pending_expired,
    request_double_optin,
)
from ..domain.contacts import CONFIRM_WINDOW, Profile, fill_empty, may_send_confirmation
from ..domain.errors import (
    ConfirmationCapReached,
    InvalidPhone,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from ..domain.events import consent_events
from ..domain.lists import StoredList
from ..domain.messages import MessageKind, OutboundMessage, SubscriptionGuard, build_message, origination_for
from ..domain.phone import NormalizedPhone, mask_phone, normalize_phone
from ..domain.pumping import (
    DEFAULT_PREFIX_DIGITS,
    DEFAULT_RATE_LIMITS,
    Limit,
    SignupSubject,
    checks,
    parse_limits,
    seconds_until_next_day,
)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where a request came from (API Gateway request context), for the ledger."""

    method: Method = Method.API
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(slots=True)
class OptInResult:
    status: Literal["pending_confirmation", "active", "already_active"]  # what happened (logs, metrics)
    phone: str
    list_id: str
    confirmation_sent: bool = False
    messages: list[OutboundMessage] = field(default_factory=list)
    brand: str | None = None  # for the browser's thank-you page, not the JSON body
    thank_you_url: str | None = None
    language: str = "en"  # the list's, for the browser's result page
    confirm_word: str = "YES"
    opt_in: str = "double"  # the list's mode: what a sign-up of a new number answers

    @property
    def public_status(self) -> Literal["pending_confirmation", "active"]:
        """What the caller is told. A subscribed number gets exactly the answer a new one would (issue 14:
        otherwise the endpoint tells anyone whether a number is on a list); nothing is sent to it."""
        if self.status != "already_active":
            return self.status
        return "active" if self.opt_in == "single" else "pending_confirmation"

    @property
    def http_status(self) -> int:
        return 202

    def body(self) -> OptInAccepted:
        status = self.public_status
        sent = self.confirmation_sent or self.status == "already_active"
        return OptInAccepted(
            status=status,
            phone=self.phone,
            list_id=self.list_id,
            confirmation_sent=sent if status == "pending_confirmation" else None,
        )


class OptInService:
    MAX_ATTEMPTS = 3  # optimistic-concurrency retries when two requests race on one number
    GUARD_DELAY_SECONDS = 1  # lets the state write land before the sender checks the guard

    def __init__(
        self,
        stores: Stores,
        queue: OutboundQueue,
        pending_ttl: timedelta,
        events: EventPublisher | None = None,
        limits: tuple[Limit, ...] | None = None,
        prefix_digits: int = DEFAULT_PREFIX_DIGITS,
    ) -> None:
        self.stores = stores
        self.queue = queue
        self.pending_ttl = pending_ttl
        self.events = events
        self.limits = parse_limits(DEFAULT_RATE_LIMITS) if limits is None else limits
        self.prefix_digits = prefix_digits

    def submit(self, request: OptInRequest, context: RequestContext, now: datetime, logger: Any = None) -> OptInResult:
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        stored, version_text, sent_today = self.stores.catalog.load_signup(
            request.list_id, request.consent_version, day
        )
        if stored is None:
            raise NotFound(f"list {request.list_id!r} does not exist", {"list_id": "unknown list"})
        if request.consent_version is not None and version_text is None:
            raise ValidationFailed(
                "unknown consent version",
                {"consent_version": f"this list has versions {', '.join(stored.consent_versions)}"},
            )
        if request.country and request.country not in _regions():
            raise ValidationFailed("unknown country", {"country": "not an ISO 3166-1 alpha-2 code"})
        phone = normalize_phone(request.phone, request.country or stored.default_country)
        if not stored.may_reach(phone.country):
            raise InvalidPhone(f"this list does not accept numbers from {phone.country}")
        if request.email and request.email_consent:
            _email_wording(stored, request)  # an unknown version is a 422 before anything is counted
        signup = SignupSubject(
            context.ip, phone.e164, phone.country, stored.list_id, stored.default_country, stored.daily_signup_cap
        )
        self._count_request(signup, now, logger)
        evidence = Evidence(
            method=context.method,
            consent_text=version_text if version_text is not None else stored.consent_text.text,
            consent_version=request.consent_version or stored.consent_text.version,
            source=request.source,
            ip=context.ip,
            user_agent=context.user_agent,
            request_id=context.request_id,
        )
        for attempt in range(1, self.MAX_ATTEMPTS + 1):
            try:
                result = self._attempt(stored, phone, request, evidence, now, sent_today)
            except ConcurrentUpdate:
                if attempt == self.MAX_ATTEMPTS:
                    raise
                continue
            result.brand, result.thank_you_url, result.opt_in = stored.brand, stored.thank_you_url, stored.opt_in
            result.language, result.confirm_word = stored.language, stored.confirmation_words()[0]
            if logger is not None:
                logger.info(
                    "opt-in",
                    extra={
                        "phone": mask_phone(phone.e164),
                        "list_id": stored.list_id,
                        "status": result.status,
                        "confirmation_sent": result.confirmation_sent,
                    },
                )
            return result
        raise AssertionError("unreachable")

    def _count_request(self, signup: SignupSubject, now: datetime, logger: Any) -> None:
        """Per-network, per-number, per-prefix and per-country request limits (domain/pumping.py): one
        conditional transaction, all or nothing. A refused request has written nothing and sends nothing."""
        phone = signup.phone
        refused = self.stores.limits.consume_rate_limits(checks(self.limits, now, signup, self.prefix_digits))
        if not refused:
            return
        fields: dict[str, str] = {}
        what = {
            "ip": "from this network",
            "phone": "for this number",
            "prefix": "for numbers in this range",
            "country": "for numbers in this country",
        }
        for check in refused:
            field = "ip" if check.limit.scope == "ip" else "phone"
            fields.setdefault(field, f"too many sign-up requests {what[check.limit.scope]}; try again later")
        if logger is not None:
            logger.warning(
                "sign-up rate limited",
                extra={"phone": mask_phone(phone), "limits": [str(c.limit) for c in refused]},
            )
        raise RateLimited(
            "too many sign-up requests; try again later",
            fields,
            retry_after=max(check.retry_after(now) for check in refused),
        )

    def _attempt(
        self,
        stored: StoredList,
        number: NormalizedPhone,
        request: OptInRequest,
        evidence: Evidence,
        now: datetime,
        sent_today: int = 0,
    ) -> OptInResult:
        phone, country = number.e164, number.country
        profile, sub = self.stores.consent.load_contact_state(phone, stored.list_id)
        if sub is not None and sub.status == Status.ACTIVE:
            return OptInResult("already_active", phone, stored.list_id)

        new_profile = _updated_profile(profile, phone, country, now)
        message_id = str(uuid.uuid4())
        kind: MessageKind
        outcome: Literal["pending_confirmation", "active"]
        if stored.opt_in == "single":
            transition = grant_single_optin(sub, phone, stored.list_id, now, evidence)
            # A public post has not proven control of the number: its data fills gaps only, and it
            # records no e-mail consent (a list that wants those from its form uses double opt-in).
            fill_empty(new_profile, request.first_name, request.timezone)
            kind, status, outcome = "welcome", Status.ACTIVE, "active"
        else:
            unsent = _confirmation_blocked(new_profile, sub, phone, stored.list_id, now)
            if unsent is not None:
                return unsent
            transition = request_double_optin(sub, phone, stored.list_id, now, evidence, self.pending_ttl)
            transition.subscription.held = _held(stored, request, evidence, now)  # applied on confirmation
            new_profile.confirm_sent = [*new_profile.recent_confirmations(now), iso(now)]
            kind, status, outcome = "confirm_request", Status.PENDING, "pending_confirmation"

        if sent_today >= stored.daily_signup_cap:
            raise _list_capped(stored, now)
        transition.subscription.expected_message_id = message_id
        message = build_message(
            to=phone,
            body=stored.message(kind),
            kind=kind,
            now=now,
            list_id=stored.list_id,
            origination=origination_for(stored.origination, country),
            message_id=message_id,
            guard=SubscriptionGuard(phone=phone, list_id=stored.list_id, status=status.value),
        )
        # The message is queued *before* the state is written: if the write then fails, the sender's
        # guard (status + expected_message_id) drops it; if queueing fails, nothing was written at all.
        try:
            self.queue.send([message], delay_seconds=self.GUARD_DELAY_SECONDS)
        except Exception as exc:  # botocore errors after its own retries
            raise ServiceUnavailable("could not queue the confirmation message; nothing was recorded") from exc
        self._write(stored, transition, new_profile, profile.version if profile else None, now)
        self._publish(transition)
        return OptInResult(outcome, phone, stored.list_id, confirmation_sent=True, messages=[message])

    def _write(
        self, stored: StoredList, transition: Transition, profile: Profile, previous: int | None, now: datetime
    ) -> None:
        """The change, counted against the list's daily sign-up SMS: when the day filled up between our
        read and this write, the write is refused as the list's cap (nothing is written)."""
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        ttl = int((now + timedelta(days=3)).timestamp())
        full = _list_capped(stored, now)
        cap = self.stores.limits.signup_cap(stored.list_id, day, stored.daily_signup_cap, ttl, full)
        self.stores.consent.commit([transition], profile, previous, guards=[cap])

    def _publish(self, transition: Transition) -> None:
        """Consent.Granted on the bus. Best effort: the consent is already committed and acknowledged
        by the ledger; a failed publish is logged (and alarmed on through the error log), not retried."""
        events = consent_events(transition.entries)
        if not events or self.events is None:
            return
        try:
            self.events.publish(events)
        except Exception:
            import logging

            logging.getLogger(__name__).exception("could not publish consent events")


def _email_wording(stored: StoredList, request: OptInRequest) -> tuple[str, str]:
    """(version, text) of the e-mail box the form showed; 422 for a version the list never published."""
    version = request.email_consent_version or stored.email_consent().version
    text = stored.email_consent_for(version)
    if text is None:
        known = sorted({stored.email_consent().version, *stored.email_consent_versions})
        raise ValidationFailed(
            "unknown e-mail consent version",
            {"email_consent_version": f"this list has versions {', '.join(known)}"},
        )
    return version, text


def _email_evidence(stored: StoredList, request: OptInRequest, evidence: Evidence) -> Evidence:
    """E-mail consent is proved by the e-mail box's own words, never the SMS consent text."""
    version, text = _email_wording(stored, request)
    return replace(evidence, channel="email", consent_text=text, consent_version=version)


def _list_capped(stored: StoredList, now: datetime) -> ConfirmationCapReached:
    return ConfirmationCapReached(
        "this list has sent as many sign-up messages today as it allows; try again tomorrow",
        {"list_id": f"daily cap of {stored.daily_signup_cap} sign-up messages reached"},
        retry_after=seconds_until_next_day(now),
    )


def _confirmation_blocked(
    profile: Profile, sub: Subscription | None, phone: str, list_id: str, now: datetime
) -> OptInResult | None:
    """None when a confirmation SMS may go out. A number still pending inside the cooldown or the daily
    cap gets its earlier answer again, with nothing sent; any other number over them is rate limited."""
    resubmission = sub is not None and sub.status == Status.PENDING and not is_pending_expired(sub, now)
    blocked = may_send_confirmation(profile, sub if resubmission else None, now)
    if blocked and resubmission:
        return OptInResult("pending_confirmation", phone, list_id, confirmation_sent=False)
    if blocked:
        raise RateLimited(
            "too many confirmation requests for this number; try again tomorrow",
            {"phone": "rate limited"},
            retry_after=_confirmation_retry_after(profile, now),
        )
    return None


def _confirmation_retry_after(profile: Profile, now: datetime) -> int:
    """Seconds until the oldest confirmation request of the last 24 h leaves the per-number cap."""
    recent = sorted(profile.recent_confirmations(now))
    wait = parse_iso(recent[0]) + CONFIRM_WINDOW - now if recent else timedelta(seconds=1)
    return max(1, int(wait.total_seconds() + 0.999))


def _updated_profile(profile: Profile | None, phone: str, country: str, now: datetime) -> Profile:
    stamp = iso(now)
    updated = (
        profile.model_copy(deep=True)
        if profile
        else Profile(phone=phone, country=country, created_at=stamp, updated_at=stamp)
    )
    updated.updated_at = stamp
    return updated


def _held(stored: StoredList, request: OptInRequest, evidence: Evidence, now: datetime) -> HeldProfile | None:
    """What a double opt-in sign-up brings, kept with its subscription until the reply confirms it.
    E-mail consent is separate: an address without its own ticked box is not kept at all."""
    email = request.email if request.email and request.email_consent else None
    if not (request.first_name or request.timezone or email):
        return None
    email_evidence = _email_evidence(stored, request, evidence) if email else None
    return HeldProfile(
        at=iso(now),
        first_name=request.first_name,
        timezone=request.timezone,
        email=email,
        email_evidence={k: None if v is None else str(v) for k, v in asdict(email_evidence).items()}
        if email_evidence
        else None,
    )


def _regions() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


__all__ = ["OptInRequest", "OptInResult", "OptInService", "RequestContext", "Subscription"]
