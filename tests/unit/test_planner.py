from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from consent_platform.domain.planner import Bucket, plan_bucket
from consent_platform.domain.quiet_hours import is_allowed

BUCKETS = [
    "Europe/Warsaw|PL",
    "America/New_York|US-FL",
    "America/Chicago|US-TX",
    "Europe/Paris|FR",
    "America/Chicago+America/New_York|US",
    "America/Los_Angeles|US-WA",
    "Australia/Lord_Howe|AU",
    "Asia/Kathmandu|NP",
    "America/New_York|US-CT",
]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(BUCKETS),
    wall=st.datetimes(min_value=datetime(2026, 1, 2), max_value=datetime(2027, 12, 30)),
    instant=st.booleans(),
)
def test_every_planned_time_is_allowed_and_never_early(key: str, wall: datetime, instant: bool) -> None:
    bucket = Bucket.parse(key)
    at = wall.replace(tzinfo=UTC) if instant else None
    item = plan_bucket(bucket, 1, wall=None if instant else wall, at=at, now=NOW)
    send = datetime.fromisoformat(item["send_at_utc"].replace("Z", "+00:00"))
    assert is_allowed(send, bucket.zones, bucket.rule)
    if instant:
        assert send >= at  # type: ignore[operator]
    assert item["deferred"] == (item["reason"] is not None)


def test_uncertain_zone_uses_the_intersection() -> None:
    bucket = Bucket.parse("America/Los_Angeles+America/New_York|US")
    item = plan_bucket(bucket, 3, wall=datetime(2026, 11, 27, 8, 0), at=None, now=NOW)
    # 08:00 in Los Angeles (the later zone) is 11:00 in New York: inside both windows.
    assert item["send_at_utc"] == "2026-11-27T16:00:00Z"
    assert item["candidates"] == ["America/Los_Angeles", "America/New_York"]
    assert not item["deferred"]
    assert timedelta(0) <= datetime.fromisoformat(item["send_at_utc"][:-1]) - datetime(2026, 11, 27, 16)
