"""Dispatch at any audience size: requests per recipient (measured on moto) and invocations per 1M
recipients (extrapolated from the measured requests with stated per-request latencies).

Measured: one bucket of ``recipients`` imported numbers, dispatched the way a large bucket is — the
schedule's invocation fans out, then one DispatchShardFunction invocation per shard chunk — with every
AWS call counted by operation (bench/aws_requests.Recorder).

Extrapolated: a chunk works ``timeout − MARGIN_MS`` (240 s). Its time is dominated by its requests, so
seconds per recipient = Σ over operations of (measured requests per recipient × LATENCY_S[operation]) +
CPU_S_PER_RECIPIENT. Chunks per shard = ⌈(1M / AUDIENCE_SHARDS) / (240 s / seconds per recipient)⌉;
invocations per 1M = 1 (the schedule's) + AUDIENCE_SHARDS × that.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from bench import aws_requests

MILLION = 1_000_000
# In-region round trips, deliberately on the slow side of typical p50s (SendMessageBatch of 10 ~1.5 KB jobs,
# a 500-item index page, 100-key BatchGetItem).
LATENCY_S = {
    "sqs:SendMessageBatch": 0.020,
    "dynamodb:Query": 0.015,
    "dynamodb:BatchGetItem": 0.015,
    "dynamodb:GetItem": 0.006,
    "dynamodb:UpdateItem": 0.008,
    "dynamodb:PutItem": 0.008,
    "dynamodb:TransactWriteItems": 0.015,
}
DEFAULT_LATENCY_S = 0.020
CPU_S_PER_RECIPIENT = 0.0001  # rendering and serialising one job (pydantic), 1,024 MB


def measure(recipients: int = 2_000) -> dict[str, Any]:
    from consent_platform.adapters.dynamodb.keys import AUDIENCE_SHARDS
    from consent_platform.services import dispatch_shard, dispatcher

    functions = ("DispatcherFunction", "DispatchShardFunction")
    with aws_requests.stack() as (aws, clock, recorder):
        aws_requests.put_list(aws, "tea")
        aws_requests.import_contacts(aws, "tea", aws_requests.uk_numbers(recipients))
        reply = aws_requests._http(aws, None, "POST", "/v1/admin/campaigns", aws_requests.CAMPAIGN)
        assert reply.status == 201, reply.body
        clock.advance(minutes=5)
        inline, dispatcher.INLINE_RECIPIENTS = dispatcher.INLINE_RECIPIENTS, 0  # the large-bucket path
        try:
            aws_requests.fire_schedules(aws, recorder, clock.now)
            aws_requests.deliver_queue(aws, recorder, "DispatchShardFunction", "DispatchQueue")
        finally:
            dispatcher.INLINE_RECIPIENTS = inline
        queued = aws.receive_count("OutboundQueue")
        assert queued == recipients, (queued, recipients)
        calls: Counter[str] = Counter()
        for (_function, service, op), n in recorder.calls(*functions).items():
            calls[f"{service}:{op}"] += n
        invocations = sum(1 for i in recorder.invocations if i.function in functions)
    per_recipient = {op: n / recipients for op, n in sorted(calls.items())}
    seconds = CPU_S_PER_RECIPIENT + sum(r * LATENCY_S.get(op, DEFAULT_LATENCY_S) for op, r in per_recipient.items())
    chunk_s = 300 - dispatch_shard.MARGIN_MS / 1000
    per_chunk = int(chunk_s / seconds)
    chunks_per_shard = math.ceil(MILLION / AUDIENCE_SHARDS / per_chunk)
    return {
        "recipients_measured": recipients,
        "invocations_measured": invocations,
        "requests_per_recipient": round(sum(per_recipient.values()), 4),
        "by_operation": {op: round(r, 4) for op, r in per_recipient.items()},
        "modelled_ms_per_recipient": round(seconds * 1000, 3),
        "recipients_per_chunk": per_chunk,
        "invocations_per_million": 1 + AUDIENCE_SHARDS * chunks_per_shard,
        "minutes_per_million": round(chunks_per_shard * chunk_s / 60, 1),  # shards run in parallel
    }
