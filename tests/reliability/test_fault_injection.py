"""A campaign and a burst of inbound messages while DynamoDB throttles 10% of requests, the SMS provider
fails 10% of calls before accepting them, loses the answer of another 10% after accepting them, and the
sender dies between its claim and 5% of first calls. The reconciler runs every 5 minutes (the test moves
the clock past its safe delay). Afterwards: no message lost, none accepted twice (counted at the
provider), campaign stats equal to what the provider accepted — and the documented redrive of what was
dead-lettered changes none of that."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from consent_platform.adapters.sms import read_outbox
from infra.local.invoker import Invoker
from infra.local.moto_speedups import fast_moto
from infra.local.schedules import LocalScheduler
from infra.redrive import redrive
from tests.integration.conftest import DEMO_LIST, LocalAws, _reset_cached_settings
from tests.reliability.faults import drain, injected_faults, pending_left, reconcile
from tests.reliability.harness import moto_stack

UK = {
    **DEMO_LIST,
    "opt_in": "single",
    "default_country": "GB",
    "allowed_countries": ["GB"],
    "language": "en",
    "brand": "Tea",
    "consent_text": {"version": "1", "text": "Tea by SMS"},
}


def audience(n: int) -> list[str]:
    return [f"+4474{i:08d}" for i in range(n)]


def settle(aws: LocalAws) -> None:
    """Until every queue is empty: processed, or dead-lettered after 5 receives."""
    for _ in range(200):
        if not (aws.receive_count("InboundQueue") or aws.receive_count("OutboundQueue")):
            return
        aws.drain("InboundWorkerFunction", "InboundQueue")
        drain(aws)


def reconcile_rounds(aws: LocalAws, clock: Any, totals: Counter[str]) -> None:
    """Reconciler runs, each past the safe delay (15 min) of the claims before it, until no claim
    awaits its outcome; what a run resends is sent before the next run."""
    for _ in range(8):
        if not pending_left():
            return
        clock.advance(minutes=16)
        try:
            totals.update({k: v for k, v in reconcile(aws).items() if isinstance(v, int)})
        except Exception:
            continue
        settle(aws)


def run(recipients: int, inbound: int) -> dict[str, Any]:
    with moto_stack() as (aws, clock):
        # The local outbox is the provider: it counts what was accepted, and reports receipts.
        provider = pytest.MonkeyPatch()
        provider.setenv("SMS_PROVIDER", "local")
        _reset_cached_settings()
        try:
            return _run(aws, clock, recipients, inbound)
        finally:
            provider.undo()


def _run(aws: LocalAws, clock: Any, recipients: int, inbound: int) -> dict[str, Any]:
    clock.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday noon in the UK
    assert aws.http("PUT", "/v1/admin/lists/tea", UK).status == 201
    phones = audience(recipients)
    csv = "phone,evidence\n" + "\n".join(f"{p},order-{i}" for i, p in enumerate(phones))
    imported = aws.http("POST", "/v1/admin/lists/tea/import", raw=csv, headers={"content-type": "text/csv"})
    assert imported.body["imported"] == recipients, imported.body
    created = aws.http("POST", "/v1/admin/campaigns", {"list_id": "tea", "name": "F", "text": "Faulty Friday!"}).body
    reconciled: Counter[str] = Counter()

    with injected_faults() as faults:
        clock.advance(seconds=61)
        scheduler = LocalScheduler(aws.stack, Invoker(aws.stack))
        for _ in range(50):  # schedules retried like Scheduler's retry policy
            scheduler.fire_due(clock.now, wait=False)
            if not scheduler.due(clock.now):
                break
        # A burst of inbound STOP/HELP/joins from a fifth of the audience, delivered twice each.
        sqs = boto3.client("sqs")
        for i, phone in enumerate(phones[:inbound]):
            body = ("STOP", "HELP", "hello")[i % 3]
            envelope = {
                "provider": "webhook",
                "message_id": f"in-{i}",
                "sender": phone,
                "to": "+447400999999",
                "body": body,
                "at": clock.now.isoformat(),
            }
            for _copy in range(2):
                sqs.send_message(QueueUrl=aws.queue_url("InboundQueue"), MessageBody=json.dumps(envelope))
        settle(aws)
        reconcile_rounds(aws, clock, reconciled)
        injected = dict(faults.injected)

    dead_outbound = aws.receive_count("OutboundDLQ")
    dead_inbound = aws.receive_count("InboundDLQ")
    outbox = os.environ["LOCAL_OUTBOX_PATH"]
    accepted_ids = Counter(str(m["message_id"]).removesuffix("~r") for m in read_outbox(outbox))
    assert max(accepted_ids.values()) == 1, "a message was accepted twice"

    # The documented redrive, faults gone: everything left finishes, still without doubles.
    redrive(sqs, aws.queue_url("OutboundDLQ"), aws.queue_url("OutboundQueue"))
    redrive(sqs, aws.queue_url("InboundDLQ"), aws.queue_url("InboundQueue"))
    settle(aws)
    reconcile_rounds(aws, clock, reconciled)
    assert pending_left() == 0, "a claim's provider outcome was never resolved"
    messages = read_outbox(outbox)
    accepted_ids = Counter(str(m["message_id"]).removesuffix("~r") for m in messages)
    assert max(accepted_ids.values()) == 1, "redrive or reconciliation doubled a message"
    final = Counter(str(m["to"]) for m in messages if str(m["body"]).startswith("Faulty Friday"))
    assert all(count == 1 for count in final.values()), "a campaign reached a number twice"
    stopped = {phones[i] for i in range(inbound) if i % 3 == 0}
    stats = aws.http("GET", f"/v1/admin/campaigns/{created['campaign_id']}").body["stats"]
    lost = sorted(set(phones) - stopped - set(final))
    assert not lost, (len(lost), stats, injected)
    # Stats equal what the provider accepted; every recipient was sent to or had texted STOP first.
    assert stats["sent"] == len(final), (stats, injected, reconciled)
    # (Skips are counted per delivery: a batch that comes back after the function died counts its
    # opted-out skips again, so only "at least" holds for them.)
    assert stats["sent"] + stats["skipped"]["opted_out"] >= recipients
    # Every inbound message took effect exactly once: one STOP confirmation per STOP sender.
    for phone in stopped:
        ledger = aws.http("GET", "/v1/admin/contacts/" + phone.replace("+", "%2B")).body["ledger"]
        assert [e["action"] for e in ledger].count("revoked") == 1
    return {
        "recipients": recipients,
        "inbound": inbound * 2,
        "dead_lettered": dead_outbound + dead_inbound,
        "campaign_accepted": len(final),
        "messages_accepted": len(messages),
        "lost": len(lost),
        "accepted_twice": sum(1 for n in accepted_ids.values() if n > 1),
        **injected,
        **{f"reconciled_{k}": v for k, v in reconciled.items() if k != "more"},
    }


def test_faults_small() -> None:
    with fast_moto():
        figures = run(recipients=200, inbound=30)
    assert figures["dynamodb_throttle"] > 0 and figures["provider_failure"] > 0
    assert figures["response_lost"] > 0 and figures["sender_crash"] > 0
    assert figures["reconciled_confirmed"] > 0 and figures["reconciled_resent"] > 0
    print("fault injection:", figures)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_faults_2000_recipients() -> None:
    # moto's own cost grows with the table (a transaction deep-copies it): fast_moto answers the same,
    # in time independent of the table's size — without it the 2,000-row import alone outran 300 s.
    with fast_moto():
        figures = run(recipients=2000, inbound=300)
    assert figures["dynamodb_throttle"] > 0 and figures["provider_failure"] > 0
    assert figures["response_lost"] > 0 and figures["sender_crash"] > 0
    print("fault injection:", figures)
