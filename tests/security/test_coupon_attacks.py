"""Coupons and placeholders through the public contract: hostile uploads (control characters, a huge
body, too many codes, a bad pool name) store nothing; a placeholder that reaches for Python internals
renders nothing but text; a stranger's purchase cannot redeem a code that was never given out."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.invoker import Invoker
from tests.integration.conftest import LocalAws

PLAIN = {"content-type": "text/plain"}


def upload(aws: LocalAws, raw: bytes | str, pool: str = "CART10", headers: dict[str, str] = PLAIN) -> Any:
    return aws.http("POST", f"/v1/admin/coupons/{pool}", raw=raw, headers=headers)


@pytest.mark.parametrize(
    "body",
    [
        "GOOD-1\nBAD\x00CODE\n",
        "GOOD-1\nBAD\x1b[31mRED\n",
        "GOOD-1\nWITH\u202eBIDI\n",
        "GOOD-1\n" + "A" * 33 + "\n",
        "GOOD-1\n{coupon:X}\n",
    ],
)
def test_a_hostile_code_refuses_the_whole_upload(aws: LocalAws, body: str) -> None:
    reply = upload(aws, body)
    assert reply.status == 422, reply.body
    assert "codes[1]" in reply.body["error"]["fields"]
    assert aws.http("GET", "/v1/admin/coupons/CART10").status == 404  # not even GOOD-1


def test_a_huge_body_or_too_many_codes_is_413(aws: LocalAws) -> None:
    assert upload(aws, "A" * (65 * 1024)).status == 413
    many = "\n".join(f"C{i:04d}" for i in range(5001))
    reply = upload(aws, many)
    assert reply.status == 413 and reply.body["error"]["fields"] == {"codes": "too many"}
    assert aws.http("GET", "/v1/admin/coupons/CART10").status == 404


@pytest.mark.parametrize("pool", ["..", "a%2Fb", "x" * 40, "-lead"])
def test_a_bad_pool_name_is_422(aws: LocalAws, pool: str) -> None:
    assert upload(aws, "GOOD-1\n", pool=pool).status == 422


def test_an_unsupported_body_is_415_and_bad_json_422(aws: LocalAws) -> None:
    assert upload(aws, "<codes/>", headers={"content-type": "application/xml"}).status == 415
    assert upload(aws, '{"codes": "ABC"}', headers={"content-type": "application/json"}).status == 422
    assert upload(aws, '{"codes": [1, 2, 3]}', headers={"content-type": "application/json"}).status == 422


def test_placeholders_reaching_for_internals_render_only_text(aws: LocalAws, demo_list: dict) -> None:
    from consent_platform.domain.campaigns import render

    profile = {"first_name": "Ala", "attributes": {}}
    for text in ("{attributes.__class__}", "{attributes.__init__|x}", "{attributes.__dict__}"):
        assert render(text, profile, {"x": 1}) in ("", "x")
    # The API: a lookup path or a format spec is not a placeholder at all; refused by name.
    for text in ("{first_name.__class__}", "{attributes.a.__globals__}", "{0.__class__}", "{first_name!r}"):
        reply = aws.http(
            "POST",
            "/v1/admin/campaigns",
            {"list_id": "demo", "name": "x", "text": text, "send_at": "2031-01-01T12:00:00Z"},
        )
        assert reply.status == 422 and text in reply.body["error"]["fields"]["text"], (text, reply.body)


def test_a_purchase_with_a_code_never_given_out_redeems_nothing(aws: LocalAws) -> None:
    assert upload(aws, "CART10-AAAA\n").status == 200
    purchase = {"phone": "+48501234567", "at": "2026-11-23T10:00:00Z", "coupon": "CART10-AAAA"}
    event = {"version": "0", "id": "e", "detail-type": "Customer.Purchase", "source": "shop", "detail": purchase}
    assert Invoker(aws.stack).invoke("AudienceEventsFunction", event)["coupon_redeemed"] == ""
    assert aws.http("GET", "/v1/admin/coupons/CART10").body["redeemed"] == 0
