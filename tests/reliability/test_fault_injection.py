"""A campaign and a burst of inbound messages while DynamoDB throttles 10% of requests and the SMS
provider fails 20% of calls: afterwards every job was sent exactly once or sits in a DLQ, and the
documented redrive finishes them without doubles."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import boto3
import pytest

from infra.local.invoker import Invoker
from infra.local.moto_speedups import fast_moto
from infra.local.schedules import LocalScheduler
from infra.redrive import redrive
from tests.integration.conftest import DEMO_LIST, sent_sms
from tests.reliability.faults import injected_faults
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


def run(recipients: int, inbound: int) -> dict[str, int]:
    with moto_stack() as (aws, clock):
        clock.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday noon in the UK
        assert aws.http("PUT", "/v1/admin/lists/tea", UK).status == 201
        phones = audience(recipients)
        csv = "phone,evidence\n" + "\n".join(f"{p},order-{i}" for i, p in enumerate(phones))
        imported = aws.http("POST", "/v1/admin/lists/tea/import", raw=csv, headers={"content-type": "text/csv"})
        assert imported.body["imported"] == recipients, imported.body
        created = aws.http(
            "POST", "/v1/admin/campaigns", {"list_id": "tea", "name": "F", "text": "Faulty Friday!"}
        ).body

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
            for _ in range(200):  # until every queue is empty: processed, or dead-lettered after 5 receives
                if not (aws.receive_count("InboundQueue") or aws.receive_count("OutboundQueue")):
                    break
                aws.drain("InboundWorkerFunction", "InboundQueue")
                aws.drain()
            injected = dict(faults.injected)

        dead_outbound = aws.receive_count("OutboundDLQ")
        dead_inbound = aws.receive_count("InboundDLQ")
        sent_once = Counter(m["to"] for m in sent_sms() if m["body"].startswith("Faulty Friday"))
        assert all(count == 1 for count in sent_once.values()), "a campaign message was sent twice"

        # The documented redrive, faults gone: everything left finishes, still without doubles.
        redrive(sqs, aws.queue_url("OutboundDLQ"), aws.queue_url("OutboundQueue"))
        redrive(sqs, aws.queue_url("InboundDLQ"), aws.queue_url("InboundQueue"))
        for _ in range(50):
            if not (aws.receive_count("InboundQueue") or aws.receive_count("OutboundQueue")):
                break
            aws.drain("InboundWorkerFunction", "InboundQueue")
            aws.drain()
        final = Counter(m["to"] for m in sent_sms() if m["body"].startswith("Faulty Friday"))
        assert all(count == 1 for count in final.values()), "redrive doubled a message"
        stopped = {phones[i] for i in range(inbound) if i % 3 == 0}
        stats = aws.http("GET", f"/v1/admin/campaigns/{created['campaign_id']}").body["stats"]
        missing = sorted(set(phones) - stopped - set(final))
        assert not missing, (len(missing), stats, injected)
        # Each recipient got the campaign once, or had texted STOP before their job ran (skipped).
        assert set(final) | stopped >= set(phones) - stopped
        assert stats["sent"] == len(final)
        assert stats["sent"] + stats["skipped"]["opted_out"] == recipients
        # Every inbound message took effect exactly once: one STOP confirmation per STOP sender.
        for phone in stopped:
            ledger = aws.http("GET", "/v1/admin/contacts/" + phone.replace("+", "%2B")).body["ledger"]
            assert [e["action"] for e in ledger].count("revoked") == 1
        return {
            "recipients": recipients,
            "inbound": inbound * 2,
            "dead_lettered": dead_outbound + dead_inbound,
            "sent": len(final),
            **injected,
        }


def test_faults_small() -> None:
    figures = run(recipients=100, inbound=24)
    assert figures["dynamodb_throttle"] > 0 and figures["provider_failure"] > 0
    print("fault injection:", figures)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_faults_2000_recipients() -> None:
    # moto's own cost grows with the table (a transaction deep-copies it): fast_moto answers the same,
    # in time independent of the table's size — without it the 2,000-row import alone outran 300 s.
    with fast_moto():
        figures = run(recipients=2000, inbound=300)
    assert figures["dynamodb_throttle"] > 0 and figures["provider_failure"] > 0
    print("fault injection:", figures)
