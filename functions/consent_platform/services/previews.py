"""Previews of personalised texts: the message for a sample contact, and the most parts it can take.

The worst case fills every placeholder at its declared maximum (domain/personalise.py: first name 100,
attribute 500, event field 200 — cut there when rendered —, a coupon its pool's longest code) in the
costliest spelling the list lets through, after the list's own spelling (``StoredList.outgoing``). A text
that names a coupon pool nobody uploaded is refused (422 naming the field): it could never be sent.
"""

from __future__ import annotations

from typing import Any

from ..adapters.dynamodb.stores import Stores
from ..domain.campaigns import fill_values
from ..domain.errors import ValidationFailed
from ..domain.links import PREVIEW_CODE, rewrite, short_url, tracked_urls, unwrap
from ..domain.lists import StoredList
from ..domain.personalise import sample_values, worst_case
from ..domain.segments import count_segments
from .coupons import longest_codes, longest_of


def text_preview(
    stores: Stores, text: str, stored: StoredList, link_base: str | None = None, field: str = "text"
) -> dict[str, Any]:
    """``sample_text`` / ``sample_segments`` (a sample contact) and ``worst_case_segments`` /
    ``worst_case_encoding`` of a text as the list sends it (opt-out footer already in ``text``)."""
    known = longest_codes(stores, text)
    missing = sorted(pool for pool, longest in known.items() if longest is None)
    if missing:
        raise ValidationFailed(
            f"coupon pool {missing[0]!r} has no codes; upload them first (POST /v1/admin/coupons/{missing[0]})",
            {field: f"unknown coupon pool {{coupon:{missing[0]}}}"},
        )
    longest = longest_of(known)
    if link_base:  # tracked links go out as short links of this length
        text = rewrite(text, [short_url(link_base, PREVIEW_CODE)] * len(tracked_urls(text)))
    body = unwrap(text)

    def spell(template: str, values: dict[str, str]) -> str:
        return stored.outgoing(fill_values(template, values))

    sample = spell(body, sample_values(body, longest))
    worst = worst_case(body, spell, longest)
    return {
        "sample_text": sample,
        "sample_segments": count_segments(sample).segments,
        "worst_case_segments": worst.segments,
        "worst_case_encoding": worst.encoding,
    }
