"""moto-backed stack, provisioned from template.yaml, and helpers to call the real handlers."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from moto import mock_aws

from consent_platform.adapters.aws import reset_clients
from infra.local.lambda_runtime import FakeLambdaContext, http_api_event, load_handler, match_route, sqs_event
from infra.local.template import Stack, provision

DEMO_LIST: dict[str, Any] = {
    "brand": "Kwiaciarnia Róża",
    "opt_in": "double",
    "default_country": "PL",
    "allowed_countries": ["PL", "US"],
    "frequency": "up to 4 msgs/month",
    "support": "pomoc@example.com",
    "consent_text": {"version": "2026-11-01", "text": "Tak, chcę otrzymywać SMS-y od Kwiaciarni Róża."},
    "language": "pl",
    "origination": {"PL": "+48500000000", "US": "12345", "default": "+48500000000"},
    "terms_url": "https://kwiaciarnia.example/regulamin",
    "privacy_url": "https://kwiaciarnia.example/prywatnosc",
}


TWILIO_TOKEN = "twilio-test-token"
WEBHOOK_SECRETS = ("current-secret", "previous-secret")
ERASURE_KEY = "erasure-test-key-0123456789abcdef"
LINK_KEY = "link-test-key-0123456789abcdef"
TWILIO_ACCOUNT_SID = "AC" + "a1" * 16
PUBLIC_BASE_URL = "https://sms.example.com"  # what Twilio calls and signs


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class LocalAws:
    """The template's stack on moto plus thin callers for its HTTP routes and queue consumers."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.routes = stack.http_routes()

    def http(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        form: bool = False,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
        query: str = "",
        source_ip: str = "203.0.113.7",
    ) -> Reply:
        found = match_route(self.routes, method, path)
        assert found, f"no route {method} {path} in template.yaml"
        route, params = found
        hdrs = {"user-agent": "pytest/1.0", **(headers or {})}
        if raw is not None:
            data: bytes | str | None = raw
        elif form:
            hdrs.setdefault("content-type", "application/x-www-form-urlencoded")
            data = urlencode(body)
        elif body is not None:
            hdrs.setdefault("content-type", "application/json")
            data = json.dumps(body)
        else:
            data = None
        from urllib.parse import unquote

        event = http_api_event(
            method=method,
            raw_path=path,
            route=route,
            path_parameters={k: unquote(v) for k, v in params.items()},
            headers=hdrs,
            body=data,
            raw_query=query,
            source_ip=source_ip,
        )
        result = load_handler(self.stack, route.function)(event, FakeLambdaContext(route.function))
        text = result.get("body") or ""
        content_type = result.get("headers", {}).get("Content-Type", "")
        return Reply(
            result["statusCode"],
            result.get("headers", {}),
            json.loads(text) if "json" in content_type and text else text,
        )

    def text(self, body: str, sender: str = "+48501234567", to: str = "4301", message_id: str | None = None) -> str:
        """A person texts us: End User Messaging's two-way JSON published to the inbound SNS topic,
        through the real SNS → SQS subscription; then the worker and the sender run."""
        import uuid

        import boto3

        message_id = message_id or str(uuid.uuid4())
        payload = {
            "originationNumber": sender,
            "destinationNumber": to,
            "messageKeyword": "KEYWORD",
            "messageBody": body,
            "inboundMessageId": message_id,
            "previousPublishedMessageId": "x",
        }
        boto3.client("sns").publish(TopicArn=self.stack.attributes["InboundTopic"]["Ref"], Message=json.dumps(payload))
        self.process_inbound()
        return message_id

    def process_inbound(self) -> None:
        result = self.drain("InboundWorkerFunction", "InboundQueue")
        assert not result["batchItemFailures"], result
        self.drain()

    def receive_count(self, logical_id: str) -> int:
        import boto3

        attrs = boto3.client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"])

    def queue_url(self, logical_id: str) -> str:
        return self.stack.attributes[logical_id]["QueueUrl"]

    def receive(self, logical_id: str, max_messages: int = 10) -> list[dict[str, Any]]:
        import boto3

        sqs = boto3.client("sqs")
        out: list[dict[str, Any]] = []
        while True:
            got = sqs.receive_message(
                QueueUrl=self.queue_url(logical_id),
                MaxNumberOfMessages=max_messages,
                AttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not got:
                return out
            out.extend(got)

    def drain(self, function: str = "SenderFunction", queue: str = "OutboundQueue") -> dict[str, Any]:
        """Deliver everything waiting on ``queue`` to ``function`` as one SQS batch, like Lambda would:
        successes are deleted; failures go back on the queue, visible again at once (the test skips
        the visibility timeout) so the next ``drain`` is the retry."""
        import boto3

        sqs = boto3.client("sqs")
        messages = self.receive(queue)
        if not messages:
            return {"batchItemFailures": []}
        event = sqs_event(messages, self.stack.attributes[queue]["Arn"])
        try:
            result: dict[str, Any] = load_handler(self.stack, function)(event, FakeLambdaContext(function))
        except Exception:  # the whole invocation failed (Powertools raises when every record failed)
            result = {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages], "raised": True}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=self.queue_url(queue), ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=self.queue_url(queue), ReceiptHandle=message["ReceiptHandle"])
        return result


# The identities the fixtures send from (demo list, keyword numbers, bench's number), configured at a
# rate these tests never reach: pacing has its own tests (test_pacing.py); the others run on a frozen or
# wall clock and would otherwise wait for the conservative defaults (1 part/s for short code 4301).
FIXTURE_IDENTITIES = ("4301", "12345", "+48500000000", "+447400999999")


def configure_fixture_rates(monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    """The fixtures' identities at a rate no test reaches, and (with ``monkeypatch``) every identity a test
    does not configure too: the conservative defaults (1 part/s for an unknown short code) are pacing's
    own subject (test_pacing.py, test_senders.py configure or read them explicitly)."""
    from consent_platform import bootstrap
    from consent_platform.domain.throughput import RateFact
    from consent_platform.services import pacing

    for identity in FIXTURE_IDENTITIES:
        bootstrap.stores().pacing.put_rate(identity, 100_000, "2026-01-01T00:00:00.000000Z")
    if monkeypatch is not None:
        fast = RateFact("unknown", "*", 100_000, "tests: unconfigured identities are not paced")
        monkeypatch.setattr(pacing, "default_rate", lambda _identity, _destination=None: fast)


def bus_tap(aws: LocalAws, name: str, pattern: dict[str, Any] | None = None) -> Callable[[], list[dict[str, Any]]]:
    """What the platform publishes on its bus (``pattern``: an EventBridge pattern, default every event of
    the project), read through a rule → SQS target named ``name``; each call drains what arrived."""
    import boto3

    sqs, bridge = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = aws.stack.attributes["EventBus"]["Ref"]
    bridge.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern or {"source": ["sms-consent"]}))
    bridge.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        out = []
        while msgs := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for m in msgs:
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return out

    return read


def _reset_cached_settings() -> None:
    """Forget every setting, client, store and service the functions built (one reset for all)."""
    from consent_platform import bootstrap

    bootstrap.reset()


@pytest.fixture
def aws(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAws]:
    with mock_aws():
        reset_clients()
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        stack = provision({"SmsProvider": "sns"})
        env: dict[str, str] = {}
        for function in stack.functions():
            env.update(stack.function_environment(function))
        env["LOCAL_OUTBOX_PATH"] = str(tmp_path / "outbox.jsonl")
        env["CONFIG_CACHE_SECONDS"] = "0"  # tests change keywords between messages
        env["PUBLIC_BASE_URL"], env["TWILIO_ACCOUNT_SID"] = PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID  # as a deployment sets
        import boto3

        ssm = boto3.client("ssm")
        ssm.put_parameter(Name=env["TWILIO_AUTH_TOKEN_PARAMETER"], Value=TWILIO_TOKEN, Type="SecureString")
        ssm.put_parameter(Name=env["WEBHOOK_SECRET_PARAMETER"], Value=",".join(WEBHOOK_SECRETS), Type="SecureString")
        ssm.put_parameter(Name=env["ERASURE_KEY_PARAMETER"], Value=ERASURE_KEY, Type="SecureString")
        ssm.put_parameter(Name=env["LINK_KEY_PARAMETER"], Value=LINK_KEY, Type="SecureString")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        _reset_cached_settings()
        # The opt-in queues its message with a 1 s delay so the state write lands first; tests
        # drain the queue synchronously right after the request, so no delay is needed here.
        from consent_platform.services.optin import OptInService

        monkeypatch.setattr(OptInService, "GUARD_DELAY_SECONDS", 0)
        # Likewise a throttled send is put back with a delay (services/sender.py); tests settle at once.
        from consent_platform.services import sender

        monkeypatch.setattr(sender, "THROTTLED_DELAY_S", 0)
        configure_fixture_rates(monkeypatch)
        yield LocalAws(stack)
        _reset_cached_settings()
        reset_clients()


@pytest.fixture
def demo_list(aws: LocalAws) -> dict[str, Any]:
    reply = aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def sent_sms() -> list[dict[str, Any]]:
    """What moto's SNS recorded as published to phone numbers."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]]
    return [{"to": to, "body": body} for (to, body, *_rest) in backend.sms_messages.values()]


class Clock:
    """A settable clock: the source of ``consent_platform.domain.clock.utc_now``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from datetime import UTC, datetime

        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
        import inbound.worker
        from consent_platform.domain import clock

        monkeypatch.setattr(clock, "_source", lambda: self.now)  # every caller of utc_now
        # SQS stamps inbound messages with the real time; on a moved clock the carrier's time moves too.
        parse = inbound.worker.parse_queue_body
        monkeypatch.setattr(
            inbound.worker, "parse_queue_body", lambda body, _sent: parse(body, int(self.now.timestamp() * 1000))
        )

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, Any]]]:
    """Every AWS API call our code makes: (service, operation, params)."""
    from botocore.client import BaseClient

    calls: list[tuple[str, str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append((self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls
