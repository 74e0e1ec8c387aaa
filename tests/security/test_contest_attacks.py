"""Contests (issue #20) under attack: a forged listing cursor, a draw aimed at another contest, a keyword
taken from another keyword or contest, and a contest keyword hijacked through the keywords API."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.conftest import Clock, LocalAws


def _cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def _body(clock: Clock, keyword: str, hours: float = 1) -> dict[str, Any]:
    return {
        "number": "4301",
        "keyword": keyword,
        "opens_at": (clock.now - timedelta(hours=2)).isoformat(),
        "closes_at": (clock.now + timedelta(hours=hours)).isoformat(),
        "entry_reply": "Thanks for entering!",
    }


@pytest.mark.parametrize("sort_key", ["META", "LIST#demo", "CONTESTX", "CONTEST#a\n"])
def test_a_forged_cursor_is_a_422_naming_next(aws: LocalAws, sort_key: str) -> None:
    reply = aws.http("GET", "/v1/admin/contests", query=f"next={_cursor(sort_key)}")
    assert reply.status == 422 and set(reply.body["error"]["fields"]) == {"next"}, reply.body


def test_a_draw_touches_only_the_contest_in_its_path(aws: LocalAws, clock: Clock) -> None:
    assert aws.http("PUT", "/v1/admin/contests/open", _body(clock, "OPENKW", hours=5)).status == 201
    assert aws.http("PUT", "/v1/admin/contests/closed", _body(clock, "CLOSEDKW", hours=-1)).status == 201
    aws.text("openkw", sender="+48501234567")
    aws.text("closedkw", sender="+48501234568")
    assert aws.http("POST", "/v1/admin/contests/nope/draw", {"winners": 1}).status == 404
    assert aws.http("POST", "/v1/admin/contests/open%2F..%2Fclosed/draw", {"winners": 1}).status in (404, 422)
    assert aws.http("POST", "/v1/admin/contests/open/draw", {"winners": 1}).status == 409
    drawn = aws.http("POST", "/v1/admin/contests/closed/draw", {"winners": 1})
    assert drawn.status == 200 and drawn.body["winners"] == []  # its only text came after the close
    assert aws.http("GET", "/v1/admin/contests/open").body["draw"] is None


def test_a_contest_cannot_take_a_keyword_in_use(aws: LocalAws, clock: Clock, demo_list: dict) -> None:
    assert aws.http("PUT", "/v1/admin/keywords/kwiaty", {"action": "join", "list_id": "demo"}).status == 201
    taken = aws.http("PUT", "/v1/admin/contests/c1", _body(clock, "Kwiaty"))
    assert taken.status == 409 and "keyword" in taken.body["error"]["fields"]
    assert aws.http("GET", "/v1/admin/keywords/kwiaty").body["action"] == "join"
    assert aws.http("PUT", "/v1/admin/contests/c1", _body(clock, "Gra")).status == 201
    other = aws.http("PUT", "/v1/admin/contests/c2", _body(clock, "gra"))
    assert other.status == 409 and "keyword" in other.body["error"]["fields"]
    assert aws.http("GET", "/v1/admin/contests/c2").status == 404  # no partial write


def test_the_keywords_api_cannot_hijack_or_forge_a_contest_keyword(aws: LocalAws, clock: Clock) -> None:
    assert aws.http("PUT", "/v1/admin/contests/c1", _body(clock, "Gra")).status == 201
    hijack = aws.http("PUT", "/v1/admin/keywords/gra", {"action": "reply", "reply": "gotcha"})
    assert hijack.status == 409 and "keyword" in hijack.body["error"]["fields"]
    forged = aws.http("PUT", "/v1/admin/keywords/inny", {"action": "contest"})
    assert forged.status == 422 and "action" in forged.body["error"]["fields"]
    assert aws.http("GET", "/v1/admin/keywords/gra").body["action"] == "contest"
