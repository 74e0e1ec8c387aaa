"""The local provider's End User Messaging limit per origination identity (adapters/sms.py): a bucket of
one second's worth of parts refilled at the identity's rate; beyond it a ``ThrottlingException``.
An injected clock, no sleeps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from consent_platform.adapters import sms
from consent_platform.adapters.provider_errors import Failure, classify, is_throttling
from consent_platform.adapters.sms import IdentityRates, LocalOutboxProvider, PartsLimiter, read_outbox
from consent_platform.domain.messages import build_message

T0 = 1_000_000.0
PL_LONG_CODE = "+48500000001"  # unconfigured: 10 parts/s by default (domain/throughput.py)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def test_parts_over_the_window_are_throttled_and_the_next_window_allows_them() -> None:
    clock = Clock()
    limiter = PartsLimiter(clock)
    assert all(limiter.admit("A", 1, rate=10) for _ in range(10))  # one second's worth at once
    assert not limiter.admit("A", 1, rate=10)  # the 11th part in the same second
    assert limiter.admit("B", 1, rate=10)  # another identity has its own bucket
    clock.now += 0.5
    assert sum(limiter.admit("A", 1, rate=10) for _ in range(10)) == 5  # half a second refilled 5
    clock.now += 1.0
    assert sum(limiter.admit("A", 1, rate=10) for _ in range(20)) == 10  # the next second: full again


def test_a_multi_part_message_counts_its_parts() -> None:
    clock = Clock()
    limiter = PartsLimiter(clock)
    assert limiter.admit("A", 3, rate=10) and limiter.admit("A", 3, rate=10) and limiter.admit("A", 3, rate=10)
    assert not limiter.admit("A", 3, rate=10)  # 9 of 10 parts used: 3 more do not fit
    assert limiter.admit("A", 1, rate=10)  # but one more part does
    clock.now += 0.29
    assert not limiter.admit("A", 3, rate=10)
    clock.now += 0.02
    assert limiter.admit("A", 3, rate=10)


def test_a_message_longer_than_one_seconds_worth_goes_once_the_bucket_is_full() -> None:
    """3 parts at 1 part/s: never refused for good (pacing reserves it 3 s apart), and it is paid for."""
    clock = Clock()
    limiter = PartsLimiter(clock)
    assert limiter.admit("A", 3, rate=1)  # 3 parts with a full bucket of 1: it owes 2 s
    clock.now += 2.9
    assert not limiter.admit("A", 1, rate=1)  # the debt is paid at +2 s, the bucket full again at +3 s
    assert not limiter.admit("A", 3, rate=1)
    clock.now += 0.1
    assert limiter.admit("A", 3, rate=1)
    assert not limiter.admit("A", 1, rate=1)


def test_rates_are_read_once_per_ttl_and_default_by_identity() -> None:
    clock, reads = Clock(), []

    def configured(identity: str) -> float | None:
        reads.append(identity)
        return 3.0 if identity == "+18885550100" else None

    rates = IdentityRates(configured, ttl_s=2.0, clock=clock)
    for _ in range(100):
        assert rates("+18885550100", "+12015550123") == 3.0
        assert rates(PL_LONG_CODE, "+48501234567") == 10  # not configured: the Polish long code default
    assert reads == ["+18885550100", PL_LONG_CODE]
    clock.now += 2.0
    rates("+18885550100", "+12015550123")
    assert reads.count("+18885550100") == 2


def test_the_local_provider_throttles_like_end_user_messaging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sms, "_BACKOFF_BASE_S", 0.0)
    clock = Clock()
    provider = LocalOutboxProvider(str(tmp_path / "outbox.jsonl"), IdentityRates(lambda _i: 2.0), PartsLimiter(clock))
    now = datetime.fromtimestamp(T0, UTC)
    messages = [
        build_message(to=f"+4850100000{i}", body="Hi", kind="reply", now=now, origination=PL_LONG_CODE)
        for i in range(3)
    ]
    provider.send(messages[0])
    provider.send(messages[1])
    with pytest.raises(sms.ClientError) as refused:
        provider.send(messages[2])
    error = refused.value
    assert error.response["Error"]["Code"] == "ThrottlingException" and error.operation_name == "SendTextMessage"
    assert is_throttling(error) and classify(error) is Failure.RETRY  # the sender puts it back for later
    assert [m["message_id"] for m in read_outbox(str(tmp_path / "outbox.jsonl"))] == [
        m.message_id for m in messages[:2]
    ]
    clock.now += 0.5
    provider.send(messages[2])  # a second later, half refilled: one part goes
    # Without an origination identity there is no limit to enforce (nor does pacing pace it).
    for i in range(5):
        provider.send(build_message(to="+48501000009", body=f"Hi {i}", kind="reply", now=now))
    assert len(read_outbox(str(tmp_path / "outbox.jsonl"))) == 8
