"""SMS-pumping limits as data: parsing, subjects (IPv6 /64, number ranges) and fixed windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_platform.domain.pumping import (
    DEFAULT_RATE_LIMITS,
    Limit,
    SignupSubject,
    checks,
    client_subject,
    number_prefix,
    parse_limits,
    seconds_until_next_day,
)

NOW = datetime(2026, 11, 22, 12, 3, 20, tzinfo=UTC)


def signup(
    ip: str | None = None, phone: str = "+48501234567", country: str = "PL", budget: int = 1000
) -> SignupSubject:
    return SignupSubject(ip, phone, country, "demo", "PL", budget)


def test_defaults_cover_every_scope() -> None:
    limits = parse_limits(DEFAULT_RATE_LIMITS)
    assert {limit.scope for limit in limits} == {"ip", "phone", "prefix", "country"}
    assert ",".join(str(limit) for limit in limits) == DEFAULT_RATE_LIMITS


def test_a_scope_may_have_several_windows() -> None:
    assert parse_limits("ip=10/60, ip=100/86400") == (Limit("ip", 10, 60), Limit("ip", 100, 86400))
    assert parse_limits("") == ()


@pytest.mark.parametrize(
    "text", ["ip=10", "ip=x/60", "host=1/60", "ip=0/60", "ip=1/0", "ip=1/999999999", "ip 10/60", "=1/1"]
)
def test_bad_limits_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_limits(text)


@pytest.mark.parametrize(
    ("ip", "subject"),
    [
        ("203.0.113.7", "203.0.113.0/24"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.4", "198.51.100.0/24"),
        ("not-an-ip", "not-an-ip"),
        ("", None),
        (None, None),
    ],
)
def test_client_subject(ip: str | None, subject: str | None) -> None:
    assert client_subject(ip) == subject


def test_number_prefix_counts_digits_with_the_country_code() -> None:
    assert number_prefix("+48501234567") == "4850123"
    assert number_prefix("+12015550123", 7) == "1201555"  # area code + exchange: a block of 10,000
    assert number_prefix("+12015550123", 4) == "1201"


def test_checks_use_fixed_windows_and_skip_an_unknown_ip() -> None:
    limits = parse_limits("ip=20/600,phone=5/3600,prefix=30/3600")
    found = checks(limits, NOW, signup(), 7)
    assert [(c.limit.scope, c.subject) for c in found] == [("phone", "+48501234567"), ("prefix", "4850123")]
    assert found[0].window_end == datetime(2026, 11, 22, 13, 0, tzinfo=UTC)
    assert found[0].retry_after(NOW) == 3600 - 200
    [ip] = checks(limits[:1], NOW, signup("203.0.113.7"), 7)
    assert ip.window_end == datetime(2026, 11, 22, 12, 10, tzinfo=UTC)
    assert ip.retry_after(ip.window_end) == 1  # never 0: "Retry-After: 0" would invite a hot loop


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=86400))
def test_a_window_always_contains_now(epoch: int, seconds: int) -> None:
    now = datetime.fromtimestamp(epoch, UTC)
    [check] = checks((Limit("phone", 1, seconds),), now, signup(), 7)
    assert now < check.window_end
    assert 1 <= check.retry_after(now) <= seconds


def test_seconds_until_next_utc_day() -> None:
    assert seconds_until_next_day(NOW) == 12 * 3600 - 200
    assert seconds_until_next_day(datetime(2026, 11, 22, tzinfo=UTC)) == 86400


def test_a_share_is_of_the_list_budget_and_counted_per_list() -> None:
    limits = parse_limits("ip=5%/86400,prefix=10%/86400,country=10%/86400")
    assert [str(limit) for limit in limits] == ["ip=5%/86400", "prefix=10%/86400", "country=10%/86400"]
    found = checks(limits, NOW, signup("203.0.113.7", "+12125550123", "US", budget=200), 7)
    assert [(c.subject, c.requests) for c in found] == [
        ("demo/203.0.113.0/24", 10),
        ("demo/1212555", 20),
        ("demo/US", 20),
    ]
    assert [c.requests for c in checks(limits[:1], NOW, signup("203.0.113.7", budget=3), 7)] == [1]  # never 0


def test_the_lists_own_country_is_not_counted_as_foreign() -> None:
    assert checks(parse_limits("country=10%/86400"), NOW, signup("203.0.113.7"), 7) == []


@pytest.mark.parametrize("text", ["phone=5%/3600", "ip=101%/60", "ip=x%/60"])
def test_bad_shares_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_limits(text)
