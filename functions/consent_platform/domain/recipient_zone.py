"""Which time zone(s) a recipient is in, and which quiet-hours rule applies to them.

Fallback chain (DESIGN): the zone(s) ``phonenumbers`` derives from the number's prefix (several when the
prefix spans zones: sending then waits for the intersection of their windows) → a per-country default →
UTC. A declared zone (form, profile) can only make the window *stricter*: it is used when it is one of
the number's zones (it narrows several down to one) and ignored otherwise — "Asia/Tokyo" on a New York
number would open New York's night (``zone_source`` says ``explicit_ignored`` then).

``phonenumbers.geocoder`` (~0.3 s and ~100 MB at import) and ``phonenumbers.timezone`` are imported
inside the functions that need them, so importing this module costs nothing and the geocoder loads only
once a US number needs its state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber

from .quiet_hours import rule_for

EXPLICIT = "explicit"
PREFIX = "prefix"
CANDIDATES = "candidates"
DEFAULT = "default"
# A declared zone that is none of the number's zones: ignored, the number's own zones are used (issue 14).
EXPLICIT_IGNORED = "explicit_ignored"

FALLBACK_ZONE = "UTC"
NANP_CALLING_CODE = 1

# Countries spanning several zones where the library's country-wide list is no use as a default (for NANP
# numbers it is every zone of the +1 plan, Guam to American Samoa, whose windows never overlap). Each set
# spans the offsets of the whole country (50 states and DC; Canada's provinces and territories), so a time
# allowed in all of them is allowed everywhere in between. Source: IANA tz database zone1970.tab.
COUNTRY_DEFAULT_ZONES: dict[str, tuple[str, ...]] = {
    "US": (
        "America/Anchorage",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/New_York",
        "America/Phoenix",
        "Pacific/Honolulu",
    ),
    "CA": (
        "America/Edmonton",
        "America/Halifax",
        "America/Regina",
        "America/St_Johns",
        "America/Toronto",
        "America/Vancouver",
        "America/Winnipeg",
    ),
}

# zoneinfo accepts these keys but they are not places: the host's own zone, a placeholder and POSIX
# defaults. "right/" zones count leap seconds and would be ~27 s off.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
_NOT_PLACE_PREFIXES = ("posix/", "right/")

# US states and DC as the geocoder names them ("Florida", "Washington State", "Washington D.C.").
US_STATES: dict[str, str] = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "district of columbia": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "washington state": "WA",
    "washington dc": "DC",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
}
_STATE_CODES = frozenset(US_STATES.values())
_TRAILING_STATE_CODE = re.compile(r",\s*([A-Za-z]{2})$")


@dataclass(frozen=True, slots=True)
class RecipientZone:
    zones: tuple[str, ...]  # sorted IANA zones; one when certain, several when uncertain
    zone_source: str  # EXPLICIT | PREFIX | CANDIDATES | DEFAULT
    country: str  # ISO 3166-1 alpha-2 region of the number ("" when the number has none)
    subdivision: str | None  # US state code ("FL") when known
    rule_code: str  # the quiet_hours.Rule.code that applies

    @property
    def bucket(self) -> str:
        """Stable grouping key: recipients with equal buckets share every send-time decision."""
        return f"{'+'.join(self.zones)}|{self.rule_code}"


def resolve_zone(phone_e164: str, explicit_timezone: str | None = None) -> RecipientZone:
    """Where the recipient of ``phone_e164`` is, as far as we can tell, and which rule applies.

    With an explicit zone for a US number the state (and so the rule) still comes from the area code: the
    state laws protect numbers by where they are registered (Florida's applies to Florida area codes, and
    the FTSA presumes a Florida area code means a Florida resident), while the zone only tells the local
    time. A New Yorker who moved to Miami keeps the US rule but gets Miami's clock.
    """
    try:
        number = phonenumbers.parse(phone_e164, None)
    except NumberParseException as err:
        raise ValueError(f"not an E.164 phone number: {err}") from None
    country = _country(number)
    subdivision = us_state_for_area_code(_area_code(number)) if country == "US" else None
    rule_code = rule_for(country, subdivision).code
    zones, source = _zones(number, country, explicit_timezone)
    return RecipientZone(zones=zones, zone_source=source, country=country, subdivision=subdivision, rule_code=rule_code)


def is_zone(name: str | None) -> bool:
    """Whether ``name`` is an IANA zone of a place (``Europe/Paris``, ``UTC``), safe to take from a form."""
    if not name or name in _NOT_PLACES or name.startswith(_NOT_PLACE_PREFIXES):
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError; bad paths raise ValueError
        return False
    return True


def _zones(number: PhoneNumber, country: str, explicit: str | None) -> tuple[tuple[str, ...], str]:
    explicit = (explicit or "").strip()
    zones, source = _number_zones(number, country)
    if not is_zone(explicit):
        return zones, source
    if explicit in zones or zones == (FALLBACK_ZONE,):  # narrows the number's zones, or it has none
        return (explicit,), EXPLICIT
    return zones, EXPLICIT_IGNORED


def _number_zones(number: PhoneNumber, country: str) -> tuple[tuple[str, ...], str]:
    from phonenumbers import timezone as number_zones

    found = sorted({z for z in number_zones.time_zones_for_number(number) if is_zone(z)})
    # For a non-geographic +1 number (toll-free, 5XX personal) the library answers with the whole North
    # American plan, 25 countries from Guam to American Samoa, whose windows never overlap: that says
    # nothing about this recipient. (Russian or Australian mobiles get their country's zones, which do.)
    nanp_country_wide = number.country_code == NANP_CALLING_CODE and not phonenumbers.is_number_geographical(number)
    if found and not nanp_country_wide:
        return tuple(found), PREFIX if len(found) == 1 else CANDIDATES
    if country in COUNTRY_DEFAULT_ZONES:
        return COUNTRY_DEFAULT_ZONES[country], DEFAULT
    # The library's country-wide data, without its validity check: right for one-zone countries ("+48 …"
    # of an unassigned range is still in Poland).
    country_wide = {z for z in number_zones.time_zones_for_geographical_number(number) if is_zone(z)}
    if len(country_wide) == 1:
        return (country_wide.pop(),), DEFAULT
    return (FALLBACK_ZONE,), DEFAULT


def _country(number: PhoneNumber) -> str:
    """The number's region; for a number the metadata cannot place (an unassigned range), the main country
    of its calling code ("+1 555 …" → "US"), so that country's rule still protects it."""
    region = phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code or 0
    )
    # "ZZ" is the library's unknown region and "001" its non-geographic entities (+800, +882 …).
    return region if len(region) == 2 and region != phonenumbers.UNKNOWN_REGION else ""


def _area_code(number: PhoneNumber) -> str:
    return phonenumbers.national_significant_number(number)[:3]


@lru_cache(maxsize=1024)
def us_state_for_area_code(area_code: str) -> str | None:
    """The two-letter state of a US area code ("305" → "FL"), or ``None`` when the geocoder cannot tell.

    Cached: US area codes never straddle a state line, and a campaign looks up the same few hundred codes
    for every recipient.
    """
    if len(area_code) != 3 or not area_code.isdigit():
        return None
    from phonenumbers import geocoder

    # A number in the area code whose exchange has no entry of its own, so the area code's entry answers.
    probe = PhoneNumber(country_code=1, national_number=int(area_code + "0000000"))
    state = state_code(geocoder.description_for_valid_number(probe, "en"))
    if state is not None:
        return state
    # Some area codes (203, 310, 713, 718 …) only have per-exchange entries: read them all and accept a
    # single answer. Slow (~25 ms), which the cache pays once per such area code.
    from phonenumbers.geodata import GEOCODE_DATA

    prefix = "1" + area_code
    states = {state_code(names.get("en", "")) for key, names in GEOCODE_DATA.items() if key.startswith(prefix)} - {None}
    return states.pop() if len(states) == 1 else None


def state_code(description: str) -> str | None:
    """A US state code from a geocoder description: "Florida" → "FL", "Miami, FL" → "FL",
    "Washington State" → "WA", "Washington D.C." → "DC"; ``None`` for anything else ("United States")."""
    text = description.strip()
    match = _TRAILING_STATE_CODE.search(text)
    if match and match.group(1).upper() in _STATE_CODES:
        return match.group(1).upper()
    return US_STATES.get(" ".join(text.replace(".", "").split()).casefold())
