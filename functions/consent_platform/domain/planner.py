"""Campaign planning: one send time per audience bucket (time zones × jurisdiction rule).

Pure: takes the bucket registry (bucket key → subscriber count) and the requested time, returns the plan.
Its cost depends on the number of buckets, never on the number of subscribers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .quiet_hours import RULES, Rule, local_wall_time_to_utc, next_allowed_time, rule_for

# The last place on Earth to reach a wall-clock time is UTC−12: a local time that has passed there has
# passed everywhere.
LATEST_OFFSET = timedelta(hours=-12)


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    zones: tuple[str, ...]
    rule: Rule

    @classmethod
    def parse(cls, key: str) -> Bucket:
        zones, _, code = key.partition("|")
        return cls(key, tuple(zones.split("+")), rule_by_code(code))


def rule_by_code(code: str) -> Rule:
    if code in RULES:
        return RULES[code]
    country, _, subdivision = code.partition("-")
    return rule_for(country, subdivision or None)


def local_time_has_passed_everywhere(wall: datetime, now: datetime) -> bool:
    return wall.replace(tzinfo=UTC) - LATEST_OFFSET < now


def requested_instant(bucket: Bucket, *, wall: datetime | None, at: datetime | None, now: datetime) -> datetime:
    """When this bucket was asked to receive the message, before quiet hours are applied."""
    if wall is not None:
        # Uncertain zone: the wall time must have arrived in every candidate zone.
        return max(local_wall_time_to_utc(wall.date(), wall.time(), zone) for zone in bucket.zones)
    return at if at is not None else now


def plan_bucket(
    bucket: Bucket, recipients: int, *, wall: datetime | None, at: datetime | None, now: datetime
) -> dict[str, Any]:
    wanted = max(requested_instant(bucket, wall=wall, at=at, now=now), now)
    send = next_allowed_time(wanted, bucket.zones, bucket.rule)
    if send.microsecond:
        # Schedules have whole seconds: round up (never early), and stay inside the window.
        send = next_allowed_time(send.replace(microsecond=0) + timedelta(seconds=1), bucket.zones, bucket.rule)
    deferred = send - wanted >= timedelta(seconds=1)  # not for rounding up to a whole second
    first = ZoneInfo(bucket.zones[0])
    item: dict[str, Any] = {
        "bucket": bucket.key,
        "timezone": bucket.zones[0],
        "rule": bucket.rule.code,
        "send_at_utc": send.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "local_time": send.astimezone(first).isoformat(timespec="seconds"),
        "deferred": deferred,
        "reason": deferral_reason(bucket, wanted) if deferred else None,
        "recipients": recipients,
    }
    if len(bucket.zones) > 1:
        item["candidates"] = list(bucket.zones)
    return item


def deferral_reason(bucket: Bucket, wanted: datetime) -> str:
    """Why the wanted instant was not allowed, judged in the first zone: holiday, no-send day, or hours."""
    local = wanted.astimezone(ZoneInfo(bucket.zones[0]))
    rule = bucket.rule
    if rule.holidays_country:
        import holidays

        if local.date() in holidays.country_holidays(rule.holidays_country, years=local.year):
            return "holiday"
    if rule.windows[local.weekday()] is None:
        return "no_sending_day"
    return "quiet_hours"
