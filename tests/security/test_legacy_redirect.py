"""A list stored before thank_you_url had to be https:// (or written around the API) still loads, and its
URL never reaches the 303's Location header unless it passes today's check (no header injection)."""

from __future__ import annotations

from urllib.parse import urlencode

import boto3
import pytest

from tests.integration.conftest import DEMO_LIST, LocalAws

BROWSER = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
FORM = {"phone": "501 234 567", "list_id": "demo", "sms_consent": "on"}


def store_thank_you_url(aws: LocalAws, url: str) -> None:
    table = boto3.resource("dynamodb").Table(aws.stack.attributes["ConsentTable"]["Ref"])
    [item] = [i for i in table.scan()["Items"] if i["sk"] == "META" and i.get("list_id") == "demo"]
    table.put_item(Item={**item, "thank_you_url": url})


@pytest.mark.parametrize(
    "legacy",
    ["http://shop.example/thanks", "https://shop.example/ok\r\nSet-Cookie: session=attacker"],
)
def test_a_legacy_thank_you_url_never_becomes_a_redirect(aws: LocalAws, legacy: str) -> None:
    assert (
        aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "thank_you_url": "https://shop.example/t"}).status == 201
    )
    store_thank_you_url(aws, legacy)
    reply = aws.http("POST", "/v1/optin", raw=urlencode(FORM), headers=BROWSER)
    assert reply.status == 200, reply  # the result page instead of a 303, and the sign-up still works
    assert not any(k.lower() in ("location", "set-cookie") for k in reply.headers)
    assert aws.http("GET", "/v1/lists/demo/public").status == 200
