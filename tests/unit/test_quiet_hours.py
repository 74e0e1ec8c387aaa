"""Quiet hours: the rules as data, window edges, DST, multi-zone intersection and exactness properties."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent_platform.domain.quiet_hours import (
    DEFAULT_WINDOW,
    RULES,
    Rule,
    is_allowed,
    local_wall_time_to_utc,
    next_allowed_time,
    rule_for,
)

NY = "America/New_York"
LA = "America/Los_Angeles"
CHICAGO = "America/Chicago"
PARIS = "Europe/Paris"
WARSAW = "Europe/Warsaw"

# Real zones chosen for awkward offsets and DST: 30-min DST (Lord Howe), +5:45, +12:45/+13:45, -3:30,
# southern-hemisphere DST, no DST, the date line, and zones whose DST starts at midnight.
PROPERTY_ZONES = [
    "UTC",
    NY,
    CHICAGO,
    "America/Denver",
    "America/Phoenix",
    LA,
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/St_Johns",
    "America/Sao_Paulo",
    "America/Santiago",
    "America/Havana",
    "Atlantic/Azores",
    "Europe/London",
    PARIS,
    WARSAW,
    "Europe/Moscow",
    "Asia/Tehran",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Beirut",
]


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *rest: int) -> datetime:
    """A wall-clock time in ``zone``; ``rest`` is seconds and microseconds."""
    second, microsecond = (*rest, 0, 0)[:2]
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=ZoneInfo(zone))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *rest: int) -> datetime:
    return local("UTC", year, month, day, hour, minute, *rest).astimezone(UTC)


def every_day(start: time, end: time) -> tuple[tuple[time, time] | None, ...]:
    return ((start, end),) * 7


# --- the rules as data ------------------------------------------------------------------------------


def test_rules_are_keyed_by_code_and_cite_a_source() -> None:
    for code, rule in RULES.items():
        assert rule.code == code
        assert len(rule.windows) == 7
        assert rule.source.strip()


def test_state_windows_lie_inside_the_federal_window() -> None:
    # A state rule replaces the federal one for its numbers, which is only right while it is stricter.
    federal = RULES["US"].windows
    for code, rule in RULES.items():
        if not code.startswith("US-"):
            continue
        for state_window, federal_window in zip(rule.windows, federal, strict=True):
            assert federal_window is not None
            if state_window is not None:
                assert federal_window[0] <= state_window[0] < state_window[1] <= federal_window[1], code


@pytest.mark.parametrize(
    ("code", "cap"),
    [("US-FL", (3, 24)), ("US-OK", (3, 24)), ("US-MD", (3, 24)), ("US-WA", None), ("US", None), ("FR", None)],
)
def test_frequency_caps(code: str, cap: tuple[int, int] | None) -> None:
    assert RULES[code].cap == cap


def test_france_bans_sundays_and_public_holidays() -> None:
    assert RULES["FR"].windows[6] is None
    assert RULES["FR"].holidays_country == "FR"
    assert all(window == (time(8), time(20)) for window in RULES["FR"].windows[:6])


def test_texas_sunday_starts_at_noon() -> None:
    assert RULES["US-TX"].windows[5] == (time(9), time(21))
    assert RULES["US-TX"].windows[6] == (time(12), time(21))


@pytest.mark.parametrize(
    "windows",
    [
        every_day(time(8), time(8)),  # empty
        every_day(time(20), time(8)),  # wraps past midnight
        ((time(8), time(20)),) * 6,  # six days
        every_day(time(8, tzinfo=UTC), time(20)),  # not a wall-clock time
    ],
)
def test_malformed_rules_are_refused(windows: tuple[tuple[time, time] | None, ...]) -> None:
    with pytest.raises(ValueError, match="window"):
        Rule("XX", windows, None, None, "test")


@pytest.mark.parametrize(
    ("country", "subdivision", "code"),
    [
        ("US", "FL", "US-FL"),
        ("US", "fl", "US-FL"),
        ("us", "TX", "US-TX"),
        ("US", "NY", "US"),  # no state rule on file: federal
        ("US", None, "US"),
        ("US", "", "US"),
        ("FR", None, "FR"),
        ("FR", "FL", "FR"),  # a subdivision only matters where a rule exists for it
        ("PL", None, "PL"),
        ("", None, "DEFAULT"),
    ],
)
def test_rule_for(country: str, subdivision: str | None, code: str) -> None:
    assert rule_for(country, subdivision).code == code


def test_rule_for_an_unknown_country_uses_the_default_window_every_day() -> None:
    poland = rule_for("PL")
    assert poland.windows == every_day(*DEFAULT_WINDOW)
    assert (poland.holidays_country, poland.cap) == (None, None)
    assert rule_for("PL", default_window=(time(10), time(18))).windows == every_day(time(10), time(18))
    assert rule_for("US", default_window=(time(10), time(18))) is RULES["US"]


# --- is_allowed at the edges -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "zone", "wall", "allowed"),
    [
        ("US", NY, (2026, 6, 10, 7, 59), False),
        ("US", NY, (2026, 6, 10, 8, 0), True),
        ("US", NY, (2026, 6, 10, 20, 59), True),
        ("US", NY, (2026, 6, 10, 20, 59, 59, 999999), True),
        ("US", NY, (2026, 6, 10, 21, 0), False),
        ("US", NY, (2026, 6, 10, 0, 0), False),
        ("US-FL", NY, (2026, 6, 10, 8, 0), True),
        ("US-FL", NY, (2026, 6, 10, 19, 59), True),
        ("US-FL", NY, (2026, 6, 10, 20, 0), False),
        ("US-CT", NY, (2026, 6, 10, 8, 59), False),
        ("US-CT", NY, (2026, 6, 10, 9, 0), True),
        ("US-TX", CHICAGO, (2026, 6, 13, 9, 0), True),  # Saturday
        ("US-TX", CHICAGO, (2026, 6, 14, 11, 59), False),  # Sunday before noon
        ("US-TX", CHICAGO, (2026, 6, 14, 12, 0), True),
        ("US-TX", CHICAGO, (2026, 6, 14, 21, 0), False),
        ("FR", PARIS, (2026, 6, 13, 19, 59), True),  # Saturday
        ("FR", PARIS, (2026, 6, 14, 12, 0), False),  # Sunday
        ("FR", PARIS, (2026, 11, 11, 12, 0), False),  # Armistice, a Wednesday
        ("FR", PARIS, (2026, 11, 12, 12, 0), True),
        ("FR", PARIS, (2026, 12, 25, 12, 0), False),  # Christmas, a Friday
        ("FR", PARIS, (2026, 7, 14, 12, 0), False),  # Bastille Day, a Tuesday
        ("DEFAULT", WARSAW, (2026, 6, 10, 8, 59), False),
        ("DEFAULT", WARSAW, (2026, 6, 10, 9, 0), True),
        ("DEFAULT", WARSAW, (2026, 6, 10, 19, 59), True),
        ("DEFAULT", WARSAW, (2026, 6, 10, 20, 0), False),
    ],
)
def test_is_allowed_at_window_edges(code: str, zone: str, wall: tuple[int, ...], allowed: bool) -> None:
    at = local(zone, *wall)
    # The answer depends on the instant, not on the zone `at` happens to be expressed in.
    for view in (at, at.astimezone(UTC), at.astimezone(ZoneInfo("Asia/Tokyo"))):
        assert is_allowed(view, [zone], RULES[code]) is allowed


def test_is_allowed_needs_every_zone() -> None:
    at = utc(2026, 11, 27, 13)  # 08:00 in New York, 05:00 in Los Angeles
    assert is_allowed(at, [NY], RULES["US"])
    assert not is_allowed(at, [NY, LA], RULES["US"])


@pytest.mark.parametrize("zones", [[], NY])
def test_zones_must_be_a_non_empty_sequence(zones: list[str] | str) -> None:
    with pytest.raises(ValueError, match="zones"):
        is_allowed(utc(2026, 6, 10, 15), zones, RULES["US"])


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_allowed(datetime(2026, 6, 10, 15), [NY], RULES["US"])
    with pytest.raises(ValueError, match="aware"):
        next_allowed_time(datetime(2026, 6, 10, 15), [NY], RULES["US"])


# --- next_allowed_time ---------------------------------------------------------------------------------

MONDAY_ONLY = Rule("TEST", ((time(9), time(17)),) + (None,) * 6, None, None, "test")
EARLY_HOURS = Rule("TEST", every_day(time(2, 30), time(5)), None, None, "test: starts inside the US DST gap")
LORD_HOWE_GAP = Rule("TEST", every_day(time(2, 10), time(4)), None, None, "test: starts inside a 30-min gap")
OVERLAP = Rule("TEST", every_day(time(1, 30), time(1, 45)), None, None, "test: inside the US DST overlap")


@pytest.mark.parametrize(
    ("rule", "zones", "at", "expected"),
    [
        pytest.param(RULES["US"], [NY], local(NY, 2026, 6, 10, 7, 59), utc(2026, 6, 10, 12), id="us-before-8"),
        pytest.param(RULES["US"], [NY], local(NY, 2026, 6, 10, 21), utc(2026, 6, 11, 12), id="us-at-21"),
        pytest.param(RULES["US-FL"], [NY], local(NY, 2026, 6, 10, 20), utc(2026, 6, 11, 12), id="fl-at-20"),
        pytest.param(
            RULES["US-TX"], [CHICAGO], local(CHICAGO, 2026, 6, 14, 9, 30), utc(2026, 6, 14, 17), id="tx-sunday-noon"
        ),
        pytest.param(
            RULES["US-TX"], [CHICAGO], local(CHICAGO, 2026, 6, 13, 22), utc(2026, 6, 14, 17), id="tx-saturday-night"
        ),
        pytest.param(RULES["FR"], [PARIS], local(PARIS, 2026, 6, 14, 10), utc(2026, 6, 15, 6), id="fr-sunday"),
        pytest.param(RULES["FR"], [PARIS], local(PARIS, 2026, 6, 13, 20), utc(2026, 6, 15, 6), id="fr-saturday-20"),
        pytest.param(RULES["FR"], [PARIS], local(PARIS, 2026, 12, 25, 10), utc(2026, 12, 26, 7), id="fr-christmas"),
        pytest.param(RULES["FR"], [PARIS], local(PARIS, 2026, 11, 10, 20, 30), utc(2026, 11, 12, 7), id="fr-armistice"),
        pytest.param(
            RULES["FR"], [PARIS], local(PARIS, 2026, 10, 31, 20), utc(2026, 11, 2, 7), id="fr-all-saints-sunday"
        ),
        pytest.param(RULES["US"], [NY, LA], utc(2026, 11, 27, 13), utc(2026, 11, 27, 16), id="ny-la-intersection"),
        pytest.param(RULES["US"], [LA, NY], utc(2026, 11, 28, 2), utc(2026, 11, 28, 16), id="ny-closed-la-open"),
        # America/New_York springs forward 2026-03-08 02:00 EST → 03:00 EDT (07:00Z).
        pytest.param(RULES["US"], [NY], utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 12), id="ny-spring-forward"),
        pytest.param(EARLY_HOURS, [NY], utc(2026, 3, 8, 5), utc(2026, 3, 8, 7), id="ny-window-starts-in-gap"),
        pytest.param(EARLY_HOURS, [NY], utc(2026, 3, 7, 10), utc(2026, 3, 8, 7), id="ny-gap-from-day-before"),
        # America/New_York falls back 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
        pytest.param(RULES["US"], [NY], utc(2026, 11, 1, 5), utc(2026, 11, 1, 13), id="ny-fall-back"),
        pytest.param(OVERLAP, [NY], utc(2026, 11, 1, 5, 40), utc(2026, 11, 1, 5, 40), id="ny-overlap-first-pass"),
        pytest.param(OVERLAP, [NY], utc(2026, 11, 1, 5, 45), utc(2026, 11, 1, 6, 30), id="ny-overlap-second-pass"),
        # Europe/Warsaw springs forward 2026-03-29 02:00 CET → 03:00 CEST and falls back 2026-10-25.
        pytest.param(RULES["DEFAULT"], [WARSAW], utc(2026, 3, 28, 19, 30), utc(2026, 3, 29, 7), id="waw-spring"),
        pytest.param(RULES["DEFAULT"], [WARSAW], utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 7), id="waw-in-gap"),
        pytest.param(RULES["DEFAULT"], [WARSAW], utc(2026, 10, 24, 18), utc(2026, 10, 25, 8), id="waw-fall-back"),
        # Lord Howe moves by 30 minutes: 2026-10-04 02:00 → 02:30 (+10:30 → +11).
        pytest.param(
            LORD_HOWE_GAP, ["Australia/Lord_Howe"], utc(2026, 10, 3, 14), utc(2026, 10, 3, 15, 30), id="lord-howe"
        ),
    ],
)
def test_next_allowed_time(rule: Rule, zones: list[str], at: datetime, expected: datetime) -> None:
    result = next_allowed_time(at, zones, rule)
    assert result == expected
    assert result.tzinfo is UTC
    assert is_allowed(result, zones, rule)
    assert not is_allowed(result - timedelta(microseconds=1), zones, rule) or result == at


def test_an_allowed_instant_is_returned_unchanged_in_utc() -> None:
    at = local(PARIS, 2026, 6, 10, 12, 34, 56, 789)
    result = next_allowed_time(at, [PARIS], RULES["FR"])
    assert result == at
    assert result.tzinfo is UTC
    assert result.microsecond == 789


@pytest.mark.parametrize(
    ("rule", "zones"),
    [
        # Kiritimati (+14) is a calendar day ahead of Pago Pago (-11) at the same wall-clock time, so they
        # are never both on a Monday.
        (MONDAY_ONLY, ["Pacific/Kiritimati", "Pacific/Pago_Pago"]),
        # 12-13 hours apart with an 11-hour window.
        (RULES["DEFAULT"], [NY, "Asia/Shanghai"]),
    ],
)
def test_incompatible_zones_raise(rule: Rule, zones: list[str]) -> None:
    with pytest.raises(ValueError, match="no instant"):
        next_allowed_time(utc(2026, 6, 10, 12), zones, rule)


def test_horizon_is_respected() -> None:
    sunday_night = local(PARIS, 2026, 6, 14, 22)
    with pytest.raises(ValueError, match="within 0 days"):
        next_allowed_time(sunday_night, [PARIS], RULES["FR"], horizon_days=0)
    assert next_allowed_time(sunday_night, [PARIS], RULES["FR"], horizon_days=1) == utc(2026, 6, 15, 6)


# --- local_wall_time_to_utc ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "wall", "zone", "expected"),
    [
        pytest.param(date(2026, 11, 27), time(18), NY, utc(2026, 11, 27, 23), id="plain"),
        pytest.param(date(2026, 11, 27), time(18), WARSAW, utc(2026, 11, 27, 17), id="plain-warsaw"),
        pytest.param(date(2026, 3, 8), time(2, 30), NY, utc(2026, 3, 8, 7), id="ny-gap-to-03:00-EDT"),
        pytest.param(date(2026, 3, 8), time(2), NY, utc(2026, 3, 8, 7), id="ny-gap-start"),
        pytest.param(date(2026, 3, 8), time(3), NY, utc(2026, 3, 8, 7), id="ny-gap-end"),
        pytest.param(date(2026, 3, 8), time(1, 59, 59), NY, utc(2026, 3, 8, 6, 59, 59), id="ny-before-gap"),
        pytest.param(date(2026, 11, 1), time(1, 30), NY, utc(2026, 11, 1, 5, 30), id="ny-overlap-first"),
        pytest.param(date(2026, 3, 29), time(2, 30), WARSAW, utc(2026, 3, 29, 1), id="waw-gap"),
        pytest.param(date(2026, 10, 25), time(2, 30), WARSAW, utc(2026, 10, 25, 0, 30), id="waw-overlap-first"),
        pytest.param(
            date(2026, 10, 4), time(2, 15), "Australia/Lord_Howe", utc(2026, 10, 3, 15, 30), id="lord-howe-30min-gap"
        ),
        # Samoa skipped 2011-12-30 entirely: the first instant after it is 31 December 00:00 (+14).
        pytest.param(date(2011, 12, 30), time(12), "Pacific/Apia", utc(2011, 12, 30, 10), id="samoa-skipped-day"),
    ],
)
def test_local_wall_time_to_utc(day: date, wall: time, zone: str, expected: datetime) -> None:
    result = local_wall_time_to_utc(day, wall, zone)
    assert result == expected
    assert result.tzinfo is UTC


def test_local_wall_time_to_utc_refuses_an_aware_wall_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_wall_time_to_utc(date(2026, 11, 27), time(18, tzinfo=UTC), NY)


# --- properties ----------------------------------------------------------------------------------------

QUARTER_HOUR = timedelta(minutes=15)

aware_instants = st.datetimes(
    min_value=datetime(2026, 1, 1),  # hypothesis takes naive bounds
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from([ZoneInfo(zone) for zone in PROPERTY_ZONES]),
)
zone_sets = st.lists(st.sampled_from(PROPERTY_ZONES), min_size=1, max_size=3, unique=True)
rules = st.sampled_from(sorted(RULES.values(), key=lambda rule: rule.code))


def assert_none_allowed(start: datetime, stop: datetime, zones: list[str], rule: Rule) -> None:
    """Sample [start, stop) every 15 minutes, plus its last microsecond."""
    # In UTC: adding to an aware datetime in a zone is wall-clock arithmetic, which runs backwards in a gap.
    probe = start.astimezone(UTC)
    while probe < stop:
        assert not is_allowed(probe, zones, rule), probe
        probe += QUARTER_HOUR
    assert not is_allowed(stop - timedelta(microseconds=1), zones, rule)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(at=aware_instants, zones=zone_sets, rule=rules)
def test_next_allowed_time_is_the_first_allowed_instant(at: datetime, zones: list[str], rule: Rule) -> None:
    try:
        result = next_allowed_time(at, zones, rule)
    except ValueError:
        # Only when the zones really never agree within the horizon.
        assert_none_allowed(at, at + timedelta(days=14), zones, rule)
        return
    assert result >= at
    assert result.tzinfo is UTC
    assert is_allowed(result, zones, rule)
    if result > at:
        assert_none_allowed(at, result, zones, rule)


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    wall=st.times(),
    zone=st.sampled_from(PROPERTY_ZONES),
)
def test_local_wall_time_to_utc_is_the_first_instant_showing_that_time_or_later(
    day: date, wall: time, zone: str
) -> None:
    result = local_wall_time_to_utc(day, wall, zone)
    tz = ZoneInfo(zone)
    shown = result.astimezone(tz).replace(tzinfo=None)
    requested = datetime.combine(day, wall)
    assert shown >= requested
    assert (result - timedelta(microseconds=1)).astimezone(tz).replace(tzinfo=None) < requested


@cache
def offset_changes(zone: str) -> tuple[date, ...]:
    """Local dates of the zone's UTC-offset changes (DST and others) in 2026-2028 (daily scan at noon UTC)."""
    tz = ZoneInfo(zone)
    noon = datetime(2026, 1, 1, 12, tzinfo=UTC)
    previous = noon.astimezone(tz).utcoffset()
    found = []
    for days in range(1, 3 * 366):
        instant = noon + timedelta(days=days)
        offset = instant.astimezone(tz).utcoffset()
        if offset != previous:
            found.append((instant - timedelta(days=1)).astimezone(tz).date())
        previous = offset
    return tuple(found)


def first_offset_change(zone: str) -> date | None:
    changes = offset_changes(zone)
    return changes[0] if changes else None


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_zone_gets_an_allowed_time_on_each_of_its_offset_change_days(code: str) -> None:
    """Every IANA zone, every DST (or other offset) change day of 2026-2028, every jurisdiction's rule:
    the next allowed time is never early and always allowed."""
    rule = RULES[code]
    checked = 0
    for zone in sorted(zoneinfo.available_timezones()):
        tz = ZoneInfo(zone)
        for day in offset_changes(zone) or (date(2026, 6, 1),):
            for hour in (0, 12, 22):
                at = datetime.combine(day, time(hour), tzinfo=tz)
                result = next_allowed_time(at, [zone], rule)
                assert result >= at, (zone, at)
                assert is_allowed(result, [zone], rule), (zone, at)
                checked += 1
    assert checked > 3 * len(zoneinfo.available_timezones())


def test_wall_times_around_every_zones_dst_change_map_to_the_first_instant_showing_them() -> None:
    # Real gaps and overlaps of every zone (midnight changes, 30-minute shifts, southern hemisphere), every
    # 15 minutes of wall-clock time over the two local days around the change.
    for zone in sorted(zoneinfo.available_timezones()):
        day = first_offset_change(zone)
        if day is None:
            continue
        tz = ZoneInfo(zone)
        for offset_days in (0, 1):
            current = day + timedelta(days=offset_days)
            for quarter in range(96):
                wall = time(quarter // 4, quarter % 4 * 15)
                result = local_wall_time_to_utc(current, wall, zone)
                requested = datetime.combine(current, wall)
                assert result.astimezone(tz).replace(tzinfo=None) >= requested, (zone, requested)
                before = (result - timedelta(microseconds=1)).astimezone(tz).replace(tzinfo=None)
                assert before < requested, (zone, requested)
