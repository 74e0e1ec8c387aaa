"""AWS requests our code makes: per sent campaign message, per inbound message, and for planning.

Everything runs through the real handlers on moto, provisioned from template.yaml
(``tests/reliability/harness.moto_stack``). Every call a handler makes to any AWS service — the SMS
provider call included — is recorded by patching ``BaseClient._make_api_call`` (like the ``aws_calls``
test fixture), but only *while a handler runs*: what the bench itself does to play AWS (receive and
delete SQS messages as Lambda's event source mapping would, list and delete due schedules as EventBridge
Scheduler would, publish inbound SMS as End User Messaging would) is not our code and is not counted.

Queued messages reach the consumers in batches of the template's ``BatchSize``, like Lambda delivers
them. Each invocation's duration is split into time inside AWS calls (moto here; modelled with AWS
latencies in ``cost.py``) and our own compute; log bytes written (Powertools logs and EMF metrics) are
counted for CloudWatch Logs.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CAMPAIGN_RECIPIENTS = 2000
INBOUND_MESSAGES = 1000
PLANNING_SIZES = (100, 20_000)
IMPORT_CHUNK = 5000  # rows per import request while setting up (the CLI sends 500)
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # inside the UK's sending window
KEYWORD_NUMBER = "+447400999999"

TEA: dict[str, Any] = {
    "brand": "Tea Club",
    "opt_in": "single",
    "default_country": "GB",
    "allowed_countries": ["GB"],
    "frequency": "up to 4 msgs/month",
    "support": "help@tea.example",
    "consent_text": {"version": "1", "text": "Yes, send me Tea Club offers by SMS."},
    "language": "en",
    "origination": {"GB": KEYWORD_NUMBER, "default": KEYWORD_NUMBER},
}


@dataclass
class Invocation:
    function: str
    seconds: float  # wall time of the handler
    aws_seconds: float  # of which inside AWS calls (moto)
    calls: list[tuple[str, str]]  # (service, operation)
    log_bytes: int
    wru: float = 0.0  # DynamoDB write request units (capacity.py)
    rru: float = 0.0  # DynamoDB read request units


@dataclass
class Recorder:
    """Records the AWS calls, durations and log output of handler invocations."""

    invocations: list[Invocation] = field(default_factory=list)
    _current: Invocation | None = None

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        from botocore.client import BaseClient

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, not in the stubs

        from bench.capacity import Capacity

        capacity = Capacity()

        def recording(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            current = self._current
            if current is None:
                return original(client, operation, params)
            service = client.meta.service_model.service_name
            current.calls.append((service, operation))
            targets = capacity.writes(operation, params) if service == "dynamodb" else []
            before = capacity.before(targets)
            started = time.perf_counter()
            try:
                response = original(client, operation, params)
            finally:
                current.aws_seconds += time.perf_counter() - started
                current.wru += capacity.write_units(targets, before)
            if service == "dynamodb":
                current.rru += capacity.read_units(operation, params, response)
            return response

        setattr(BaseClient, "_make_api_call", recording)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010

    def invoke(self, stack: Any, function: str, event: dict[str, Any]) -> Any:
        from infra.local.lambda_runtime import FakeLambdaContext, load_handler

        handler = load_handler(stack, function)
        sink = _ByteCounter()
        invocation = Invocation(function, 0.0, 0.0, [], 0)
        self._current = invocation
        started = time.perf_counter()
        try:
            with _logs_to(sink), redirect_stdout(sink):
                # The template's timeout: the dispatcher plans its chunks on the time it has left.
                glob = stack.template.get("Globals", {}).get("Function", {})
                timeout = int(stack.functions()[function]["Properties"].get("Timeout", glob.get("Timeout", 3)))
                return handler(event, FakeLambdaContext(function, timeout_s=timeout))
        finally:
            invocation.seconds = time.perf_counter() - started
            invocation.log_bytes = sink.bytes
            self._current = None
            self.invocations.append(invocation)

    def calls(self, *functions: str) -> Counter[tuple[str, str, str]]:
        out: Counter[tuple[str, str, str]] = Counter()
        for inv in self.invocations:
            if not functions or inv.function in functions:
                out.update((inv.function, service, op) for service, op in inv.calls)
        return out

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per function: invocations, total/own seconds, calls by operation, log bytes."""
        out: dict[str, dict[str, Any]] = {}
        for inv in self.invocations:
            f = out.setdefault(
                inv.function,
                {"invocations": 0, "seconds": 0.0, "aws_seconds": 0.0, "calls": Counter(), "log_bytes": 0},
            )
            f.setdefault("wru", 0.0)
            f.setdefault("rru", 0.0)
            f["wru"] += inv.wru
            f["rru"] += inv.rru
            f["invocations"] += 1
            f["seconds"] += inv.seconds
            f["aws_seconds"] += inv.aws_seconds
            f["calls"].update(f"{service}:{op}" for service, op in inv.calls)
            f["log_bytes"] += inv.log_bytes
        return out


class _ByteCounter(io.TextIOBase):
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return len(text)


@contextmanager
def _logs_to(sink: io.TextIOBase) -> Iterator[None]:
    """Powertools' log handlers write to the stream they were created with: point them at ``sink``."""
    logger = logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", ""))
    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    streams = [h.setStream(sink) for h in handlers]
    try:
        yield
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)


@contextmanager
def _quiet() -> Iterator[None]:
    """The set-up requests (lists, imports) log too; keep the bench's output readable."""
    with _logs_to(_ByteCounter()), redirect_stdout(_ByteCounter()):
        yield


@contextmanager
def stack(stub: AbstractContextManager[Any] | None = None) -> Iterator[tuple[Any, Any, Recorder]]:
    """``stub``: installed in front of the AWS calls, inside the recorder (what it refuses counts)."""
    from infra.local.moto_speedups import fast_moto
    from tests.reliability.harness import moto_stack

    recorder = Recorder()
    with fast_moto(), moto_stack() as (aws, clock), stub or nullcontext(), recorder.installed():
        clock.now = MONDAY_NOON
        yield aws, clock, recorder


def uk_numbers(count: int, start: int = 0) -> list[str]:
    return [f"+4474{i:08d}" for i in range(start, start + count)]


def put_list(aws: Any, list_id: str, **changes: Any) -> None:
    with _quiet():
        reply = aws.http("PUT", f"/v1/admin/lists/{list_id}", {**TEA, **changes})
    assert reply.status in (200, 201), reply.body


def import_contacts(aws: Any, list_id: str, phones: list[str]) -> None:
    """Soft opt-in import (GB existing customers): active subscriptions, counted in the bucket registry."""
    for start in range(0, len(phones), IMPORT_CHUNK):
        chunk = phones[start : start + IMPORT_CHUNK]
        rows = "\n".join(f"{p},order-{start + i},{'Ala' if (start + i) % 2 else ''}" for i, p in enumerate(chunk))
        with _quiet():
            reply = aws.http(
                "POST",
                f"/v1/admin/lists/{list_id}/import",
                raw="phone,evidence,first_name\n" + rows,
                headers={"content-type": "text/csv"},
            )
        assert reply.status == 200 and reply.body["imported"] == len(chunk), reply.body


def deliver_queue(aws: Any, recorder: Recorder, function: str, queue: str) -> int:
    """Lambda's event source mapping: batches of the template's BatchSize until the queue is empty;
    failed records go back (visible at once) and are delivered again."""
    import boto3

    from infra.local.lambda_runtime import sqs_event

    batch_size = next(s.batch_size for s in aws.stack.sqs_sources() if s.function == function and s.queue == queue)
    sqs = boto3.client("sqs")
    url = aws.queue_url(queue)
    delivered = 0
    while True:
        messages: list[dict[str, Any]] = []
        while len(messages) < batch_size:  # ReceiveMessage returns at most 10; the mapping fills the batch
            got: list[Any] = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, batch_size - len(messages)),
                AttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not got:
                break
            messages += got
        if not messages:
            return delivered
        result = recorder.invoke(aws.stack, function, sqs_event(messages, aws.stack.attributes[queue]["Arn"]))
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                delivered += 1


def fire_schedules(aws: Any, recorder: Recorder, now: datetime) -> int:
    """EventBridge Scheduler: invoke each due schedule's Lambda target once, then delete the schedule."""
    import boto3

    from infra.local.invoker import Invoker
    from infra.local.schedules import LocalScheduler

    scheduler = LocalScheduler(aws.stack, Invoker(aws.stack))
    fired = 0
    for group, name, target in scheduler.due(now):
        function = scheduler.functions.get(target["Arn"])
        assert function, f"schedule {name} does not target a function of the stack"
        recorder.invoke(aws.stack, function, json.loads(target.get("Input", "{}")))
        boto3.client("scheduler").delete_schedule(Name=name, GroupName=group)
        fired += 1
    return fired


# ---- campaign ----------------------------------------------------------------------------------------


def campaign(
    recipients: int = CAMPAIGN_RECIPIENTS,
    progress: Callable[[str], None] | None = None,
    text: str | None = None,
    experiment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Plan, dispatch and send a personalised campaign to ``recipients`` UK numbers (``text``: another
    text starting with "Hi ", e.g. with a link to measure short links' batched writes; ``experiment``:
    ``variants`` (texts starting with "Hi ") and ``holdout_percent`` instead of the text)."""
    from tests.integration.conftest import sent_sms

    with stack() as (aws, clock, recorder):
        put_list(aws, "tea")
        import_contacts(aws, "tea", uk_numbers(recipients))
        if progress:
            progress(f"campaign: {recipients} recipients imported")
        request = {**CAMPAIGN, **({"text": text} if text else {})}
        request = {**{k: v for k, v in request.items() if k != "text"}, **experiment} if experiment else request
        reply = _http(aws, recorder, "POST", "/v1/admin/campaigns", request)
        assert reply.status == 201, reply.body
        clock.advance(minutes=5)
        buckets = fire_schedules(aws, recorder, clock.now)
        deliver_queue(aws, recorder, "DispatchShardFunction", "DispatchQueue")  # shards not done inline
        deliver_queue(aws, recorder, "SenderFunction", "OutboundQueue")
        sent = [m for m in sent_sms() if m["body"].startswith("Hi ")]
        held = _http(aws, None, "GET", f"/v1/admin/campaigns/{reply.body['campaign_id']}", None).body["stats"]
        held_out = int(((held.get("experiment") or {}).get("holdout") or {}).get("held_out") or 0)
        assert len(sent) + held_out == recipients, (len(sent), held_out, recipients)
        assert len({m["to"] for m in sent}) == len(sent), "a recipient got the campaign twice"
        campaign_id = reply.body["campaign_id"]
        receipts = deliver_receipts(aws, recorder, campaign_id, [m["to"] for m in sent], clock.now)
        stats = _http(aws, None, "GET", f"/v1/admin/campaigns/{campaign_id}", None).body["stats"]
        assert stats["sent"] == len(sent) and stats["delivered"] == len(sent), stats
        functions = ("CampaignFunction", "DispatcherFunction", "DispatchShardFunction", "SenderFunction")
        calls = recorder.calls(*functions)
        receipt_calls = recorder.calls("DeliveryWorkerFunction")
        return {
            "receipts": receipts,
            "requests_per_receipt": sum(receipt_calls.values()) / receipts,
            "receipt_by_operation": _by_operation(receipt_calls, receipts),
            "sent": len(sent),
            "buckets": buckets,
            "batch_sizes": {s.function: s.batch_size for s in aws.stack.sqs_sources() if not s.eventbridge},
            "requests": sum(calls.values()),
            "per_message": sum(calls.values()) / len(sent),
            "by_operation": _by_operation(calls, len(sent)),
            "functions": _jsonable(recorder.summary()),
        }


def deliver_receipts(aws: Any, recorder: Recorder, campaign_id: str, phones: list[str], now: datetime) -> int:
    """End User Messaging reports each message's fate: one final event per sent message (TEXT_DELIVERED)
    published to DeliveryTopic (the harness, not counted), then the worker's batches (counted)."""
    import boto3

    from consent_platform.services.dispatcher import campaign_message_id

    sns = boto3.client("sns")
    topic = aws.stack.attributes["DeliveryTopic"]["Ref"]
    for phone in phones:
        message_id = campaign_message_id(campaign_id, phone)
        event = {
            "eventType": "TEXT_DELIVERED", "eventVersion": "1.0", "eventTimestamp": int(now.timestamp() * 1000),
            "isFinal": True, "destinationPhoneNumber": phone, "messageId": f"eum-{message_id}",
            "messageStatus": "DELIVERED", "messageStatusDescription": "Message has been delivered",
            "context": {"message_id": message_id, "campaign_id": campaign_id, "list_id": "tea"},
            "totalMessageParts": 1, "totalMessagePrice": 0.00581, "totalCarrierFee": 0.0,
        }  # fmt: skip
        sns.publish(TopicArn=topic, Message=json.dumps(event))
    deliver_queue(aws, recorder, "DeliveryWorkerFunction", "DeliveryQueue")
    return len(phones)


CAMPAIGN: dict[str, Any] = {"list_id": "tea", "name": "Tea time", "text": "Hi {first_name|there}, tea time: -20% today"}


def _http(aws: Any, recorder: Recorder | None, method: str, path: str, body: Any) -> Any:
    """An API request with a JSON body through the template's route, as API Gateway would invoke it;
    with a recorder, the handler runs under it."""
    from types import SimpleNamespace

    from infra.local.lambda_runtime import http_api_event, match_route

    if recorder is None:
        with _quiet():
            return aws.http(method, path, body)
    found = match_route(aws.routes, method, path)
    assert found is not None, f"no route {method} {path}"
    route, params = found
    event = http_api_event(
        method=method,
        raw_path=path,
        route=route,
        path_parameters=params,
        headers={"content-type": "application/json", "user-agent": "bench/1.0"},
        body=json.dumps(body) if body is not None else None,
        source_ip="203.0.113.7",
    )
    result = recorder.invoke(aws.stack, route.function, event)
    text = result.get("body") or ""
    return SimpleNamespace(status=result["statusCode"], body=json.loads(text) if text else None)


# ---- inbound -----------------------------------------------------------------------------------------


def inbound(messages: int = INBOUND_MESSAGES, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """A warm inbound worker handles a mix of keyword joins, YES, STOP and HELP (a quarter each)."""
    import boto3

    from consent_platform import bootstrap

    quarter = messages // 4
    with stack() as (aws, _clock, recorder):
        put_list(aws, "club", opt_in="double")
        with _quiet():
            keyword = {"number": KEYWORD_NUMBER, "action": "join", "list_id": "club"}
            assert aws.http("PUT", "/v1/admin/keywords/tea", keyword).status in (200, 201)
        members = uk_numbers(2 * quarter)
        import_contacts(aws, "club", members)
        joiners = uk_numbers(quarter, start=100_000)
        # A warm worker: lists and keywords cached for the template's ConfigCacheSeconds (15 s).
        os.environ["CONFIG_CACHE_SECONDS"] = str(aws.stack.parameter("ConfigCacheSeconds"))
        bootstrap.reset()
        bootstrap.inbound_service().config()
        texts = [(p, "TEA") for p in joiners] + [(p, "STOP") for p in members[:quarter]]
        texts += [(p, "HELP") for p in members[quarter:]]
        # Joins, STOPs and HELPs interleaved; each joiner's YES comes after its join.
        texts = [texts[i] for k in range(quarter) for i in (k, quarter + k, 2 * quarter + k)]
        texts += [(p, "YES") for p in joiners]
        sns = boto3.client("sns")
        topic = aws.stack.attributes["InboundTopic"]["Ref"]
        for n, (phone, body) in enumerate(texts):
            payload = {
                "originationNumber": phone,
                "destinationNumber": KEYWORD_NUMBER,
                "messageKeyword": "KEYWORD",
                "messageBody": body,
                "inboundMessageId": f"in-{n}",
                "previousPublishedMessageId": "",
            }
            sns.publish(TopicArn=topic, Message=json.dumps(payload))
            if n % 100 == 99 or n == len(texts) - 1:  # arrive in waves, as people answer
                deliver_queue(aws, recorder, "InboundWorkerFunction", "InboundQueue")
                deliver_queue(aws, recorder, "SenderFunction", "OutboundQueue")
        worker = recorder.calls("InboundWorkerFunction")
        replies = recorder.calls("SenderFunction")
        outcomes = Counter(op for (_f, _s, op) in worker.elements())
        assert sum(1 for inv in recorder.invocations if inv.function == "InboundWorkerFunction") >= len(texts) / 10
        return {
            "messages": len(texts),
            "mix": dict(Counter(body for _p, body in texts)),
            "requests": sum(worker.values()),
            "per_message": sum(worker.values()) / len(texts),
            "by_operation": _by_operation(worker, len(texts)),
            "operations": dict(outcomes),
            "replies_sent": sum(n for (_f, s, op), n in replies.items() if op == "Publish"),
            "functions": _jsonable(recorder.summary()),
        }


# ---- planning ----------------------------------------------------------------------------------------


def planning(sizes: tuple[int, ...] = PLANNING_SIZES, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Requests of ``POST /v1/admin/campaigns`` for lists of each size, all in the same audience bucket."""
    out: dict[str, Any] = {}
    with stack() as (aws, _clock, recorder):
        start = 0
        for size in sizes:
            list_id = f"tea{size}"
            put_list(aws, list_id)
            import_contacts(aws, list_id, uk_numbers(size, start=start))
            start += size
            if progress:
                progress(f"planning: {size} subscribers imported")
            before = len(recorder.invocations)
            reply = _http(aws, recorder, "POST", "/v1/admin/campaigns", {**CAMPAIGN, "list_id": list_id})
            assert reply.status == 201, reply.body
            [plan] = reply.body["plan"]
            assert plan["recipients"] == size, plan
            calls = [c for inv in recorder.invocations[before:] for c in inv.calls]
            out[f"subscribers_{size}"] = {"requests": len(calls), "operations": [op for _s, op in calls]}
    return out


def _by_operation(calls: Counter[tuple[str, str, str]], per: int) -> dict[str, float]:
    grouped: Counter[str] = Counter()
    for (function, service, op), n in calls.items():
        grouped[f"{function} {service}:{op}"] += n
    return {k: round(v / per, 4) for k, v in sorted(grouped.items(), key=lambda kv: -kv[1])}


def _jsonable(summary: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rounded = ("seconds", "aws_seconds", "wru", "rru")
    return {f: {**v, "calls": dict(v["calls"]), **{k: round(v[k], 4) for k in rounded}} for f, v in summary.items()}


if __name__ == "__main__":
    started = time.perf_counter()
    result = {"campaign": campaign(200, print), "inbound": inbound(100, print), "planning": planning((10, 300), print)}
    print(json.dumps(result, indent=1, default=str))
    print(f"{time.perf_counter() - started:.1f} s")
