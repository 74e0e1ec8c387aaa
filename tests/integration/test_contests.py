"""Contests (issue #20) through the real path: PUT defines one with its keyword; texts through SNS → inbound
queue → worker enter it; the draw (admin API) writes the proof and notifies the winners through the sender."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from consent_platform.domain.contests import Entry, draw, entrant
from tests.integration.conftest import Clock, LocalAws, sent_sms

NUMBER = "4301"
PHONES = [f"+4850123456{n}" for n in range(5)]


def contest_body(clock: Clock, **changes: Any) -> dict[str, Any]:
    body = {
        "number": NUMBER,
        "keyword": "Konkurs",
        "opens_at": (clock.now - timedelta(hours=1)).isoformat(),
        "closes_at": (clock.now + timedelta(hours=1)).isoformat(),
        "entry_reply": "Dziekujemy, jestes w konkursie!",
        "one_entry_per_number": True,
    }
    return body | changes


@pytest.fixture
def contest(aws: LocalAws, clock: Clock) -> dict[str, Any]:
    reply = aws.http("PUT", "/v1/admin/contests/spring", contest_body(clock))
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def show(aws: LocalAws, contest_id: str = "spring") -> dict[str, Any]:
    reply = aws.http("GET", f"/v1/admin/contests/{contest_id}")
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def texts_to(phone: str) -> list[str]:
    return [m["body"] for m in sent_sms() if m["to"] == phone]


def test_an_entry_is_counted_once_and_answered_with_the_not_consent_sentence(
    aws: LocalAws, contest: dict, clock: Clock
) -> None:
    assert contest["entry_reply"].endswith("Entering does not sign you up for marketing messages.")
    message_id = aws.text("konkurs", sender=PHONES[0])
    aws.text("konkurs", sender=PHONES[0], message_id=message_id)  # the same provider message again
    assert show(aws)["entries"] == 1 and show(aws)["duplicates"] == 0
    assert texts_to(PHONES[0]) == [contest["entry_reply"]]
    # Entering is not a subscription.
    assert aws.http("GET", "/v1/admin/contacts/%2B48501234560").body.get("subscriptions", {}) in ({}, [])
    items = aws.http("GET", "/v1/admin/inbox", query=f"number={NUMBER}").body["items"]
    assert [i["handled_as"] for i in items] == ["contest:spring"]


def test_a_second_entry_is_recorded_as_a_duplicate_and_not_counted(aws: LocalAws, contest: dict) -> None:
    aws.text("KONKURS", sender=PHONES[0])
    aws.text("Konkurs!", sender=PHONES[0])
    view = show(aws)
    assert (view["entries"], view["duplicates"]) == (1, 1)
    assert len(texts_to(PHONES[0])) == 1  # a repeated text is not answered again


def test_outside_the_window_one_notice_per_number(aws: LocalAws, clock: Clock) -> None:
    later = contest_body(clock, opens_at=(clock.now + timedelta(days=1)).isoformat())
    later["closes_at"] = (clock.now + timedelta(days=2)).isoformat()
    assert aws.http("PUT", "/v1/admin/contests/later", later).status == 201
    aws.text("konkurs", sender=PHONES[1])
    aws.text("konkurs", sender=PHONES[1])
    assert texts_to(PHONES[1]) == ["KONKURS: this contest is not open yet."]
    assert show(aws, "later")["entries"] == 0


def test_draw_before_the_close_is_409_and_after_it_notifies_winners_once(
    aws: LocalAws, contest: dict, clock: Clock
) -> None:
    for phone in PHONES:
        aws.text("konkurs", sender=phone)
        clock.advance(seconds=5)
    early = aws.http("POST", "/v1/admin/contests/spring/draw", {"winners": 2, "seed": "published-seed-1"})
    assert early.status == 409 and "closes_at" in early.body["error"]["fields"]

    clock.advance(hours=2)
    first = aws.http("POST", "/v1/admin/contests/spring/draw", {"winners": 2, "seed": "published-seed-1"})
    assert first.status == 200, first.body
    retry = aws.http("POST", "/v1/admin/contests/spring/draw", {"winners": 2, "seed": "published-seed-1"})
    assert retry.status == 200 and retry.body["draw"] == first.body["draw"]
    aws.drain()
    winners = [w["phone"] for w in first.body["winners"]]
    assert len(winners) == 2
    for phone in PHONES:  # every winner told exactly once, nobody else
        congratulations = [t for t in texts_to(phone) if "winner" in t]
        assert len(congratulations) == (1 if phone in winners else 0)

    # Anyone with the entry lines re-runs the draw from the proof and gets the same winners.
    proof = first.body["draw"]
    lines = [Entry(*line.split("|")) for line in _entry_lines(aws, "spring")]
    digest, again = draw(lines, proof["seed"], proof["winners_requested"])
    assert digest == proof["entries_hash"] and [e.line for e in again] == proof["winners"]
    assert proof["winners"][0].split("|")[1] == entrant("spring", winners[0])

    other = aws.http("POST", "/v1/admin/contests/spring/draw", {"winners": 3})
    assert other.status == 409


def _entry_lines(aws: LocalAws, contest_id: str, limit: int = 2) -> list[str]:
    """Every page of ``GET …/entries`` (the published lines: never a phone number)."""
    lines: list[str] = []
    query = f"limit={limit}"
    while True:
        reply = aws.http("GET", f"/v1/admin/contests/{contest_id}/entries", query=query)
        assert reply.status == 200, reply.body
        lines += reply.body["lines"]
        if not reply.body["next"]:
            return lines
        query = f"limit={limit}&next={reply.body['next']}"


def test_entry_lines_page_in_the_proofs_order_without_numbers(aws: LocalAws, contest: dict, clock: Clock) -> None:
    for phone in reversed(PHONES):
        aws.text("konkurs", sender=phone)
        clock.advance(seconds=1)
    lines = _entry_lines(aws, "spring", limit=2)
    assert len(lines) == len(PHONES) == len(set(lines)) and lines == sorted(lines)
    assert {line.split("|")[1] for line in lines} == {entrant("spring", p) for p in PHONES}
    assert not any(p[1:] in line for line in lines for p in PHONES)
    assert _entry_lines(aws, "spring", limit=5000) == lines


@pytest.mark.parametrize(
    ("path", "query", "status", "field"),
    [
        ("/v1/admin/contests/nope/entries", "", 404, "contest_id"),
        ("/v1/admin/contests/spring/entries", "limit=5001", 422, "limit"),
        ("/v1/admin/contests/spring/entries", "limit=0", 422, "limit"),
        # A cursor of another listing (the contests' own) must not start inside another item type.
        ("/v1/admin/contests/spring/entries", "next=Q09OVEVTVCNzcHJpbmc", 422, "next"),
    ],
)
def test_entry_lines_refuse_bad_requests(
    aws: LocalAws, contest: dict, path: str, query: str, status: int, field: str
) -> None:
    reply = aws.http("GET", path, query=query)
    assert reply.status == status and field in reply.body["error"]["fields"], reply.body


def test_erasing_a_winner_keeps_the_proof(aws: LocalAws, contest: dict, clock: Clock) -> None:
    aws.text("konkurs", sender=PHONES[0])
    clock.advance(hours=2)
    drawn = aws.http("POST", "/v1/admin/contests/spring/draw", {"winners": 1})
    assert drawn.status == 200 and drawn.body["winners"][0]["phone"] == PHONES[0]
    assert aws.http("DELETE", "/v1/admin/contacts/%2B48501234560").status in (200, 202, 204)
    view = show(aws)
    assert view["winners"] == [] and view["draw"] == drawn.body["draw"]


def test_listing_pages_through_every_contest(aws: LocalAws, clock: Clock) -> None:
    for n in range(3):
        body = contest_body(clock, keyword=f"gra{n}")
        assert aws.http("PUT", f"/v1/admin/contests/c{n}", body).status == 201
    seen, query = [], "limit=2"
    while True:
        page = aws.http("GET", "/v1/admin/contests", query=query).body
        seen += [c["contest_id"] for c in page["contests"]]
        if not page["next"]:
            break
        query = f"limit=2&next={page['next']}"
    assert seen == ["c0", "c1", "c2"]


def test_bad_definitions_name_the_field(aws: LocalAws, clock: Clock) -> None:
    backwards = contest_body(clock, closes_at=(clock.now - timedelta(hours=2)).isoformat())
    reply = aws.http("PUT", "/v1/admin/contests/x", backwards)
    assert reply.status == 422 and "closes_at" in reply.body["error"]["fields"]
    reserved = aws.http("PUT", "/v1/admin/contests/x", contest_body(clock, keyword="STOP"))
    assert reserved.status == 409 and "keyword" in reserved.body["error"]["fields"]
