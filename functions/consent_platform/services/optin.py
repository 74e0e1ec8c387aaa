"""The opt-in use case: web-form and API sign-ups, single and double opt-in."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from ..adapters.events import EventPublisher
from ..adapters.queue import OutboundQueue
from ..adapters.repository import ConcurrentUpdate, ConsentRepository
from ..domain.clock import ZoneName, iso, parse_iso
from ..domain.consent import (
    Action,
    Evidence,
    Method,
    Status,
    Subscription,
    Transition,
    grant_single_optin,
    is_pending_expired,
    request_double_optin,
)
from ..domain.contacts import CONFIRM_WINDOW, Profile, may_send_confirmation
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
from ..domain.phone import mask_phone, normalize_phone
from ..domain.plain_text import PlainText, refuse_controls
from ..domain.pumping import (
    DEFAULT_PREFIX_DIGITS,
    DEFAULT_RATE_LIMITS,
    Limit,
    checks,
    parse_limits,
    seconds_until_next_day,
)

AFFIRMATIVE = frozenset({"true", "on", "yes", "1"})
NEGATIVE = frozenset({"false", "off", "no", "0", ""})  # "" is an unticked box sent by a script
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _affirmative(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in AFFIRMATIVE | NEGATIVE:
        return value.strip().lower() in AFFIRMATIVE
    raise ValueError("must be true or false ('on'/'yes'/'1' or 'off'/'no'/'0' in a form)")


# Documented as what is accepted: a JSON boolean, or a form's checkbox value.
_AFFIRMATIVE_SCHEMA = {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": sorted(AFFIRMATIVE | NEGATIVE)}]}
Affirmative = Annotated[bool, BeforeValidator(_affirmative), WithJsonSchema(_AFFIRMATIVE_SCHEMA)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(refuse_controls)]


class OptInRequest(BaseModel):
    """Body of ``POST /v1/optin`` (JSON or an HTML form post). Unknown fields are ignored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"phone": "+48 501 234 567", "list_id": "demo", "sms_consent": True}]},
    )

    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    sms_consent: Affirmative
    consent_version: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    country: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")] | None
    ) = None
    first_name: Annotated[PlainText, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    timezone: ZoneName | None = None
    source: Short | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    email_consent: Affirmative = False

    @field_validator("sms_consent")
    @classmethod
    def _must_consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("SMS consent must be given (an unticked box is not consent)")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value.lower()

    @field_validator("consent_version", "first_name", "source", "country")
    @classmethod
    def _empty_is_absent(cls, value: str | None) -> str | None:
        return value or None


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where a request came from (API Gateway request context), for the ledger."""

    method: Method = Method.API
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(slots=True)
class OptInResult:
    status: Literal["pending_confirmation", "active", "already_active"]
    phone: str
    list_id: str
    confirmation_sent: bool = False
    messages: list[OutboundMessage] = field(default_factory=list)
    brand: str | None = None  # for the browser's thank-you page, not the JSON body
    thank_you_url: str | None = None

    @property
    def http_status(self) -> int:
        return 200 if self.status == "already_active" else 202

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "phone": self.phone, "list_id": self.list_id}
        if self.status == "pending_confirmation":
            out["confirmation_sent"] = self.confirmation_sent
        return out


class OptInService:
    MAX_ATTEMPTS = 3  # optimistic-concurrency retries when two requests race on one number
    GUARD_DELAY_SECONDS = 1  # lets the state write land before the sender checks the guard

    def __init__(
        self,
        repo: ConsentRepository,
        queue: OutboundQueue,
        pending_ttl: timedelta,
        events: EventPublisher | None = None,
        limits: tuple[Limit, ...] | None = None,
        prefix_digits: int = DEFAULT_PREFIX_DIGITS,
    ) -> None:
        self.repo = repo
        self.queue = queue
        self.pending_ttl = pending_ttl
        self.events = events
        self.limits = parse_limits(DEFAULT_RATE_LIMITS) if limits is None else limits
        self.prefix_digits = prefix_digits

    def submit(self, request: OptInRequest, context: RequestContext, now: datetime, logger: Any = None) -> OptInResult:
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        stored, version_text, sent_today = self.repo.load_signup(request.list_id, request.consent_version, day)
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
        self._count_request(phone.e164, context.ip, now, logger)
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
                result = self._attempt(stored, phone.e164, phone.country, request, evidence, now, sent_today)
            except ConcurrentUpdate:
                if attempt == self.MAX_ATTEMPTS:
                    raise
                continue
            result.brand, result.thank_you_url = stored.brand, stored.thank_you_url
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

    def _count_request(self, phone: str, ip: str | None, now: datetime, logger: Any) -> None:
        """Per-IP, per-number and per-prefix request limits: one conditional transaction, all or nothing.
        A refused request has written nothing and sends nothing."""
        refused = self.repo.consume_rate_limits(
            checks(self.limits, now, ip=ip, phone=phone, prefix_digits=self.prefix_digits)
        )
        if not refused:
            return
        fields: dict[str, str] = {}
        for check in refused:
            field = "ip" if check.limit.scope == "ip" else "phone"
            what = {"ip": "from this address", "phone": "for this number", "prefix": "for numbers in this range"}
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
        phone: str,
        country: str,
        request: OptInRequest,
        evidence: Evidence,
        now: datetime,
        sent_today: int = 0,
    ) -> OptInResult:
        profile, sub = self.repo.load_contact_state(phone, stored.list_id)
        if sub is not None and sub.status == Status.ACTIVE:
            return OptInResult("already_active", phone, stored.list_id)

        new_profile = _updated_profile(profile, phone, country, request, evidence, now)
        message_id = str(uuid.uuid4())
        kind: MessageKind
        outcome: Literal["pending_confirmation", "active"]
        if stored.opt_in == "single":
            transition = grant_single_optin(sub, phone, stored.list_id, now, evidence)
            kind, status, outcome = "welcome", Status.ACTIVE, "active"
        else:
            resubmission = sub is not None and sub.status == Status.PENDING and not is_pending_expired(sub, now)
            blocked = may_send_confirmation(new_profile, sub if resubmission else None, now)
            if blocked and resubmission:
                # Still pending and inside the cooldown or the daily cap: answer as before, send nothing.
                return OptInResult("pending_confirmation", phone, stored.list_id, confirmation_sent=False)
            if blocked:
                raise RateLimited(
                    "too many confirmation requests for this number; try again tomorrow",
                    {"phone": "rate limited"},
                    retry_after=_confirmation_retry_after(new_profile, now),
                )
            transition = request_double_optin(sub, phone, stored.list_id, now, evidence, self.pending_ttl)
            new_profile.confirm_sent = [*new_profile.recent_confirmations(now), iso(now)]
            kind, status, outcome = "confirm_request", Status.PENDING, "pending_confirmation"

        if sent_today >= stored.daily_signup_cap:
            raise _list_capped(stored, now)
        if request.email and request.email_consent and (profile is None or profile.email != request.email):
            transition.add(Action.GRANTED, now, replace(evidence, channel="email"), email=request.email)
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
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        cap = self.repo.signup_cap_op(
            stored.list_id, day, stored.daily_signup_cap, int((now + timedelta(days=3)).timestamp())
        )
        try:
            self.repo.commit([transition], new_profile, profile.version if profile else None, first=[cap])
        except ConcurrentUpdate as exc:
            if exc.failed_index == 0:  # the daily cap filled up between our read and this write
                raise _list_capped(stored, now) from None
            raise
        self._publish(transition)
        return OptInResult(outcome, phone, stored.list_id, confirmation_sent=True, messages=[message])

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


def _list_capped(stored: StoredList, now: datetime) -> ConfirmationCapReached:
    return ConfirmationCapReached(
        "this list has sent as many sign-up messages today as it allows; try again tomorrow",
        {"list_id": f"daily cap of {stored.daily_signup_cap} sign-up messages reached"},
        retry_after=seconds_until_next_day(now),
    )


def _confirmation_retry_after(profile: Profile, now: datetime) -> int:
    """Seconds until the oldest confirmation request of the last 24 h leaves the per-number cap."""
    recent = sorted(profile.recent_confirmations(now))
    wait = parse_iso(recent[0]) + CONFIRM_WINDOW - now if recent else timedelta(seconds=1)
    return max(1, int(wait.total_seconds() + 0.999))


def _updated_profile(
    profile: Profile | None, phone: str, country: str, request: OptInRequest, evidence: Evidence, now: datetime
) -> Profile:
    stamp = iso(now)
    updated = (
        profile.model_copy(deep=True)
        if profile
        else Profile(phone=phone, country=country, created_at=stamp, updated_at=stamp)
    )
    updated.updated_at = stamp
    if request.first_name:
        updated.first_name = request.first_name
    if request.timezone:
        updated.timezone, updated.timezone_source = request.timezone, "form"
    if request.email and request.email_consent:
        # E-mail consent is separate: an address without its own ticked box is not stored at all.
        updated.email = request.email
        updated.email_consent_at = stamp
    return updated


def _regions() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


__all__ = ["OptInRequest", "OptInResult", "OptInService", "RequestContext", "Subscription"]
