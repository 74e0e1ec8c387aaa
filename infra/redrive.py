"""Move messages from a dead-letter queue back to the queue they came from.

    python -m infra.redrive OutboundDLQ OutboundQueue        # deployed: pass queue URLs or names
    python -m infra.redrive --endpoint http://127.0.0.1:4566 OutboundDLQ OutboundQueue
    python -m infra.redrive --invoke <AsyncFailureQueue URL>   # failed async invocations: run them again

``--invoke`` reads Lambda on-failure destination records (``requestContext.functionArn`` and the original
``requestPayload``) and invokes that function again, asynchronously, with the same event: a campaign
bucket is dispatched again (its subscribers' send jobs are claimed per message, so none is sent twice).

In AWS, ``aws sqs start-message-move-task --source-arn <DLQ arn>`` does the same natively; this script
exists for the local stack and for tests (moto). Nothing is sent twice: every outbound message carries an
id that the sender claims before it sends, and every inbound message a provider id that the worker claims
before it acts, so a redriven duplicate is skipped.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def redrive(sqs: Any, dlq_url: str, target_url: str, batch: int = 10) -> int:
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=batch, WaitTimeSeconds=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            params: dict[str, Any] = {"QueueUrl": target_url, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                params["MessageAttributes"] = message["MessageAttributes"]
            sqs.send_message(**params)  # first copy, then delete: a crash in between only duplicates
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def reinvoke(sqs: Any, lambda_client: Any, queue_url: str, batch: int = 10) -> int:
    """Invoke each on-failure record's function again with its original event, then delete the record."""
    invoked = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=batch, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            return invoked
        for message in messages:
            record = json.loads(message["Body"])
            function = record["requestContext"]["functionArn"]
            lambda_client.invoke(
                FunctionName=function, InvocationType="Event", Payload=json.dumps(record["requestPayload"])
            )
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            invoked += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Move messages from a DLQ back to its source queue.")
    parser.add_argument("dlq", help="dead-letter queue URL or name")
    parser.add_argument("target", nargs="?", help="source queue URL or name (not with --invoke)")
    parser.add_argument("--invoke", action="store_true", help="dlq holds Lambda on-failure records: re-invoke")
    parser.add_argument("--endpoint", help="AWS endpoint URL (the local stack's moto server)")
    args = parser.parse_args(argv)
    if bool(args.target) == args.invoke:
        parser.error("give a target queue, or --invoke for an on-failure queue")
    import boto3

    sqs = boto3.client("sqs", endpoint_url=args.endpoint)

    def url(name: str) -> str:
        return name if name.startswith("http") else str(sqs.get_queue_url(QueueName=name)["QueueUrl"])

    if args.invoke:
        count = reinvoke(sqs, boto3.client("lambda", endpoint_url=args.endpoint), url(args.dlq))
        print(f"invoked {count} event(s) again")
        return 0
    moved = redrive(sqs, url(args.dlq), url(args.target))
    print(f"moved {moved} message(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
