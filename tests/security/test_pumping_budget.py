"""Issue 14 #2: one client cannot spend a list's daily sign-up SMS budget, and a list reaches satellite
and other countries' ranges only when it names them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import DEMO_LIST, Clock, LocalAws

BUDGET = 200  # the list's max_confirmations_per_day


def sign_up(aws: LocalAws, phone: str, ip: str, list_id: str = "demo") -> Any:
    return aws.http("POST", "/v1/optin", {"phone": phone, "list_id": list_id, "sms_consent": True}, source_ip=ip)


def test_one_client_reaches_at_most_a_tenth_of_a_lists_daily_budget(aws: LocalAws, clock: Clock) -> None:
    """One client, rotating addresses inside its /24 and numbers across ranges, tries all day long at
    the pace the 10-minute limit allows; then someone else can still sign up."""
    assert aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "max_confirmations_per_day": BUDGET}).status == 201
    clock.now = clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    accepted = 0
    for i in range(144):  # every 10 minutes for 24 h
        accepted += sign_up(aws, f"+4850{i % 10}{i:06d}", ip=f"198.51.100.{i % 250 + 1}").status == 202
        clock.advance(minutes=10)
    clock.advance(minutes=-10)  # still the same UTC day
    assert accepted <= BUDGET // 10, accepted
    assert sign_up(aws, "+48799000111", ip="192.0.2.1").status == 202  # another client still gets through


@pytest.mark.parametrize("phone", ["+881612345678", "+870773123456", "+67570123456", "+69072345", "+992917123456"])
def test_satellite_and_other_countries_are_refused_by_default(aws: LocalAws, clock: Clock, phone: str) -> None:
    config = {k: v for k, v in DEMO_LIST.items() if k != "allowed_countries"}  # unset: Poland only
    assert aws.http("PUT", "/v1/admin/lists/demo", config).status == 201
    reply = sign_up(aws, phone, ip="192.0.2.1")
    assert reply.status == 422, reply.body
    assert "phone" in reply.body["error"]["fields"]
    assert sign_up(aws, "+48501234567", ip="192.0.2.1").status == 202  # its own country


def test_satellite_ranges_only_when_listed(aws: LocalAws, clock: Clock) -> None:
    assert aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST).status == 201  # PL and US, not "001"
    assert sign_up(aws, "+881612345678", ip="192.0.2.1").status == 422
    listed = {**DEMO_LIST, "allowed_countries": ["PL", "001"]}
    assert aws.http("PUT", "/v1/admin/lists/demo", listed).status == 200
    assert sign_up(aws, "+881612345678", ip="192.0.2.2").status == 202
    clock.advance(minutes=1)
    assert sign_up(aws, "+870773123456", ip="192.0.3.2").status == 202


def test_a_foreign_country_gets_a_share_of_the_budget(aws: LocalAws, clock: Clock) -> None:
    config = {**DEMO_LIST, "max_confirmations_per_day": 20}  # PL and US: US may use 10 % = 2
    assert aws.http("PUT", "/v1/admin/lists/demo", config).status == 201
    replies = [sign_up(aws, f"+1{area}5550123", ip=f"192.0.{i}.1") for i, area in enumerate((201, 212, 305, 415))]
    assert [r.status for r in replies] == [202, 202, 429, 429]
    assert "country" in replies[2].body["error"]["fields"]["phone"]
    clock.advance(days=1)
    assert sign_up(aws, "+13105550123", ip="192.0.9.1").status == 202  # a new day
