"""Contact profile and the per-number cap on transactional confirmation requests."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from .clock import iso
from .consent import Action, HeldProfile, Subscription, Transition
from .undeliverable import Undeliverable

# SMS-pumping defence (DESIGN invariant 8) and issue #2: a confirmation request is re-sent at most once
# per cooldown, and a number receives at most this many confirmation requests per rolling 24 hours.
CONFIRM_COOLDOWN = timedelta(minutes=10)
CONFIRM_DAILY_CAP = 3
CONFIRM_WINDOW = timedelta(hours=24)


class Profile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone: str
    country: str
    created_at: str
    updated_at: str
    version: int = 0
    first_name: str | None = None
    timezone: str | None = None
    timezone_source: str | None = None
    email: str | None = None
    email_consent_at: str | None = None
    confirm_sent: list[str] = []  # ISO times of confirmation requests in the last 24 h
    tags: list[str] = []
    last_activity_at: str | None = None
    last_purchase_at: str | None = None
    attributes: dict[str, str | int | float | bool] = {}
    coupons_redeemed: list[str] = []  # pools of which a Customer.Purchase redeemed a code (services/coupons.py)
    # Delivery receipts said the number is dead (services/undeliverable.py): campaigns skip it. Cleared,
    # and ``reachable_at`` set, by any write that makes a subscription active (opt-in, START, YES):
    # receipts older than ``reachable_at`` never mark the number again.
    undeliverable: Undeliverable | None = None
    reachable_at: str | None = None

    def recent_confirmations(self, now: datetime) -> list[str]:
        horizon = iso(now - CONFIRM_WINDOW)
        return [stamp for stamp in self.confirm_sent if stamp > horizon]


def may_send_confirmation(profile: Profile | None, sub: Subscription | None, now: datetime) -> str | None:
    """``None`` when a confirmation request may go out now, else the reason it may not."""
    if sub is not None and sub.last_confirm_sent_at and sub.last_confirm_sent_at > iso(now - CONFIRM_COOLDOWN):
        return "cooldown"
    if profile is not None and len(profile.recent_confirmations(now)) >= CONFIRM_DAILY_CAP:
        return "daily_cap"
    return None


# Invariant 10: where profile data comes from decides what it may do. Verified sources (a confirmation
# reply, an admin PATCH, an import, a bus event) write the profile; a request that has not proven
# control of the number (a public form or API post) never replaces what is there.


def fill_empty(profile: Profile, first_name: str | None, timezone: str | None) -> None:
    """A single opt-in from a public form: its data may fill empty fields, never replace set ones."""
    if first_name and not profile.first_name:
        profile.first_name = first_name
    if timezone and not profile.timezone:
        profile.timezone, profile.timezone_source = timezone, "form"


def confirm_held(transition: Transition, held: HeldProfile | None, profile: Profile | None, now: datetime) -> bool:
    """The person confirmed the subscription that brought ``held``: its e-mail consent enters the ledger
    now (with the form's evidence, unless this address is already consented). True when there is
    profile data to apply (:func:`apply_held`)."""
    if held is None:
        return False
    evidence = held.evidence()
    already = profile is not None and profile.email == held.email and profile.email_consent_at is not None
    if held.email and evidence is not None and not already:
        transition.add(Action.GRANTED, now, evidence, email=held.email, requested_at=held.at)
    return True


def apply_held(profile: Profile, held: HeldProfile, now: datetime) -> None:
    """Confirmed data is verified: it replaces what the profile had."""
    if held.first_name:
        profile.first_name = held.first_name
    if held.timezone:
        profile.timezone, profile.timezone_source = held.timezone, "form"
    if held.email and held.email_evidence:
        if profile.email != held.email or profile.email_consent_at is None:
            profile.email_consent_at = iso(now)
        profile.email = held.email
