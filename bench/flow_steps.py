"""AWS requests per executed flow step (issue 18: ≤ 3), on the real handlers on moto.

``N`` contacts of a single opt-in list enter a cart flow (``Cart.Abandoned`` events, delivered to the
AudienceEventsFunction as EventBridge would); two hours later one FlowSweepFunction run executes every
due send step. Counted: the sweep's calls (its fixed cost per run — the flows, one Query per due-index
shard, the list, the counters — spread over the steps), and the sender's calls per message for
comparison (the same path as a campaign's). ``python -m bench.flow_steps [N]``.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

from bench.aws_requests import (
    Recorder,
    _by_operation,
    _quiet,
    deliver_queue,
    import_contacts,
    put_list,
    stack,
    uk_numbers,
)

STEPS = 500
CART_FLOW = {
    "list_id": "tea",
    "name": "Cart rescue",
    "trigger": {"event": "Cart.Abandoned"},
    "exit_on": ["Customer.Purchase"],
    "steps": [{"wait": {"hours": 2}}, {"send": {"text": "{first_name|Hi}, your basket: {event.url}"}}],
}


def flow_steps(contacts: int = STEPS) -> dict[str, Any]:
    with stack() as (aws, clock, recorder):
        put_list(aws, "tea")
        phones = uk_numbers(contacts)
        import_contacts(aws, "tea", phones)
        with _quiet():
            assert aws.http("PUT", "/v1/admin/flows/cart", CART_FLOW).status == 201
        for n, phone in enumerate(phones):
            detail = {"list_id": "tea", "phone": phone, "cart_id": f"c-{n}", "url": f"https://tea.example/c/{n}"}
            recorder.invoke(aws.stack, "AudienceEventsFunction", {"detail-type": "Cart.Abandoned", "detail": detail})
        clock.now += timedelta(hours=2, minutes=1)
        report = _sweep(aws, recorder)
        assert report["queued"] == contacts, report
        deliver_queue(aws, recorder, "SenderFunction", "OutboundQueue")
        sweep_calls = recorder.calls("FlowSweepFunction")
        sender_calls = recorder.calls("SenderFunction")
        enter_calls = recorder.calls("AudienceEventsFunction")
        return {
            "steps": contacts,
            "sweep_requests_per_step": round(sum(sweep_calls.values()) / contacts, 3),
            "sweep_by_operation": _by_operation(sweep_calls, contacts),
            "sender_requests_per_message": round(sum(sender_calls.values()) / contacts, 3),
            "enrollment_requests_per_event": round(sum(enter_calls.values()) / contacts, 3),
        }


def _sweep(aws: Any, recorder: Recorder) -> dict[str, Any]:
    result: dict[str, Any] = recorder.invoke(aws.stack, "FlowSweepFunction", {})
    return result


if __name__ == "__main__":
    print(json.dumps(flow_steps(int(sys.argv[1]) if len(sys.argv) > 1 else STEPS), indent=2))
