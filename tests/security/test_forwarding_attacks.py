"""Attacks on forwarding (issue #20): SSRF targets, loops back into the platform, hostile message bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import LocalAws
from tests.integration.forwarding_support import NUMBER, Receiver, forward, set_rule, wire


@pytest.fixture
def receiver(aws: LocalAws, demo_list: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Receiver:
    return wire(aws, monkeypatch)


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://[::ffff:169.254.169.254]/",
        "https://2852039166/",  # 169.254.169.254 as one number
        "https://127.0.0.1:3000/dev/forwarded",
        "http://127.0.0.1:3000/dev/forwarded",  # allowed only on the local stack
        "https://10.1.2.3/",
        "https://localhost/",
        "https://admin:hunter2@crm.example.com/",
    ],
)
def test_ssrf_targets_are_refused_and_nothing_is_stored(aws: LocalAws, receiver: Receiver, url: str) -> None:
    reply = aws.http("PUT", f"/v1/admin/numbers/{NUMBER}/forwarding", {"url": url})
    assert reply.status == 422, reply.body
    assert "url" in reply.body["error"]["fields"]
    assert aws.http("GET", f"/v1/admin/numbers/{NUMBER}/forwarding").status == 404


def test_a_loop_through_a_keyword_number_is_refused(aws: LocalAws, receiver: Receiver) -> None:
    keyword = aws.http(
        "PUT", "/v1/admin/keywords/KWIATY", {"number": "+48500000001", "action": "join", "list_id": "demo"}
    )
    assert keyword.status in (200, 201), keyword.body
    reply = aws.http("PUT", f"/v1/admin/numbers/{NUMBER}/forwarding", {"phone": "+48500000001"})
    assert reply.status == 422 and "phone" in reply.body["error"]["fields"]


def test_a_hostile_body_is_forwarded_as_data_not_headers(aws: LocalAws, receiver: Receiver) -> None:
    set_rule(aws, url="https://crm.example.com/sms")
    hostile = 'hi\r\nX-Signature: t=1,v1=00\r\nContent-Length: 0\r\n\r\n{"from":"+10000000000"}'
    aws.text(hostile, to=NUMBER)
    assert not forward(aws)["batchItemFailures"]
    (_, body, headers) = receiver.posts[0]
    assert set(headers) == {"Content-Type", "User-Agent", "X-Signature", "X-Message-Id"}
    assert all("\r" not in v and "\n" not in v for v in headers.values())
    data = json.loads(body)
    assert data["from"] == "+48501234567"  # the body's fake "from" stayed inside the body's text
    assert "X-Signature: t=1" in data["body"]
