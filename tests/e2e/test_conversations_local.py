"""Issue #20 on `make run`, one stack for the module: a contest (entries, draw, the proof re-run from the
published entry lines), a poll sent to a list (one vote per number, case and accents ignored), a free-text
reply read in the inbox, answered and forwarded with a valid signature, every listing paged with
``limit=1``, and erasure of a number that did all of it.

The tests share the stack and run in file order: the contest first, because the local inbound path stamps
a text with the wall clock (the queue's SentTimestamp) while the contest window follows the stack clock,
which the draw and the poll then move ahead — so forwarding is checked with the stack clock well ahead of
the wall clock, as after any ``/dev/clock`` move.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import pytest

from consent_platform.domain.contests import Entry, draw, entrant
from tests.e2e.conftest import LocalStack, stack_now

pytestmark = pytest.mark.e2e

T = TypeVar("T")
FORWARDED_NUMBER = "+48500000000"  # the demo list's origination: polls go out from it
CONTESTANTS = ["+48601230001", "+48601230002", "+48601230003"]
VOTERS = ["+48601230011", "+48601230012", "+48601230013"]
ASKER = "+48601230021"


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """``probe()`` once it is truthy (the local queues are polled), else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def ok(stack: LocalStack, method: str, path: str, payload: Any = None, status: int = 200) -> Any:
    reply = stack.json(method, path, payload) if payload is not None else stack.request(method, path)
    assert reply.status == status, (method, path, reply.body)
    return reply.body


def text(stack: LocalStack, sender: str, to: str, body: str) -> str:
    return str(ok(stack, "POST", "/dev/inbound", {"from": sender, "to": to, "body": body}, 202)["inboundMessageId"])


def outbox(stack: LocalStack, phone: str) -> list[dict[str, Any]]:
    return ok(stack, "GET", "/dev/outbox?phone=" + quote(phone))["messages"]  # type: ignore[no-any-return]


def every_page(stack: LocalStack, route: str, field: str, query: str = "") -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        params = f"limit=1{'&' + query if query else ''}{'&next=' + quote(cursor) if cursor else ''}"
        page = ok(stack, "GET", f"{route}?{params}")
        assert len(page[field]) <= 1
        items += page[field]
        cursor = page["next"]
        if not cursor:
            return items


def entry_lines(stack: LocalStack, contest_id: str) -> list[str]:
    return [*every_page(stack, f"/v1/admin/contests/{contest_id}/entries", "lines")]


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def test_contest_collects_entries_and_its_draw_reruns_from_the_published_lines(local_stack: LocalStack) -> None:
    now = stack_now(local_stack)
    body = {
        "number": "4301",
        "keyword": "KONKURS",
        "list_id": "demo",
        "opens_at": iso(now - timedelta(minutes=1)),
        "closes_at": iso(now + timedelta(minutes=60)),
        "entry_reply": "Dziekujemy, jestes w konkursie!",
    }
    ok(local_stack, "PUT", "/v1/admin/contests/spring", body, 201)
    for phone in CONTESTANTS:
        text(local_stack, phone, "4301", "Konkurs")
    text(local_stack, CONTESTANTS[0], "4301", "KONKURS!")  # a second entry: recorded, not counted
    view = eventually(
        lambda: (v := ok(local_stack, "GET", "/v1/admin/contests/spring"))["entries"] + v["duplicates"] == 4 and v,
        "4 entries",
    )
    assert (view["entries"], view["duplicates"]) == (3, 1)

    ok(local_stack, "POST", "/dev/clock", {"now": iso(now + timedelta(minutes=70))})
    drawn = ok(local_stack, "POST", "/v1/admin/contests/spring/draw", {"winners": 2, "seed": "e2e-public-seed"})
    proof = drawn["draw"]
    lines = entry_lines(local_stack, "spring")  # one line per page: the cursor is exercised
    assert len(lines) == proof["entries"] == 3 and lines == sorted(lines)
    assert {line.split("|")[1] for line in lines} == {entrant("spring", p) for p in CONTESTANTS}
    assert not any(p[1:] in line for line in lines for p in CONTESTANTS)  # pseudonymous lines only
    digest, winners = draw([Entry(*line.split("|")) for line in lines], proof["seed"], proof["winners_requested"])
    assert digest == proof["entries_hash"] and [w.line for w in winners] == proof["winners"]
    assert [w["line"] for w in drawn["winners"]] == proof["winners"]


def test_poll_counts_one_vote_per_number_case_and_accents_ignored(local_stack: LocalStack) -> None:
    for phone in VOTERS:
        text(local_stack, phone, "4301", "DEMO")
    for phone in VOTERS:
        eventually(lambda p=phone: outbox(local_stack, p), f"the confirmation request to {phone[-4:]}")
        text(local_stack, phone, "4301", "tak")
    for phone in VOTERS:
        eventually(lambda p=phone: len(outbox(local_stack, p)) == 2, f"the welcome to {phone[-4:]}")

    now = stack_now(local_stack)
    poll = {
        "list_id": "demo",
        "number": FORWARDED_NUMBER,
        "question": "Które kwiaty na wiosnę?",
        "options": {"A": "Róże", "B": "Tulipany"},
        "closes_at": iso(now + timedelta(days=7)),
    }
    ok(local_stack, "PUT", "/v1/admin/polls/wiosna", poll, 201)
    tomorrow = (now + timedelta(days=1)).date()
    ok(local_stack, "POST", "/v1/admin/polls/wiosna/send", {"send_at_local": f"{tomorrow}T12:00"}, 201)
    ok(local_stack, "POST", "/dev/clock", {"now": f"{tomorrow}T13:00:00Z"})  # 14:00 in Warsaw: sent
    for phone in VOTERS:
        eventually(lambda p=phone: len(outbox(local_stack, p)) == 3, f"the question to {phone[-4:]}")

    text(local_stack, VOTERS[0], FORWARDED_NUMBER, "róże")
    text(local_stack, VOTERS[1], FORWARDED_NUMBER, "ROZE")
    text(local_stack, VOTERS[2], FORWARDED_NUMBER, "b")
    text(local_stack, ASKER, FORWARDED_NUMBER, "A")  # never got the question: not a vote
    results = eventually(
        lambda: (r := ok(local_stack, "GET", "/v1/admin/polls/wiosna")["results"])["votes"] == 3 and r, "3 votes"
    )
    text(local_stack, VOTERS[0], FORWARDED_NUMBER, "Tulipany")  # a later answer: recorded, not counted
    results = eventually(
        lambda: (r := ok(local_stack, "GET", "/v1/admin/polls/wiosna")["results"])["later_answers"] == 1 and r,
        "the later answer",
    )
    assert results["tallies"] == {"A": 2, "B": 1} and results["votes"] == 3 and results["recipients"] == 3


def test_free_text_reply_in_inbox_answered_and_forwarded_signed(local_stack: LocalStack) -> None:
    # The stack clock is now more than a day ahead of the wall clock (the poll moved it): the forwarder
    # signs with the stack's time, and the local receiver must verify with the same clock.
    assert stack_now(local_stack) - datetime.now(stack_now(local_stack).tzinfo) > timedelta(hours=1)
    rule = {"url": local_stack.base_url + "/dev/forwarded", "email": "biuro@shop.example"}
    ok(local_stack, "PUT", "/v1/admin/numbers/" + quote(FORWARDED_NUMBER, safe="") + "/forwarding", rule)
    message_id = text(local_stack, ASKER, FORWARDED_NUMBER, "Czy macie róże na jutro?")

    def inbox_item() -> dict[str, Any] | None:
        query = f"number={quote(FORWARDED_NUMBER)}&unhandled=true&limit=10"
        return next(
            (i for i in ok(local_stack, "GET", f"/v1/admin/inbox?{query}")["items"] if i["message_id"] == message_id),
            None,
        )

    item = eventually(inbox_item, "the reply in the inbox")
    assert (item["from"], item["body"], item["handled_as"]) == (ASKER, "Czy macie róże na jutro?", "unmatched")

    answer = ok(local_stack, "POST", f"/v1/admin/inbox/{message_id}/reply", {"text": "Tak, mamy."}, 202)
    assert answer["origination"] == FORWARDED_NUMBER
    sent = eventually(
        lambda: [m for m in outbox(local_stack, ASKER) if m["body"] == "Tak, mamy."], "the answer in the outbox"
    )
    assert sent[0]["from"] == FORWARDED_NUMBER and sent[0]["kind"] == "reply"

    def forwarded() -> list[dict[str, Any]]:
        posts = ok(local_stack, "GET", "/dev/forwarded")["posts"]
        return [p for p in posts if isinstance(p["payload"], dict) and p["payload"]["message_id"] == message_id]

    [post] = eventually(forwarded, "the forwarded POST")
    assert post["signature"] == "valid", post
    assert post["payload"]["from"] == ASKER and post["payload"]["body"] == "Czy macie róże na jutro?"


LISTINGS = [
    ("/v1/admin/lists", "lists", "", "list_id"),
    ("/v1/admin/campaigns", "campaigns", "", "campaign_id"),
    ("/v1/admin/keywords", "keywords", "number=4301", "keyword"),
    ("/v1/admin/flows", "flows", "", "flow_id"),
    ("/v1/admin/polls", "polls", "", "poll_id"),
    ("/v1/admin/contests", "contests", "", "contest_id"),
    ("/v1/admin/inbox", "items", "number=4301", "message_id"),
]


def _second_of_each(stack: LocalStack) -> None:
    """A second list, campaign, flow, poll and contest: every listing then has two pages or more."""
    cafe = {
        "brand": "Cafe Kafka",
        "opt_in": "single",
        "default_country": "PL",
        "language": "en",
        "frequency": "up to 4 msgs/month",
        "support": "help@cafe.example",
        "consent_text": {"version": "1", "text": "Yes, send me SMS offers from Cafe Kafka."},
    }
    ok(stack, "PUT", "/v1/admin/lists/cafe", cafe, 201)
    later = iso(stack_now(stack) + timedelta(days=30))  # scheduled, never sent while the module runs
    ok(stack, "POST", "/v1/admin/campaigns", {"list_id": "demo", "name": "Second", "text": "Hi", "send_at": later}, 201)
    for flow_id in ("welcome", "again"):
        flow = {"list_id": "cafe", "name": flow_id, "trigger": {"event": "Consent.Confirmed"}}
        ok(stack, "PUT", f"/v1/admin/flows/{flow_id}", flow | {"steps": [{"send": {"text": "Hi"}}]}, 201)
    closes = iso(stack_now(stack) + timedelta(days=3))
    poll = {"list_id": "demo", "number": FORWARDED_NUMBER, "question": "Q?", "options": {"A": "x", "B": "y"}}
    ok(stack, "PUT", "/v1/admin/polls/jesien", poll | {"closes_at": closes}, 201)
    contest = {"number": "4301", "keyword": "GRA", "entry_reply": "ok", "closes_at": closes}
    ok(stack, "PUT", "/v1/admin/contests/autumn", contest | {"opens_at": iso(stack_now(stack))}, 201)


@pytest.mark.parametrize(("route", "field", "query", "key"), LISTINGS, ids=[r[0].rsplit("/", 1)[1] for r in LISTINGS])
def test_every_listing_pages_with_limit_1(
    local_stack: LocalStack, route: str, field: str, query: str, key: str
) -> None:
    if route == LISTINGS[0][0]:
        _second_of_each(local_stack)
    paged = every_page(local_stack, route, field, query)
    whole = ok(local_stack, "GET", f"{route}?limit=100{'&' + query if query else ''}")
    assert whole["next"] is None and len(whole[field]) >= 2
    assert [i[key] for i in paged] == [i[key] for i in whole[field]]  # same items, same order: no gap, no repeat
    assert len({i[key] for i in paged}) == len(paged)


def test_erasure_removes_inbox_items_and_poll_and_contest_entries(local_stack: LocalStack) -> None:
    # VOTERS[0] voted and texted; CONTESTANTS[0] entered; ASKER's message was forwarded and answered.
    text(local_stack, VOTERS[0], "4301", "KONKURS")  # closed by now: a notice, a record under the number
    eventually(lambda: len(outbox(local_stack, VOTERS[0])) == 4, "the contest's closed notice")
    for phone in (VOTERS[0], CONTESTANTS[0], ASKER):
        before = ok(local_stack, "GET", "/v1/admin/inbox?from=" + quote(phone))["items"]
        assert before, phone
        ok(local_stack, "DELETE", "/v1/admin/contacts/" + quote(phone, safe=""))
        assert ok(local_stack, "GET", "/v1/admin/inbox?from=" + quote(phone))["items"] == []
        # 404: nothing at all is left under the number — vote, entry, duplicate and notice records included.
        assert local_stack.request("DELETE", "/v1/admin/contacts/" + quote(phone, safe="")).status == 404
    lines = entry_lines(local_stack, "spring")
    assert len(lines) == 2 and entrant("spring", CONTESTANTS[0]) not in "".join(lines)
    inbox = every_page(local_stack, "/v1/admin/inbox", "items", "number=" + quote(FORWARDED_NUMBER))
    assert not {i["from"] for i in inbox} & {VOTERS[0], ASKER}
    tallies = ok(local_stack, "GET", "/v1/admin/polls/wiosna")["results"]["tallies"]
    assert tallies == {"A": 2, "B": 1}  # the tallies keep counts only
