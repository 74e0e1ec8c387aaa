"""Campaigns: text templates with profile placeholders, the opt-out footer, and the request model."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator, model_validator

from .attributes import AttrValue
from .clock import IsoTimestamp
from .experiments import MAX_HOLDOUT_PERCENT, Variant, check_variants
from .links import PREVIEW_CODE, mask_opt_outs, problems, rewrite, short_url, tracked_urls, unwrap
from .personalise import AVAILABLE, PLACEHOLDER, POOL, known_in_campaigns, placeholder_values, render_value
from .segments import SegmentInfo, count_segments
from .transliteration import to_gsm7

# What a campaign text may use: {first_name|fallback}, {attributes.<name>|fallback}, {coupon:<pool>}
# (domain/personalise.py; flows add {event.<field>}).
PLACEHOLDERS = frozenset({"first_name"})
_PLACEHOLDER = PLACEHOLDER

# Appended when the text has no opt-out instruction (CTIA; French L34-5 CPCE requires a free opt-out).
OPT_OUT_FOOTER = {
    "en": "Reply STOP to opt out",
    "pl": "Odpisz STOP, aby zrezygnować",
    "de": "Antworte STOP zum Abmelden",
    "fr": "Répondez STOP pour vous désabonner",
    "es": "Responde STOP para darte de baja",
}


class Segment(BaseModel):
    """Who of the list's active subscribers a campaign reaches; every condition given must hold."""

    model_config = ConfigDict(extra="forbid")

    last_activity_within_days: int | None = Field(default=None, ge=1, le=3650)
    not_purchased_within_days: int | None = Field(default=None, ge=1, le=3650)
    tags_any: list[str] | None = Field(default=None, max_length=50)
    tags_none: list[str] | None = Field(default=None, max_length=50)
    countries: list[Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")]] | None = None
    attributes: dict[str, AttrValue] | None = Field(default=None, max_length=20)
    # Coupons (README "Coupons"): the contact did / did not redeem a code of this pool (a Customer.Purchase
    # naming it marks the profile's ``coupons_redeemed``).
    coupon_redeemed: Annotated[str, StringConstraints(pattern=rf"^{POOL}$")] | None = None
    coupon_not_redeemed: Annotated[str, StringConstraints(pattern=rf"^{POOL}$")] | None = None

    def matches(self, profile: dict[str, Any] | None, phone_country: str, now: datetime) -> bool:
        p = profile or {}
        tags = set(p.get("tags") or [])
        if self.countries is not None and phone_country not in self.countries:
            return False
        if self.tags_any is not None and not tags & set(self.tags_any):
            return False
        if self.tags_none is not None and tags & set(self.tags_none):
            return False
        if self.last_activity_within_days is not None:
            seen = p.get("last_activity_at")
            if not seen or seen < _iso(now - timedelta(days=self.last_activity_within_days)):
                return False
        if self.not_purchased_within_days is not None:
            bought = p.get("last_purchase_at")
            if bought and bought >= _iso(now - timedelta(days=self.not_purchased_within_days)):
                return False
        redeemed = set(p.get("coupons_redeemed") or [])
        if self.coupon_redeemed is not None and self.coupon_redeemed not in redeemed:
            return False
        if self.coupon_not_redeemed is not None and self.coupon_not_redeemed in redeemed:
            return False
        attributes = p.get("attributes") or {}
        return all(attributes.get(k) == v for k, v in (self.attributes or {}).items())


def _iso(ts: datetime) -> str:
    from .clock import iso

    return iso(ts)


class CampaignRequest(BaseModel):
    """Body of ``POST /v1/admin/campaigns``."""

    model_config = ConfigDict(
        extra="forbid",
        defer_build=True,  # built by the first request that validates one: the dispatcher imports Segment only
        json_schema_extra={
            "examples": [
                {
                    "list_id": "demo",
                    "name": "Friday sale",
                    "text": "Hi {first_name|there}! 20% off today.",
                    "send_at_local": "2031-05-16T18:00:00",
                }
            ]
        },
    )

    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    # ``text`` or ``variants`` (an A/B experiment, issue 19): exactly one (services/campaigns.py: 422).
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1600)] | None = None
    variants: list[Variant] | None = None
    holdout_percent: int = Field(default=0, ge=0, le=MAX_HOLDOUT_PERCENT)  # recorded, not sent: the baseline
    # Each recipient's own wall-clock time, e.g. "2026-11-27T18:00".
    send_at_local: datetime | None = None
    send_at: IsoTimestamp | None = None
    segment: Segment | None = None
    # Short links (issue 19): unset follows the list's link_tracking; false sends every link as written.
    track_links: StrictBool | None = None  # strict: a JSON true/false, not 0/1 or "yes"

    @field_validator("send_at_local")
    @classmethod
    def _naive(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("a local wall-clock time without an offset, e.g. 2026-11-27T18:00")
        return value

    @field_validator("text")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        if value is not None and (problem := lint_text(value)):
            raise ValueError(problem)
        return value

    @field_validator("variants")
    @classmethod
    def _variants(cls, value: list[Variant] | None) -> list[Variant] | None:
        return None if value is None else check_variants(value)

    def texts(self) -> dict[str | None, str]:
        """Variant id → text (``{None: text}`` without an experiment)."""
        return {v.id: v.text for v in self.variants} if self.variants else {None: self.text or ""}

    @model_validator(mode="after")
    def _one_time(self) -> CampaignRequest:
        if self.send_at_local is not None and self.send_at is not None:
            raise ValueError("give send_at_local or send_at, not both")
        return self


def lint_text(value: str, extra: Callable[[str], bool] = lambda _name: False) -> str | None:
    """What is wrong with a message text's placeholders (``None``: nothing). Campaigns and flows share it;
    ``extra`` admits more names (a flow's ``{event.<field>}``)."""
    if trouble := problems(value):  # links: hostile schemes, a placeholder glued to a tracked URL
        return trouble
    value = mask_opt_outs(value)  # {https://…!} is an opted-out link, not a placeholder
    names = {m.group(1).strip() for m in _PLACEHOLDER.finditer(value)}
    unknown = sorted(name for name in names if not known_in_campaigns(name) and not extra(name))
    if unknown:
        only_flows = " ({event.<field>} exists only in flows)" if unknown[0].startswith("event.") else ""
        return f"unknown placeholder {{{unknown[0]}}}{only_flows}; available: {AVAILABLE}"
    try:
        list(string.Formatter().parse(_PLACEHOLDER.sub("", value)))
    except ValueError:
        return "unbalanced { or } in the text"
    return None


def render(
    text: str,
    profile: Mapping[str, Any] | None,
    event: Mapping[str, Any] | None = None,
    coupons: Mapping[str, str] | None = None,
) -> str:
    """Fill ``{name}`` / ``{name|fallback}`` from the profile (its first name and attributes), the trigger
    event and the recipient's coupon codes; a missing value uses the fallback or ''."""
    return fill_values(text, placeholder_values(profile, event, coupons))


def fill_values(text: str, values: Mapping[str, Any]) -> str:
    """Fill placeholders from flat ``{placeholder name: value}`` (one pass: a value is never re-read as a
    template, so a value holding ``{coupon:X}`` stays text)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        return render_value(name, values.get(name)) or (match.group(2) or "")

    filled = re.sub(r" {2,}", " ", _PLACEHOLDER.sub(fill, text))
    return re.sub(r" +([,.!?;:])", r"\1", filled).strip()  # "Hi {first_name}!" without a name → "Hi!"


def with_opt_out(text: str, language: str, diacritics: bool = False) -> str:
    """Append a short opt-out instruction in the list's language unless the text already has one; in
    GSM-7 spelling unless the list opted into diacritics ("zrezygnować" alone would make the message
    UCS-2 and double a short Polish campaign's parts — issue 17)."""
    # Only an explicit STOP instruction counts: words like END appear in ordinary marketing copy.
    from .inbound import fold  # here: the dispatcher renders texts and never needs the inbound keywords

    if "STOP" in re.findall(r"[\w-]+", fold(text)):
        return text
    footer = OPT_OUT_FOOTER.get(language, OPT_OUT_FOOTER["en"])
    footer = footer if diacritics else to_gsm7(footer)
    separator = "" if text.endswith((" ", "\n")) else (" " if text.endswith((".", "!", "?")) else ". ")
    return f"{text}{separator}{footer}"


def preview(text: str, link_base: str | None = None) -> tuple[str, SegmentInfo]:
    """The text as a recipient without a profile gets it; with ``link_base`` (tracking on) each tracked
    link is a placeholder short link of the real length, so parts and costs count what is sent."""
    if link_base:
        text = rewrite(text, [short_url(link_base, PREVIEW_CODE)] * len(tracked_urls(text)))
    rendered = render(unwrap(text), None)
    return rendered, count_segments(rendered)
