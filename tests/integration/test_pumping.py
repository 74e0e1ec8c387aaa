"""SMS-pumping defences through the real handlers on moto: bursts of sign-ups send no more SMS than the
limits allow, every refused request is a 429 with Retry-After that wrote nothing, and limits reset."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import boto3
import pytest

from consent_platform.domain.phone import normalize_phone
from consent_platform.domain.pumping import DEFAULT_RATE_LIMITS, client_subject, parse_limits
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

# The first fixed limit of each scope (the shares of a list's budget are tested in tests/security).
LIMITS = {limit.scope: limit for limit in reversed(parse_limits(DEFAULT_RATE_LIMITS)) if not limit.share}
IP = "203.0.113.66"
# 1,000 sign-ups through the handler on moto take about 22 s: the one-IP burst runs them by default,
# the range walk runs 200 by default and 1,000 with the slow marker.
BURSTS = [200, pytest.param(1000, marks=pytest.mark.slow)]


def spread_numbers(n: int) -> list[str]:
    """n valid Polish mobile numbers in n different 7-digit ranges (only the IP limit applies)."""
    numbers = [f"+48{500 + i % 10}{(i // 10) % 100:02d}{i % 10000:04d}" for i in range(n)]
    assert len({number[:8] for number in numbers}) == n
    return numbers


def one_range(n: int) -> list[str]:
    """n numbers inside one 7-digit range, as a pumping attack walks a premium block."""
    return [f"+4850123{i:04d}" for i in range(n)]


def sign_up(aws: LocalAws, phone: str, ip: str = IP, list_id: str = "demo") -> Any:
    return aws.http("POST", "/v1/optin", {"phone": phone, "list_id": list_id, "sms_consent": True}, source_ip=ip)


def scan(aws: LocalAws, logical_id: str) -> list[dict[str, Any]]:
    name = aws.stack.attributes[logical_id]["Ref"]
    items: list[dict[str, Any]] = []
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=name):
        items.extend(page["Items"])
    return items


def state_items(aws: LocalAws) -> list[str]:
    """Everything a sign-up writes except the request counters themselves."""
    return sorted(
        f"{i['pk']['S']}|{i['sk']['S']}"
        for i in scan(aws, "ConsentTable")
        if i["pk"]["S"].startswith(("PHONE#", "LSTATS#", "LCAP#")) and not i["sk"]["S"].startswith("RL#")
    )


def assert_refused(reply: Any, field: str, max_wait: int) -> None:
    assert reply.status == 429, reply.body
    assert reply.body["error"]["code"] == "rate_limited"
    assert field in reply.body["error"]["fields"], reply.body
    assert 1 <= int(reply.headers["Retry-After"]) <= max_wait


def test_numbers_for_the_bursts_are_valid_mobiles() -> None:
    for phone in spread_numbers(1000)[::37] + one_range(1000)[::37]:
        assert normalize_phone(phone).e164 == phone


def test_burst_of_1000_from_one_ip_sends_at_most_the_ip_limit(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    burst = 1000
    started = time.monotonic()
    ip_limit = LIMITS["ip"]
    replies = [sign_up(aws, phone) for phone in spread_numbers(burst)]
    aws.drain()
    statuses = Counter(r.status for r in replies)
    assert statuses == {202: ip_limit.requests, 429: burst - ip_limit.requests}
    assert len(sent_sms()) == ip_limit.requests
    for reply in replies[ip_limit.requests :]:
        assert_refused(reply, "ip", ip_limit.window_seconds)
    # Refused requests wrote nothing: one ledger entry and one profile per accepted sign-up, and the
    # client's counter stopped at the limit (a cancelled transaction increments nothing).
    assert len(scan(aws, "LedgerTable")) == ip_limit.requests
    [counter] = [
        i
        for i in scan(aws, "ConsentTable")
        if i["pk"]["S"] == f"RL#ip#{client_subject(IP)}" and i["sk"]["S"].startswith(f"W#{ip_limit.window_seconds}#")
    ]
    assert int(counter["count"]["N"]) == ip_limit.requests
    assert int(counter["ttl"]["N"]) > clock.now.timestamp()
    print(f"{burst} sign-ups in {time.monotonic() - started:.1f} s")


@pytest.mark.parametrize("burst", BURSTS)
def test_burst_walking_one_number_range_from_many_ips(aws: LocalAws, demo_list: dict, clock: Clock, burst: int) -> None:
    prefix_limit = LIMITS["prefix"]
    replies = [sign_up(aws, phone, ip=f"10.{i // 250}.{i % 250}.1") for i, phone in enumerate(one_range(burst))]
    aws.drain()
    assert Counter(r.status for r in replies) == {202: prefix_limit.requests, 429: burst - prefix_limit.requests}
    assert len(sent_sms()) == prefix_limit.requests
    for reply in replies[prefix_limit.requests :]:
        assert_refused(reply, "phone", prefix_limit.window_seconds)
        assert "range" in reply.body["error"]["fields"]["phone"]
    assert len(scan(aws, "LedgerTable")) == prefix_limit.requests


def test_rotating_numbers_in_one_range_from_one_ip_hits_the_ip_limit_first(
    aws: LocalAws, demo_list: dict, clock: Clock
) -> None:
    replies = [sign_up(aws, phone) for phone in one_range(100)]
    aws.drain()
    assert sum(r.status == 202 for r in replies) == min(LIMITS["ip"].requests, LIMITS["prefix"].requests)
    assert len(sent_sms()) == min(LIMITS["ip"].requests, LIMITS["prefix"].requests)


def test_refused_request_writes_nothing(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    for phone in spread_numbers(LIMITS["ip"].requests):
        assert sign_up(aws, phone).status == 202
    aws.drain()
    before_state, before_ledger = state_items(aws), scan(aws, "LedgerTable")
    before_counters = sorted(str(i) for i in scan(aws, "ConsentTable") if i["pk"]["S"].startswith("RL#"))
    refused = sign_up(aws, "+48799000111")
    assert_refused(refused, "ip", LIMITS["ip"].window_seconds)
    aws.drain()
    assert state_items(aws) == before_state
    assert scan(aws, "LedgerTable") == before_ledger
    assert sorted(str(i) for i in scan(aws, "ConsentTable") if i["pk"]["S"].startswith("RL#")) == before_counters
    assert aws.receive("OutboundQueue") == []
    assert all(not sk.startswith("PHONE#+48799000111") for sk in state_items(aws))


def test_limits_reset_after_the_window(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    ip_limit = LIMITS["ip"]
    numbers = spread_numbers(3 * ip_limit.requests)
    first = [sign_up(aws, phone) for phone in numbers[: ip_limit.requests + 5]]
    assert sum(r.status == 202 for r in first) == ip_limit.requests
    wait = int(first[-1].headers["Retry-After"])
    clock.advance(seconds=wait - 1)
    assert sign_up(aws, numbers[-1]).status == 429  # one second before the window ends
    clock.advance(seconds=1)
    again = [sign_up(aws, phone) for phone in numbers[ip_limit.requests + 5 : 2 * ip_limit.requests + 10]]
    assert sum(r.status == 202 for r in again) == ip_limit.requests
    aws.drain()
    assert len(sent_sms()) == 2 * ip_limit.requests


def test_one_number_is_limited_per_hour_and_the_field_is_phone(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    phone_limit = LIMITS["phone"]
    replies = []
    for i in range(phone_limit.requests + 2):
        replies.append(sign_up(aws, "+48501234567", ip=f"192.0.2.{i}"))
        clock.advance(seconds=1)
    assert [r.status for r in replies[: phone_limit.requests]] == [202] * phone_limit.requests
    for reply in replies[phone_limit.requests :]:
        assert_refused(reply, "phone", phone_limit.window_seconds)
    aws.drain()
    assert len(sent_sms()) == 1  # the 10-minute cooldown already held the repeats back


def test_ipv6_clients_are_counted_per_64(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    replies = [sign_up(aws, phone, ip=f"2001:db8:1:2::{i:x}") for i, phone in enumerate(spread_numbers(25))]
    assert sum(r.status == 202 for r in replies) == LIMITS["ip"].requests
    assert sign_up(aws, "+48799000222", ip="2001:db8:1:3::1").status == 202  # another /64


def test_per_number_confirmation_cap_has_retry_after(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    for _ in range(3):
        assert sign_up(aws, "+48501234567").body["confirmation_sent"] is True
        clock.advance(minutes=11)
    other = {**DEMO_LIST, "consent_text": {"version": "a", "text": "Tak"}}
    assert aws.http("PUT", "/v1/admin/lists/other", other).status == 201
    refused = sign_up(aws, "+48501234567", list_id="other")
    assert refused.status == 429
    # The first of the three requests (33 minutes ago) leaves the 24-hour window 24 h − 33 min from now.
    assert int(refused.headers["Retry-After"]) == 24 * 3600 - 33 * 60


def test_daily_cap_per_list_refuses_further_sign_up_sms(
    aws: LocalAws, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "max_confirmations_per_day": 3}).status == 201
    numbers = spread_numbers(5)
    replies = [sign_up(aws, phone, ip=f"192.0.{i}.2") for i, phone in enumerate(numbers)]
    aws.drain()
    assert [r.status for r in replies] == [202, 202, 202, 429, 429]
    for reply in replies[3:]:
        assert reply.body["error"]["fields"] == {"list_id": "daily cap of 3 sign-up messages reached"}
        assert int(reply.headers["Retry-After"]) == 12 * 3600  # the clock says 12:00 UTC
    assert len(sent_sms()) == 3
    assert "ConfirmationCapReached" in capsys.readouterr().out  # the metric the alarm watches
    # The refused numbers have no subscription, and the next UTC day starts a new count.
    assert aws.http("GET", f"/v1/admin/contacts/{numbers[3].replace('+', '%2B')}").status == 404
    clock.advance(hours=12)
    assert sign_up(aws, numbers[3], ip="192.0.2.99").status == 202


def test_daily_cap_holds_under_a_race(aws: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The read of the day's count is only a shortcut: the conditional write is what enforces the cap."""
    from consent_platform.adapters.dynamodb.catalog import CatalogStore

    assert aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "max_confirmations_per_day": 2}).status == 201
    original = CatalogStore.load_signup
    monkeypatch.setattr(
        CatalogStore, "load_signup", lambda self, *a: (*original(self, *a)[:2], 0)
    )  # every request believes nothing was sent today
    replies = [sign_up(aws, phone, ip=f"192.0.{i}.2") for i, phone in enumerate(spread_numbers(4))]
    assert [r.status for r in replies] == [202, 202, 429, 429]
    # The two refused requests had queued their message before the write failed: the sender's guard finds
    # no subscription expecting it and holds it back (dropped as orphaned after a few minutes).
    aws.drain()
    assert len(sent_sms()) == 2


def test_keyword_joins_count_against_the_list_cap(
    aws: LocalAws, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "max_confirmations_per_day": 2}).status == 201
    keyword = {"number": "4301", "action": "join", "list_id": "demo"}
    assert aws.http("PUT", "/v1/admin/keywords/kwiaty", keyword).status == 201
    for phone in spread_numbers(4):
        aws.text("KWIATY", sender=phone)
    assert len(sent_sms()) == 2
    assert "ConfirmationCapReached" in capsys.readouterr().out
    # The capped texts are processed (no retry loop, nothing in the DLQ) and left no subscription.
    assert aws.receive_count("InboundQueue") == 0
    capped = spread_numbers(4)[3].replace("+", "%2B")
    contact = aws.http("GET", f"/v1/admin/contacts/{capped}").body  # known only by its text (the inbox)
    assert contact["profile"] is None and contact["subscriptions"] == [] and contact["ledger"] == []


def test_list_cap_default_and_validation(aws: LocalAws) -> None:
    from consent_platform.domain.lists import StoredList
    from consent_platform.domain.pumping import DEFAULT_MAX_CONFIRMATIONS_PER_DAY

    stored = aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST).body
    assert stored["max_confirmations_per_day"] is None  # unset: the platform default applies
    assert StoredList.model_validate(stored).daily_signup_cap == DEFAULT_MAX_CONFIRMATIONS_PER_DAY == 1000
    bad = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "max_confirmations_per_day": 0})
    assert bad.status == 422 and "max_confirmations_per_day" in bad.body["error"]["fields"]
