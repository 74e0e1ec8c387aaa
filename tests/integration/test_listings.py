"""Listings: ``GET /v1/admin/lists`` and ``GET /v1/admin/keywords`` page with ``limit`` and ``next``, and a
forged cursor is a 422 naming it — never a read of another partition or item type."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.integration.conftest import DEMO_LIST, LocalAws


def _all_pages(aws: LocalAws, path: str, field: str, query: str) -> tuple[list[dict[str, Any]], int]:
    seen: list[dict[str, Any]] = []
    pages, cursor = 0, None
    while True:
        reply = aws.http("GET", path, query=query + (f"&next={cursor}" if cursor else ""))
        assert reply.status == 200, reply.body
        pages += 1
        seen += reply.body[field]
        cursor = reply.body["next"]
        if cursor is None:
            return seen, pages
        assert pages < 20, "the cursor does not advance"


def test_lists_page_in_order_without_gaps_or_repeats(aws: LocalAws) -> None:
    ids = [f"list-{n:02d}" for n in range(7)]
    for list_id in reversed(ids):
        assert aws.http("PUT", f"/v1/admin/lists/{list_id}", DEMO_LIST).status == 201
    seen, pages = _all_pages(aws, "/v1/admin/lists", "lists", "limit=3")
    assert [item["list_id"] for item in seen] == ids
    assert pages in (3, 4)  # 3+3+1 (a full last page may need one empty page to say so)
    assert "version" not in seen[0] and seen[0]["consent_versions"] == ["2026-11-01"]
    first = aws.http("GET", "/v1/admin/lists").body  # default limit 50: everything, no next
    assert [item["list_id"] for item in first["lists"]] == ids and first["next"] is None


def test_keywords_filter_by_number_across_pages(aws: LocalAws) -> None:
    aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST)
    for n in range(6):
        number = "4301" if n % 2 else "4302"
        body = {"number": number, "action": "join", "list_id": "demo"}
        assert aws.http("PUT", f"/v1/admin/keywords/kw{n}", body).status == 201
    assert aws.http("PUT", "/v1/admin/keywords/everywhere", {"action": "join", "list_id": "demo"}).status == 201
    seen, _ = _all_pages(aws, "/v1/admin/keywords", "keywords", "number=%2B4301&limit=2")
    assert [kw["keyword"] for kw in seen] == ["EVERYWHERE", "KW1", "KW3", "KW5"]
    everything, _ = _all_pages(aws, "/v1/admin/keywords", "keywords", "limit=100")
    assert len(everything) == 7


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("next=%%%", "next"),
        # A well-formed cursor of another item type (a keyword key) or another partition's key.
        ("next=" + base64.urlsafe_b64encode(b"KEYWORD#kw").decode().rstrip("="), "next"),
        ("next=" + base64.urlsafe_b64encode(b"PROFILE").decode().rstrip("="), "next"),
        ("next=" + "A" * 600, "next"),
    ],
)
def test_bad_limit_or_forged_cursor_is_422_naming_it(aws: LocalAws, query: str, field: str) -> None:
    aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST)
    reply = aws.http("GET", "/v1/admin/lists", query=query)
    assert reply.status == 422, reply.body
    assert field in reply.body["error"]["fields"], reply.body
