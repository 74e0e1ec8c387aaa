"""Recipient zone resolution: explicit zone → phone prefix → country default → UTC, and the US state."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consent_platform.domain.quiet_hours import RULES, next_allowed_time
from consent_platform.domain.recipient_zone import (
    COUNTRY_DEFAULT_ZONES,
    RecipientZone,
    is_zone,
    resolve_zone,
    state_code,
    us_state_for_area_code,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("phone", "explicit", "zones", "source", "country", "subdivision", "rule"),
    [
        ("+48501234567", None, ("Europe/Warsaw",), "prefix", "PL", None, "PL"),
        ("+12125550123", None, ("America/New_York",), "prefix", "US", "NY", "US"),  # New York City
        ("+13055550123", None, ("America/New_York",), "prefix", "US", "FL", "US-FL"),  # Miami
        ("+12145550123", None, ("America/Chicago",), "prefix", "US", "TX", "US-TX"),  # Dallas
        ("+12035550123", None, ("America/New_York",), "prefix", "US", "CT", "US-CT"),  # only per-exchange geodata
        ("+12065550123", None, ("America/Los_Angeles",), "prefix", "US", "WA", "US-WA"),  # Seattle
        ("+14055550123", None, ("America/Chicago",), "prefix", "US", "OK", "US-OK"),  # Oklahoma City
        ("+14105550123", None, ("America/New_York",), "prefix", "US", "MD", "US-MD"),  # Baltimore
        ("+12025550123", None, ("America/New_York",), "prefix", "US", "DC", "US"),  # Washington D.C.
        ("+16475550123", None, ("America/Toronto",), "prefix", "CA", None, "CA"),
        ("+33612345678", "Europe/Paris", ("Europe/Paris",), "explicit", "FR", None, "FR"),
        ("+33612345678", None, ("Europe/Paris",), "prefix", "FR", None, "FR"),
        # Boise is Mountain time, the Idaho panhandle Pacific: the area code spans both.
        ("+12085550123", None, ("America/Boise", "America/Los_Angeles"), "candidates", "US", "ID", "US"),
        # A declared zone that is none of the number's zones is ignored (issue 14: it could only loosen
        # the window); the state follows the number anyway.
        ("+13055550123", "America/Chicago", ("America/New_York",), "explicit_ignored", "US", "FL", "US-FL"),
        ("+12125550123", "Asia/Tokyo", ("America/New_York",), "explicit_ignored", "US", "NY", "US"),
        # One of the number's zones narrows the candidates down to it.
        ("+12085550123", "America/Boise", ("America/Boise",), "explicit", "US", "ID", "US"),
        # A number nobody can place: the declared zone is all we know.
        ("+80012345678", "Europe/Paris", ("Europe/Paris",), "explicit", "", None, "DEFAULT"),
        ("+48501234567", "  Europe/Warsaw ", ("Europe/Warsaw",), "explicit", "PL", None, "PL"),
        # Non-geographic +1 (toll-free) and unassigned +1 ranges: the US default zones, under the US rule.
        ("+18005550123", None, COUNTRY_DEFAULT_ZONES["US"], "default", "US", None, "US"),
        ("+15555550123", None, COUNTRY_DEFAULT_ZONES["US"], "default", "US", None, "US"),
        # An unassigned Polish range: the library's country-wide data still places it.
        ("+4870123456", None, ("Europe/Warsaw",), "default", "PL", None, "PL"),
        # A non-geographic entity (+800 international freephone): nowhere.
        ("+80012345678", None, ("UTC",), "default", "", None, "DEFAULT"),
    ],
)
def test_resolve_zone(
    phone: str,
    explicit: str | None,
    zones: tuple[str, ...],
    source: str,
    country: str,
    subdivision: str | None,
    rule: str,
) -> None:
    assert resolve_zone(phone, explicit) == RecipientZone(
        zones=zones, zone_source=source, country=country, subdivision=subdivision, rule_code=rule
    )


@pytest.mark.parametrize(
    "explicit",
    ["", "   ", "Mars/Olympus_Mons", "Europe", "../../etc/passwd", "/etc/localtime", "localtime", "Factory",
     "posixrules", "right/Europe/Warsaw", "Etc/Unknown", "x" * 300],
)  # fmt: skip
def test_an_invalid_explicit_zone_is_ignored(explicit: str) -> None:
    resolved = resolve_zone("+48501234567", explicit)
    assert (resolved.zones, resolved.zone_source) == (("Europe/Warsaw",), "prefix")


@pytest.mark.parametrize(
    ("phone", "some_zones"),
    [
        ("+61412345678", {"Australia/Sydney", "Australia/Perth", "Australia/Lord_Howe"}),  # Australian mobile
        ("+79161234567", {"Europe/Moscow", "Asia/Vladivostok"}),  # Russian mobile
    ],
)
def test_mobiles_of_multi_zone_countries_are_candidates(phone: str, some_zones: set[str]) -> None:
    resolved = resolve_zone(phone)
    assert resolved.zone_source == "candidates"
    assert some_zones <= set(resolved.zones)
    assert list(resolved.zones) == sorted(resolved.zones)


def test_candidates_are_sent_in_the_intersection_of_their_windows() -> None:
    idaho = resolve_zone("+12085550123")
    at = datetime(2026, 11, 27, 15, tzinfo=UTC)  # 08:00 Boise, 07:00 Los Angeles
    assert next_allowed_time(at, idaho.zones, RULES[idaho.rule_code]) == datetime(2026, 11, 27, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phone", "explicit", "bucket"),
    [
        ("+13055550123", None, "America/New_York|US-FL"),
        ("+12125550123", None, "America/New_York|US"),
        ("+12085550123", None, "America/Boise+America/Los_Angeles|US"),
        ("+48501234567", None, "Europe/Warsaw|PL"),
        ("+33612345678", "Europe/Paris", "Europe/Paris|FR"),
        ("+80012345678", None, "UTC|DEFAULT"),
    ],
)
def test_bucket_strings_are_stable(phone: str, explicit: str | None, bucket: str) -> None:
    assert resolve_zone(phone, explicit).bucket == bucket


def test_bucket_joins_zones_then_rule() -> None:
    zone = RecipientZone(("America/Chicago", "America/New_York"), "candidates", "US", None, "US")
    assert zone.bucket == "America/Chicago+America/New_York|US"


@pytest.mark.parametrize("phone", ["", "hello", "+"])
def test_unparseable_numbers_raise(phone: str) -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        resolve_zone(phone)


@pytest.mark.parametrize(
    ("description", "code"),
    [
        ("Florida", "FL"),
        ("Miami, FL", "FL"),
        ("New York, NY", "NY"),
        ("New York", "NY"),
        ("Washington State", "WA"),
        ("Washington D.C.", "DC"),
        ("Washington, DC", "DC"),
        ("  north   carolina ", "NC"),
        ("Puyallup, WA", "WA"),
        ("United States", None),
        ("Toronto, ON", None),
        ("", None),
    ],
)
def test_state_code(description: str, code: str | None) -> None:
    assert state_code(description) == code


@pytest.mark.parametrize(
    ("area_code", "state"),
    [("305", "FL"), ("212", "NY"), ("718", "NY"), ("203", "CT"), ("310", "CA"), ("713", "TX"), ("206", "WA"),
     ("202", "DC"), ("808", "HI"), ("999", None), ("abc", None), ("30", None)],
)  # fmt: skip
def test_us_state_for_area_code(area_code: str, state: str | None) -> None:
    assert us_state_for_area_code(area_code) == state


@pytest.mark.parametrize(
    ("name", "valid"),
    [("Europe/Paris", True), ("UTC", True), ("Asia/Kathmandu", True), (None, False), ("localtime", False),
     ("Europe/Nowhere", False), ("..", False)],
)  # fmt: skip
def test_is_zone(name: str | None, valid: bool) -> None:
    assert is_zone(name) is valid


def test_country_default_zones_are_real_zones() -> None:
    for zones in COUNTRY_DEFAULT_ZONES.values():
        assert all(is_zone(zone) for zone in zones)
        assert list(zones) == sorted(zones)


def test_import_is_cheap_and_the_geocoder_loads_only_for_us_numbers() -> None:
    # The geocoder costs ~0.3 s and ~100 MB at import: a cold start must not pay for it, nor for
    # `holidays`, and a non-US number never needs it.
    script = (
        "import sys\n"
        "import consent_platform.domain.recipient_zone as rz\n"
        "lazy = ('phonenumbers.geocoder', 'phonenumbers.geodata', 'phonenumbers.timezone', 'holidays')\n"
        "print(sorted(m for m in lazy if m in sys.modules))\n"
        "rz.resolve_zone('+48501234567')\n"
        "print('phonenumbers.geocoder' in sys.modules)\n"
        "rz.resolve_zone('+13055550123')\n"
        "print('phonenumbers.geocoder' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)])}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.split("\n")[:3] == ["[]", "False", "True"]
