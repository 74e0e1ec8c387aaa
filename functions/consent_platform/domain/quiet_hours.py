"""Quiet hours: when a marketing SMS may reach a recipient, per jurisdiction, in the recipient's local time.

The rules are data (:data:`RULES`), each with the text it comes from. Time arithmetic is exact: the next
allowed instant is picked from the instants where a zone's window can open (window starts and UTC-offset
changes), never by stepping through time, so it is correct across DST gaps and overlaps, half-hour and
45-minute offsets and zones that skip days.

Not legal advice: the sources below were read for SMS marketing to consumers; check them before relying
on them for other message kinds. A window is half-open, ``[start, end)``: a message at ``end`` is late.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

Window = tuple[time, time]

DAYS_IN_WEEK = 7

# Where we found no rule (Poland, for example, has consent rules for marketing SMS but no statutory
# hours) we still keep to business hours: sending at 03:00 is legal there but costs opt-outs.
DEFAULT_WINDOW: Window = (time(9), time(20))

# How far apart the offset probes are when looking for UTC-offset changes. Real zones change offset at
# most twice a year, so two changes within six hours of each other (which a probe pair would miss) do
# not occur in the tz database.
_OFFSET_PROBE = timedelta(hours=6)
# next_allowed_time() looks for the next opening one day at a time (see there).
_SEARCH_SLICE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Rule:
    """When sending is allowed in one jurisdiction.

    ``windows`` has one entry per weekday (Monday=0 … Sunday=6): the allowed local wall-clock span
    ``[start, end)`` or ``None`` for no sending that day. ``holidays_country`` additionally bans that
    country's public holidays (``holidays`` package). ``cap`` is the jurisdiction's frequency cap,
    ``(messages, hours)``; it is carried for the sender to enforce, not checked here.
    """

    code: str
    windows: tuple[Window | None, ...]
    holidays_country: str | None
    cap: tuple[int, int] | None
    source: str

    def __post_init__(self) -> None:
        if len(self.windows) != DAYS_IN_WEEK:
            raise ValueError(f"{self.code}: windows needs one entry per weekday, got {len(self.windows)}")
        for window in self.windows:
            if window is None:
                continue
            start, end = window
            # A window that wraps past midnight would belong to two local dates; none of the rules needs it.
            if start.tzinfo is not None or end.tzinfo is not None or not start < end:
                raise ValueError(f"{self.code}: a window is two naive wall-clock times with start < end")


def _every_day(window: Window) -> tuple[Window | None, ...]:
    return (window,) * DAYS_IN_WEEK


def _monday_to_saturday(window: Window) -> tuple[Window | None, ...]:
    return (window,) * 6 + (None,)


# Every US state window below lies inside the federal one, so the state rule alone is the intersection of
# the two (a unit test checks this stays true when a rule is edited).
RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            code="US",
            windows=_every_day((time(8), time(21))),
            holidays_country=None,
            cap=None,
            source="47 CFR 64.1200(c)(1) (TCPA rules): no telephone solicitation before 8 a.m. or after 9 p.m. "
            "local time at the called party's location; the FCC treats texts as calls",
        ),
        Rule(
            code="US-FL",
            windows=_every_day((time(8), time(20))),
            holidays_country=None,
            cap=(3, 24),
            source="Fla. Stat. 501.059(8)(a) (Florida Telephone Solicitation Act, 2021 amendments): no "
            "solicitation calls, texts or voicemails before 8 a.m. or after 8 p.m. local time; no more than "
            "3 per 24 hours on the same subject matter",
        ),
        Rule(
            code="US-OK",
            windows=_every_day((time(8), time(20))),
            holidays_country=None,
            cap=(3, 24),
            source="Okla. Stat. tit. 15 §775C.4 (Telephone Solicitation Act of 2022): no commercial "
            "solicitation calls or texts before 8 a.m. or after 8 p.m. local time; no more than 3 per 24 hours "
            "on the same subject matter",
        ),
        Rule(
            code="US-MD",
            windows=_every_day((time(8), time(20))),
            holidays_country=None,
            cap=(3, 24),
            source="Md. Code, Com. Law §14-4503 (Stop the Spam Calls Act of 2023, Com. Law Title 14 Subtitle 45): "
            "no telephone solicitation before 8 a.m. or after 8 p.m. in the called party's time zone; no more "
            "than 3 calls or texts per 24 hours on the same subject",
        ),
        Rule(
            code="US-WA",
            windows=_every_day((time(8), time(20))),
            holidays_country=None,
            cap=None,
            source="RCW 80.36.390: no telephone solicitation before 8:00 a.m. or after 8:00 p.m.",
        ),
        Rule(
            code="US-CT",
            windows=_every_day((time(9), time(20))),
            holidays_country=None,
            cap=None,
            source="Conn. Gen. Stat. 42-288a (as amended by P.A. 23-98, which covers text messages): no "
            "telephonic sales call or message before 9 a.m. or after 8 p.m.",
        ),
        Rule(
            code="US-TX",
            windows=(*(((time(9), time(21)),) * 6), (time(12), time(21))),
            holidays_country=None,
            cap=None,
            source="Tex. Bus. & Com. Code 301.051 (telephone solicitation): not before 9 a.m. or after 9 p.m. "
            "on a weekday or Saturday, not before noon or after 9 p.m. on a Sunday",
        ),
        Rule(
            code="FR",
            windows=_monday_to_saturday((time(8), time(20))),
            holidays_country="FR",
            cap=None,
            source="France: CNIL guidance on SMS marketing and the operators' SMS code of practice (FFT/AF2M): "
            "no marketing SMS 20:00-08:00, on Sundays or on public holidays; cf. Code de la consommation "
            "L223-1 and D223-9 (Décret 2022-1313), whose stricter hours (Mon-Fri 10-13, 14-20) govern voice "
            "canvassing without express consent",
        ),
        Rule(
            code="DEFAULT",
            windows=_every_day(DEFAULT_WINDOW),
            holidays_country=None,
            cap=None,
            source="No jurisdiction rule on file: the platform's default business-hours window",
        ),
    )
}


def rule_for(country: str, subdivision: str | None = None, default_window: Window = DEFAULT_WINDOW) -> Rule:
    """The rule for a number registered in ``country`` (ISO 3166-1 alpha-2) and, for the US, ``subdivision``
    (a state code such as ``"FL"``). A state with no rule of its own falls back to the federal rule; a country
    with no rule gets ``default_window`` every day under its own code."""
    country = (country or "").strip().upper()
    if subdivision:
        state_rule = RULES.get(f"{country}-{subdivision.strip().upper()}")
        if state_rule is not None:
            return state_rule
    if country in RULES:
        return RULES[country]
    return Rule(
        code=country or "DEFAULT",
        windows=_every_day(default_window),
        holidays_country=None,
        cap=None,
        source=RULES["DEFAULT"].source,
    )


def is_allowed(at: datetime, zones: Sequence[str], rule: Rule) -> bool:
    """Whether ``at`` (aware, any zone) is inside the rule's window on the local wall clock of every zone
    in ``zones``, and not a no-send day or public holiday there. Several zones mean we are not sure where
    the recipient is, so every candidate must allow it."""
    _require_aware(at)
    _require_zones(zones)
    return all(_allowed_in(at, ZoneInfo(zone), rule) for zone in zones)


def next_allowed_time(at: datetime, zones: Sequence[str], rule: Rule, horizon_days: int = 14) -> datetime:
    """The earliest instant ``>= at`` (in UTC) at which :func:`is_allowed` holds for every zone.

    ``at`` itself if it is already allowed. Raises ``ValueError`` when there is none within
    ``horizon_days``, e.g. zones too far apart for their windows to overlap.

    Why the candidates suffice: in one zone, "allowed" can only switch from false to true where the local
    wall clock reaches a window start (one or, in a DST overlap, two instants per day), or where the UTC
    offset changes (a jump forward into or back into a window, a window start inside a DST gap). Windows
    are closed at the start, so the set of allowed instants after ``at`` - an intersection over the zones -
    begins exactly at one of those instants, and checking them in order finds it.
    """
    _require_aware(at)
    _require_zones(zones)
    start = at.astimezone(UTC)
    if is_allowed(start, zones, rule):
        return start
    end = start + timedelta(days=horizon_days)
    # The candidates in (start, end] are those of consecutive one-day slices; checked slice by slice,
    # in order, the first allowed one is the same as over the whole horizon, and it is nearly always in
    # the first or second slice, so the rest of the fortnight is never computed.
    low = start
    while low < end:
        high = min(low + _SEARCH_SLICE, end)
        candidates: set[datetime] = set()
        for zone in zones:
            candidates.update(_openings(ZoneInfo(zone), rule, low, high))
        for candidate in sorted(c for c in candidates if low < c <= high):
            if is_allowed(candidate, zones, rule):
                return candidate
        low = high
    raise ValueError(f"no instant within {horizon_days} days is allowed by {rule.code} in all of {list(zones)}")


def window_close(at: datetime, zones: Sequence[str], rule: Rule) -> datetime:
    """The first instant after ``at`` (allowed) at which :func:`is_allowed` stops holding in some zone: the
    end of the sending window ``at`` is in.

    Why the candidates suffice: "allowed" can only switch from true to false where a zone's wall clock
    reaches a window end (windows never wrap past midnight, so the end of the local day ``at`` falls on
    comes first) or where its UTC offset changes; the first such instant that is not allowed is the close.
    """
    _require_aware(at)
    _require_zones(zones)
    start = at.astimezone(UTC)
    if not is_allowed(start, zones, rule):
        raise ValueError("at must be inside the window")
    end = start + _SEARCH_SLICE + _SEARCH_SLICE
    candidates: set[datetime] = set()
    for zone in zones:
        tz = ZoneInfo(zone)
        candidates.update(_offset_changes(tz, start, end))
        day = start.astimezone(tz).date()
        for offset in (0, 1):
            window = rule.windows[(day + timedelta(days=offset)).weekday()]
            if window is not None:
                candidates.update(_wall_instants(day + timedelta(days=offset), window[1], tz))
    for candidate in sorted(c for c in candidates if start < c <= end):
        if not is_allowed(candidate, zones, rule):
            return candidate
    raise ValueError(f"{rule.code} never closes after {start.isoformat()}")  # impossible: windows end daily


def local_wall_time_to_utc(day: date, wall: time, zone: str) -> datetime:
    """The UTC instant at which the clock in ``zone`` shows ``wall`` on ``day`` (for "send at 18:00 local").

    DST is handled deliberately, not by whatever arithmetic falls out:

    * a wall time that does not exist (skipped by a spring-forward gap, e.g. 02:30 on the US spring-forward
      day) maps to the first instant after the gap (03:00 local): the earliest moment that is not before
      the requested time, rather than PEP 495's "shift by the gap length" (03:30);
    * a wall time that exists twice (a fall-back overlap, e.g. 01:30 on the US fall-back day) maps to the
      first occurrence (``fold=0``), so a message never goes out an hour later than asked.
    """
    if wall.tzinfo is not None:
        raise ValueError("wall must be a naive wall-clock time")
    tz = ZoneInfo(zone)
    instants = _wall_instants(day, wall, tz)
    if instants:
        return min(instants)
    naive = datetime.combine(day, wall)
    # In a gap, fold=0 reads the wall time with the offset before the change and fold=1 with the offset
    # after it; the change itself lies between the two readings.
    readings = sorted(naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    return _offset_change_between(tz, readings[0], readings[1])


def _allowed_in(at: datetime, tz: ZoneInfo, rule: Rule) -> bool:
    local = at.astimezone(tz)
    day = local.date()
    window = rule.windows[day.weekday()]
    if window is None or _is_public_holiday(rule, day):
        return False
    start, end = window
    return start <= local.time() < end


def _is_public_holiday(rule: Rule, day: date) -> bool:
    return rule.holidays_country is not None and day in _public_holidays(rule.holidays_country, day.year)


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    # Imported here: only rules with a holiday ban need it, and it costs ~0.15 s at a cold start.
    import holidays

    return frozenset(holidays.country_holidays(country, years=year))


def _openings(tz: ZoneInfo, rule: Rule, start: datetime, end: datetime) -> set[datetime]:
    """Instants in or around ``(start, end]`` where sending may become allowed in ``tz``: each day's window
    start and each UTC-offset change. The day range is padded by one on each side so that local dates
    straddling the UTC range are covered."""
    openings = set(_offset_changes(tz, start, end))
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    while day <= last:
        window = rule.windows[day.weekday()]
        if window is not None and not _is_public_holiday(rule, day):
            openings.update(_wall_instants(day, window[0], tz))
        day += timedelta(days=1)
    return openings


@lru_cache(maxsize=4096)  # the same days, windows and zones come up for every recipient of a bucket
def _wall_instants(day: date, wall: time, tz: ZoneInfo) -> tuple[datetime, ...]:
    """Every UTC instant at which ``tz`` shows ``day wall``: none in a gap, two in an overlap, else one."""
    naive = datetime.combine(day, wall)
    instants: list[datetime] = []
    for fold in (0, 1):
        instant = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        # Naive comparison ignores fold, which is what we want: does the clock show this wall time?
        if instant.astimezone(tz).replace(tzinfo=None) == naive and instant not in instants:
            instants.append(instant)
    return tuple(instants)


def _offset_changes(tz: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """The instants in ``(start, end]`` at which ``tz``'s UTC offset changes, to the second."""
    low, low_offset = start, start.astimezone(tz).utcoffset()
    while low < end:
        high = min(low + _OFFSET_PROBE, end)
        high_offset = high.astimezone(tz).utcoffset()
        if high_offset != low_offset:
            yield _offset_change_between(tz, low, high)
        low, low_offset = high, high_offset


def _offset_change_between(tz: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The instant in ``(low, high]`` at which ``tz`` switches to the offset it has at ``high``.

    Binary search over whole seconds: the tz database puts every transition on a whole second, so the
    result is the transition itself, not an approximation.
    """
    target = high.astimezone(tz).utcoffset()
    lo, hi = math.floor(low.timestamp()), math.ceil(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")


def _require_zones(zones: Sequence[str]) -> None:
    # A bare string is a Sequence[str] too; iterating it would look up one-letter zones.
    if isinstance(zones, str) or not zones:
        raise ValueError("zones must be a non-empty sequence of IANA zone names")
