"""The opt-in moto speed-ups (infra/local/moto_speedups.py) answer exactly as the installed moto does.

They replace moto internals, so they are checked against the moto this project installs: the same
scenario runs on plain moto and with the speed-ups, and every answer — successful and cancelled
transactions (with their rollback), key and index queries, SQS receives — must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.local import moto_speedups
from infra.local.moto_speedups import fast_moto

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def _table(ddb: Any) -> None:
    ddb.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi_pk", "gsi_sk")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_gsi",
                "KeySchema": [
                    {"AttributeName": "gsi_pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi_sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def _put(pk: str, sk: str, **extra: str) -> dict[str, Any]:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in extra.items()}}
    return {"Put": {"TableName": "t", "Item": item}}


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        call(**kwargs)
    except ClientError as exc:
        return {"code": exc.response["Error"]["Code"], "reasons": exc.response.get("CancellationReasons")}
    return {"code": None}


def _transactions(ddb: Any) -> list[Any]:
    out: list[Any] = []
    items = [_put(f"p{i % 3}", f"s{i:03d}", gsi_pk=f"g{i % 2}", gsi_sk=f"{i:03d}") for i in range(30)]
    for start in range(0, 30, 10):
        ddb.transact_write_items(TransactItems=items[start : start + 10])
    bump = {
        "Update": {
            "TableName": "t",
            "Key": {"pk": {"S": "p0"}, "sk": {"S": "s000"}},
            "UpdateExpression": "SET n = :n",
            "ExpressionAttributeValues": {":n": {"S": "1"}},
        }
    }
    fails = {
        "Put": {
            **_put("p1", "s001")["Put"],
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    out.append(_error(ddb.transact_write_items, TransactItems=[_put("new", "x"), bump, fails]))
    out.append(ddb.get_item(TableName="t", Key={"pk": {"S": "new"}, "sk": {"S": "x"}}).get("Item"))  # rolled back
    out.append(ddb.get_item(TableName="t", Key={"pk": {"S": "p0"}, "sk": {"S": "s000"}}).get("Item"))
    out.append(_error(ddb.transact_write_items, TransactItems=[_put("d", "1"), _put("d", "1")]))
    ddb.transact_write_items(TransactItems=[bump, _put("new", "y")])
    out.append(ddb.get_item(TableName="t", Key={"pk": {"S": "p0"}, "sk": {"S": "s000"}}).get("Item"))
    return out


def _queries(ddb: Any) -> list[Any]:
    key = {":p": {"S": "p1"}, ":s": {"S": "s010"}}
    return [
        ddb.query(TableName="t", KeyConditionExpression="pk = :p AND sk > :s", ExpressionAttributeValues=key)["Items"],
        ddb.query(
            TableName="t",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p2"}},
            ScanIndexForward=False,
            Limit=4,
        ),
        ddb.query(
            TableName="t",
            IndexName="by_gsi",
            KeyConditionExpression="gsi_pk = :g",
            ExpressionAttributeValues={":g": {"S": "g1"}},
        )["Items"],
    ]


def _queue(sqs: Any) -> list[Any]:
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    for i in range(15):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    seen = []
    for _ in range(3):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"])
        seen.append(sorted((m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in got.get("Messages", [])))
    return seen


def _scenario(speedups: AbstractContextManager[None]) -> list[Any]:
    with mock_aws(), speedups:
        ddb = boto3.client("dynamodb", region_name=REGION)
        _table(ddb)
        answers = _transactions(ddb) + _queries(ddb)
        answers += _queue(boto3.client("sqs", region_name=REGION))
    for answer in answers:
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
    return answers


@pytest.fixture(scope="module")
def plain() -> Iterator[list[Any]]:
    yield _scenario(nullcontext())


def test_the_installed_moto_is_the_one_the_speedups_were_written_for() -> None:
    assert moto_speedups.unsupported() is None


def test_the_speedups_answer_as_plain_moto(plain: list[Any]) -> None:
    fast = _scenario(fast_moto())
    assert plain[0]["code"] == "TransactionCanceledException"  # the scenario does exercise a cancellation
    assert plain[1] is None  # and its rollback
    assert fast == plain


def test_fast_moto_restores_moto_afterwards() -> None:
    originals = [getattr(owner, name) for owner, name, _ in moto_speedups._PATCHES]
    with fast_moto():
        assert [getattr(owner, name) for owner, name, _ in moto_speedups._PATCHES] != originals
    assert [getattr(owner, name) for owner, name, _ in moto_speedups._PATCHES] == originals
