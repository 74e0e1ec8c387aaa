"""A provider stub that throttles like End User Messaging, and the campaign run against it (issue 17's
throttled figure: ``throughput.requests_per_sent_message_throttled``; tests/reliability/test_throttling.py
runs 100 recipients of it in ``make test``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ThrottlingProvider:
    """A provider that throttles like End User Messaging over an identity's rate (``ThrottlingException``,
    refused before acceptance): of every ``every`` recipients, one is refused on each attempt of its first
    ``deliveries`` (the sender puts it back on the queue each time; it goes on the next) and one on its
    first attempt only (the in-call retry sends it). Every other call reaches moto's SNS."""

    every: int = 5
    deliveries: int = 1
    throttles: int = 0
    _recipients: dict[str, int] = field(default_factory=dict)  # phone → its index
    _attempts: Counter[str] = field(default_factory=Counter)

    def refusals(self, phone: str) -> int:
        from consent_platform.adapters.sms import SEND_ATTEMPTS

        index = self._recipients.setdefault(phone, len(self._recipients))
        return {0: SEND_ATTEMPTS * self.deliveries, 1: 1}.get(index % self.every, 0)

    @contextmanager
    def installed(self) -> Iterator[ThrottlingProvider]:
        from botocore.client import BaseClient

        from consent_platform.adapters import sms

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, not in the stubs

        def throttling(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            phone = params.get("PhoneNumber") if operation == "Publish" else None
            if phone and "Message" in params:
                self._attempts[phone] += 1
                if self._attempts[phone] <= self.refusals(phone):
                    self.throttles += 1
                    raise sms.throttling_error("stub")
            return original(client, operation, params)

        backoff, sms._BACKOFF_BASE_S = sms._BACKOFF_BASE_S, 0.0  # the in-call retry without real sleeps
        setattr(BaseClient, "_make_api_call", throttling)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010
            sms._BACKOFF_BASE_S = backoff


def campaign_throttled(recipients: int = 2000, deliveries: int = 1) -> dict[str, Any]:
    """The campaign against a provider that throttles (``ThrottlingProvider``): everything still goes out
    once, nothing is dead-lettered, and what the throttling costs in requests per sent message."""
    from bench.aws_requests import (
        CAMPAIGN,
        _http,
        deliver_queue,
        fire_schedules,
        import_contacts,
        put_list,
        stack,
        uk_numbers,
    )
    from tests.integration.conftest import sent_sms

    provider = ThrottlingProvider(deliveries=deliveries)
    with stack(provider.installed()) as (aws, clock, recorder):
        put_list(aws, "tea")
        import_contacts(aws, "tea", uk_numbers(recipients))
        reply = _http(aws, recorder, "POST", "/v1/admin/campaigns", CAMPAIGN)
        assert reply.status == 201, reply.body
        clock.advance(minutes=5)
        fire_schedules(aws, recorder, clock.now)
        deliver_queue(aws, recorder, "DispatchShardFunction", "DispatchQueue")
        deliver_queue(aws, recorder, "SenderFunction", "OutboundQueue")  # put back: delay 0 in the harness
        sent = Counter(m["to"] for m in sent_sms() if m["body"].startswith("Hi "))
        functions = ("CampaignFunction", "DispatcherFunction", "DispatchShardFunction", "SenderFunction")
        calls = recorder.calls(*functions)
        put_back = sum(n for (_f, _s, op), n in recorder.calls("SenderFunction").items() if op == "SendMessageBatch")
        stats = _http(aws, None, "GET", f"/v1/admin/campaigns/{reply.body['campaign_id']}", None).body["stats"]
        return {
            "recipients": recipients,
            "sent": len(sent),
            "campaign_stats_sent": stats["sent"],
            "lost": recipients - len(sent),
            "duplicates": sum(n - 1 for n in sent.values()),
            "dead_lettered": aws.receive_count("OutboundDLQ"),
            "throttles": provider.throttles,
            "requeue_requests": put_back,
            "requests_per_sent_message_throttled": round(sum(calls.values()) / max(1, len(sent)), 3),
        }
