"""Experiments (issue 19): A/B variants, the hold-out group, and the statistics that compare them.
Pure: no AWS, no clock.

Assignment. ``bucket_of`` maps (campaign, number) to [0, 10 000) with HMAC-SHA256 under the link key
(SSM, ``adapters/link_key.py``): deterministic — a retried page, a redelivered message or a re-dispatched
bucket puts the number in the same group — and not predictable without the key (a recipient cannot work
out which group a number falls in). The first ``holdout_percent × 100`` buckets are the hold-out; the
rest are split between the variants in proportion to their weights.

Lift. Each variant's conversion rate minus the hold-out's, with a 95 % interval by Newcombe's hybrid
score method (Newcombe 1998, method 10: Wilson score intervals of both proportions, combined). It is a
standard two-proportion interval that, unlike the Wald interval, stays inside [-1, 1] and keeps its
coverage at the small counts and rates (a few conversions in thousands) that SMS campaigns produce.
A variant is significant only when the interval excludes zero; the campaign's ``winner`` is the variant
with the highest lift among those whose interval lies entirely above zero (``None`` otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

BUCKETS = 10_000
HOLDOUT = "holdout"  # lower case: never a variant id ([A-Z0-9])
VARIANT_ID = re.compile(r"^[A-Z0-9]{1,8}$")
MIN_VARIANTS, MAX_VARIANTS = 2, 5
MAX_HOLDOUT_PERCENT = 50
Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


class Variant(BaseModel):
    """One text of an experiment and its share of the non-held-out recipients."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=8)
    text: str = Field(min_length=1, max_length=1600)
    weight: int = Field(default=1, ge=1, le=10_000)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not VARIANT_ID.match(value):
            raise ValueError("1 to 8 characters A-Z or 0-9")
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        from .campaigns import lint_text  # the same checks as a campaign's ``text`` (links, placeholders)

        value = value.strip()
        if not value:
            raise ValueError("empty")
        if problem := lint_text(value):
            raise ValueError(problem)
        return value


def check_variants(variants: list[Variant]) -> list[Variant]:
    """2 to 5 variants with distinct ids (the order given is the order of the weight ranges)."""
    if not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        raise ValueError(f"{MIN_VARIANTS} to {MAX_VARIANTS} variants")
    ids = [v.id for v in variants]
    if len(set(ids)) != len(ids):
        raise ValueError("variant ids must be unique")
    return variants


def bucket_of(key: bytes, campaign_id: str, phone: str) -> int:
    """The number's bucket in this campaign, in [0, BUCKETS): 64 bits of the HMAC, reduced (bias 1e-15)."""
    digest = hmac.new(key, f"{campaign_id}:{phone}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def assign(bucket: int, weights: list[tuple[str, int]], holdout_percent: int) -> str:
    """``HOLDOUT`` for the first ``holdout_percent`` % of buckets, else the variant whose weight range
    holds the bucket's position among the rest."""
    held = holdout_percent * BUCKETS // 100
    if bucket < held:
        return HOLDOUT
    position, rest = bucket - held, BUCKETS - held
    total = sum(weight for _, weight in weights)
    running = 0
    for variant_id, weight in weights:
        running += weight
        if position * total < running * rest:  # position / rest < running / total, in integers
            return variant_id
    return weights[-1][0]


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval of one proportion."""
    if n <= 0:
        return Interval(0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def newcombe(x1: int, n1: int, x0: int, n0: int, z: float = Z95) -> Interval:
    """95 % interval of p1 − p0 (Newcombe's hybrid score method, no continuity correction)."""
    p1, p0 = x1 / n1, x0 / n0
    a, b = wilson(x1, n1, z), wilson(x0, n0, z)
    diff = p1 - p0
    low = diff - math.sqrt((p1 - a.low) ** 2 + (b.high - p0) ** 2)
    high = diff + math.sqrt((a.high - p1) ** 2 + (p0 - b.low) ** 2)
    return Interval(low, high)


def lift(x1: int, n1: int, x0: int, n0: int) -> dict[str, Any] | None:
    """A variant against the hold-out: the difference of conversion rates with its interval, and the
    relative lift (``None`` while the hold-out converted nobody). ``None`` before both groups have people."""
    if n1 <= 0 or n0 <= 0:
        return None
    p1, p0 = x1 / n1, x0 / n0
    interval = newcombe(x1, n1, x0, n0)
    return {
        "difference": round(p1 - p0, 6),
        "interval_95": [round(interval.low, 6), round(interval.high, 6)],
        "relative": round(p1 / p0 - 1, 4) if p0 else None,
        "significant": interval.excludes_zero(),
        "method": "newcombe-hybrid-score",
    }


def group_stats(counts: dict[str, int], group: str, audience: int | None = None) -> dict[str, Any]:
    """One group's figures from the campaign's counters (``variant#<group>#<name>``). ``audience``: what
    the conversion rate divides by — a variant's ``sent`` (the default), the hold-out's ``held_out``."""

    def get(name: str) -> int:
        return int(counts.get(f"variant#{group}#{name}", 0))

    sent, unique = get("sent"), get("unique_clicks")
    by_click, by_view = get("conversions_click"), get("conversions_view")
    audience = sent if audience is None else audience
    prefix = f"variant#{group}#revenue_micro#"
    revenue = {key.removeprefix(prefix): v / 1_000_000 for key, v in counts.items() if key.startswith(prefix) and v}
    return {
        "sent": sent,
        "delivered": get("delivered"),
        "clicks": get("clicks"),
        "unique_clicks": unique,
        "ctr": round(unique / sent, 4) if sent else None,
        "conversions": by_click + by_view,
        "conversions_click": by_click,
        "conversions_view": by_view,
        "revenue": revenue,
        "conversion_rate": round((by_click + by_view) / audience, 6) if audience else None,
    }


def experiment_stats(variant_ids: list[str], holdout_percent: int, counts: dict[str, int]) -> dict[str, Any]:
    """Every variant's figures, the hold-out's (``held_out``: recipients recorded and not sent; its
    conversions are the baseline), each variant's lift over the hold-out, and the winner."""
    variants = {v: group_stats(counts, v) for v in variant_ids}
    holdout = None
    if holdout_percent:
        held = int(counts.get("held_out", 0))
        holdout = group_stats(counts, HOLDOUT, held) | {"held_out": held}
        for figures in variants.values():
            figures["lift"] = lift(figures["conversions"], figures["sent"], holdout["conversions"], holdout["held_out"])
    significant = {
        v: f["lift"]["difference"]
        for v, f in variants.items()
        if f.get("lift") and f["lift"]["significant"] and f["lift"]["difference"] > 0
    }
    winner = max(significant, key=lambda v: significant[v]) if significant else None
    return {"holdout_percent": holdout_percent, "variants": variants, "holdout": holdout, "winner": winner}
