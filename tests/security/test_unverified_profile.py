"""Issue 14 #1: a sign-up that has not proven control of the number never overwrites what a verified
source set, records no consent for another channel, and its declared time zone never opens a night.

The attacker knows only the victim's number. The victim confirmed list ``shop`` with the name "Ann".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from consent_platform.domain.clock import parse_iso
from infra.local.invoker import Invoker
from infra.local.schedules import LocalScheduler
from tests.integration.conftest import Clock, LocalAws, sent_sms

VICTIM = "+12125550123"  # New York
NY = ZoneInfo("America/New_York")
SHORT_CODE = "12345"
BASE: dict[str, Any] = {
    "opt_in": "double",
    "language": "en",
    "default_country": "US",
    "allowed_countries": ["US"],
    "frequency": "up to 4 msgs/month",
    "support": "help@shop.example",
    "terms_url": "https://shop.example/terms",
    "privacy_url": "https://shop.example/privacy",
    "consent_text": {"version": "1", "text": "Yes, texts from Shop"},
    "origination": {"US": SHORT_CODE, "default": SHORT_CODE},
}
SHOP = {
    **BASE,
    "brand": "Shop",
    "cart_abandoned": {"text": "Hi {first_name|there}, your cart is waiting: {url}", "delay_hours": 48},
}
PHISH: dict[str, Any] = {
    "phone": VICTIM,
    "sms_consent": True,
    "first_name": "PHISH: account blocked https://evil.example",
    "timezone": "Asia/Tokyo",
    "email": "attacker@evil.example",
    "email_consent": "on",
}


@pytest.fixture
def victim(aws: LocalAws, clock: Clock) -> LocalAws:
    """Lists ``shop`` (confirmed by the victim), ``promo`` (double opt-in) and ``flash`` (single opt-in)."""
    for list_id, config in (
        ("shop", SHOP),
        ("promo", {**BASE, "brand": "Promo"}),
        ("flash", {**BASE, "brand": "Flash", "opt_in": "single"}),
    ):
        assert aws.http("PUT", f"/v1/admin/lists/{list_id}", config).status == 201
    signup = {"phone": VICTIM, "list_id": "shop", "sms_consent": True, "first_name": "Ann"}
    assert aws.http("POST", "/v1/optin", signup, source_ip="192.0.2.10").status == 202
    aws.drain()
    aws.text("YES", sender=VICTIM, to=SHORT_CODE)
    assert profile(aws)["first_name"] == "Ann"
    return aws


def contact(aws: LocalAws) -> dict[str, Any]:
    reply = aws.http("GET", f"/v1/admin/contacts/{VICTIM.replace('+', '%2B')}")
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def profile(aws: LocalAws) -> dict[str, Any]:
    return contact(aws)["profile"]  # type: ignore[no-any-return]


def attack(aws: LocalAws, list_id: str, form: bool = False) -> None:
    reply = aws.http("POST", "/v1/optin", {**PHISH, "list_id": list_id}, form=form, source_ip="198.51.100.66")
    assert reply.status == 202, reply.body
    aws.drain()


def email_entries(aws: LocalAws) -> list[dict[str, Any]]:
    return [entry for entry in contact(aws)["ledger"] if entry["channel"] != "sms"]


def test_an_unconfirmed_double_opt_in_changes_nothing_a_campaign_uses(victim: LocalAws, clock: Clock) -> None:
    before = profile(victim)
    attack(victim, "promo")
    attack(victim, "promo", form=True)
    after = profile(victim)
    assert {k: after[k] for k in ("first_name", "timezone", "email", "email_consent_at")} == {
        k: before[k] for k in ("first_name", "timezone", "email", "email_consent_at")
    }
    assert email_entries(victim) == []
    # The next campaign of the list the victim did confirm greets them by the verified name.
    day = (clock.now.astimezone(NY) + timedelta(days=3)).date()
    reply = victim.http(
        "POST",
        "/v1/admin/campaigns",
        {
            "list_id": "shop",
            "name": "BF",
            "text": "Hi {first_name|there}, Black Friday",
            "send_at_local": f"{day}T12:00",
        },
    )
    assert reply.status == 201, reply.body
    [bucket] = reply.body["plan"]
    assert bucket["timezone"] == "America/New_York"
    clock.now = parse_iso(bucket["send_at_utc"])
    LocalScheduler(victim.stack, Invoker(victim.stack)).fire_due(clock.now, wait=False)
    while victim.receive_count("OutboundQueue"):
        victim.drain()
    assert [m["body"] for m in sent_sms() if "Black Friday" in m["body"]] == [
        "Hi Ann, Black Friday. Reply STOP to opt out"
    ]


def test_a_single_opt_in_form_fills_gaps_only_and_records_no_email_consent(victim: LocalAws) -> None:
    attack(victim, "flash", form=True)
    after = profile(victim)
    assert after["first_name"] == "Ann"  # verified: not replaced
    assert after["email"] is None and after["email_consent_at"] is None
    assert email_entries(victim) == []


def test_a_declared_zone_outside_the_numbers_zones_cannot_open_the_night(victim: LocalAws, clock: Clock) -> None:
    """The victim never gave a zone, so the single opt-in form may fill it with "Asia/Tokyo"; quiet hours
    still follow New York: a cart due at midnight New York time waits for the morning."""
    attack(victim, "flash")
    assert profile(victim)["timezone"] == "Asia/Tokyo"  # an empty field, filled (kept for the record)
    ny_midnight = (clock.now.astimezone(NY) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    clock.now = ny_midnight - timedelta(hours=48)  # the cart is due 48 h later: 00:00 in New York, 14:00 in Tokyo
    cart = {"list_id": "shop", "phone": VICTIM, "cart_id": "c-1", "url": "https://shop.example/c/1"}
    reply = victim.http("POST", "/v1/admin/triggers", cart)
    assert reply.status == 202, reply.body
    local = parse_iso(reply.body["send_at_utc"]).astimezone(NY)
    assert 8 <= local.hour < 21, local  # the US federal window in New York, not in Tokyo


def test_a_confirmation_applies_what_its_own_sign_up_brought(victim: LocalAws) -> None:
    """The other side of the rule: the number's owner confirming makes the data verified."""
    reply = victim.http(
        "POST",
        "/v1/optin",
        {
            "phone": VICTIM,
            "list_id": "promo",
            "sms_consent": True,
            "first_name": "Annie",
            "email": "ann@example.com",
            "email_consent": True,
        },
    )
    assert reply.status == 202
    victim.drain()
    assert profile(victim)["first_name"] == "Ann" and email_entries(victim) == []
    victim.text("YES", sender=VICTIM, to=SHORT_CODE)
    after = profile(victim)
    assert (after["first_name"], after["email"]) == ("Annie", "ann@example.com")
    [entry] = email_entries(victim)
    assert (entry["action"], entry["channel"], entry["list_id"]) == ("granted", "email", "promo")
    assert entry["ip"] == "203.0.113.7"  # the form's evidence, recorded when the number confirmed it
