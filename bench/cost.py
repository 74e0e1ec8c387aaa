"""Infrastructure cost per million sent campaign messages, from what the campaign benchmark measured —
delivery receipts included (one final End User Messaging event per sent message, through DeliveryTopic,
DeliveryQueue and the delivery worker).

Inputs, per sent message, from ``aws_requests.campaign`` (2,000 recipients, every function that took part:
campaign API, dispatcher, sender): Lambda invocations, AWS calls by operation, DynamoDB request units
(``capacity.py``), our own compute time, log bytes. Memory sizes come from template.yaml, prices from
``prices.json`` (one file, with its date and sources).

Modelled, because moto answers in-process where AWS answers over the network:

* **Lambda duration** per invocation = our own compute (measured here, minus the time inside AWS calls),
  scaled to the function's CPU share (Lambda gives 1 vCPU per 1,769 MB; a 512 MB function gets ~0.29 of
  one), plus an assumed in-region latency per AWS call (``LATENCY_MS``), rounded up to the millisecond.
* **SQS**: our ``SendMessageBatch`` calls plus what Lambda's event source mapping does per batch it
  delivers (``ReceiveMessage`` and ``DeleteMessageBatch``, at most 10 messages each), plus SNS's
  ``SendMessage`` of each delivery receipt into DeliveryQueue.
* **CloudWatch Logs**: the bytes our functions logged (Powertools logs, EMF metrics) plus Lambda's own
  START/END/REPORT lines (``PLATFORM_LOG_BYTES`` per invocation).
* **X-Ray**: active tracing with the default sampling rule, 5 % of invocations (the 1/s reservoir adds at
  most a few cents a day).
* Cold starts (INIT is billed since August 2025): at most the sender's MaximumConcurrency (10) plus the
  dispatcher per campaign — under $0.0001 per campaign, left out.

SMS fees (the provider's per-message price and carrier fees) are shown next to the total, never in it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from infra.local.template import Stack, load_template

PRICES = Path(__file__).with_name("prices.json")
VCPU_MB = 1769  # Lambda: one full vCPU at 1,769 MB, CPU share proportional below it
PLATFORM_LOG_BYTES = 320  # START, END and REPORT lines of one invocation
XRAY_SAMPLED = 0.05
SQS_RECEIVE_MAX = 10
# Assumed in-region latency of one call from Lambda, in ms (client serialisation included).
LATENCY_MS: dict[str, float] = {
    "dynamodb:GetItem": 5,
    "dynamodb:PutItem": 6,
    "dynamodb:UpdateItem": 6,
    "dynamodb:DeleteItem": 6,
    "dynamodb:Query": 8,
    "dynamodb:BatchGetItem": 8,
    "dynamodb:BatchWriteItem": 10,
    "dynamodb:TransactWriteItems": 12,
    "sqs:SendMessage": 8,
    "sqs:SendMessageBatch": 10,
    "sns:Publish": 60,  # the SMS provider
    "pinpoint-sms-voice-v2:SendTextMessage": 60,
    "events:PutEvents": 15,
    "scheduler:CreateSchedule": 25,
    "ssm:GetParameter": 10,
}
DEFAULT_LATENCY_MS = 10.0


def prices() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PRICES.read_text(encoding="utf-8"))
    return data


def memory_mb() -> dict[str, int]:
    stack = Stack(load_template())
    default = int(stack.template["Globals"]["Function"].get("MemorySize", 128))
    return {f: int(p["Properties"].get("MemorySize", default)) for f, p in stack.functions().items()}


def _receipt_lines(campaign: dict[str, Any], scale: float, price: dict[str, Any], batch: int) -> dict[str, float]:
    """What delivery receipts add beyond their worker's Lambda, DynamoDB and logs (counted with the other
    functions): End User Messaging publishing each event to DeliveryTopic (SNS requests, paid by the topic's
    owner) and the Message.* bus events — one per kind per worker batch (services/receipts.per_kind); the
    bench's receipts are all deliveries, so one event per full batch."""
    receipts = campaign.get("receipts", 0)
    events = math.ceil(receipts / batch) if receipts else 0
    return {
        "sns_receipts": receipts * scale * price["sns"]["per_million_requests"] / 1e6,
        "eventbridge_events": events * scale * price["eventbridge_events"]["per_million_custom_events"] / 1e6,
    }


def per_million_sent(campaign: dict[str, Any], batch_sizes: dict[str, int]) -> dict[str, Any]:
    """Dollars per million sent messages, by service, from the campaign benchmark's figures."""
    price = prices()
    memory = memory_mb()
    sent = campaign["sent"]
    lines: dict[str, float] = {}
    lambda_gb_s = lambda_requests = log_bytes = wru = rru = sqs_requests = 0.0
    durations: dict[str, float] = {}
    for function, figures in campaign["functions"].items():
        invocations = figures["invocations"]
        own_s = max(0.0, figures["seconds"] - figures["aws_seconds"]) / invocations
        share = min(1.0, memory[function] / VCPU_MB)
        calls_ms = sum(LATENCY_MS.get(op, DEFAULT_LATENCY_MS) * n for op, n in figures["calls"].items()) / invocations
        billed_ms = math.ceil(own_s * 1000 / share + calls_ms)
        durations[function] = billed_ms
        lambda_gb_s += invocations * billed_ms / 1000 * memory[function] / 1024
        lambda_requests += invocations
        log_bytes += figures["log_bytes"] + invocations * PLATFORM_LOG_BYTES
        wru += figures["wru"]
        rru += figures["rru"]
        sqs_requests += sum(n for op, n in figures["calls"].items() if op.startswith("sqs:"))
        if function in batch_sizes:  # an SQS consumer: the event source mapping receives and deletes
            per_batch = math.ceil(batch_sizes[function] / SQS_RECEIVE_MAX)
            sqs_requests += 2 * per_batch * invocations
    sqs_requests += campaign.get("receipts", 0)  # SNS → DeliveryQueue: one SendMessage per receipt
    scale = 1_000_000 / sent
    lines["lambda_duration"] = lambda_gb_s * scale * price["lambda"]["arm64_per_gb_second"]
    lines["lambda_requests"] = lambda_requests * scale * price["lambda"]["per_million_requests"] / 1e6
    lines["dynamodb"] = (
        scale
        * (
            wru * price["dynamodb_on_demand"]["per_million_write_request_units"]
            + rru * price["dynamodb_on_demand"]["per_million_read_request_units"]
        )
        / 1e6
    )
    lines["sqs"] = sqs_requests * scale * price["sqs"]["per_million_requests"] / 1e6
    scheduler = price["eventbridge_scheduler"]["per_million_invocations"]
    lines["eventbridge_scheduler"] = campaign["buckets"] * scale * scheduler / 1e6
    lines["cloudwatch_logs"] = log_bytes * scale / 1024**3 * price["cloudwatch_logs"]["per_gb_ingested"]
    lines["xray"] = lambda_requests * scale * XRAY_SAMPLED * price["xray"]["per_million_traces_recorded"] / 1e6
    lines.update(_receipt_lines(campaign, scale, price, batch_sizes.get("DeliveryWorkerFunction", 1)))
    sms = price["sms_us_end_user_messaging"]
    return {
        "total": round(sum(lines.values()), 4),
        "lines": {k: round(v, 4) for k, v in lines.items()},
        "per_message": {
            "lambda_invocations": round(lambda_requests / sent, 4),
            "dynamodb_wru": round(wru / sent, 3),
            "dynamodb_rru": round(rru / sent, 3),
            "sqs_requests": round(sqs_requests / sent, 3),
            "log_bytes": round(log_bytes / sent),
        },
        "billed_ms_per_invocation": durations,
        "sms_us_per_million": {
            "aws_fee": round(1e6 * sms["per_message_part"]),
            "with_carrier_fees": [
                round(1e6 * (sms["per_message_part"] + sms["carrier_fee_per_part_low"])),
                round(1e6 * (sms["per_message_part"] + sms["carrier_fee_per_part_high"])),
            ],
        },
        "prices_as_of": price["as_of"],
    }
