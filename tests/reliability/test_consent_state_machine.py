"""The consent state machine, driven through the real handlers on moto by hypothesis.

Random sequences of web sign-ups, keyword joins, YES/TAK, STOP variants, START, HELP, duplicate and
out-of-order deliveries, campaigns, expiry sweeps and a moving clock. After every step: the ledger
explains every subscription's state, a lapse is recorded once, nothing marketing went to a number after
its latest revocation, no campaign reached a number twice, every accepted request left exactly its
ledger entries, and a STOP is confirmed exactly once.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from itertools import pairwise
from typing import Any

import boto3
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from consent_platform.adapters.dynamodb import keys
from consent_platform.domain.clock import iso
from infra.local.invoker import Invoker
from infra.local.lambda_runtime import FakeLambdaContext, load_handler
from infra.local.schedules import LocalScheduler
from tests.integration.conftest import DEMO_LIST, sent_sms
from tests.reliability.harness import moto_stack

NUMBERS = ("+48501234567", "+48502345678", "+13055550123")
BODIES = ("KWIATY", "tak", "YES", "Stop.", "STOP", "stopall", "opt out", "START", "HELP", "hello")
STOP_WORDS = {"Stop.", "STOP", "stopall", "opt out"}


class ConsentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._context = moto_stack()
        self.aws, self.clock = self._context.__enter__()
        assert self.aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST).status == 201
        assert (
            self.aws.http(
                "PUT", "/v1/admin/keywords/KWIATY", {"number": "4301", "action": "join", "list_id": "demo"}
            ).status
            == 201
        )
        self.campaigns = 0
        self.last_inbound: dict[str, Any] | None = None
        self.inbound_seq = 0

    def teardown(self) -> None:
        self._context.__exit__(None, None, None)

    # ---- helpers -----------------------------------------------------------------------------

    def contact(self, phone: str) -> dict[str, Any]:
        reply = self.aws.http("GET", "/v1/admin/contacts/" + phone.replace("+", "%2B"))
        return reply.body if reply.status == 200 else {"ledger": [], "subscriptions": [], "profile": None}

    def settle(self) -> None:
        """Let queues, due schedules and the sender run, then tick the clock (events get distinct times)."""
        for _ in range(20):
            LocalScheduler(self.aws.stack, Invoker(self.aws.stack)).fire_due(self.clock.now, wait=False)
            busy = self.aws.receive_count("InboundQueue") + self.aws.receive_count("OutboundQueue")
            if not busy:
                break
            self.aws.drain("InboundWorkerFunction", "InboundQueue")
            self.aws.drain()
        self.clock.advance(seconds=1)

    def deliver(self, sender: str, body: str, message_id: str, at: str | None = None) -> None:
        envelope = {
            "provider": "webhook",
            "message_id": message_id,
            "sender": sender,
            "to": "4301",
            "body": body,
            "at": at or self.clock.now.isoformat(),
        }
        boto3.client("sqs").send_message(QueueUrl=self.aws.queue_url("InboundQueue"), MessageBody=json.dumps(envelope))

    # ---- rules ---------------------------------------------------------------------------------

    @rule(phone=st.sampled_from(NUMBERS))
    def web_optin(self, phone: str) -> None:
        before = self.contact(phone)
        reply = self.aws.http("POST", "/v1/optin", {"phone": phone, "list_id": "demo", "sms_consent": "on"}, form=True)
        self.settle()
        after = self.contact(phone)
        new = [e["action"] for e in after["ledger"][len(before["ledger"]) :]]
        assert reply.status in (200, 202, 429), reply.body
        was_active = any(s["list_id"] == "demo" and s["status"] == "active" for s in before["subscriptions"])
        if was_active:
            # The answer does not tell a subscribed number from a new one (no membership oracle), but
            # nothing is written or sent for it.
            assert new == [], (reply.body, new)
        elif reply.status == 202 and reply.body["confirmation_sent"]:
            assert new in (["requested"], ["expired", "requested"]), new
        else:
            assert new == [], (reply.body, new)  # a refused or repeated request writes nothing

    @rule(phone=st.sampled_from(NUMBERS), body=st.sampled_from(BODIES))
    def text(self, phone: str, body: str) -> None:
        before_subs = {s["list_id"]: s["status"] for s in self.contact(phone)["subscriptions"]}
        before_sms = len([m for m in sent_sms() if m["to"] == phone])
        self.inbound_seq += 1
        message_id = f"m-{self.inbound_seq}"
        self.deliver(phone, body, message_id)
        self.last_inbound = {"sender": phone, "body": body, "message_id": message_id}
        self.settle()
        if body in STOP_WORDS:
            stops = [m for m in sent_sms() if m["to"] == phone][before_sms:]
            had_something = any(s in ("active", "pending") for s in before_subs.values())
            assert len(stops) == (1 if had_something else 0), (body, before_subs, stops)
            assert all(s != "active" for s in (x["status"] for x in self.contact(phone)["subscriptions"]))

    @precondition(lambda self: self.last_inbound is not None)
    @rule()
    def duplicate_delivery(self) -> None:
        assert self.last_inbound is not None
        phone = self.last_inbound["sender"]
        ledger_before = len(self.contact(phone)["ledger"])
        sms_before = len(sent_sms())
        self.deliver(phone, self.last_inbound["body"], self.last_inbound["message_id"])
        self.settle()
        assert len(self.contact(phone)["ledger"]) == ledger_before
        assert len(sent_sms()) == sms_before

    @rule(phone=st.sampled_from(NUMBERS))
    def stop_then_late_start(self, phone: str) -> None:
        """STOP sent at t, START sent at t−60 s but delivered after it: STOP must win."""
        self.inbound_seq += 2
        now = self.clock.now
        self.deliver(phone, "STOP", f"m-{self.inbound_seq - 1}", now.isoformat())
        self.settle()
        self.deliver(phone, "START", f"m-{self.inbound_seq}", (now - timedelta(seconds=60)).isoformat())
        self.settle()
        assert all(s["status"] != "active" for s in self.contact(phone)["subscriptions"])

    @rule()
    def campaign(self) -> None:
        self.campaigns += 1
        reply = self.aws.http(
            "POST",
            "/v1/admin/campaigns",
            {"list_id": "demo", "name": f"C{self.campaigns}", "text": f"Promo C{self.campaigns}!"},
        )
        assert reply.status == 201, reply.body
        self.clock.advance(seconds=61)  # schedules are created at least a minute ahead
        self.settle()

    @rule()
    def sweep(self) -> None:
        """The scheduled expiry sweep: every closed confirmation window lapses, and nothing else changes."""
        before = {phone: self.contact(phone) for phone in NUMBERS}
        handler = load_handler(self.aws.stack, "ExpiryFunction")
        handler({}, FakeLambdaContext("ExpiryFunction", timeout_s=300))
        now = iso(self.clock.now)
        for phone in NUMBERS:
            was = {s["list_id"]: s for s in before[phone]["subscriptions"]}
            after = self.contact(phone)
            lapsed = 0
            for sub in after["subscriptions"]:
                old = was[sub["list_id"]]
                due = old["status"] == "pending" and old["pending_expires_at"] <= now
                lapsed += due
                assert sub["status"] == ("expired" if due else old["status"]), (phone, old, sub)
            new = [e["action"] for e in after["ledger"][len(before[phone]["ledger"]) :]]
            assert new == ["expired"] * lapsed, (phone, new)
        self.clock.advance(seconds=1)

    @rule(minutes=st.sampled_from([1, 11, 60 * 9, 60 * 24, 60 * 49]))
    def advance(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.settle()

    # ---- invariants ----------------------------------------------------------------------------

    @invariant()
    def ledger_explains_state(self) -> None:
        for phone in NUMBERS:
            contact = self.contact(phone)
            for sub in contact["subscriptions"]:
                entries = sorted(
                    (e for e in contact["ledger"] if e["list_id"] == sub["list_id"] and e["channel"] == "sms"),
                    key=lambda e: (e["at"], e["seq"]),
                )
                assert entries, sub
                assert entries[-1]["status_after"] == sub["status"], (phone, sub, entries[-1])
                actions = [e["action"] for e in entries]
                # One lapse, one entry: the sweep and the lazy path never both record it.
                assert all(a != b for a, b in pairwise(actions) if a == "expired"), (phone, actions)

    @invariant()
    def no_marketing_after_revocation_and_none_twice(self) -> None:
        table = self.aws.stack.attributes["ConsentTable"]["Ref"]
        records = [
            r
            for r in boto3.client("dynamodb").scan(TableName=table)["Items"]
            if keys.MESSAGE.matches(r["pk"]["S"], r["sk"]["S"])
        ]
        for record in records:
            if record["kind"]["S"] != "marketing" or "provider_message_id" not in record:
                continue
            phone, claimed = record["to"]["S"], record["claimed_at"]["S"]
            history = sorted(
                (e for e in self.contact(phone)["ledger"] if e["list_id"] == "demo" and e["at"] <= claimed),
                key=lambda e: (e["at"], e["seq"]),
            )
            assert history and history[-1]["status_after"] == "active", (phone, claimed, history[-1:])
        per_campaign = Counter(
            (m["to"], m["body"].split("!")[0]) for m in sent_sms() if m["body"].startswith("Promo C")
        )
        assert all(count == 1 for count in per_campaign.values()), per_campaign


ConsentMachine.TestCase.settings = settings(max_examples=4, stateful_step_count=12, deadline=None)
test_consent_state_machine = ConsentMachine.TestCase


@pytest.mark.slow
class TestConsentStateMachineLong(ConsentMachine.TestCase):  # type: ignore[name-defined,misc]
    settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
