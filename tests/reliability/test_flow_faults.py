"""A two-step welcome flow for 20 contacts while DynamoDB throttles 15% of requests, the SMS provider fails
10% of calls before accepting them, and the flow sweep dies after queueing a page's messages but before
moving its enrollments (a fifth of the time). Sweeps and the sender run again as AWS would (every minute;
SQS redelivery). Afterwards: every contact got each step exactly once, counted at the provider."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

from consent_platform.adapters.sms import read_outbox
from infra.local.invoker import Invoker
from infra.local.moto_speedups import fast_moto
from tests.integration.conftest import _reset_cached_settings
from tests.reliability.faults import drain, injected_faults
from tests.reliability.harness import moto_stack
from tests.reliability.test_fault_injection import UK, audience

CONTACTS = 20
WELCOME = {
    "list_id": "tea",
    "name": "Welcome",
    "trigger": {"event": "Consent.Confirmed"},
    "steps": [{"send": {"text": "Welcome!"}}, {"wait": {"days": 1}}, {"send": {"text": "Day two"}}],
}


def _sweep_until_nothing_due(aws: Any, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    import random

    from consent_platform.adapters.dynamodb.flows import FlowStore

    dies = random.Random(seed)
    moves = FlowStore.move

    def mortal(self: FlowStore, *args: Any, **kwargs: Any) -> bool:
        if dies.random() < 0.2:
            raise RuntimeError("the sweep died after queueing")
        return moves(self, *args, **kwargs)

    monkeypatch.setattr(FlowStore, "move", mortal)
    for _ in range(60):  # runs a minute apart, the clock standing still: only what was due stays due
        try:
            report = Invoker(aws.stack).invoke("FlowSweepFunction", {})
        except Exception:  # a run that died (or failed after botocore's retries): the next run is the retry
            report = {"due": 1}
        for _round in range(20):
            if not aws.receive_count("OutboundQueue"):
                break
            drain(aws)
        if report["due"] == 0:
            break
    monkeypatch.setattr(FlowStore, "move", moves)


def test_flow_steps_are_sent_exactly_once_under_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    with fast_moto(), moto_stack() as (aws, clock):
        monkeypatch.setenv("SMS_PROVIDER", "local")
        _reset_cached_settings()
        assert aws.http("PUT", "/v1/admin/lists/tea", UK).status == 201
        assert aws.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
        phones = audience(CONTACTS)
        rows = "\n".join(f"{p},order-{i}" for i, p in enumerate(phones))
        reply = aws.http(
            "POST", "/v1/admin/lists/tea/import", raw="phone,evidence\n" + rows, headers={"content-type": "text/csv"}
        )
        assert reply.body["imported"] == CONTACTS, reply.body
        for phone in phones:  # what the bus would deliver for each activation
            event = {"detail-type": "Consent.Granted", "detail": {"phone": phone, "list_id": "tea", "status": "active"}}
            Invoker(aws.stack).invoke("AudienceEventsFunction", event)
        clock.now = clock.now.replace(hour=12, minute=0)  # inside the UK window
        with injected_faults(seed=11, dynamodb=0.15, provider=0.10, lost=0.0, crash=0.0) as faults:
            clock.advance(minutes=1)
            _sweep_until_nothing_due(aws, monkeypatch, seed=1)
            clock.advance(days=1)
            _sweep_until_nothing_due(aws, monkeypatch, seed=2)
        assert faults.injected["dynamodb_throttle"] > 0 and faults.injected["provider_failure"] > 0
        sent = Counter((str(m["to"]), str(m["body"])) for m in read_outbox(os.environ["LOCAL_OUTBOX_PATH"]))
        flow_texts = {key: n for key, n in sent.items() if key[1].startswith(("Welcome!", "Day two"))}
        assert len(flow_texts) == 2 * CONTACTS, f"missing: {2 * CONTACTS - len(flow_texts)}"
        assert max(flow_texts.values()) == 1, "a step was accepted twice"
        stats = aws.http("GET", "/v1/admin/flows/welcome").body["stats"]
        assert (stats["entered"], stats["completed"], stats["sent"]) == (CONTACTS, CONTACTS, 2 * CONTACTS)
