"""Time helpers. Domain functions take ``now`` explicitly; the edges call :func:`utc_now`.

``utc_now`` is the one injectable clock: the local stack moves it forward with ``POST /dev/clock`` (an
offset added to the system time, in-process only), so ledger timestamps, windows, caps and schedules
all see the same time; tests replace its source. In Lambda the offset is always zero.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StringConstraints

_lock = threading.Lock()
_offset = timedelta(0)
# Tests replace the whole source (``tests/integration/conftest.py``'s ``clock`` fixture sets this one
# name); every module calls ``utc_now`` from here, so this is the only place time is patched.
_source: Callable[[], datetime] | None = None


def utc_now() -> datetime:
    if _source is not None:
        return _source()
    return datetime.now(UTC) + _offset


def advance_to(target: datetime) -> datetime:
    """Move the clock forward (never back) so that ``utc_now()`` is ``target``; returns the new now."""
    global _offset  # noqa: PLW0603 - the process-wide clock is the point
    with _lock:
        delta = target - (datetime.now(UTC) + _offset)
        if delta > timedelta(0):
            _offset += delta
        return datetime.now(UTC) + _offset


def iso(ts: datetime) -> str:
    """UTC ISO 8601 with microseconds and a ``Z``: sortable as a string, which DynamoDB keys rely on."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _zone_name(value: str) -> str | None:
    if not value:
        return None  # an empty form field: no zone given
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError; bad paths raise ValueError
        raise ValueError("not an IANA time zone name, e.g. Europe/Warsaw") from None
    return value


# A time zone field of a request or an imported row: an IANA name ("Europe/Warsaw"), blank meaning none.
ZoneName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_zone_name)]


def _timestamp_text(value: object) -> object:
    # pydantic's lax mode reads a number as seconds since 1970: `"at": 0` would become 1970-01-01
    # instead of the 422 the documented contract (an ISO 8601 string) promises.
    if not isinstance(value, str | datetime):
        raise ValueError("an ISO 8601 timestamp with an offset, e.g. 2026-11-27T18:00:00Z")
    return value


IsoTimestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_text)]
