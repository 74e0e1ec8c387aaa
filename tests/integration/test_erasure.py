"""DELETE /v1/admin/contacts/{phone}: erasure through the real handlers on moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from consent_platform.adapters.dynamodb import keys
from consent_platform.domain.erasure import pseudonym
from infra.local.invoker import Invoker
from infra.local.schedules import LocalScheduler
from tests.integration.conftest import DEMO_LIST, ERASURE_KEY, Clock, LocalAws, sent_sms

PHONE = "+48501234567"
PATH = "/v1/admin/contacts/%2B48501234567"
HASHED = pseudonym(ERASURE_KEY.encode(), PHONE)
PERSONAL = ("501234567", "203.0.113.7", "pytest/1.0", "ala@example.com", "Ala", "?email=")
UK_LIST = {
    **DEMO_LIST,
    "default_country": "GB",
    "allowed_countries": ["GB", "PL"],
    "language": "en",
    "brand": "Tea Shop",
    "consent_text": {"version": "1", "text": "Yes, tea offers by SMS"},
}
SHOP = {
    **DEMO_LIST,
    "opt_in": "single",
    "language": "en",
    "brand": "Shop",
    "consent_text": {"version": "1", "text": "Yes, SMS from Shop"},
    "cart_abandoned": {"text": "Hi {first_name|there}, your cart: {url}", "delay_hours": 1},
}


def scan(aws: LocalAws, logical_id: str) -> list[dict[str, Any]]:
    name = aws.stack.attributes[logical_id]["Ref"]
    return boto3.client("dynamodb").scan(TableName=name)["Items"]


def ledger_partition(aws: LocalAws, key: str) -> list[dict[str, Any]]:
    name = aws.stack.attributes["LedgerTable"]["Ref"]
    return boto3.client("dynamodb").query(
        TableName=name,
        KeyConditionExpression="phone = :p",
        ExpressionAttributeValues={":p": {"S": key}},
    )["Items"]


def subscribe_confirm_stop(aws: LocalAws, clock: Clock) -> None:
    form = {
        "phone": "501 234 567",
        "list_id": "demo",
        "sms_consent": "on",
        "first_name": "Ala",
        "email": "ala@example.com",
        "email_consent": "on",
        "source": "https://shop.example/signup?email=ala@example.com#top",
    }
    assert aws.http("POST", "/v1/optin", form, form=True).status == 202
    aws.drain()
    clock.advance(minutes=1)
    aws.text("tak")
    clock.advance(minutes=1)
    aws.text("Stop.")
    clock.advance(minutes=1)


@pytest.fixture
def kwiaty(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("PUT", "/v1/admin/keywords/kwiaty", {"number": "4301", "action": "join", "list_id": "demo"})
    assert reply.status == 201


def test_erase_after_opt_in_confirm_and_stop(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    subscribe_confirm_stop(aws, clock)
    before = aws.http("GET", PATH).body
    actions = [(e["action"], e["channel"]) for e in before["ledger"]]
    # The e-mail consent is recorded when the SMS subscription is confirmed (issue 14).
    assert actions == [("requested", "sms"), ("confirmed", "sms"), ("granted", "email"), ("revoked", "sms")]

    sent = [
        i
        for i in scan(aws, "ConsentTable")
        if keys.item_type(i["pk"]["S"], i["sk"]["S"]) == keys.MESSAGE and PHONE in i["pk"]["S"]
    ]
    assert len(sent) == 3  # confirmation request, welcome, STOP confirmation: the sent-message records

    reply = aws.http("DELETE", PATH)
    assert reply.status == 200, reply.body
    assert reply.body == {
        "phone": PHONE,
        "status": "erased",
        "erased_at": "2026-11-22T12:03:00.000000Z",
        "pseudonym": HASHED,
        "subscriptions_removed": 1,
        "active_subscriptions_removed": 0,
        "ledger_entries_pseudonymised": 4,
        "records_deleted": reply.body["records_deleted"],
        "schedules_deleted": 0,
    }
    assert reply.body["records_deleted"] >= 6  # subscription, reply-rate record, request counter, 3 messages

    assert aws.http("GET", PATH).status == 404
    assert aws.http("DELETE", PATH).status == 404  # idempotent: nothing left to erase
    assert not [i for i in scan(aws, "ConsentTable") if i["pk"]["S"] == keys.PROFILE.pair(phone=PHONE)[0]]
    assert ledger_partition(aws, PHONE) == []

    moved = ledger_partition(aws, HASHED)
    assert [m["event_id"]["S"] for m in moved] == [e["event_id"] for e in before["ledger"]]
    assert [m["sk"]["S"] for m in moved] == sorted(m["sk"]["S"] for m in moved)  # same keys, same order
    text = json.dumps(moved)
    for personal in PERSONAL:
        assert personal not in text, personal
    for item in moved:
        assert item["erased_at"]["S"] == "2026-11-22T12:03:00.000000Z"
        assert item["list_id"]["S"] == "demo" and item["phone"]["S"] == HASHED
    requested, confirmed, granted, revoked = moved
    assert requested["ip"]["S"].startswith("hmac:") and requested["user_agent"]["S"].startswith("hmac:")
    assert requested["source"]["S"] == "https://shop.example/signup"  # query and fragment dropped
    assert requested["consent_text"]["S"] == DEMO_LIST["consent_text"]["text"]
    assert granted["detail"]["M"]["email"]["S"].startswith("hmac:")
    assert confirmed["detail"]["M"]["body"]["S"].startswith("hmac:")  # the raw text the person sent
    assert confirmed["detail"]["M"]["to"]["S"] == "4301"  # our own number stays
    assert revoked["source"]["S"] == "sms:4301"
    # The suppression entry, under the same keyed hash, and nothing else names the number.
    [suppressed] = [i for i in scan(aws, "ConsentTable") if i["pk"]["S"].startswith("SUPPRESS#")]
    assert suppressed["pk"]["S"] == "SUPPRESS#" + HASHED.removeprefix("hmac:")
    # Sent-message records and inbound outboxes live under the number and went with it; inbound markers
    # (kept forever so that a replay stays a no-op) hold nothing personal. Nothing names the number.
    assert [i for i in scan(aws, "ConsentTable") if "501234567" in json.dumps(i)] == []
    assert [i for i in scan(aws, "ConsentTable") if i["pk"]["S"].startswith("INBOUND#")]


def test_a_record_written_during_the_erasure_goes_with_a_second_one(
    aws: LocalAws, demo_list: dict, clock: Clock
) -> None:
    """A sender batch that finishes while the erasure runs writes its sent-message records afterwards;
    that record names the number, so erasing again removes it (it would otherwise stay 400 days)."""
    from consent_platform.adapters.dynamodb.stores import Stores

    subscribe_confirm_stop(aws, clock)
    assert aws.http("DELETE", PATH).status == 200
    repo = Stores(aws.stack.attributes["ConsentTable"]["Ref"], aws.stack.attributes["LedgerTable"]["Ref"])
    repo.sending.record_sent([{"message_id": "late-1", "to": PHONE, "body": "Promo", "kind": "marketing", "ttl": 1}])
    assert [i for i in scan(aws, "ConsentTable") if i["pk"]["S"] == keys.PROFILE.pair(phone=PHONE)[0]]

    again = aws.http("DELETE", PATH)
    assert again.status == 200 and again.body["records_deleted"] == 1, again.body
    assert not [i for i in scan(aws, "ConsentTable") if i["pk"]["S"] == keys.PROFILE.pair(phone=PHONE)[0]]
    assert aws.http("DELETE", PATH).status == 404


def test_unknown_number_is_404_and_bad_number_422(aws: LocalAws, demo_list: dict) -> None:
    missing = aws.http("DELETE", "/v1/admin/contacts/%2B48600100200")
    assert missing.status == 404 and missing.body["error"]["fields"] == {"phone": "unknown number"}
    assert aws.http("DELETE", "/v1/admin/contacts/12").status == 422


def test_national_format_with_country(aws: LocalAws, demo_list: dict) -> None:
    aws.http("POST", "/v1/optin", {"phone": "501234567", "list_id": "demo", "sms_consent": "on"}, form=True)
    reply = aws.http("DELETE", "/v1/admin/contacts/501%20234%20567", query="country=PL")
    assert reply.status == 200 and reply.body["phone"] == PHONE


def test_import_never_re_adds_an_erased_number(aws: LocalAws, clock: Clock) -> None:
    assert aws.http("PUT", "/v1/admin/lists/tea", UK_LIST).status == 201
    csv = "phone,evidence\n07400 123456,order-1\n"

    def post() -> Any:
        return aws.http("POST", "/v1/admin/lists/tea/import", raw=csv, headers={"content-type": "text/csv"})

    assert post().body["imported"] == 1
    assert aws.http("DELETE", "/v1/admin/contacts/%2B447400123456").status == 200
    again = post().body
    assert (again["imported"], again["rejected"]) == (0, 1)
    assert (
        again["rejections"][0]["reason"]
        == "this number was erased at the person's request; it is never re-added by an import"
    )
    assert aws.http("GET", "/v1/admin/contacts/%2B447400123456").status == 404


def test_explicit_opt_in_after_erasure_starts_a_fresh_ledger_and_imports_stay_blocked(
    aws: LocalAws, demo_list: dict, clock: Clock
) -> None:
    subscribe_confirm_stop(aws, clock)
    assert aws.http("DELETE", PATH).status == 200
    clock.advance(hours=2)
    again = aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True})
    assert again.status == 202 and again.body["confirmation_sent"] is True
    aws.drain()
    contact = aws.http("GET", PATH).body
    assert [e["action"] for e in contact["ledger"]] == ["requested"]  # nothing from before the erasure
    assert contact["profile"]["first_name"] is None
    assert len(ledger_partition(aws, HASHED)) == 4  # the old history stays pseudonymous
    # Erasing again adds to the same pseudonym's history.
    assert aws.http("DELETE", PATH).body["ledger_entries_pseudonymised"] == 1
    assert len(ledger_partition(aws, HASHED)) == 5


def test_keyword_join_after_erasure_works(aws: LocalAws, kwiaty: None, clock: Clock) -> None:
    aws.text("KWIATY")
    assert aws.http("DELETE", PATH).status == 200
    clock.advance(hours=1)
    aws.text("KWIATY")
    assert [e["action"] for e in aws.http("GET", PATH).body["ledger"]] == ["requested"]


def test_campaigns_no_longer_reach_an_erased_number(aws: LocalAws, clock: Clock) -> None:
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    other = "+48600100200"
    for phone in (PHONE, other):
        assert aws.http("POST", "/v1/optin", {"phone": phone, "list_id": "shop", "sms_consent": True}).status == 202
    aws.drain()
    planned = aws.http(
        "POST",
        "/v1/admin/campaigns",
        {"list_id": "shop", "name": "A", "text": "Promo A", "send_at_local": "2026-11-27T18:00"},
    ).body
    assert sum(item["recipients"] for item in planned["plan"]) == 2

    erased = aws.http("DELETE", PATH).body
    assert (erased["subscriptions_removed"], erased["active_subscriptions_removed"]) == (1, 1)
    # The bucket registry and the sparse audience index no longer count or hold the number.
    buckets = [
        i
        for i in scan(aws, "ConsentTable")
        if keys.BUCKET.matches(i["pk"]["S"], i["sk"]["S"]) and i["pk"]["S"] == keys.LIST.pair(list_id="shop")[0]
    ]
    assert sum(int(b["count"]["N"]) for b in buckets) == 1
    index = [i for i in scan(aws, "ConsentTable") if "aud_pk" in i]
    assert [i["aud_sk"]["S"] for i in index] == [other]
    after = aws.http(
        "POST",
        "/v1/admin/campaigns",
        {"list_id": "shop", "name": "B", "text": "Promo B", "send_at_local": "2026-11-27T18:00"},
    ).body
    assert sum(item["recipients"] for item in after["plan"]) == 1

    clock.now = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    LocalScheduler(aws.stack, Invoker(aws.stack)).fire_due(clock.now, wait=False)
    while aws.receive_count("OutboundQueue"):
        aws.drain()
    promos = [m for m in sent_sms() if m["body"].startswith("Promo")]
    assert sorted(m["to"] for m in promos) == [other, other]  # both campaigns, neither to the erased number


def test_cart_trigger_and_its_schedule_are_erased(aws: LocalAws, clock: Clock) -> None:
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "shop", "sms_consent": True, "first_name": "Ala"})
    aws.drain()
    cart = {"list_id": "shop", "phone": PHONE, "cart_id": "cart-9", "url": "https://shop.example/c/9"}
    assert aws.http("POST", "/v1/admin/triggers", cart).status == 202
    scheduler = boto3.client("scheduler")
    group = aws.stack.attributes["CampaignScheduleGroup"]["Ref"]
    assert len(scheduler.list_schedules(GroupName=group)["Schedules"]) == 1

    reply = aws.http("DELETE", PATH).body
    assert reply["schedules_deleted"] == 1
    assert scheduler.list_schedules(GroupName=group)["Schedules"] == []
    [marker] = [i for i in scan(aws, "ConsentTable") if i["pk"]["S"] == "CART#cart-9"]
    assert marker["phone"]["S"] == HASHED  # one message per cart still holds, without the number
    assert aws.http("POST", "/v1/admin/triggers", cart).body["status"] == "not_subscribed"


def test_long_ledgers_move_in_transactions_of_at_most_100(
    aws: LocalAws, demo_list: dict, clock: Clock, aws_calls: list
) -> None:
    from consent_platform.adapters.dynamodb.stores import Stores
    from consent_platform.domain.consent import Action, LedgerEntry, Method

    aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True})
    repo = Stores(aws.stack.attributes["ConsentTable"]["Ref"], aws.stack.attributes["LedgerTable"]["Ref"])
    for start in range(0, 120, 40):
        repo.consent.append_ledger(
            LedgerEntry(
                event_id=f"e-{i:03d}",
                at=f"2026-11-22T12:00:{i % 60:02d}.{i:06d}Z",
                phone=PHONE,
                list_id="demo",
                action=Action.REVOKED,
                method=Method.REPLY,
                ip="198.51.100.1",
            )
            for i in range(start, start + 40)
        )
    aws_calls.clear()
    reply = aws.http("DELETE", PATH)
    assert reply.body["ledger_entries_pseudonymised"] == 121
    writes = [p for _, op, p in aws_calls if op == "TransactWriteItems"]
    assert all(len(p["TransactItems"]) <= 100 for p in writes)
    assert len(writes) >= 4  # 121 moves = 242 operations, then the state
    assert len(ledger_partition(aws, HASHED)) == 121 and ledger_partition(aws, PHONE) == []


def test_a_change_during_the_erasure_restarts_it(
    aws: LocalAws, demo_list: dict, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deletions are conditional on the version read: a concurrent sign-up is not lost half-erased."""
    from consent_platform.adapters.erasure import ErasureRepository

    aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True})
    original = ErasureRepository.load
    calls = {"n": 0}

    def racing(self: ErasureRepository, phone: str) -> Any:
        records = original(self, phone)
        calls["n"] += 1
        if calls["n"] == 1:  # another list's sign-up lands between the read and the erasure
            other = {**DEMO_LIST, "consent_text": {"version": "x", "text": "Tak"}}
            aws.http("PUT", "/v1/admin/lists/other", other)
            aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "other", "sms_consent": True})
        return records

    monkeypatch.setattr(ErasureRepository, "load", racing)
    reply = aws.http("DELETE", PATH)
    assert reply.status == 200
    assert calls["n"] == 2
    assert reply.body["subscriptions_removed"] == 2 and reply.body["ledger_entries_pseudonymised"] == 2
    assert aws.http("GET", PATH).status == 404


def test_missing_erasure_key_is_503_and_changes_nothing(aws: LocalAws, demo_list: dict) -> None:
    from aws_lambda_powertools.utilities import parameters

    aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True})
    boto3.client("ssm").delete_parameter(Name="/sms-consent/erasure-key")
    parameters.clear_caches()
    reply = aws.http("DELETE", PATH)
    assert reply.status == 503
    assert aws.http("GET", PATH).status == 200
    # Imports go on while no number was ever erased (nothing can be on the suppression list) …
    assert aws.http("PUT", "/v1/admin/lists/tea", UK_LIST).status == 201
    csv = "phone,evidence\n07400 123456,order-1\n"
    post = {"raw": csv, "headers": {"content-type": "text/csv"}}
    assert aws.http("POST", "/v1/admin/lists/tea/import", **post).body["imported"] == 1


def test_imports_stop_when_the_key_goes_missing_after_an_erasure(aws: LocalAws, demo_list: dict) -> None:
    from aws_lambda_powertools.utilities import parameters

    aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True})
    assert aws.http("DELETE", PATH).status == 200
    boto3.client("ssm").delete_parameter(Name="/sms-consent/erasure-key")
    parameters.clear_caches()
    assert aws.http("PUT", "/v1/admin/lists/tea", UK_LIST).status == 201
    csv = "phone,evidence\n07400 123456,order-1\n"
    reply = aws.http("POST", "/v1/admin/lists/tea/import", raw=csv, headers={"content-type": "text/csv"})
    assert reply.status == 503
    assert "suppression" in reply.body["error"]["message"]


def test_a_rotated_key_still_keeps_erased_numbers_out_of_imports(aws: LocalAws, clock: Clock) -> None:
    from aws_lambda_powertools.utilities import parameters

    assert aws.http("PUT", "/v1/admin/lists/tea", UK_LIST).status == 201
    csv = "phone,evidence\n07400 123456,order-1\n"
    post = {"raw": csv, "headers": {"content-type": "text/csv"}}
    aws.http("POST", "/v1/admin/lists/tea/import", **post)
    assert aws.http("DELETE", "/v1/admin/contacts/%2B447400123456").status == 200
    rotated = "a-brand-new-erasure-key-9876543210," + ERASURE_KEY
    boto3.client("ssm").put_parameter(
        Name="/sms-consent/erasure-key", Value=rotated, Type="SecureString", Overwrite=True
    )
    parameters.clear_caches()
    assert aws.http("POST", "/v1/admin/lists/tea/import", **post).body["rejected"] == 1
