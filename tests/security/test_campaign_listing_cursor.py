"""A forged or foreign ``next`` cursor on ``GET /v1/admin/campaigns?list_id=`` never shows another list's
campaigns: a cursor that does not continue this list's listing is a 422 naming ``next``, and any cursor
inside it stays inside it."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from tests.integration.conftest import DEMO_LIST, Clock, LocalAws


def _cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


@pytest.fixture
def two_lists(aws: LocalAws, clock: Clock) -> dict[str, list[str]]:
    """Two campaigns each in lists ``a``, ``ab`` (a prefix of the other's id) and ``b``."""
    ids: dict[str, list[str]] = {}
    for list_id in ("a", "ab", "b"):
        assert aws.http("PUT", f"/v1/admin/lists/{list_id}", DEMO_LIST).status == 201
        for n in range(2):
            clock.now += timedelta(seconds=2)
            body = {"list_id": list_id, "name": f"{list_id}{n}", "text": "Tulips -20%"}
            reply = aws.http("POST", "/v1/admin/campaigns", body)
            assert reply.status == 201, reply.body
            ids.setdefault(list_id, []).append(reply.body["campaign_id"])
    return ids


def test_another_lists_cursor_is_refused(aws: LocalAws, two_lists: dict[str, list[str]]) -> None:
    page_b = aws.http("GET", "/v1/admin/campaigns", query="list_id=b&limit=1").body
    assert page_b["next"] is not None
    reply = aws.http("GET", "/v1/admin/campaigns", query=f"list_id=a&limit=1&next={page_b['next']}")
    assert reply.status == 422 and set(reply.body["error"]["fields"]) == {"next"}, reply.body


@pytest.mark.parametrize(
    "sort_key",
    [
        "LIST#b#",  # another list's entries
        "LIST#ab#2999-01-01T00:00:00Z#x",  # a list whose id starts with this one's
        "LIST#",  # every list's
        "META",  # another item type
        "LIST#a\n#",  # not printable
    ],
)
def test_forged_cursors_are_422(aws: LocalAws, two_lists: dict[str, list[str]], sort_key: str) -> None:
    reply = aws.http("GET", "/v1/admin/campaigns", query=f"list_id=a&next={_cursor(sort_key)}")
    assert reply.status == 422 and set(reply.body["error"]["fields"]) == {"next"}, reply.body


@pytest.mark.parametrize("sort_key", ["LIST#a#~", "LIST#a#0", "LIST#a#2999-01-01T00:00:00Z#zz"])
def test_a_cursor_inside_the_list_stays_inside_it(
    aws: LocalAws, two_lists: dict[str, list[str]], sort_key: str
) -> None:
    reply = aws.http("GET", "/v1/admin/campaigns", query=f"list_id=a&next={_cursor(sort_key)}")
    assert reply.status == 200, reply.body
    assert {c["list_id"] for c in reply.body["campaigns"]} <= {"a"}
    assert set(c["campaign_id"] for c in reply.body["campaigns"]) <= set(two_lists["a"])
