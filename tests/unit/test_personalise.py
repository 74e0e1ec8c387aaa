"""Placeholders: parsing (lint), rendering with fallbacks, the sample contact and the worst-case parts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consent_platform.domain.campaigns import Segment, fill_values, lint_text, render
from consent_platform.domain.coupons import MAX_CODES, parse_upload
from consent_platform.domain.errors import PayloadTooLarge, ValidationFailed
from consent_platform.domain.personalise import (
    ATTRIBUTE_MAX,
    EVENT_VALUE_MAX,
    coupon_pools,
    known_in_flows,
    sample_values,
    worst_case,
)

PROFILE = {"first_name": "Ala", "attributes": {"tier": "Gold", "points": 120, "vip": True, "ratio": 2.0}}


@pytest.mark.parametrize(
    "text",
    ["{first_name|Hi}", "{attributes.tier|member}", "{attributes.loyalty-level}", "Code {coupon:CART10}", "x"],
)
def test_campaign_texts_may_use_profile_attributes_and_coupons(text: str) -> None:
    assert lint_text(text) is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Your {event.url}", "{event.url}"),
        ("{last_name}", "{last_name}"),
        ("{attributes.}", "{attributes.}"),
        ("{attributes.a.b}", "{attributes.a.b}"),
        ("{coupon:}", "{coupon:}"),
        ("{coupon:a b}", "{coupon:a b}"),
    ],
)
def test_unknown_placeholders_are_named(text: str, named: str) -> None:
    problem = lint_text(text)
    assert problem is not None and named in problem


def test_event_fields_only_in_flows() -> None:
    assert "exists only in flows" in (lint_text("{event.url}") or "")
    assert lint_text("{event.url}", extra=known_in_flows) is None


def test_render_fills_attributes_event_and_coupons_with_fallbacks() -> None:
    text = "{first_name|Hi} {attributes.tier|member} {attributes.points} {attributes.vip} {attributes.ratio}"
    assert render(text, PROFILE) == "Ala Gold 120 yes 2"
    assert render("{attributes.tier|member}, {event.product|items}", {}, {}) == "member, items"
    assert render("{event.product|items}", None, {"product": "shoes"}) == "shoes"
    assert render("Code {coupon:CART10}", None, coupons={"CART10": "CART10-AB"}) == "Code CART10-AB"


def test_an_event_value_is_cut_at_its_declared_maximum() -> None:
    assert render("{event.note}", None, {"note": "a" * 1000}) == "a" * EVENT_VALUE_MAX


def test_a_value_is_never_read_as_a_template() -> None:
    profile = {"attributes": {"tier": "{coupon:CART10} {first_name}"}, "first_name": "Ala"}
    assert render("{attributes.tier}", profile, coupons={"CART10": "SECRET"}) == "{coupon:CART10} {first_name}"


def test_coupon_pools_of_a_text() -> None:
    assert coupon_pools("{coupon:A} {coupon:B} {coupon:A} {coupon:bad pool}") == ["A", "B"]


def test_sample_contact_uses_fallbacks_names_and_the_longest_code() -> None:
    text = "{first_name} {attributes.tier} {attributes.city|Warsaw} {coupon:P}"
    assert fill_values(text, sample_values(text, lambda _pool: 6)) == "Alex <tier> Warsaw XXXXXX"


def test_worst_case_counts_each_placeholder_at_its_maximum() -> None:
    def spell(template: str, values: dict[str, str]) -> str:
        return fill_values(template, values)

    assert worst_case("Hi", spell).segments == 1
    # 100 name characters as GSM-7 extension characters: 200 septets + 3 → 2 parts
    assert worst_case("Hi {first_name}!", spell).segments == 2
    attribute = worst_case("{attributes.x}", spell)  # 500 characters outside GSM-7: UCS-2, 67 a part
    assert (attribute.encoding, attribute.segments) == ("UCS-2", -(-ATTRIBUTE_MAX // 67))
    # a coupon counts its pool's longest code: 149 characters + 11 fit one part, + 12 do not
    text = "a" * 148 + " {coupon:P}"
    assert worst_case(text, spell, lambda _pool: 11).segments == 1
    assert worst_case(text, spell, lambda _pool: 12).segments == 2


def test_worst_case_follows_the_lists_spelling() -> None:
    from consent_platform.domain.transliteration import fit_gsm7

    # A list that transliterates spells "ś" as "s": its worst is 500 extension characters (1000 septets).
    gsm = worst_case("{attributes.x}", lambda t, v: fit_gsm7(fill_values(t, v)))
    assert (gsm.encoding, gsm.segments) == ("GSM-7", -(-ATTRIBUTE_MAX * 2 // 153))


def test_coupon_conditions() -> None:
    now = datetime(2031, 1, 1, tzinfo=UTC)
    redeemed = {"coupons_redeemed": ["CART10"]}
    assert Segment(coupon_redeemed="CART10").matches(redeemed, "PL", now)
    assert not Segment(coupon_redeemed="CART10").matches({}, "PL", now)
    assert Segment(coupon_not_redeemed="CART10").matches({}, "PL", now)
    assert not Segment(coupon_not_redeemed="CART10").matches(redeemed, "PL", now)


def test_upload_parsing() -> None:
    assert parse_upload(b"a-123\n\n  B_456 \n", "text/plain") == ["A-123", "B_456"]
    assert parse_upload(b'{"codes": ["abc", "ABC"]}', "application/json") == ["ABC", "ABC"]
    with pytest.raises(ValidationFailed) as bad:
        parse_upload(b"GOOD1\nBAD CODE\n", "text/plain")
    assert "codes[1]" in bad.value.fields
    with pytest.raises(PayloadTooLarge):
        parse_upload("\n".join(f"C{i:05d}" for i in range(MAX_CODES + 1)).encode(), "text/plain")
