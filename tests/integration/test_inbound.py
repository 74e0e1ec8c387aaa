"""Inbound SMS through the real path: SNS topic → inbound queue → worker → outbound queue → sender."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from infra.local.lambda_runtime import FakeLambdaContext, load_handler
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, bus_tap, sent_sms

PHONE = "+48501234567"


@pytest.fixture
def events(aws: LocalAws) -> Any:
    """Everything published on the project's bus, read through a rule → SQS target."""
    return bus_tap(aws, "events-tap")


@pytest.fixture
def kwiaty(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("PUT", "/v1/admin/keywords/kwiaty", {"number": "4301", "action": "join", "list_id": "demo"})
    assert reply.status == 201, reply.body


def bodies(to: str = PHONE) -> list[str]:
    return [m["body"] for m in sent_sms() if m["to"] == to]


def ledger(aws: LocalAws, phone: str = PHONE) -> list[dict[str, Any]]:
    return aws.http("GET", f"/v1/admin/contacts/{phone.replace('+', '%2B')}").body["ledger"]


def status(aws: LocalAws, list_id: str = "demo", phone: str = PHONE) -> str | None:
    reply = aws.http("GET", f"/v1/admin/contacts/{phone.replace('+', '%2B')}")
    subs = {s["list_id"]: s["status"] for s in reply.body.get("subscriptions", [])} if reply.status == 200 else {}
    return subs.get(list_id)


def test_keyword_join_confirm_stop_walk(aws: LocalAws, kwiaty: None, events: Any) -> None:
    aws.text("Kwiaty")
    assert status(aws) == "pending"
    assert len(bodies()) == 1 and "TAK" in bodies()[0]
    [entry] = ledger(aws)
    assert (entry["action"], entry["method"]) == ("requested", "keyword")
    assert entry["detail"]["body"] == "Kwiaty" and entry["detail"]["to"] == "4301"
    assert entry["consent_text"] == "Texted KWIATY to 4301"

    aws.text("tak")
    assert status(aws) == "active"
    assert len(bodies()) == 2 and bodies()[1] == list_messages(aws)["welcome"]

    aws.text("Stop.")
    assert status(aws) == "revoked"
    assert len(bodies()) == 3 and bodies()[2] == list_messages(aws)["stop"]
    revoked = ledger(aws)[-1]
    assert (revoked["action"], revoked["method"]) == ("revoked", "keyword")
    assert revoked["detail"]["word"] == "STOP" and revoked["detail"]["body"] == "Stop."

    aws.text("STOP")  # nothing left to revoke: no second confirmation
    assert len(bodies()) == 3
    kinds = [e["detail-type"] for e in events()]
    assert kinds == ["Consent.Confirmed", "Consent.Revoked"]


def list_messages(aws: LocalAws) -> dict[str, str]:
    return aws.http("GET", "/v1/admin/lists/demo").body["messages"]


def test_same_inbound_message_twice_has_one_effect(aws: LocalAws, kwiaty: None) -> None:
    message_id = aws.text("KWIATY")
    aws.text("KWIATY", message_id=message_id)
    assert len(bodies()) == 1
    assert [e["action"] for e in ledger(aws)] == ["requested"]


def test_duplicates_in_one_batch_reply_once(aws: LocalAws, kwiaty: None) -> None:
    """Two copies delivered together (at-least-once delivery): one effect, one reply."""
    aws.text("KWIATY")
    sns = boto3.client("sns")
    payload = {
        "originationNumber": PHONE,
        "destinationNumber": "4301",
        "messageBody": "TAK",
        "inboundMessageId": "dup-1",
        "messageKeyword": "TAK",
        "previousPublishedMessageId": "x",
    }
    for _ in range(2):
        sns.publish(TopicArn=aws.stack.attributes["InboundTopic"]["Ref"], Message=json.dumps(payload))
    aws.process_inbound()
    assert [e["action"] for e in ledger(aws)] == ["requested", "confirmed"]
    assert len(bodies()) == 2  # confirmation request + exactly one welcome


def enqueue_webhook(aws: LocalAws, body: str, at: str, message_id: str) -> None:
    envelope = {"provider": "webhook", "message_id": message_id, "sender": PHONE, "to": "4301", "body": body, "at": at}
    boto3.client("sqs").send_message(QueueUrl=aws.queue_url("InboundQueue"), MessageBody=json.dumps(envelope))


def test_older_message_never_overrides_newer_state(aws: LocalAws, kwiaty: None, clock: Clock) -> None:
    aws.text("KWIATY")
    clock.advance(seconds=1)
    aws.text("TAK")
    clock.advance(minutes=5)
    # STOP sent at :05 arrives first; START sent at :01 arrives last. STOP must win.
    enqueue_webhook(aws, "STOP", clock.now.isoformat(), "m-stop")
    aws.process_inbound()
    from datetime import timedelta

    enqueue_webhook(aws, "START", (clock.now - timedelta(minutes=4)).isoformat(), "m-start")
    aws.process_inbound()
    assert status(aws) == "revoked"
    assert [e["action"] for e in ledger(aws)] == ["requested", "confirmed", "revoked"]


def test_stop_scopes(aws: LocalAws, demo_list: dict) -> None:
    lists = {
        "flowers": ("4301", "FLOWERS"),
        "plants": ("4301", "PLANTS"),
        "shoes": ("7000", "SHOES"),
    }
    for list_id, (number, keyword) in lists.items():
        body = {
            **DEMO_LIST,
            "opt_in": "single",
            "origination": {"default": number},
            "consent_text": {"version": "v1", "text": f"{list_id} consent"},
        }
        assert aws.http("PUT", f"/v1/admin/lists/{list_id}", body).status == 201
        assert (
            aws.http(
                "PUT", f"/v1/admin/keywords/{keyword}", {"number": number, "action": "join", "list_id": list_id}
            ).status
            == 201
        )
        aws.text(keyword, to=number)
    assert {lid: status(aws, lid) for lid in lists} == {"flowers": "active", "plants": "active", "shoes": "active"}

    aws.text("stop plants", to="4301")
    assert {lid: status(aws, lid) for lid in lists} == {"flowers": "active", "plants": "revoked", "shoes": "active"}
    aws.text("START", to="4301")
    assert status(aws, "plants") == "active"

    before = len(bodies())
    aws.text("STOP", to="4301")  # every list sending from 4301, one confirmation
    assert {lid: status(aws, lid) for lid in lists} == {"flowers": "revoked", "plants": "revoked", "shoes": "active"}
    assert len(bodies()) == before + 1

    aws.text("stopall", to="4301")
    assert status(aws, "shoes") == "revoked"


def test_help_is_answered_to_anyone_and_capped(aws: LocalAws, demo_list: dict) -> None:
    stranger = "+48600100200"
    for _ in range(7):
        aws.text("HELP", sender=stranger, to="+48500000000")
    helps = bodies(stranger)
    assert len(helps) == 5  # REPLY_DAILY_CAP
    assert "pomoc@example.com" in helps[0] and "STOP" in helps[0]


def test_expired_confirmation_changes_nothing_but_replies(aws: LocalAws, kwiaty: None, clock: Clock) -> None:
    aws.text("KWIATY")
    clock.advance(hours=49)
    aws.text("TAK")
    assert status(aws) == "expired"
    assert [e["action"] for e in ledger(aws)] == ["requested", "expired"]
    assert "wygaslo" in bodies()[-1] and "KWIATY" in bodies()[-1]  # Polish, in GSM-7 spelling (issue 17)


def test_yes_after_the_sweep_closed_the_window_still_gets_the_notice(
    aws: LocalAws, kwiaty: None, clock: Clock, events: Any
) -> None:
    aws.text("KWIATY")
    clock.advance(hours=49)
    swept = load_handler(aws.stack, "ExpiryFunction")({}, FakeLambdaContext("ExpiryFunction", timeout_s=300))
    assert swept["expired"] == 1
    events()  # drop what the join published
    aws.text("TAK")
    assert status(aws) == "expired"
    assert [e["action"] for e in ledger(aws)] == ["requested", "expired"]  # nothing more to record
    assert "wygaslo" in bodies()[-1] and "KWIATY" in bodies()[-1]
    assert not [e for e in events() if e["detail-type"] == "Inbound.Unmatched"]  # a known reply, not noise
    notices = len(bodies())
    clock.advance(days=31)  # long after: a YES is just an unmatched text again
    aws.text("TAK")
    assert len(bodies()) == notices
    assert [e["detail-type"] for e in events()] == ["Inbound.Unmatched"]


def test_no_join_invitation_after_a_stop(aws: LocalAws, kwiaty: None, clock: Clock) -> None:
    """Swept, then STOP (nothing left to revoke, but it fences the list), then YES: no notice — a person
    who said STOP is not invited to join again."""
    aws.text("KWIATY")
    clock.advance(hours=49)
    load_handler(aws.stack, "ExpiryFunction")({}, FakeLambdaContext("ExpiryFunction", timeout_s=300))
    sent = len(bodies())
    clock.advance(minutes=1)
    aws.text("STOP")
    clock.advance(minutes=1)
    aws.text("TAK")
    assert len(bodies()) == sent
    assert status(aws) == "expired"


def test_unmatched_text_goes_to_the_bus(aws: LocalAws, demo_list: dict, events: Any) -> None:
    aws.text("Do you deliver on Sundays?")
    [event] = events()
    assert event["detail-type"] == "Inbound.Unmatched"
    assert event["detail"]["body"] == "Do you deliver on Sundays?"
    assert sent_sms() == []


def test_reply_keyword_and_usage_counts(aws: LocalAws, demo_list: dict) -> None:
    aws.http("PUT", "/v1/admin/keywords/hours", {"action": "reply", "reply": "Open 9-17 Mon-Sat.", "match": "phrase"})
    aws.text("what are your hours?")
    aws.text("HOURS", sender="+48600100200")
    assert bodies()[-1] == "Open 9-17 Mon-Sat."
    usage = aws.http("GET", "/v1/admin/keywords/Hours").body["usage"]
    assert usage["total"] == 2
    assert sum(usage["per_day"].values()) == 2


@pytest.mark.parametrize("word", ["STOP", "help", "Tak", "START", "stop now"])
def test_built_in_words_cannot_be_keywords(aws: LocalAws, demo_list: dict, word: str) -> None:
    reply = aws.http("PUT", f"/v1/admin/keywords/{word.replace(' ', '%20')}", {"action": "join", "list_id": "demo"})
    assert reply.status == 409
    assert reply.body["error"]["fields"] == {"keyword": "reserved word"}


def test_keyword_validation(aws: LocalAws, demo_list: dict) -> None:
    assert aws.http("PUT", "/v1/admin/keywords/kw", {"action": "join"}).status == 422
    assert aws.http("PUT", "/v1/admin/keywords/kw", {"action": "reply"}).status == 422
    assert aws.http("PUT", "/v1/admin/keywords/kw", {"action": "join", "list_id": "nope"}).status == 404
    assert aws.http("GET", "/v1/admin/keywords/unknown").status == 404
    accented = aws.http("PUT", "/v1/admin/keywords/kwi%C4%85ty", {"action": "join", "list_id": "demo"})
    assert accented.status == 201 and accented.body["keyword"] == "KWIATY"


def test_a_bad_record_does_not_affect_its_batch(aws: LocalAws, kwiaty: None) -> None:
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.queue_url("InboundQueue"), MessageBody="not json")
    enqueue_webhook(aws, "KWIATY", "2026-11-22T12:00:00+00:00", "good-1")
    result = aws.drain("InboundWorkerFunction", "InboundQueue")
    assert len(result["batchItemFailures"]) == 1
    aws.drain()
    assert status(aws) == "pending"


def test_web_form_pending_confirmed_by_reply(aws: LocalAws, demo_list: dict) -> None:
    aws.http("POST", "/v1/optin", {"phone": "501234567", "list_id": "demo", "sms_consent": "on"}, form=True)
    aws.drain()
    aws.text("  Tak!! ", to="+48500000000")
    assert status(aws) == "active"
    assert [e["action"] for e in ledger(aws)] == ["requested", "confirmed"]


def test_single_web_opt_in_publishes_consent_granted(aws: LocalAws, events: Any) -> None:
    single = {**DEMO_LIST, "opt_in": "single", "consent_text": {"version": "1", "text": "ok"}}
    aws.http("PUT", "/v1/admin/lists/single", single)
    aws.http("POST", "/v1/optin", {"phone": "501234567", "list_id": "single", "sms_consent": "on"}, form=True)
    [event] = events()
    assert event["detail-type"] == "Consent.Granted"
    assert event["detail"]["list_id"] == "single" and event["detail"]["method"] == "web_form"


def test_aws_requests_per_inbound_message(aws: LocalAws, kwiaty: None, aws_calls: list, monkeypatch: Any) -> None:
    """With lists and keywords cached (a warm worker), a STOP costs: one Query (the number's state), one
    TransactWriteItems (state + ledger + marker), one SendMessage (reply), one PutEvents."""
    from consent_platform import bootstrap

    aws.text("KWIATY")
    aws.text("TAK")
    monkeypatch.setattr(bootstrap.inbound_service(), "config_cache_seconds", 3600)
    bootstrap.inbound_service().config()  # warm
    boto3.client("sns").publish(
        TopicArn=aws.stack.attributes["InboundTopic"]["Ref"],
        Message=json.dumps(
            {
                "originationNumber": PHONE,
                "destinationNumber": "4301",
                "messageBody": "STOP",
                "inboundMessageId": "perf-1",
                "messageKeyword": "STOP",
                "previousPublishedMessageId": "",
            }
        ),
    )
    messages = aws.receive("InboundQueue")
    from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event

    aws_calls.clear()
    load_handler(aws.stack, "InboundWorkerFunction")(sqs_event(messages, "arn"), FakeLambdaContext("W"))
    assert [op for _, op, _ in aws_calls] == ["Query", "TransactWriteItems", "SendMessage", "PutEvents"]


def test_keyword_actions_are_validated_against_the_registry(aws: LocalAws, demo_list: dict) -> None:
    unknown = aws.http("PUT", "/v1/admin/keywords/kw", {"action": "poll", "list_id": "demo"})
    assert unknown.status == 422
    assert set(unknown.body["error"]["fields"]) == {"action"} and "join" in unknown.body["error"]["fields"]["action"]
    incomplete = aws.http("PUT", "/v1/admin/keywords/kw", {"action": "help"})
    assert incomplete.status == 422 and incomplete.body["error"]["fields"] == {"list_id": "required for action 'help'"}
    assert aws.http("GET", "/v1/admin/keywords/kw").status == 404  # nothing written


def test_help_keyword_answers_for_its_own_list(aws: LocalAws, demo_list: dict) -> None:
    """Two lists on one number: plain HELP answers for the list the sender joined last ("other");
    "KWIATY INFO" (action ``help``) names its list, so it answers for "demo" — changing no consent."""
    other = {**DEMO_LIST, "brand": "Other Shop", "support": "help@other.example", "opt_in": "single"}
    assert aws.http("PUT", "/v1/admin/lists/other", other).status in (200, 201)
    for keyword, action, list_id in (("other", "join", "other"), ("kwiaty%20info", "help", "demo")):
        reply = aws.http(
            "PUT", f"/v1/admin/keywords/{keyword}", {"action": action, "list_id": list_id, "number": "4301"}
        )
        assert reply.status == 201, reply.body
    aws.text("OTHER")
    assert status(aws, "other") == "active"
    aws.text("HELP")
    assert "help@other.example" in bodies()[-1]
    aws.text("Kwiaty info!")
    assert bodies()[-1] == list_messages(aws)["help"] and "pomoc@example.com" in bodies()[-1]
    assert status(aws) is None and [e["list_id"] for e in ledger(aws)] == ["other"]
    assert aws.http("GET", "/v1/admin/keywords/kwiaty%20info").body["usage"]["total"] == 1
