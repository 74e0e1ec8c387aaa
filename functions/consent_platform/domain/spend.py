"""What a message will cost before it is sent: its encoding warnings, its segment limit, and an estimate
per destination country from the list-price table kept as data (``data/sms_prices.json``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ValidationFailed
from .segments import SegmentInfo, count_segments
from .transliteration import if_gsm7, non_gsm7

PRICES = Path(__file__).with_name("data") / "sms_prices.json"
UNKNOWN_COUNTRY = "unknown"
# A list's default ``max_segments``: 4 parts hold 612 GSM-7 or 268 UCS-2 characters, room for any real
# campaign (a long Polish text with diacritics included), while a runaway text (a pasted newsletter, a
# placeholder gone wrong) is refused before it costs 5-11 parts per recipient. End User Messaging accepts
# up to 1,600 characters (11 GSM-7 parts), so a list may raise it to 10.
DEFAULT_MAX_SEGMENTS = 4


@cache
def price_table() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(PRICES.read_text(encoding="utf-8"))
    return loaded


def price_per_part(country: str) -> float | None:
    """List price of one part to ``country`` (carrier pass-through fee included); None when unknown."""
    entry = price_table()["countries"].get(country)
    if entry is None:
        return None
    return float(entry["per_part"]) + float(entry.get("carrier_fee_per_part", 0.0))


def country_of_rule(rule_code: str) -> str:
    """A plan bucket's destination country, from its quiet-hours rule code ("PL", "US-FL"; "DEFAULT"
    is a number without a region)."""
    country = rule_code.split("-", 1)[0]
    return country if len(country) == 2 else UNKNOWN_COUNTRY


def estimate(segments: int, recipients: dict[str, int]) -> tuple[dict[str, float | None], float]:
    """Cost per destination country (None where the table has no price) and the priced total."""
    by_country: dict[str, float | None] = {}
    for country, count in sorted(recipients.items()):
        price = price_per_part(country)
        by_country[country] = None if price is None else round(count * segments * price, 4)
    return by_country, round(sum(v for v in by_country.values() if v is not None), 4)


def warnings(text: str, info: SegmentInfo, unpriced: list[str]) -> list[dict[str, Any]]:
    """What the marketer should know before paying: the characters that force UCS-2 (and the parts the
    message would need without them), and the countries the estimate leaves out."""
    out: list[dict[str, Any]] = []
    if info.encoding == "UCS-2":
        out.append(
            {
                "code": "ucs2",
                "characters": non_gsm7(text),
                "segments": info.segments,
                "segments_if_gsm7": count_segments(if_gsm7(text)).segments,
            }
        )
    if unpriced:
        out.append({"code": "no_price", "countries": unpriced})
    return out


def check_segments(info: SegmentInfo, limit: int, field: str = "text") -> None:
    """Refuse (422) a message longer than the list allows, naming the field."""
    if info.segments > limit:
        raise ValidationFailed(
            f"the message needs {info.segments} parts; the list allows {limit}",
            {
                field: f"{info.segments} {info.encoding} segments ({info.characters} characters) exceeds the "
                f"list's max_segments ({limit})"
            },
        )
