"""Conversions (issue 19): which message a purchase is credited to. Pure: no AWS.

Rules (README "Conversions"). A ``Customer.Purchase`` is credited to the last campaign or flow message
the number *clicked* within the click window of that message's list (default 5 days) — ``click``
attribution; otherwise to the last message it *received* within the view window (default 1 day) —
``view`` attribution. A hold-out record (the number was held out of a campaign: recorded, not sent)
counts as "received" at the time it was recorded, so a purchase in the view window after it is the
hold-out's baseline conversion. A click counts only if the number also has the clicked campaign's
sent-message record: erasing a number deletes those, so a purchase named with an erased number is never
credited, whatever the pseudonymous click item says. Nothing after the purchase counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from .clock import IsoTimestamp

MAX_CLICK_DAYS = 30  # also how long the number's "last click" item lives
MAX_VIEW_DAYS = 7
MICRO = Decimal(1_000_000)


class Purchase(BaseModel):
    """A ``Customer.Purchase`` detail as conversions read it (flows and profiles read it their own way)."""

    model_config = ConfigDict(extra="ignore")

    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    order_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[\x21-\x7e]{1,100}$")]
    amount: Decimal = Field(default=Decimal(0), ge=0, le=Decimal(10) ** 9, allow_inf_nan=False)
    currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")] = (
        "XXX"  # ISO 4217's "no currency"
    )
    at: IsoTimestamp


class Attribution(BaseModel):
    """A list's attribution windows (``attribution`` on ``PUT /v1/admin/lists/{id}``)."""

    model_config = ConfigDict(extra="forbid")

    # strict: a JSON number of days (pydantic's lax mode would read false as 0)
    click_days: StrictInt = Field(default=5, ge=0, le=MAX_CLICK_DAYS)
    view_days: StrictInt = Field(default=1, ge=0, le=MAX_VIEW_DAYS)


@dataclass(frozen=True, slots=True)
class Touch:
    """A message the number received (or a hold-out record), or the last link it clicked."""

    campaign_id: str
    list_id: str
    variant: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Credit:
    touch: Touch
    kind: Literal["click", "view"]


def credit(
    purchased_at: datetime,
    click: Touch | None,
    received: list[Touch],
    windows: dict[str, Attribution],
) -> Credit | None:
    """The message the purchase is credited to, or ``None``. ``windows``: each list's windows (a list
    that is gone keeps the defaults); ``received`` includes the hold-out records."""

    def window(touch: Touch, kind: str) -> timedelta:
        rules = windows.get(touch.list_id) or Attribution()
        return timedelta(days=rules.click_days if kind == "click" else rules.view_days)

    sent_campaigns = {t.campaign_id for t in received}
    clicked = click is not None and click.campaign_id in sent_campaigns
    if click is not None and clicked and click.at <= purchased_at <= click.at + window(click, "click"):
        return Credit(click, "click")
    viewed = [t for t in received if t.at <= purchased_at <= t.at + window(t, "view")]
    if viewed:
        return Credit(max(viewed, key=lambda t: t.at), "view")
    return None


def micro_units(amount: float | Decimal | str) -> int:
    """An amount in millionths (the counters are integers); a str round-trip keeps 19.99 exact."""
    return int((Decimal(str(amount)) * MICRO).to_integral_value())


def counters(touch: Touch, kind: str, currency: str, amount: int) -> dict[str, int]:
    """What a credited purchase adds to the campaign's counters: the campaign's totals (a hold-out's
    baseline is not the campaign's: only its group counts it) and its group's."""
    group = touch.variant
    names = {f"conversions_{kind}": 1, **({f"revenue_micro#{currency}": amount} if amount else {})}
    out = {} if group == "holdout" else dict(names)
    if group:
        out |= {f"variant#{group}#{name}": n for name, n in names.items()}
    return out
