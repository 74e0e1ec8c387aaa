"""infra.redrive --invoke: a failed asynchronous invocation (on-failure destination record) runs again."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from infra.redrive import reinvoke


@mock_aws
def test_on_failure_records_are_invoked_again_with_their_original_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="AsyncFailureQueue")["QueueUrl"]
    event = {"campaign_id": "c-1", "bucket": "b-7"}
    arn = "arn:aws:lambda:us-east-1:123456789012:function:stack-DispatcherFunction-abc"
    # The shape Lambda sends to an on-failure destination.
    record = {
        "version": "1.0",
        "requestContext": {
            "functionArn": f"{arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": event,
        "responsePayload": {"errorMessage": "boom"},
    }
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
    lam = boto3.client("lambda")
    with Stubber(lam) as stub:
        stub.add_response(
            "invoke",
            {"StatusCode": 202},
            {"FunctionName": f"{arn}:$LATEST", "InvocationType": "Event", "Payload": json.dumps(event)},
        )
        assert reinvoke(sqs, lam, url) == 1
        stub.assert_no_pending_responses()
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
