"""Pacing arithmetic and defaults (domain/throughput.py), and the local outbox's millisecond times."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consent_platform.domain import clock
from consent_platform.domain.messages import build_message
from consent_platform.domain.throughput import default_rate, delay_seconds, reserve


@pytest.mark.parametrize(
    ("identity", "destination", "rate"),
    [
        ("+18885550100", None, 3),  # US toll-free
        ("+12015550123", None, 1),  # US 10DLC
        ("+48500000000", None, 10),  # a Polish long code
        ("12345", "+12015550123", 100),  # US short code (domestic)
        ("4301", "+48501234567", 1),  # a Polish short code: no published figure
        ("ACME", "+48501234567", 1),  # sender ID
        ("pool-0123456789abcdef0123456789abcdef", None, 1),
    ],
)
def test_default_rates_by_type_and_country(identity: str, destination: str | None, rate: float) -> None:
    assert default_rate(identity, destination).parts_per_second == rate


def test_a_full_bucket_covers_one_second_then_reserves_at_the_rate() -> None:
    now = 1_000.0
    first = reserve([1] * 25, 0.0, 10, now)
    assert sum(1 for t in first.send_at if t is not None and t <= now) == 10  # one second's worth now
    assert first.send_at[10] == pytest.approx(now + 0.1) and first.send_at[24] == pytest.approx(now + 1.5)
    second = reserve([3], first.tat, 10, now)  # the next batch queues behind, in parts
    assert second.send_at[0] == pytest.approx(now + 1.8)
    assert delay_seconds(now + 1.8, now) == 2 and delay_seconds(now, now) == 0


def test_local_outbox_times_have_milliseconds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from consent_platform.adapters.sms import LocalOutboxProvider

    at = datetime(2030, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
    monkeypatch.setattr(clock, "_source", lambda: at)
    provider = LocalOutboxProvider(str(tmp_path / "outbox.jsonl"))
    provider.send(build_message(to="+48501234567", body="Hi", kind="reply", now=at))
    record = json.loads((tmp_path / "outbox.jsonl").read_text())
    assert record["sent_at"] == "2030-01-02T03:04:05.678Z"
