"""Attacks on polls (issue #20) through the public contract: a forged listing cursor, a vote texted to
another number than the poll's, and a 10 KB answer."""

from __future__ import annotations

import base64

from tests.integration.conftest import Clock, LocalAws
from tests.integration.test_polls import NUMBER, VOTERS, handled, listed, poll_body, results, sent

__all__ = ["listed", "sent"]  # the fixtures, shared with tests/integration/test_polls.py


def _cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def test_a_forged_listing_cursor_is_a_422(listed: LocalAws, clock: Clock) -> None:
    assert listed.http("PUT", "/v1/admin/polls/p1", poll_body(clock, keyword=None)).status == 201
    for forged in (_cursor("LIST#kwiaty"), _cursor("KEYWORD#DEMO"), "!!!", "A" * 600):
        reply = listed.http("GET", "/v1/admin/polls", query=f"next={forged}")
        assert reply.status == 422 and set(reply.body["error"]["fields"]) == {"next"}, reply.body


def test_an_answer_to_another_number_is_not_a_vote(sent: LocalAws) -> None:
    """The voter got poll ``wiosna`` from +48500000000; the same "A" texted to the short code is not a vote."""
    message_id = sent.text("A", sender=VOTERS[0], to="4301")
    items = sent.http("GET", "/v1/admin/inbox", query="number=4301").body["items"]
    assert [i["handled_as"] for i in items if i["message_id"] == message_id] == ["unmatched"]
    assert results(sent)["votes"] == 0


def test_a_10_kb_answer_is_kept_cut_and_counts_nothing(sent: LocalAws) -> None:
    message_id = sent.text("A" * 10_240, sender=VOTERS[0], to=NUMBER)
    assert handled(sent, message_id) == "unmatched"
    got = results(sent)
    assert got["votes"] == 0 and got["later_answers"] == 0
