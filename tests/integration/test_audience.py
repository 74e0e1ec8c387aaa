"""Audience: soft opt-in import, contact profile updates, list statistics, campaign segments."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

UK_LIST = {
    **DEMO_LIST,
    "opt_in": "double",
    "default_country": "GB",
    "allowed_countries": ["GB", "US", "PL"],
    "language": "en",
    "brand": "Tea Shop",
    "consent_text": {"version": "1", "text": "Yes, tea offers by SMS"},
}
CSV = (
    "phone,first_name,country,timezone,customer_since,evidence\n"
    "07400 123456,Olivia,GB,Europe/London,2024-05-01,order-1001\n"
    "+44 7400 123457,Jack,,,2023-01-15,account-77\n"
    "+1 201 555 0123,Ann,US,,2024-01-01,order-2\n"  # US: no soft opt-in
    "07400 123458,Noevidence,GB,,2024-01-01,\n"  # evidence is required
    "not-a-phone,X,GB,,,order-3\n"
    "+48 501 234 567,Ala,PL,,,order-4\n"  # Poland: no soft opt-in recorded
)


def post_import(aws: LocalAws, body: str, content_type: str = "text/csv", list_id: str = "tea") -> Any:
    return aws.http("POST", f"/v1/admin/lists/{list_id}/import", raw=body, headers={"content-type": content_type})


@pytest.fixture
def tea(aws: LocalAws, clock: Clock) -> LocalAws:
    assert aws.http("PUT", "/v1/admin/lists/tea", UK_LIST).status == 201
    return aws


def test_csv_import_reports_every_row(tea: LocalAws) -> None:
    reply = post_import(tea, CSV)
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["received"], body["imported"], body["unchanged"], body["rejected"]) == (6, 2, 0, 4)
    reasons = {r["row"]: r["reason"] for r in body["rejections"]}
    assert "soft opt-in is not allowed for US" in reasons[3]
    assert reasons[4].startswith("evidence")
    assert "phone" in reasons[5] or "not a phone" in reasons[5]
    assert "PL" in reasons[6]
    assert all("7400123456" not in json.dumps(r) for r in body["rejections"])  # masked
    contact = tea.http("GET", "/v1/admin/contacts/%2B447400123456").body
    [entry] = contact["ledger"]
    assert (entry["action"], entry["method"], entry["detail"]["basis"]) == ("granted", "import", "existing_customer")
    assert entry["detail"]["evidence"] == "order-1001"
    assert contact["subscriptions"][0]["status"] == "active"
    assert contact["profile"]["first_name"] == "Olivia" and contact["profile"]["timezone"] == "Europe/London"
    assert sent_sms() == []  # an import sends nothing by itself


def test_reimport_changes_nothing(tea: LocalAws) -> None:
    post_import(tea, CSV)
    again = post_import(tea, CSV).body
    assert (again["imported"], again["unchanged"], again["rejected"]) == (0, 2, 4)
    assert len(tea.http("GET", "/v1/admin/contacts/%2B447400123456").body["ledger"]) == 1


def test_opted_out_numbers_are_never_re_added(tea: LocalAws) -> None:
    post_import(tea, CSV)
    tea.text("STOP", sender="+447400123456", to="+48500000000")
    again = post_import(tea, CSV).body
    assert again["imported"] == 0
    assert any("opted out" in r["reason"] for r in again["rejections"])
    assert tea.http("GET", "/v1/admin/contacts/%2B447400123456").body["subscriptions"][0]["status"] == "revoked"


def test_jsonl_and_s3_imports(tea: LocalAws) -> None:
    lines = "\n".join(
        json.dumps(r) for r in [{"phone": "+447400123460", "evidence": "order-9"}, {"phone": "+447400123461"}, "nope"]
    )
    body = post_import(tea, lines, "application/x-ndjson").body
    assert (body["imported"], body["rejected"]) == (1, 2)
    bucket = tea.stack.attributes["ImportBucket"]["Ref"]
    boto3.client("s3").put_object(Bucket=bucket, Key="big.csv", Body=CSV.encode())
    s3 = tea.http("POST", "/v1/admin/lists/tea/import", {"s3_key": "big.csv"}).body
    assert s3["imported"] == 2
    assert tea.http("POST", "/v1/admin/lists/tea/import", {"s3_key": "missing.csv"}).status == 404
    assert post_import(tea, CSV, "text/plain").status == 415
    assert post_import(tea, CSV, list_id="nope").status == 404


def test_patch_contact_and_bucket_move(tea: LocalAws) -> None:
    post_import(tea, CSV)
    reply = tea.http(
        "PATCH",
        "/v1/admin/contacts/%2B447400123456",
        {
            "first_name": "Liv",
            "tags": ["vip"],
            "attributes": {"city": "Leeds"},
            "timezone": "Europe/Jersey",
            "last_purchase_at": "2026-11-20T10:00:00Z",
        },
    )
    assert reply.status == 200, reply.body
    assert reply.body["first_name"] == "Liv" and reply.body["tags"] == ["vip"]
    assert reply.body["buckets_moved"] == 1
    plan = tea.http("POST", "/v1/admin/campaigns", {"list_id": "tea", "name": "x", "text": "Tea Black Friday"}).body[
        "plan"
    ]
    # Olivia moved to Jersey, one of her number's zones (a zone outside them is ignored, issue 14);
    # Jack's UK mobile prefix allows several zones (candidates).
    zones = sorted(tuple(i.get("candidates") or [i["timezone"]]) for i in plan)
    assert ("Europe/Jersey",) in zones
    assert any("Europe/London" in z and len(z) > 1 for z in zones)
    bad = tea.http("PATCH", "/v1/admin/contacts/%2B447400123456", {"timezone": "Mars/Base", "tags": ["x" * 60]})
    assert bad.status == 422 and {"timezone", "tags.0"} <= set(bad.body["error"]["fields"])
    assert tea.http("PATCH", "/v1/admin/contacts/%2B447400999999", {"first_name": "x"}).status == 404


def test_segment_filters_at_dispatch(tea: LocalAws, clock: Clock) -> None:
    post_import(tea, CSV)
    tea.http("PATCH", "/v1/admin/contacts/%2B447400123456", {"tags": ["vip"]})
    created = tea.http(
        "POST",
        "/v1/admin/campaigns",
        {
            "list_id": "tea",
            "name": "VIP",
            "text": "VIP Black Friday",
            "send_at": "2026-11-23T12:00:00Z",
            "segment": {"tags_any": ["vip"]},
        },
    ).body
    assert all(item["recipients_upper_bound"] for item in created["plan"])
    from infra.local.invoker import Invoker

    clock.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    for item in created["plan"]:
        Invoker(tea.stack).invoke(
            "DispatcherFunction", {"campaign_id": created["campaign_id"], "bucket": item["bucket"]}
        )
    tea.drain()
    assert [m["to"] for m in sent_sms() if "VIP" in m["body"]] == ["+447400123456"]
    stats = tea.http("GET", f"/v1/admin/campaigns/{created['campaign_id']}").body
    assert stats["stats"]["skipped"]["segment"] == 1 and stats["status"] == "done"
    bad = tea.http("POST", "/v1/admin/campaigns", {"list_id": "tea", "name": "x", "text": "x", "segment": {"bogus": 1}})
    assert bad.status == 422


def test_list_statistics_from_counters(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    aws.http("PUT", "/v1/admin/keywords/KWIATY", {"action": "join", "list_id": "demo"})
    aws.http(
        "POST",
        "/v1/optin",
        {"phone": "501234567", "list_id": "demo", "sms_consent": "on", "source": "https://shop.example/footer"},
        form=True,
    )
    aws.drain()
    aws.text("KWIATY", sender="+48502345678")
    aws.text("TAK", sender="+48502345678")
    aws.text("STOP", sender="+48502345678")
    reply = aws.http("GET", "/v1/admin/lists/demo/stats", query="from=2026-11-20&to=2026-11-22")
    assert reply.status == 200, reply.body
    [day] = reply.body["days"]
    assert day["date"] == "2026-11-22"
    assert day["optins"] == {"keyword": 1, "web_form": 1}
    assert day["sources"]["https://shop.example/footer"] == 1
    assert day["keywords"] == {"KWIATY": 1}
    assert (day["requested"], day["confirmations"], day["optouts"]) == (2, 1, 1)
    assert day["completion_rate"] == 0.5
    assert reply.body["totals"]["optouts"] == 1
    assert aws.http("GET", "/v1/admin/lists/demo/stats", query="from=2026-11-22&to=2026-11-01").status == 422
    assert aws.http("GET", "/v1/admin/lists/nope/stats").status == 404
    # Not a calendar day: refused, never read as a Unix timestamp ("0.0" would be 1970-01-01).
    for query, field in (("to=0.0", "to"), ("from=2026-02-30", "from"), ("to=20261122", "to")):
        reply = aws.http("GET", "/v1/admin/lists/demo/stats", query=query)
        assert reply.status == 422, (query, reply.body)
        assert field in reply.body["error"]["fields"], reply.body
