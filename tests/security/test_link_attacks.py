"""Attacks on short links: enumerating codes, using /r/ as an open redirect, hostile URLs in campaigns."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from consent_platform.adapters.dynamodb import keys as k
from consent_platform.domain import links
from tests.integration.conftest import LocalAws
from tests.integration.test_campaigns import SHOP

MALFORMED = ["abc", "a" * (links.CODE_LENGTH + 1), "abcdefghi%2F", "abcdefg.hi", "..%2F..%2Fx", "ab'cdefghi"]


@pytest.mark.parametrize("code", MALFORMED)
def test_malformed_codes_get_the_404_page_without_any_read(
    aws: LocalAws, aws_calls: list[tuple[str, str, dict[str, Any]]], code: str
) -> None:
    reply = aws.http("GET", f"/r/{code}")
    assert reply.status == 404 and "Link not found" in reply.body
    assert aws_calls == []  # enumeration by malformed codes costs no DynamoDB request


def put_link(aws: LocalAws, code: str, url: str) -> None:
    item = {
        **k.LINK.key(code=code),
        "url": {"S": url},
        "campaign_id": {"S": "c1"},
        "campaign_name": {"S": "Sale"},
        "list_id": {"S": "shop"},
        "ttl": {"N": "99999999999"},
    }
    boto3.client("dynamodb").put_item(TableName=aws.stack.attributes["ConsentTable"]["Ref"], Item=item)


@pytest.mark.parametrize(
    "query",
    ["url=https://evil.example", "next=//evil.example", "redirect=https%3A%2F%2Fevil.example", "to=javascript:x"],
)
def test_the_target_is_only_ever_the_stored_url(aws: LocalAws, query: str) -> None:
    put_link(aws, "Ab3dE5gH9k", "https://shop.example/sale")
    headers = {"host": "evil.example", "x-forwarded-host": "evil.example", "referer": "https://evil.example"}
    reply = aws.http("GET", "/r/Ab3dE5gH9k", query=query, headers=headers)
    assert reply.status == 302
    assert reply.headers["Location"].startswith("https://shop.example/sale?utm_source=sms&")
    assert "evil" not in reply.headers["Location"] and "javascript" not in reply.headers["Location"]


@pytest.mark.parametrize(
    "text",
    [
        "Win! javascript:alert(document.cookie)",
        "Open data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "Tap {javascript:alert(1)!} now",
        "See VBScript:msgbox(1)",
    ],
)
def test_a_hostile_link_in_a_campaign_is_refused_with_422(aws: LocalAws, text: str) -> None:
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    reply = aws.http("POST", "/v1/admin/campaigns", {"list_id": "shop", "name": "x", "text": text})
    assert reply.status == 422, reply.body
    assert "text" in reply.body["error"]["fields"]


@pytest.mark.parametrize(
    "domain", ["http://go.example", "https://go.example/path", "https://evil@go.example", "javascript:alert(1)"]
)
def test_a_list_short_domain_must_be_an_https_origin(aws: LocalAws, domain: str) -> None:
    reply = aws.http("PUT", "/v1/admin/lists/shop", {**SHOP, "short_domain": domain})
    assert reply.status == 422, reply.body
    assert "short_domain" in reply.body["error"]["fields"]
