"""Plan estimates (issue 17): each bucket's send time at its identity's rate, and its overflow into the next
window. Pure: dates are far ahead and only used as calendar positions (no clock involved)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from consent_platform.domain.planner import Bucket, plan_bucket
from consent_platform.domain.quiet_hours import is_allowed, next_allowed_time, window_close
from consent_platform.domain.send_estimate import Load, annotate_plan, estimate

NEW_YORK = ZoneInfo("America/New_York")
TUESDAY = datetime(2031, 3, 4)  # a Tuesday, no US federal holiday
NOW = datetime(2031, 3, 1, tzinfo=UTC)
TOLL_FREE = "+18445550199"  # US toll-free: 3 parts/s by default
SHORT_CODE = "12345"  # US short code: 100 parts/s by default
BUCKETS = [
    "Europe/Warsaw|PL",
    "America/New_York|US-FL",
    "America/Chicago|US-TX",
    "Europe/Paris|FR",
    "America/Chicago+America/New_York|US",
    "Australia/Lord_Howe|AU",
    "Asia/Kathmandu|NP",
]


def planned(key: str, recipients: int, local_hour: int) -> dict[str, Any]:
    return plan_bucket(Bucket.parse(key), recipients, wall=TUESDAY.replace(hour=local_hour), at=None, now=NOW)


def test_a_toll_free_number_cannot_send_20000_two_part_messages_in_the_evening() -> None:
    plan = [planned("America/New_York|US", 20_000, 19)]  # 19:00 → the window closes at 21:00
    annotate_plan(plan, 2, {"US": TOLL_FREE}, {})
    [item] = plan
    assert item["parts_per_second"] == 3
    assert item["estimated_send_seconds"] == round(20_000 * 2 / 3, 1)
    # 7,200 s × 3 parts/s ÷ 2 parts = 10,800 messages fit; the rest rolls to Wednesday 08:00.
    assert item["overflow"] == 20_000 - 10_800 > 0


def test_a_short_code_sends_them_well_inside_the_window() -> None:
    plan = [planned("America/New_York|US", 20_000, 19)]
    annotate_plan(plan, 2, {"default": SHORT_CODE}, {})
    assert plan[0]["parts_per_second"] == 100
    assert plan[0]["estimated_send_seconds"] == 400.0
    assert plan[0]["overflow"] == 0


def test_a_configured_rate_wins_over_the_default() -> None:
    plan = [planned("America/New_York|US", 20_000, 19)]
    annotate_plan(plan, 2, {"US": TOLL_FREE}, {TOLL_FREE: 50.0})
    assert plan[0]["parts_per_second"] == 50.0
    assert plan[0]["overflow"] == 0


def test_no_identity_for_the_country_means_nothing_to_estimate() -> None:
    plan = [planned("Europe/Warsaw|PL", 100, 10)]
    annotate_plan(plan, 1, {"US": TOLL_FREE}, {})
    assert (plan[0]["parts_per_second"], plan[0]["estimated_send_seconds"], plan[0]["overflow"]) == (None, None, None)


def test_buckets_at_the_same_instant_on_one_identity_share_its_rate_in_order() -> None:
    start = datetime(2031, 3, 4, 18, tzinfo=UTC)
    close = start + timedelta(hours=1)
    loads = [Load(TOLL_FREE, 3.0, start, close, 4_000), Load(TOLL_FREE, 3.0, start, close, 4_000)]
    first, second = estimate(loads, 1)
    # The first takes 1,333.3 s of the hour; the second gets the remaining 2,266.6 s: 6,800 parts.
    assert (first.send_seconds, first.overflow) == (1333.3, 0)
    assert (second.send_seconds, second.overflow) == (1333.3, 0)
    third = estimate([*loads, Load(TOLL_FREE, 3.0, start, close, 4_000)], 1)[2]
    assert third.overflow == 4_000 - (3_600 * 3 - 8_000)
    # Another identity at the same instant is not slowed down.
    other = estimate([*loads, Load(SHORT_CODE, 100.0, start, close, 4_000)], 1)[2]
    assert other.overflow == 0


def test_a_later_bucket_waits_for_the_earlier_one_but_not_past_its_window() -> None:
    start = datetime(2031, 3, 4, 18, tzinfo=UTC)
    early = Load(TOLL_FREE, 1.0, start, start + timedelta(seconds=100), 1_000)  # stops at its close, 900 over
    late = Load(TOLL_FREE, 1.0, start + timedelta(seconds=50), start + timedelta(seconds=250), 100)
    first, second = estimate([late, early], 1)  # plan order does not matter: send time does
    assert second.overflow == 900
    assert first.overflow == 0  # starts at +100 s (the early bucket's close), 150 s left for 100 parts


def test_the_window_closes_at_the_local_end_of_the_rule() -> None:
    bucket = Bucket.parse("America/New_York|US-FL")  # Florida: 8:00-20:00
    at = TUESDAY.replace(hour=15, tzinfo=NEW_YORK)
    assert window_close(at, bucket.zones, bucket.rule) == TUESDAY.replace(hour=20, tzinfo=NEW_YORK)


def test_the_window_of_uncertain_zones_closes_with_the_first_zone() -> None:
    bucket = Bucket.parse("America/Los_Angeles+America/New_York|US")
    at = TUESDAY.replace(hour=12, tzinfo=NEW_YORK)  # 09:00 in Los Angeles
    close = window_close(at, bucket.zones, bucket.rule)
    assert close == TUESDAY.replace(hour=21, tzinfo=NEW_YORK)
    assert not is_allowed(close, bucket.zones, bucket.rule)
    assert is_allowed(close - timedelta(seconds=1), bucket.zones, bucket.rule)


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(BUCKETS),
    at=st.datetimes(min_value=datetime(2031, 1, 1), max_value=datetime(2032, 12, 30), timezones=st.just(UTC)),
)
def test_the_window_close_is_the_first_disallowed_instant(key: str, at: datetime) -> None:
    bucket = Bucket.parse(key)
    send = next_allowed_time(at, bucket.zones, bucket.rule).replace(microsecond=0) + timedelta(seconds=1)
    if not is_allowed(send, bucket.zones, bucket.rule):
        return  # the window closed within that second
    close = window_close(send, bucket.zones, bucket.rule)
    assert send < close <= send + timedelta(days=1)
    assert not is_allowed(close, bucket.zones, bucket.rule)
    step = (close - send) / 16  # allowed all the way: sampled
    assert all(is_allowed(send + step * i, bucket.zones, bucket.rule) for i in range(16))
    assert is_allowed(close - timedelta(seconds=1), bucket.zones, bucket.rule)
