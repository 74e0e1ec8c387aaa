"""The public web edge: the form's list data, browser (no-JavaScript) form posts, honeypot, QR codes."""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import urlencode

import pytest
import segno

from infra.local.lambda_runtime import FakeLambdaContext, http_api_event, load_handler
from tests.integration.conftest import DEMO_LIST, LocalAws

BROWSER = {
    "content-type": "application/x-www-form-urlencoded",
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "referer": "https://shop.example/signup",
}
FORM = {"phone": "501 234 567", "list_id": "demo", "sms_consent": "on"}


def raw_get(aws: LocalAws, path: str, query: str) -> dict[str, Any]:
    event = http_api_event(method="GET", raw_path=path, raw_query=query)
    return load_handler(aws.stack, "OptInFunction")(event, FakeLambdaContext("OptInFunction"))  # type: ignore[no-any-return]


def test_public_list_has_no_private_fields(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("GET", "/v1/lists/demo/public")
    assert reply.status == 200
    assert reply.body["brand"] == "Kwiaciarnia Róża"
    assert reply.body["consent_text"] == DEMO_LIST["consent_text"]
    assert not {"messages", "origination", "version", "consent_versions", "created_at"} & set(reply.body)
    assert aws.http("GET", "/v1/lists/nope/public").status == 404


def test_public_list_names_the_countries_it_accepts_when_unset(aws: LocalAws) -> None:
    """A list without allowed_countries reaches its own country only, and says so: a US list's form must
    pick the US disclosure ("Msg & data rates may apply") from it."""
    us = {k: v for k, v in DEMO_LIST.items() if k != "allowed_countries"} | {"default_country": "US"}
    assert aws.http("PUT", "/v1/admin/lists/us", us).status == 201
    assert aws.http("GET", "/v1/lists/us/public").body["allowed_countries"] == ["US"]


def test_browser_form_post_gets_a_page(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("POST", "/v1/optin", raw=urlencode(FORM), headers=BROWSER)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "Sprawdź telefon" in reply.body and "Kwiaciarnia Róża" in reply.body  # the list's language


def test_browser_form_errors_are_a_readable_page(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("POST", "/v1/optin", raw=urlencode({**FORM, "sms_consent": ""}), headers=BROWSER)
    assert reply.status == 422
    assert "Zgoda na SMS-y" in reply.body and "not consent" in reply.body
    assert 'href="https://shop.example/signup"' in reply.body
    bad_phone = aws.http(
        "POST",
        "/v1/optin",
        raw=urlencode({**FORM, "phone": "800 123 456"}),
        headers={**BROWSER, "referer": 'https://x.example/"><script>alert(1)</script>'},
    )
    assert bad_phone.status == 422 and "Numer telefonu" in bad_phone.body and "toll-free" in bad_phone.body
    assert "<script>" not in bad_phone.body and "&lt;script&gt;" in bad_phone.body  # the referer is escaped


def test_thank_you_url_redirects_with_303(aws: LocalAws) -> None:
    aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "thank_you_url": "https://shop.example/thanks"})
    reply = aws.http("POST", "/v1/optin", raw=urlencode(FORM), headers=BROWSER)
    assert reply.status == 303
    assert reply.headers["Location"] == "https://shop.example/thanks"
    bad = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "thank_you_url": "javascript:alert(1)"})
    assert bad.status == 422 and "thank_you_url" in bad.body["error"]["fields"]


def test_scripts_still_get_json(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("POST", "/v1/optin", raw=urlencode(FORM), headers={**BROWSER, "accept": "application/json"})
    assert reply.status == 202 and reply.body["status"] == "pending_confirmation"


@pytest.mark.parametrize("browser", [True, False])
def test_filled_honeypot_looks_accepted_and_stores_nothing(aws: LocalAws, demo_list: dict, browser: bool) -> None:
    headers = BROWSER if browser else {"content-type": "application/x-www-form-urlencoded"}
    reply = aws.http("POST", "/v1/optin", raw=urlencode({**FORM, "company_website": "http://spam"}), headers=headers)
    assert reply.status in (200, 202)
    assert aws.http("GET", "/v1/admin/contacts/%2B48501234567").status == 404
    assert aws.receive("OutboundQueue") == []


@pytest.mark.parametrize(
    ("query", "content", "kind"),
    [
        ("keyword=KWIATY&number=4301&format=png", "SMSTO:4301:KWIATY", "png"),
        ("keyword=KWIATY&number=4301", "SMSTO:4301:KWIATY", "svg"),
        ("keyword=kwiaty%20wiosna&number=%2B48500000000&scheme=sms", "sms:+48500000000?body=kwiaty%20wiosna", "svg"),
        ("url=https%3A%2F%2Fshop.example%2F%3Flist%3Ddemo&ecc=H&scale=3", "https://shop.example/?list=demo", "svg"),
    ],
)
def test_qr_encodes_the_right_content(aws: LocalAws, query: str, content: str, kind: str) -> None:
    result = raw_get(aws, "/v1/qr", query)
    assert result["statusCode"] == 200
    assert result["headers"]["Cache-Control"].startswith("public")
    body = base64.b64decode(result["body"]) if result.get("isBase64Encoded") else result["body"].encode()
    params = dict(p.split("=", 1) for p in query.split("&"))
    expected = io.BytesIO()
    code = segno.make(content, error=params.get("ecc", "M").lower(), micro=False)
    if kind == "png":
        assert body.startswith(b"\x89PNG")
        code.save(expected, kind="png", scale=int(params.get("scale", 8)), border=4)
    else:
        code.save(expected, kind="svg", scale=int(params.get("scale", 8)), border=4, xmldecl=False, title=content)
    assert body == expected.getvalue()  # the served image is exactly the code for that content


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("keyword=KWIATY", "body"),
        ("keyword=KWIATY&number=4301&scale=0", "scale"),
        ("keyword=KWIATY&number=4301&scale=99", "scale"),
        ("keyword=KWIATY&number=4301&ecc=X", "ecc"),
        ("keyword=KWIATY&number=4301&format=gif", "format"),
        ("url=javascript:alert(1)", "body"),
        ("keyword=KWIATY&number=abc", "number"),
        ("keyword=KWIATY&number=4301&bogus=1", "bogus"),
    ],
)
def test_bad_qr_parameters_are_422(aws: LocalAws, query: str, field: str) -> None:
    result = raw_get(aws, "/v1/qr", query)
    assert result["statusCode"] == 422, result
    import json

    assert field in json.loads(result["body"])["error"]["fields"]
