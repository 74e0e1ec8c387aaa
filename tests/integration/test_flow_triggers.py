"""Date and inactivity flow triggers on moto (issue #18): a birthday flow fires at 10:00 in the recipient's
zone on the day, once a year; an inactivity flow fires N days after the last activity, and each activity
pushes it back; imports start a welcome flow only when it says ``include_imports``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consent_platform.domain.clock import iso
from infra.local.invoker import Invoker
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

PHONE = "+48501234567"  # Europe/Warsaw: 10:00 local is 09:00 UTC in winter
SHOP = {
    **DEMO_LIST,
    "opt_in": "single",
    "language": "en",
    "brand": "Shop",
    "consent_text": {"version": "1", "text": "Yes"},
}
BIRTHDAY = {
    "list_id": "shop",
    "name": "Birthday",
    "trigger": {"date_attribute": "birthday", "at_local": "10:00"},
    "steps": [{"send": {"text": "Happy birthday from Shop!"}}],
}
WINBACK = {
    "list_id": "shop",
    "name": "Win-back",
    "trigger": {"inactive_days": 60},
    "exit_on": ["Customer.Activity"],
    "steps": [{"send": {"text": "We miss you"}}],
}


@pytest.fixture
def shop(aws: LocalAws, clock: Clock) -> LocalAws:
    clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    return aws


def subscribe(aws: LocalAws, phone: str = PHONE) -> None:
    form = {"phone": phone, "list_id": "shop", "sms_consent": True}
    assert aws.http("POST", "/v1/optin", form, source_ip=f"198.51.{int(phone[-3:])}.7").status in (200, 201, 202)
    aws.drain()


def sweep(aws: LocalAws) -> None:
    for _ in range(2):  # a watch fired in one run is an enrollment the next run walks
        Invoker(aws.stack).invoke("FlowSweepFunction", {})
    aws.drain()


def texts(phone: str = PHONE) -> list[str]:
    return [m["body"] for m in sent_sms() if m["to"] == phone and "Reply STOP" in m["body"]]


def at(clock: Clock, when: datetime) -> None:
    clock.now = when


def activity(aws: LocalAws, when: datetime, phone: str = PHONE) -> None:
    event: dict[str, Any] = {
        "version": "0",
        "id": "e",
        "detail-type": "Customer.Activity",
        "source": "shop",
        "detail": {"phone": phone, "at": iso(when)},
    }
    Invoker(aws.stack).invoke("AudienceEventsFunction", event)


def test_birthday_flow_fires_at_ten_local_on_the_day_once_a_year(shop: LocalAws, clock: Clock) -> None:
    other = "+48501234568"
    for phone in (PHONE, other):
        subscribe(shop, phone)
    patch = {"attributes": {"birthday": "1990-11-25"}}
    assert shop.http("PATCH", "/v1/admin/contacts/%2B48501234567", patch).status == 200
    assert (
        shop.http("PATCH", "/v1/admin/contacts/%2B48501234568", {"attributes": {"birthday": "1990-12-01"}}).status
        == 200
    )
    assert shop.http("PUT", "/v1/admin/flows/birthday", BIRTHDAY).status == 201
    sweep(shop)
    at(clock, datetime(2026, 11, 25, 8, 59, tzinfo=UTC))  # 09:59 in Warsaw
    sweep(shop)
    assert texts() == []
    at(clock, datetime(2026, 11, 25, 9, 1, tzinfo=UTC))
    sweep(shop)
    assert texts() == ["Happy birthday from Shop! Reply STOP to opt out"]
    at(clock, datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    sweep(shop)
    assert len(texts()) == 1 and texts(other) == []
    at(clock, datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    sweep(shop)
    at(clock, datetime(2026, 12, 1, 9, 1, tzinfo=UTC))
    sweep(shop)
    assert texts(other) == ["Happy birthday from Shop! Reply STOP to opt out"]
    at(clock, datetime(2027, 11, 25, 9, 1, tzinfo=UTC))  # a year on: every day since is planned in one run
    sweep(shop)
    sweep(shop)
    assert len(texts()) == 2 and len(texts(other)) == 1
    stats = shop.http("GET", "/v1/admin/flows/birthday").body["stats"]
    assert stats["entered"] == 3


def test_inactivity_flow_fires_after_n_days_and_activity_pushes_it_back(shop: LocalAws, clock: Clock) -> None:
    subscribe(shop)
    assert shop.http("PUT", "/v1/admin/flows/winback", WINBACK).status == 201
    start = clock.now
    activity(shop, start)
    at(clock, start + timedelta(days=59))
    sweep(shop)
    activity(shop, clock.now)  # back on day 59: due again 60 days from now
    activity(shop, start + timedelta(days=1))  # a late, older event changes nothing
    at(clock, start + timedelta(days=61))
    sweep(shop)
    assert texts() == []
    at(clock, start + timedelta(days=119, minutes=1))
    sweep(shop)
    assert texts() == ["We miss you. Reply STOP to opt out"]
    at(clock, start + timedelta(days=200))
    sweep(shop)
    assert len(texts()) == 1  # once per inactive period


def test_unsubscribed_numbers_get_no_birthday_or_winback(shop: LocalAws, clock: Clock) -> None:
    assert shop.http("PUT", "/v1/admin/flows/birthday", BIRTHDAY).status == 201
    assert shop.http("PUT", "/v1/admin/flows/winback", WINBACK).status == 201
    subscribe(shop)
    assert (
        shop.http("PATCH", "/v1/admin/contacts/%2B48501234567", {"attributes": {"birthday": "--11-24"}}).status == 200
    )
    shop.text("STOP")
    shop.drain()
    activity(shop, clock.now)
    at(clock, clock.now + timedelta(days=61))
    sweep(shop)
    assert texts() == []


def test_imports_start_a_welcome_flow_only_when_it_says_include_imports(shop: LocalAws, clock: Clock) -> None:
    uk = {**SHOP, "default_country": "GB", "allowed_countries": ["GB"], "brand": "Tea"}
    assert shop.http("PUT", "/v1/admin/lists/tea", uk).status == 201  # soft opt-in: a UK list
    steps = [{"send": {"text": "Welcome aboard"}}]
    with_imports = {
        "list_id": "tea",
        "name": "Welcome",
        "trigger": {"event": "Consent.Confirmed", "include_imports": True},
    }
    plain = {"list_id": "tea", "name": "Plain", "trigger": {"event": "Consent.Confirmed"}}
    assert shop.http("PUT", "/v1/admin/flows/imported", {**with_imports, "steps": steps}).status == 201
    assert (
        shop.http("PUT", "/v1/admin/flows/plain", {**plain, "steps": [{"send": {"text": "Plain hello"}}]}).status == 201
    )
    csv = "phone,evidence\n+447400123456,crm-2026\n+447400123457,crm-2026\n"
    headers = {"content-type": "text/csv"}
    for _ in range(2):  # the same file twice: enrolled once
        reply = shop.http("POST", "/v1/admin/lists/tea/import", raw=csv, headers=headers)
        assert reply.status == 200, reply.body
    sweep(shop)
    assert texts("+447400123456") == texts("+447400123457") == ["Welcome aboard. Reply STOP to opt out"]
    assert shop.http("GET", "/v1/admin/flows/imported").body["stats"]["entered"] == 2
    assert shop.http("GET", "/v1/admin/flows/plain").body["stats"]["entered"] == 0
