"""Issue 17's ``throughput`` figure: 300 recipients through an identity limited to 10 parts/s.

The sender's own handler on moto with the injected clock driving SQS delays (tests/integration/
test_pacing.py, which asserts the same figure in ``make test``): exact, no sleeps. And a 2,000-recipient
campaign against a provider stub that throttles (``throttling.ThrottlingProvider``; 100 recipients in
tests/reliability/test_throttling.py): requests per sent message under throttling, none dead-lettered."""

from __future__ import annotations

from typing import Any

RECIPIENTS = 300
RATE = 10
THROTTLED_RECIPIENTS = 2000


def figure() -> dict[str, Any]:
    import pytest

    from tests.integration import test_pacing
    from tests.reliability.harness import moto_stack

    patch = pytest.MonkeyPatch()
    try:
        with moto_stack() as (aws, clock):
            sends = test_pacing.record_sends(patch, clock)
            result = test_pacing.throughput(aws, clock, sends, RECIPIENTS)
    finally:
        patch.undo()
    return {**result, "parts_per_second_limit": RATE, "max_allowed_in_any_1s": 2 * RATE}


def throttled(recipients: int = THROTTLED_RECIPIENTS) -> dict[str, Any]:
    from bench.throttling import campaign_throttled

    result = campaign_throttled(recipients)
    return {
        "requests_per_sent_message_throttled": result["requests_per_sent_message_throttled"],
        "throttling_stub": {k: v for k, v in result.items() if k != "requests_per_sent_message_throttled"},
    }
