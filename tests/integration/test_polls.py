"""SMS polls (issue #20) through the real path: admin API → campaign → Scheduler → dispatcher → sender;
answers through SNS → inbound queue → worker; results through ``GET /v1/admin/polls/{id}``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from consent_platform.domain.clock import iso
from infra.local.invoker import Invoker
from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event
from infra.local.schedules import LocalScheduler
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

NUMBER = "+48500000000"  # the list's origination: the question comes from it, answers go to it
VOTERS = ("+48501234567", "+48501234568")
OUTSIDER = "+48501234569"  # not on the list: never got the question
FLOWERS = {**DEMO_LIST, "opt_in": "single", "language": "pl"}
QUESTION = "Które kwiaty na wiosnę?"


def poll_body(clock: Clock, **changes: Any) -> dict[str, Any]:
    body = {
        "list_id": "kwiaty",
        "number": NUMBER,
        "question": QUESTION,
        "options": {"A": "Róże", "B": "Tulipany"},
        "keyword": "ANKIETA",
        "closes_at": iso(clock.now + timedelta(days=7)),
    }
    return {**body, **changes}


@pytest.fixture
def listed(aws: LocalAws, clock: Clock) -> LocalAws:
    clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Warsaw: inside the window
    assert aws.http("PUT", "/v1/admin/lists/kwiaty", FLOWERS).status == 201
    for phone in VOTERS:
        reply = aws.http("POST", "/v1/optin", {"phone": phone, "list_id": "kwiaty", "sms_consent": True})
        assert reply.body["status"] == "active", reply.body
    aws.drain()  # welcome messages
    return aws


@pytest.fixture
def sent(listed: LocalAws, clock: Clock) -> LocalAws:
    """Poll ``wiosna`` defined and its question sent to both voters."""
    assert listed.http("PUT", "/v1/admin/polls/wiosna", poll_body(clock)).status == 201
    reply = listed.http("POST", "/v1/admin/polls/wiosna/send")
    assert reply.status == 201, reply.body
    fire(listed, clock)
    return listed


def fire(aws: LocalAws, clock: Clock) -> None:
    """What EventBridge Scheduler and the sender would do over the next minutes."""
    clock.advance(minutes=5)
    LocalScheduler(aws.stack, Invoker(aws.stack)).fire_due(clock.now, wait=False)
    while aws.receive_count("OutboundQueue"):
        aws.drain()


def results(aws: LocalAws, poll_id: str = "wiosna") -> dict[str, Any]:
    reply = aws.http("GET", f"/v1/admin/polls/{poll_id}")
    assert reply.status == 200, reply.body
    return reply.body["results"]  # type: ignore[no-any-return]


def handled(aws: LocalAws, message_id: str) -> str:
    items = aws.http("GET", "/v1/admin/inbox", query=f"number={NUMBER.replace('+', '%2B')}").body["items"]
    return next(i["handled_as"] for i in items if i["message_id"] == message_id)


def test_the_question_goes_out_as_a_campaign_of_the_list(sent: LocalAws) -> None:
    questions = [m for m in sent_sms() if QUESTION in m["body"]]
    assert sorted(m["to"] for m in questions) == sorted(VOTERS)
    assert "A) Róże\nB) Tulipany" in questions[0]["body"] and "STOP" in questions[0]["body"]
    poll = sent.http("GET", "/v1/admin/polls/wiosna").body
    assert poll["status"] == "open" and poll["campaign_id"]
    assert poll["results"]["recipients"] == 2 and poll["results"]["turnout"] == 0


def test_first_vote_counts_case_accent_and_index_later_ones_are_recorded(sent: LocalAws, clock: Clock) -> None:
    first = sent.text("roze!", sender=VOTERS[0], to=NUMBER)
    sent.text("2", sender=VOTERS[1], to=NUMBER)
    again = sent.text("b", sender=VOTERS[0], to=NUMBER)  # a change of mind: recorded, not counted
    got = results(sent)
    assert got["tallies"] == {"A": 1, "B": 1} and got["votes"] == 2 and got["later_answers"] == 1
    assert got["turnout"] == 1.0 and got["per_day"] == {"2026-11-24": 2} and got["late_answers"] == 0
    assert handled(sent, first) == "poll:wiosna" and handled(sent, again) == "poll:wiosna"


def test_a_redelivered_vote_counts_once(sent: LocalAws) -> None:
    payload = {
        "originationNumber": VOTERS[0],
        "destinationNumber": NUMBER,
        "messageKeyword": "A",
        "messageBody": "A",
        "inboundMessageId": "vote-1",
        "previousPublishedMessageId": "x",
    }
    boto3.client("sns").publish(TopicArn=sent.stack.attributes["InboundTopic"]["Ref"], Message=json.dumps(payload))
    messages = sent.receive("InboundQueue")
    event = sqs_event(messages, sent.stack.attributes["InboundQueue"]["Arn"])
    worker = load_handler(sent.stack, "InboundWorkerFunction")
    for _ in range(2):  # the same SQS message delivered twice (the first delete was lost)
        assert not worker(event, FakeLambdaContext("InboundWorkerFunction"))["batchItemFailures"]
    sent.text("A", sender=VOTERS[0], to=NUMBER, message_id="vote-1")  # and replayed under the same id
    got = results(sent)
    assert got["votes"] == 1 and got["tallies"]["A"] == 1 and got["later_answers"] == 0


def test_a_number_that_did_not_get_the_question_does_not_vote(sent: LocalAws) -> None:
    message_id = sent.text("A", sender=OUTSIDER, to=NUMBER)
    assert handled(sent, message_id) == "unmatched"
    assert results(sent)["votes"] == 0


def test_stop_and_keywords_win_over_an_answer(listed: LocalAws, clock: Clock) -> None:
    options = {"A": "Róże", "B": "Stop", "C": "Tulipany"}
    assert listed.http("PUT", "/v1/admin/polls/wiosna", poll_body(clock, options=options)).status == 201
    assert listed.http("POST", "/v1/admin/polls/wiosna/send").status == 201
    fire(listed, clock)
    keyword = {"number": NUMBER, "action": "reply", "reply": "Tulipany od 9 zł"}
    assert listed.http("PUT", "/v1/admin/keywords/tulipany", keyword).status == 201
    stop = listed.text("stop", sender=VOTERS[0], to=NUMBER)
    tulips = listed.text("Tulipany", sender=VOTERS[1], to=NUMBER)
    assert handled(listed, stop) == "stop" and handled(listed, tulips) == "keyword:TULIPANY"
    assert results(listed)["votes"] == 0
    contact = listed.http("GET", "/v1/admin/contacts/%2B48501234567").body
    assert contact["subscriptions"][0]["status"] == "revoked"


def test_an_answer_after_closing_gets_one_closed_reply(sent: LocalAws, clock: Clock) -> None:
    sent.text("A", sender=VOTERS[0], to=NUMBER)
    clock.advance(days=8)
    for _ in range(2):
        sent.text("B", sender=VOTERS[0], to=NUMBER)
    closed = [m for m in sent_sms() if "zamknieta" in m["body"]]
    assert [m["to"] for m in closed] == [VOTERS[0]]
    got = results(sent)
    assert got["late_answers"] == 2 and got["tallies"] == {"A": 1, "B": 0}


def test_the_keyword_sends_the_question_and_lets_its_sender_vote(sent: LocalAws) -> None:
    sent.text("ankieta", sender=OUTSIDER, to=NUMBER)
    assert [m for m in sent_sms() if m["to"] == OUTSIDER and QUESTION in m["body"]]
    sent.text("Tulipany", sender=OUTSIDER, to=NUMBER)
    got = results(sent)
    assert got["tallies"]["B"] == 1 and got["asked_by_keyword"] == 1 and got["recipients"] == 3


def test_a_vote_costs_three_requests(sent: LocalAws, aws_calls: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Load the number's state, read the poll facts, one transaction (the config is cached when warm)."""
    sent.text("A", sender=VOTERS[0], to=NUMBER)
    worker = [op for service, op, params in aws_calls if service == "dynamodb"]
    config_reads = sum(1 for s, op, p in aws_calls if op == "Query" and "CONFIG" in json.dumps(p))
    assert len(worker) - config_reads == 3, worker


def test_second_send_is_refused_unless_the_first_was_cancelled(sent: LocalAws) -> None:
    again = sent.http("POST", "/v1/admin/polls/wiosna/send")
    assert again.status == 409 and "poll_id" in again.body["error"]["fields"]
    campaign_id = sent.http("GET", "/v1/admin/polls/wiosna").body["campaign_id"]
    assert sent.http("DELETE", f"/v1/admin/campaigns/{campaign_id}").status == 200
    resent = sent.http("POST", "/v1/admin/polls/wiosna/send")
    assert resent.status == 201 and resent.body["campaign"]["campaign_id"] != campaign_id


@pytest.mark.parametrize(
    ("changes", "field", "status"),
    [
        ({"options": {"A": "Róże"}}, "options", 422),
        ({"options": {"A": "Róże", "C": "Tulipany"}}, "options", 422),
        ({"options": {"A": "Róże", "B": "ROZE"}}, "options", 422),
        ({"options": {"A": "Róże", "B": " "}}, "options", 422),
        ({"closes_at": "2020-01-01T00:00:00Z"}, "closes_at", 422),
        ({"number": "+48999999999"}, "number", 422),
        ({"number": "not a number"}, "number", 422),
        ({"list_id": "nope"}, "list_id", 404),
        ({"keyword": "STOP"}, "keyword", 409),
        ({"keyword": "b"}, "keyword", 422),
    ],
)
def test_bad_definitions_name_the_field(
    listed: LocalAws, clock: Clock, changes: dict[str, Any], field: str, status: int
) -> None:
    reply = listed.http("PUT", "/v1/admin/polls/wiosna", poll_body(clock, **changes))
    named = {name.split(".")[0] for name in reply.body["error"]["fields"]}  # "options.B" names options
    assert reply.status == status and field in named, reply.body
    assert listed.http("GET", "/v1/admin/polls/wiosna").status == 404  # nothing written


def test_update_then_listing_pages(listed: LocalAws, clock: Clock) -> None:
    for poll_id in ("a1", "b2", "c3"):
        assert listed.http("PUT", f"/v1/admin/polls/{poll_id}", poll_body(clock, keyword=None)).status == 201
    assert listed.http("PUT", "/v1/admin/polls/b2", poll_body(clock, question="Inne?", keyword=None)).status == 200
    seen, query = [], "limit=2"
    while True:
        page = listed.http("GET", "/v1/admin/polls", query=query).body
        seen += [(p["poll_id"], p["question"], p["status"]) for p in page["polls"]]
        if not page["next"]:
            break
        query = f"limit=2&next={page['next']}"
    assert seen == [("a1", QUESTION, "draft"), ("b2", "Inne?", "draft"), ("c3", QUESTION, "draft")]


def test_erasure_deletes_the_vote_and_keeps_the_tally(sent: LocalAws) -> None:
    sent.text("A", sender=VOTERS[0], to=NUMBER)
    assert sent.http("DELETE", "/v1/admin/contacts/%2B48501234567").status == 200
    items = boto3.client("dynamodb").scan(TableName=sent.stack.attributes["ConsentTable"]["Ref"])["Items"]
    assert not [i for i in items if i["sk"]["S"].startswith("~POLL#")]
    assert results(sent)["tallies"]["A"] == 1
