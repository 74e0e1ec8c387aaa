"""Contact profile and the per-number cap on transactional confirmation requests."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from .clock import iso
from .consent import Subscription

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
