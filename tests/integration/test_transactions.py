"""The named transaction builder: a failed condition raises the error its operation carries, wherever
the operation sits in the transaction (adding an operation shifts nothing)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from consent_platform.adapters.aws import reset_clients
from consent_platform.adapters.dynamodb import keys
from consent_platform.adapters.dynamodb.table import ConcurrentUpdate, Op, Table, Transaction


class CapFull(Exception):
    pass


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Table]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        reset_clients()
        boto3.client("dynamodb").create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield Table("t", "ledger")
        reset_clients()


def full_cap(table: Table) -> Op:
    key = keys.SIGNUP_CAP.key(list_id="demo", day="2026-01-01")
    Transaction().add(Op("fill", table.bounded_increment(key, 1, 1))).commit()
    return Op("signup_cap", table.bounded_increment(key, 1, 1), CapFull())


@pytest.mark.parametrize("before", [0, 1, 3])
def test_the_failed_operation_raises_its_own_error_wherever_it_sits(table: Table, before: int) -> None:
    cap = full_cap(table)
    others = [Op(f"put{i}", table.put(keys.PROFILE.plain(phone=f"+4850123456{i}"))) for i in range(before)]
    with pytest.raises(CapFull):
        Transaction().extend(others).add(cap).commit()
    assert boto3.client("dynamodb").scan(TableName="t")["Count"] == 1  # all or nothing: only the cap item


def test_an_operation_without_an_error_is_a_concurrent_update_that_names_it(table: Table) -> None:
    new = Op("profile", table.versioned_put(keys.PROFILE.plain(phone="+48501234567"), None))
    Transaction().add(new).commit()
    with pytest.raises(ConcurrentUpdate) as raised:
        Transaction().add(Op("other", table.put(keys.CAP.plain(phone="+48501234567"))), new).commit()
    assert raised.value.failed == "profile"
