"""Issue 17's ``throughput`` figure: 300 recipients through an identity limited to 10 parts/s.

The sender's own handler on moto with the injected clock driving SQS delays (tests/integration/
test_pacing.py, which asserts the same figure in ``make test``): exact, no sleeps."""

from __future__ import annotations

from typing import Any

RECIPIENTS = 300
RATE = 10


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
