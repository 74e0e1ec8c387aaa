"""Dead numbers cost nothing twice: delivery receipts mark a number ``undeliverable``, campaigns skip it,
and an opt-in (form, API, keyword, import), START or YES from the number clears it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from consent_platform.adapters.dynamodb import keys
from consent_platform.adapters.dynamodb.stores import Stores
from consent_platform.domain.clock import iso
from consent_platform.domain.undeliverable import TEMPORARY_RULE
from consent_platform.services.undeliverable import note_receipt
from tests.integration.conftest import Clock, LocalAws
from tests.integration.test_campaigns import FL, FR, NY, PL, create, fire, marketing, shop

__all__ = ["shop"]  # the fixture, from the campaign tests

PHONE = "+48501234567"
PATH = "/v1/admin/contacts/%2B48501234567"
INVALID = "TEXT_INVALID"


def stores(aws: LocalAws) -> Stores:
    return Stores(aws.stack.attributes["ConsentTable"]["Ref"], aws.stack.attributes["LedgerTable"]["Ref"])


def profile(aws: LocalAws, path: str = PATH) -> dict[str, Any]:
    reply = aws.http("GET", path)
    assert reply.status == 200, reply.body
    return reply.body["profile"]  # type: ignore[no-any-return]


def mark_of(aws: LocalAws, path: str = PATH) -> dict[str, Any] | None:
    return profile(aws, path).get("undeliverable")


def confirmed(aws: LocalAws, clock: Clock) -> None:
    """The demo list's double opt-in: a web form, then TAK from the number; then an hour passes."""
    reply = aws.http("POST", "/v1/optin", {"phone": "501234567", "list_id": "demo", "sms_consent": "on"}, form=True)
    assert reply.status in (200, 201, 202), reply.body
    aws.drain()
    aws.text("TAK", sender=PHONE, to="+48500000000")
    clock.advance(hours=1)


def stored_receipt(aws: LocalAws, message_id: str, klass: str, at: datetime, phone: str = PHONE) -> None:
    """A receipt as the receipt worker stores it (a ``DELIVERY`` item under the number)."""
    item = {**keys.DELIVERY.key(phone=phone, message_id=message_id), "klass": {"S": klass}, "at": {"S": iso(at)}}
    boto3.client("dynamodb").put_item(TableName=aws.stack.attributes["ConsentTable"]["Ref"], Item=item)


def temporary(aws: LocalAws, message_id: str, at: datetime) -> bool:
    """A temporary failure arrives: stored by the worker, then handed to the policy."""
    stored_receipt(aws, message_id, "temporary", at)
    return note_receipt(stores(aws), PHONE, "temporary", "TEXT_UNREACHABLE", at)


def test_a_permanent_failure_marks_the_number_once(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    confirmed(aws, clock)
    assert mark_of(aws) is None

    assert note_receipt(stores(aws), PHONE, "permanent", INVALID, clock.now)
    assert mark_of(aws) == {"reason": INVALID, "at": iso(clock.now), "rule": "permanent"}
    version = profile(aws)["updated_at"], profile_version(aws)

    # a replay (or a second dead message) changes nothing: same reason, same time, same version
    assert not note_receipt(stores(aws), PHONE, "permanent", INVALID, clock.now)
    assert not note_receipt(stores(aws), PHONE, "permanent", "other", clock.now + timedelta(minutes=1))
    assert mark_of(aws) == {"reason": INVALID, "at": iso(clock.now), "rule": "permanent"}
    assert (profile(aws)["updated_at"], profile_version(aws)) == version


def profile_version(aws: LocalAws) -> int:
    item = boto3.client("dynamodb").get_item(
        TableName=aws.stack.attributes["ConsentTable"]["Ref"], Key=keys.PROFILE.key(phone=PHONE)
    )["Item"]
    return int(item["version"]["N"])


@pytest.mark.parametrize("klass", ["delivered", "pending", "blocked"])
def test_deliveries_cost_no_request_and_never_mark(
    aws: LocalAws, demo_list: dict, clock: Clock, aws_calls: list, klass: str
) -> None:
    confirmed(aws, clock)
    aws_calls.clear()
    assert not note_receipt(stores(aws), PHONE, klass, "TEXT_DELIVERED", clock.now)
    assert aws_calls == []
    assert mark_of(aws) is None


def test_a_temporary_failure_costs_one_query(aws: LocalAws, demo_list: dict, clock: Clock, aws_calls: list) -> None:
    confirmed(aws, clock)
    stored_receipt(aws, "m-1", "temporary", clock.now)
    aws_calls.clear()
    assert not note_receipt(stores(aws), PHONE, "temporary", "TEXT_UNREACHABLE", clock.now)
    assert [op for _, op, _ in aws_calls] == ["Query"]


def test_temporary_failures_below_the_threshold(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    """Three in a row over 13 days, or two over three weeks: a phone that is off, not a dead number."""
    confirmed(aws, clock)
    start = clock.now
    assert not temporary(aws, "m-1", start)
    assert not temporary(aws, "m-2", start + timedelta(days=7))
    assert not temporary(aws, "m-3", start + timedelta(days=13))
    assert mark_of(aws) is None


def test_temporary_failures_at_the_threshold(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    confirmed(aws, clock)
    start = clock.now
    assert not temporary(aws, "m-1", start)
    assert not temporary(aws, "m-2", start + timedelta(days=7))
    assert temporary(aws, "m-3", start + timedelta(days=14))
    assert mark_of(aws) == {"reason": "TEXT_UNREACHABLE", "at": iso(start + timedelta(days=14)), "rule": TEMPORARY_RULE}


def test_two_failures_over_weeks_are_not_enough(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    confirmed(aws, clock)
    assert not temporary(aws, "m-1", clock.now)
    assert not temporary(aws, "m-2", clock.now + timedelta(days=30))
    assert mark_of(aws) is None


def test_a_delivery_ends_the_run(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    """Failures, a delivery, more failures: only those after the delivery count."""
    confirmed(aws, clock)
    day = clock.now
    assert not temporary(aws, "m-1", day)
    assert not temporary(aws, "m-2", day + timedelta(days=7))
    stored_receipt(aws, "m-3", "delivered", day + timedelta(days=10))  # costs nothing: only stored
    assert not temporary(aws, "m-4", day + timedelta(days=14))  # 0, 7, 14 — but a delivery at 10
    assert not temporary(aws, "m-5", day + timedelta(days=21))
    assert mark_of(aws) is None
    assert temporary(aws, "m-6", day + timedelta(days=28))  # 14, 21, 28: three in a row over 14 days


def test_only_failures_after_the_last_opt_in_count(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    """Two failures, then the owner opts in again (the number is in use), then failures: the run starts
    again at the opt-in — and marks once the failures after it meet the rule on their own."""
    confirmed(aws, clock)
    day = clock.now
    assert not temporary(aws, "m-1", day)
    assert not temporary(aws, "m-2", day + timedelta(days=7))
    clock.now = day + timedelta(days=8)
    single_opt_in(aws, "other")  # a new opt-in of this number
    assert not temporary(aws, "m-3", day + timedelta(days=14))
    assert not temporary(aws, "m-4", day + timedelta(days=21))  # 4 in a row over 21 days, but 2 since
    assert mark_of(aws) is None
    assert temporary(aws, "m-5", day + timedelta(days=28))
    assert (mark_of(aws) or {})["rule"] == TEMPORARY_RULE


def single_opt_in(aws: LocalAws, list_id: str, phone: str = "501234567") -> None:
    from tests.integration.conftest import DEMO_LIST

    body = {**DEMO_LIST, "opt_in": "single", "consent_text": {"version": "1", "text": "ok"}}
    if aws.http("GET", f"/v1/admin/lists/{list_id}").status == 404:
        assert aws.http("PUT", f"/v1/admin/lists/{list_id}", body).status == 201
    reply = aws.http("POST", "/v1/optin", {"phone": phone, "list_id": list_id, "sms_consent": "on"}, form=True)
    assert reply.status in (200, 201, 202), reply.body
    aws.drain()


def test_an_old_receipt_after_a_new_opt_in_does_not_mark_again(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    confirmed(aws, clock)
    sent_at = clock.now
    assert note_receipt(stores(aws), PHONE, "permanent", INVALID, sent_at)
    clock.advance(hours=1)
    single_opt_in(aws, "other")  # the person signs up again: the number works
    assert mark_of(aws) is None

    # the receipt of a message sent before that opt-in, delivered late (or replayed): no effect
    assert not note_receipt(stores(aws), PHONE, "permanent", INVALID, sent_at + timedelta(minutes=5))
    assert mark_of(aws) is None
    # a failure after the opt-in is news
    assert note_receipt(stores(aws), PHONE, "permanent", INVALID, clock.now + timedelta(minutes=5))
    assert mark_of(aws) is not None


def test_an_erased_number_is_not_resurrected(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    confirmed(aws, clock)
    assert aws.http("DELETE", PATH).status == 200
    assert not note_receipt(stores(aws), PHONE, "permanent", INVALID, clock.now)
    stored_receipt(aws, "m-1", "temporary", clock.now - timedelta(days=20))
    stored_receipt(aws, "m-2", "temporary", clock.now - timedelta(days=10))
    assert not note_receipt(stores(aws), PHONE, "temporary", "TEXT_UNREACHABLE", clock.now)
    table = aws.stack.attributes["ConsentTable"]["Ref"]
    got = boto3.client("dynamodb").get_item(TableName=table, Key=keys.PROFILE.key(phone=PHONE))
    assert "Item" not in got


def test_a_campaign_skips_an_undeliverable_number(shop: LocalAws, clock: Clock, aws_calls: list) -> None:
    assert note_receipt(stores(shop), PL, "permanent", INVALID, clock.now + timedelta(minutes=1))
    day = (clock.now + timedelta(days=5)).date()
    body = create(shop, send_at_local=f"{day}T18:00").body
    aws_calls.clear()
    fire(shop, clock, f"{day}T17:00:00Z")  # Warsaw and Paris at 18:00
    fire(shop, clock, f"{day}T23:00:00Z")  # New York and Florida
    assert sorted(m["to"] for m in marketing()) == sorted([FR, NY, FL])
    campaign = shop.http("GET", f"/v1/admin/campaigns/{body['campaign_id']}").body
    assert campaign["stats"]["skipped"]["undeliverable"] == 1
    assert campaign["stats"]["queued"] == 3 and campaign["stats"]["sent"] == 3
    assert campaign["status"] == "done"
    # nothing is queued, claimed or sent for the dead number: it appears only in the profile reads the
    # dispatcher makes anyway (one BatchGetItem per audience page); one claim per message sent
    assert {op for _, op, params in aws_calls if PL in str(params)} == {"BatchGetItem"}
    claims = sorted(key["pk"]["S"] for key in claimed_subscriptions(aws_calls))
    assert claims == sorted(keys.SUBSCRIPTION.pair(phone=n, list_id="shop")[0] for n in (FR, NY, FL))


def claimed_subscriptions(calls: list) -> list[dict[str, Any]]:
    """Keys of the subscription items the sender's claims updated (alone, or in a transaction with a cap)."""
    updates = [p for _, op, p in calls if op == "UpdateItem"]
    updates += [
        i["Update"] for _, op, p in calls if op == "TransactWriteItems" for i in p["TransactItems"] if "Update" in i
    ]
    return [u["Key"] for u in updates if u["Key"]["sk"]["S"].startswith("SUB#")]


def test_a_confirmation_yes_clears_the_mark(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    single_opt_in(aws, "other")
    clock.advance(hours=1)
    assert note_receipt(stores(aws), PHONE, "permanent", INVALID, clock.now)
    clock.advance(hours=1)
    reply = aws.http("POST", "/v1/optin", {"phone": "501234567", "list_id": "demo", "sms_consent": "on"}, form=True)
    assert reply.body["status"] == "pending_confirmation", reply.body
    aws.drain()
    assert mark_of(aws) is not None  # a pending sign-up proves nothing
    aws.text("TAK", sender=PHONE, to="+48500000000")
    assert mark_of(aws) is None
    assert profile(aws)["reachable_at"] == iso(clock.now)


def test_start_clears_the_mark(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    confirmed(aws, clock)
    aws.text("STOP", sender=PHONE, to="+48500000000")
    clock.advance(hours=1)
    assert note_receipt(stores(aws), PHONE, "permanent", INVALID, clock.now)
    clock.advance(hours=1)
    aws.text("START", sender=PHONE, to="+48500000000")
    assert mark_of(aws) is None


def test_a_single_opt_in_clears_the_mark(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    confirmed(aws, clock)
    assert note_receipt(stores(aws), PHONE, "permanent", INVALID, clock.now)
    clock.advance(hours=1)
    single_opt_in(aws, "other")
    assert mark_of(aws) is None


def test_an_import_clears_the_mark(aws: LocalAws, clock: Clock) -> None:
    """A soft opt-in import into another list (UK: existing customers) is a new opt-in too."""
    from tests.integration.test_audience import UK_LIST, post_import

    uk, path = "+447400123456", "/v1/admin/contacts/%2B447400123456"
    row = "phone,first_name,country,timezone,customer_since,evidence\n07400 123456,Olivia,GB,,2024-05-01,order-1\n"
    for list_id in ("tea", "coffee"):
        assert aws.http("PUT", f"/v1/admin/lists/{list_id}", UK_LIST).status == 201
    assert post_import(aws, row, list_id="tea").body["imported"] == 1
    clock.advance(hours=1)
    assert note_receipt(stores(aws), uk, "permanent", INVALID, clock.now)
    assert mark_of(aws, path) is not None
    clock.advance(hours=1)
    assert post_import(aws, row, list_id="coffee").body["imported"] == 1
    assert mark_of(aws, path) is None
