"""Short links on moto: a campaign's messages carry distinct /r/ links; following one redirects with UTM
parameters and counts (a HEAD or a preview bot does not; a repeat counts once as unique)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest

from consent_platform.adapters.dynamodb import keys as k
from consent_platform.domain import links
from tests.integration.conftest import PUBLIC_BASE_URL, Clock, LocalAws, bus_tap, sent_sms
from tests.integration.test_campaigns import FR, NY, PL, SHOP, fire

SHORT = re.compile(rf"{re.escape(PUBLIC_BASE_URL)}/r/([A-Za-z0-9]{{{links.CODE_LENGTH}}})")
TEXT = "Hi {first_name|there}, sale: https://shop.example/sale?id=7. Or {https://shop.example/plain!}"
PHONE_UA = {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"}


@pytest.fixture
def sent(aws: LocalAws, clock: Clock) -> tuple[str, dict[str, str]]:
    """A campaign with one tracked and one opted-out link, sent to three numbers: (id, code by number)."""
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    for phone in (PL, FR, NY):
        reply = aws.http("POST", "/v1/optin", {"phone": phone, "list_id": "shop", "sms_consent": True})
        assert reply.body["status"] == "active", reply.body
    aws.drain()
    reply = aws.http("POST", "/v1/admin/campaigns", {"list_id": "shop", "name": "Black Friday", "text": TEXT})
    assert reply.status == 201, reply.body
    assert SHORT.search(reply.body["preview"]["text"]).group(1) == links.PREVIEW_CODE  # type: ignore[union-attr]
    fire(aws, clock, (clock.now + timedelta(days=1, hours=6)).isoformat())  # inside every bucket's window
    codes = {}
    for message in sent_sms():
        if "sale:" in message["body"]:
            assert "https://shop.example/plain" in message["body"] and "{" not in message["body"]
            codes[message["to"]] = SHORT.search(message["body"]).group(1)  # type: ignore[union-attr]
    assert len(codes) == 3
    return reply.body["campaign_id"], codes


def stats(aws: LocalAws, campaign_id: str) -> dict[str, Any]:
    return aws.http("GET", f"/v1/admin/campaigns/{campaign_id}").body["stats"]  # type: ignore[no-any-return]


def test_each_recipient_gets_a_distinct_link_stored_without_the_number(aws: LocalAws, sent: Any) -> None:
    _, codes = sent
    assert len(set(codes.values())) == 3
    table = boto3.client("dynamodb")
    item = table.get_item(TableName=aws.stack.attributes["ConsentTable"]["Ref"], Key=k.LINK.key(code=codes[PL]))["Item"]
    assert item["url"]["S"] == "https://shop.example/sale?id=7"
    assert len(item["recipient"]["S"]) == 64 and PL.lstrip("+") not in json.dumps(item)
    assert {"campaign_id", "bucket", "created_at", "expires_at", "ttl"} <= set(item)


def test_following_a_link_redirects_with_utm_and_counts_once_as_unique(aws: LocalAws, sent: Any) -> None:
    campaign_id, codes = sent
    reply = aws.http("GET", f"/r/{codes[PL]}", headers=PHONE_UA)
    assert reply.status == 302, reply.body
    location = urlsplit(reply.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "shop.example", "/sale")
    assert location.query.startswith("id=7&")
    assert dict(parse_qsl(location.query)) == {
        "id": "7",
        "utm_source": "sms",
        "utm_medium": "sms",
        "utm_campaign": "Black Friday",
    }
    assert reply.headers["Cache-Control"] == "no-store" and reply.headers["Referrer-Policy"] == "no-referrer"
    assert aws.http("GET", f"/r/{codes[PL]}", headers=PHONE_UA).status == 302  # a repeat
    assert aws.http("GET", f"/r/{codes[FR]}", headers=PHONE_UA).status == 302
    figures = stats(aws, campaign_id)
    assert (figures["sent"], figures["clicks"], figures["unique_clicks"]) == (3, 3, 2)
    assert figures["ctr"] == round(2 / 3, 4)
    day = aws.http("GET", "/v1/admin/lists/shop/stats").body
    assert sum(d["clicks"] for d in day["days"]) == 3 and sum(d["unique_clicks"] for d in day["days"]) == 2


def test_head_and_preview_bots_are_redirected_but_not_counted(aws: LocalAws, sent: Any) -> None:
    campaign_id, codes = sent
    imessage = {"user-agent": "facebookexternalhit/1.1 Facebot Twitterbot/1.0"}
    assert aws.http("HEAD", f"/r/{codes[PL]}", headers=PHONE_UA).status == 302
    assert aws.http("GET", f"/r/{codes[PL]}", headers=imessage).status == 302
    assert aws.http("GET", f"/r/{codes[PL]}", headers={"user-agent": "WhatsApp/2.23"}).status == 302
    assert (stats(aws, campaign_id)["clicks"], stats(aws, campaign_id)["unique_clicks"]) == (0, 0)
    assert aws.http("GET", f"/r/{codes[PL]}", headers=PHONE_UA).status == 302  # the person, after the preview
    assert stats(aws, campaign_id)["unique_clicks"] == 1


def test_a_counted_click_costs_three_requests_and_a_preview_one(
    aws: LocalAws, sent: Any, aws_calls: list[tuple[str, str, dict[str, Any]]]
) -> None:
    _, codes = sent
    aws_calls.clear()
    aws.http("GET", f"/r/{codes[PL]}", headers=PHONE_UA)
    assert [op for _, op, _ in aws_calls] == ["UpdateItem", "TransactWriteItems", "PutEvents"]
    aws_calls.clear()
    aws.http("GET", f"/r/{codes[NY]}", headers={"user-agent": "Slackbot-LinkExpanding 1.0"})
    assert [op for _, op, _ in aws_calls] == ["GetItem"]


def test_clicked_event_names_the_campaign_and_the_hash_not_the_number(aws: LocalAws, sent: Any) -> None:
    campaign_id, codes = sent
    clicks = bus_tap(aws, "clicks-tap", {"detail-type": ["Message.Clicked"]})
    aws.http("GET", f"/r/{codes[PL]}", headers=PHONE_UA)
    body = clicks()[0]
    assert body["detail"]["campaign_id"] == campaign_id and body["detail"]["unique"] is True
    assert PL.lstrip("+") not in json.dumps(body) and len(body["detail"]["recipient"]) == 64


def test_expired_and_unknown_codes_get_the_404_page(aws: LocalAws, sent: Any, clock: Clock) -> None:
    campaign_id, codes = sent
    unknown = aws.http("GET", "/r/" + "Z" * links.CODE_LENGTH, headers=PHONE_UA)
    assert unknown.status == 404 and "Link not found" in unknown.body
    assert unknown.headers["Cache-Control"] == "no-store"
    clock.advance(days=91)  # the default expiry is 90 days; DynamoDB's TTL deletion may lag
    expired = aws.http("GET", f"/r/{codes[PL]}", headers=PHONE_UA)
    assert expired.status == 404 and "Link not found" in expired.body
    assert aws.http("GET", f"/r/{codes[PL]}", headers={"user-agent": "Twitterbot/1.0"}).status == 404
    assert stats(aws, campaign_id)["clicks"] == 0


def test_tracking_off_for_the_campaign_sends_links_as_written(aws: LocalAws, clock: Clock) -> None:
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    assert aws.http("POST", "/v1/optin", {"phone": PL, "list_id": "shop", "sms_consent": True}).status == 202
    aws.drain()
    body = {"list_id": "shop", "name": "x", "text": TEXT, "track_links": False}
    assert aws.http("POST", "/v1/admin/campaigns", body).status == 201
    fire(aws, clock, (clock.now + timedelta(days=1)).isoformat())
    [message] = [m for m in sent_sms() if "sale:" in m["body"]]
    assert "https://shop.example/sale?id=7." in message["body"] and "/r/" not in message["body"]


def test_without_a_base_url_links_go_out_as_written_and_the_preview_says_so(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consent_platform import bootstrap

    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    bootstrap.reset()
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    reply = aws.http("POST", "/v1/admin/campaigns", {"list_id": "shop", "name": "x", "text": TEXT})
    assert reply.status == 201, reply.body
    assert "https://shop.example/sale?id=7" in reply.body["preview"]["text"]
    assert {"code": "links_not_tracked"}.items() <= reply.body["preview"]["warnings"][-1].items()
