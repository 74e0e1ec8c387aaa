"""The expiry sweep (ExpiryFunction, every 15 minutes): a pending double opt-in nobody confirmed gets its
``expired`` ledger entry, status and statistics when its window closes, exactly once."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from consent_platform.adapters.dynamodb import keys
from consent_platform.adapters.dynamodb.stores import Stores
from consent_platform.services import expiry
from infra.local.lambda_runtime import FakeLambdaContext, load_handler
from tests.integration.conftest import Clock, LocalAws

A, B, C = "+48501234567", "+48501234568", "+48501234569"


def sign_up(aws: LocalAws, phone: str) -> None:
    # One client network per number: the SMS-pumping limits are not what these tests are about.
    ip = f"198.51.{int(phone[-4:]) % 250}.1"
    reply = aws.http(
        "POST", "/v1/optin", {"phone": phone, "list_id": "demo", "sms_consent": "on"}, form=True, source_ip=ip
    )
    assert reply.status == 202, reply.body
    aws.drain()


def contact(aws: LocalAws, phone: str) -> dict[str, Any]:
    reply = aws.http("GET", f"/v1/admin/contacts/{phone.replace('+', '%2B')}")
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def status(aws: LocalAws, phone: str) -> str:
    return str(next(s["status"] for s in contact(aws, phone)["subscriptions"] if s["list_id"] == "demo"))


def actions(aws: LocalAws, phone: str) -> list[str]:
    return [e["action"] for e in contact(aws, phone)["ledger"]]


def sweep(aws: LocalAws) -> dict[str, Any]:
    result: dict[str, Any] = load_handler(aws.stack, "ExpiryFunction")(
        {}, FakeLambdaContext("ExpiryFunction", timeout_s=300)
    )
    return result


def indexed(aws: LocalAws) -> list[str]:
    """Every phone the expiry index lists, due or not."""
    table = aws.stack.attributes["ConsentTable"]["Ref"]
    items = boto3.client("dynamodb").scan(TableName=table, IndexName="ExpiryIndex")["Items"]
    return sorted(item["pk"]["S"].removeprefix("PHONE#") for item in items)


def test_lapsed_sign_ups_expire_when_their_window_closes(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    sign_up(aws, A)
    sign_up(aws, B)
    aws.text("TAK", sender=B, to="+48500000000")  # B confirms: leaves the index
    clock.advance(hours=1)
    sign_up(aws, C)
    assert indexed(aws) == [A, C]

    clock.advance(hours=47, minutes=1)  # A's 48 h are over, C's are not
    assert sweep(aws) == {"expired": 1, "skipped": 0, "failed": 0, "more": False}
    assert (status(aws, A), status(aws, B), status(aws, C)) == ("expired", "active", "pending")
    lapse = contact(aws, A)["ledger"][-1]
    assert [e["action"] for e in contact(aws, A)["ledger"]] == ["requested", "expired"]
    assert lapse["detail"]["expired_at"] == "2026-11-24T12:00:00.000000Z"  # the window's end, not the sweep's time
    assert lapse["method"] == "web_form" and lapse["status_after"] == "expired"
    assert indexed(aws) == [C]

    assert sweep(aws) == {"expired": 0, "skipped": 0, "failed": 0, "more": False}  # a second run writes nothing
    assert actions(aws, A) == ["requested", "expired"]

    clock.advance(hours=1)
    assert sweep(aws)["expired"] == 1
    assert status(aws, C) == "expired" and indexed(aws) == []

    stats = aws.http("GET", "/v1/admin/lists/demo/stats", query="from=2026-11-22&to=2026-11-30").body
    assert stats["totals"]["expired"] == 2 and stats["totals"]["requested"] == 3


def test_a_change_after_the_index_was_read_wins(
    aws: LocalAws, demo_list: dict, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep read A, then A signed up again (the opt-in path records the lapse itself and starts a new
    window): the sweep's conditional write fails and A's lapse is in the ledger once."""
    sign_up(aws, A)
    clock.advance(hours=49)
    repo = Stores(aws.stack.attributes["ConsentTable"]["Ref"], aws.stack.attributes["LedgerTable"]["Ref"]).consent
    stale = repo.subscriptions([(A, "demo")])
    sign_up(aws, A)
    monkeypatch.setattr(repo, "subscriptions", lambda keys: stale)
    monkeypatch.setattr(repo, "lapsed_pending", lambda now, page_size: iter([[(A, "demo")]]))

    report = expiry.expire_lapsed(repo, clock.now)
    assert (report.expired, report.skipped) == (0, 1)
    assert actions(aws, A) == ["requested", "expired", "requested"]
    assert status(aws, A) == "pending" and indexed(aws) == [A]


def test_many_lapses_go_in_pages_and_stop_for_time(
    aws: LocalAws, demo_list: dict, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    phones = [f"+4850123{n:04d}" for n in range(9)]
    for phone in phones:
        sign_up(aws, phone)
    clock.advance(hours=49)
    repo = Stores(aws.stack.attributes["ConsentTable"]["Ref"], aws.stack.attributes["LedgerTable"]["Ref"]).consent
    monkeypatch.setattr(expiry, "BATCH", 2)

    checks: list[int] = []
    stopped = expiry.expire_lapsed(repo, clock.now, out_of_time=lambda: checks.append(1) or len(checks) > 2)
    assert stopped.more and 2 <= stopped.expired <= 4  # two pages of at most 2, then out of time

    finished = expiry.expire_lapsed(repo, clock.now)  # the next run goes on from what is still in the index
    assert (finished.expired, finished.more) == (9 - stopped.expired, False)
    assert sorted(status(aws, p) for p in phones) == ["expired"] * 9
    assert indexed(aws) == []


def test_one_bad_subscription_does_not_stop_the_sweep(
    aws: LocalAws, demo_list: dict, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item the model cannot read, and a write that fails after botocore's retries: both are counted
    and logged, the others expire, and the next run tries the failed write again."""
    for phone in (A, B, C):
        sign_up(aws, phone)
    clock.advance(hours=49)
    table = aws.stack.attributes["ConsentTable"]["Ref"]
    boto3.client("dynamodb").update_item(  # a corrupt item: status no longer one of the model's
        TableName=table,
        Key=keys.SUBSCRIPTION.key(phone=A, list_id="demo"),
        UpdateExpression="SET #s = :x",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":x": {"S": "garbled"}},
    )
    repo = Stores(table, aws.stack.attributes["LedgerTable"]["Ref"]).consent
    commit = repo.commit

    def conflict_for_b(transitions: list[Any]) -> None:
        if transitions[0].subscription.phone == B:
            error = {"Error": {"Code": "TransactionCanceledException", "Message": "TransactionConflict"}}
            raise ClientError(error, "TransactWriteItems")
        commit(transitions)

    monkeypatch.setattr(repo, "commit", conflict_for_b)
    report = expiry.expire_lapsed(repo, clock.now)
    assert (report.expired, report.failed, report.more) == (1, 2, False)
    assert status(aws, C) == "expired" and status(aws, B) == "pending"

    monkeypatch.setattr(repo, "commit", commit)
    assert expiry.expire_lapsed(repo, clock.now).expired == 1  # B, on the next run
    assert status(aws, B) == "expired"
