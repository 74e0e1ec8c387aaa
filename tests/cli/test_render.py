"""Human views: campaign plans, the consent proof, list statistics — and the requests behind them."""

from __future__ import annotations

from typing import Any

from tests.cli.support import FakeApi, client, render, run_cli

CAMPAIGN: dict[str, Any] = {
    "campaign_id": "4f0c2a9e1b7d4c11",
    "list_id": "demo",
    "name": "Black Friday",
    "text": "Hi {first_name|there}, -20% today only!",
    "send_at_local": "2026-11-27T18:00",
    "send_at": None,
    "status": "scheduled",
    "created_at": "2026-11-20T09:00:00Z",
    "preview": {
        "text": "Hi there, -20% today only! Odpisz STOP, aby zrezygnować",
        "encoding": "UCS-2",
        "segments": 1,
        "characters": 55,
    },
    "plan": [
        {
            "bucket": "Europe/Warsaw|PL",
            "timezone": "Europe/Warsaw",
            "rule": "PL",
            "send_at_utc": "2026-11-27T17:00:00Z",
            "local_time": "2026-11-27T18:00:00+01:00",
            "deferred": False,
            "reason": None,
            "recipients": 120,
            "schedule": "c-4f0c2a9e1b7d4c11-0",
        },
        {
            "bucket": "America/Chicago,America/New_York|US-FL",
            "timezone": "America/Chicago",
            "rule": "US-FL",
            "send_at_utc": "2026-11-28T13:00:00Z",
            "local_time": "2026-11-28T07:00:00-06:00",
            "deferred": True,
            "reason": "quiet_hours",
            "recipients": 7,
            "candidates": ["America/Chicago", "America/New_York"],
            "schedule": "c-4f0c2a9e1b7d4c11-1",
        },
    ],
    "stats": {
        "queued": 127,
        "sent": 120,
        "deferred": 7,
        "failed": 0,
        "skipped": {"opted_out": 1, "frequency_cap": 0, "duplicate": 0, "cancelled": 0},
    },
}
CONTACT: dict[str, Any] = {
    "phone": "+48501234567",
    "profile": {
        "phone": "+48501234567",
        "country": "PL",
        "first_name": "Anna",
        "timezone": "Europe/Warsaw",
        "timezone_source": "form",
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-20T09:00:05Z",
        "tags": ["vip"],
    },
    "subscriptions": [
        {
            "phone": "+48501234567",
            "list_id": "demo",
            "status": "active",
            "version": 2,
            "created_at": "2026-11-20T09:00:00Z",
            "updated_at": "2026-11-20T09:00:05Z",
            "method": "web_form",
            "source": "https://shop.example/signup",
            "consent_version": "2026-11-01",
            "requested_at": "2026-11-20T09:00:00Z",
            "confirmed_at": "2026-11-20T09:00:05Z",
        }
    ],
    "ledger": [
        {
            "event_id": "e1",
            "at": "2026-11-20T09:00:00Z",
            "phone": "+48501234567",
            "list_id": "demo",
            "action": "requested",
            "method": "web_form",
            "channel": "sms",
            "status_after": "pending",
            "consent_text": "Tak, chcę otrzymywać SMS-y marketingowe od Demo Shop.",
            "consent_version": "2026-11-01",
            "source": "https://shop.example/signup",
            "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
            "request_id": "req-1",
        },
        {
            "event_id": "e2",
            "at": "2026-11-20T09:00:05Z",
            "phone": "+48501234567",
            "list_id": "demo",
            "action": "confirmed",
            "method": "reply",
            "channel": "sms",
            "status_after": "active",
            "source": "sms:4301",
            "request_id": "in-1",
            "detail": {"body": "TAK", "inbound_message_id": "in-1", "to": "4301"},
        },
    ],
}
STATS: dict[str, Any] = {
    "list_id": "demo",
    "from": "2026-11-01",
    "to": "2026-11-02",
    "days": [
        {
            "date": "2026-11-01",
            "optins": {"web_form": 3, "keyword": 1},
            "sources": {"poster": 1, "site": 3},
            "keywords": {"DEMO": 1},
            "requested": 4,
            "confirmations": 3,
            "optouts": 0,
            "expired": 0,
            "completion_rate": 0.75,
        },
        {
            "date": "2026-11-02",
            "optins": {},
            "sources": {},
            "keywords": {},
            "requested": 0,
            "confirmations": 0,
            "optouts": 2,
            "expired": 1,
            "completion_rate": None,
        },
    ],
    "totals": {
        "optins": {"web_form": 3, "keyword": 1},
        "sources": {"poster": 1, "site": 3},
        "keywords": {"DEMO": 1},
        "requested": 4,
        "confirmations": 3,
        "optouts": 2,
        "expired": 1,
        "completion_rate": 0.75,
    },
}


def test_table_aligns_text_left_and_numbers_right() -> None:
    assert render.table(["name", "n", "note"], [["a", 1, None], ["bbb", 100, "x"]]).splitlines() == [
        "name    n  note",
        "----  ---  ----",
        "a       1  -",
        "bbb   100  x",
    ]


def test_campaign_plan_table_and_stats() -> None:
    text = render.campaign(CAMPAIGN)
    lines = text.splitlines()
    assert lines[0] == "Campaign 4f0c2a9e1b7d4c11  'Black Friday'  list demo"
    assert "send at: 2026-11-27T18:00 in each recipient's own time" in lines
    assert "  Hi there, -20% today only! Odpisz STOP, aby zrezygnować" in lines
    header = next(i for i, line in enumerate(lines) if line.startswith("timezone"))
    assert lines[header].split() == [
        "timezone",
        "rule",
        "send_at_utc",
        "local_time",
        "deferred",
        "reason",
        "recipients",
        "candidates",
    ]
    assert lines[header + 2].split() == [
        "Europe/Warsaw",
        "PL",
        "2026-11-27T17:00:00Z",
        "2026-11-27T18:00:00+01:00",
        "no",
        "-",
        "120",
        "-",
    ]
    assert lines[header + 3].split() == [
        "America/Chicago",
        "US-FL",
        "2026-11-28T13:00:00Z",
        "2026-11-28T07:00:00-06:00",
        "yes",
        "quiet_hours",
        "7",
        "America/Chicago,",
        "America/New_York",
    ]
    assert "2 bucket(s), 127 recipient(s)" in lines
    assert (
        "stats: queued 127, sent 120, deferred 7, failed 0; skipped: opted_out 1, frequency_cap 0, duplicate 0, cancelled 0"
        in lines
    )


def test_campaign_without_audience() -> None:
    text = render.campaign({**CAMPAIGN, "plan": [], "send_at_local": None, "status": "done"})
    assert "plan: no active subscribers on this list, nothing to send" in text
    assert "send at: as soon as each recipient's window allows" in text


def test_contact_proof_shows_every_ledger_field() -> None:
    text = render.contact(CONTACT, generated_at="2026-11-21T10:00:00Z", endpoint="http://127.0.0.1:3000")
    lines = text.splitlines()
    assert lines[:2] == ["Consent record for +48501234567", "generated 2026-11-21T10:00:00Z from http://127.0.0.1:3000"]
    assert "  first name:        Anna" in lines
    assert '  tags:              ["vip"]' in lines
    assert "  #1  2026-11-20T09:00:00Z  REQUESTED → pending  list demo  method web_form  channel sms" in lines
    first = lines.index("  #1  2026-11-20T09:00:00Z  REQUESTED → pending  list demo  method web_form  channel sms")
    assert lines[first + 1 : first + 8] == [
        "      consent version: 2026-11-01",
        '      consent text:    "Tak, chcę otrzymywać SMS-y marketingowe od Demo Shop."',
        "      source:          https://shop.example/signup",
        "      IP address:      203.0.113.7",
        "      user agent:      Mozilla/5.0 (X11; Linux x86_64)",
        "      request id:      req-1",
        "      event id:        e1",
    ]
    second = lines.index("  #2  2026-11-20T09:00:05Z  CONFIRMED → active  list demo  method reply  channel sms")
    assert lines[second + 2] == "      consent text:       -"  # not recorded for a reply: said, not hidden
    assert "      inbound message id: in-1" in lines[second:]
    subscriptions = lines.index("Subscriptions (1)")
    assert lines[subscriptions + 1].split() == [
        "list_id",
        "status",
        "method",
        "source",
        "consent_version",
        "requested_at",
        "confirmed_at",
        "updated_at",
    ]  # revoked_at / pending_expires_at: empty for every subscription, left out
    assert "Ledger (2 event(s), oldest first)" in lines


def test_stats_table_with_totals() -> None:
    lines = render.stats(STATS).splitlines()
    assert lines[0] == "List demo: 2026-11-01 → 2026-11-02"
    assert lines[1].split() == [
        "date",
        "opt-ins",
        "by",
        "method",
        "sources",
        "keywords",
        "requested",
        "confirmed",
        "completion",
        "expired",
        "opt-outs",
    ]
    assert lines[3].split() == [
        "2026-11-01",
        "4",
        "web_form",
        "3,",
        "keyword",
        "1",
        "site",
        "3,",
        "poster",
        "1",
        "DEMO",
        "1",
        "4",
        "3",
        "75.0%",
        "0",
        "0",
    ]
    assert lines[4].split() == ["2026-11-02", "0", "-", "-", "-", "0", "0", "-", "1", "2"]
    assert lines[5].split()[:2] == ["total", "4"]
    assert render.stats({"list_id": "x", "from": "a", "to": "b", "days": [], "totals": {}}).endswith(
        "no activity in this period"
    )


def test_api_error_lines() -> None:
    err = client.ApiError(422, "validation_error", "invalid input", {"phone": "cannot receive SMS"})
    assert render.api_error(err) == "error: HTTP 422 validation_error: invalid input\n  phone: cannot receive SMS"


# --- commands against the fake API ------------------------------------------------------------------------


def test_campaign_create_sends_the_body_and_prints_the_plan(api: FakeApi) -> None:
    api.on("POST", "/v1/admin/campaigns", 201, CAMPAIGN)
    result = run_cli(
        "--endpoint",
        api.url,
        "campaign",
        "create",
        "--list",
        "demo",
        "--name",
        "Black Friday",
        "--text",
        "Hi {first_name|there}, -20% today only!",
        "--at-local",
        "2026-11-27T18:00",
        "--segment-json",
        '{"tags_any": ["vip"], "countries": ["PL"]}',
    )
    assert result.code == 0, result.err
    [req] = api.requests
    assert req.headers["content-type"] == "application/json"
    assert req.json() == {
        "list_id": "demo",
        "name": "Black Friday",
        "text": "Hi {first_name|there}, -20% today only!",
        "send_at_local": "2026-11-27T18:00",
        "segment": {"tags_any": ["vip"], "countries": ["PL"]},
    }
    assert "Europe/Warsaw" in result.out and "2 bucket(s), 127 recipient(s)" in result.out


def test_campaign_at_one_instant(api: FakeApi) -> None:
    api.on("POST", "/v1/admin/campaigns", 201, CAMPAIGN)
    args = ["campaign", "create", "--list", "demo", "--name", "n", "--text", "t", "--at", "2026-11-27T17:00:00Z"]
    assert run_cli("--endpoint", api.url, *args).code == 0
    assert api.requests[0].json()["send_at"] == "2026-11-27T17:00:00Z"


def test_campaign_show_and_cancel(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/campaigns/4f0c2a9e1b7d4c11", body=CAMPAIGN)
    api.on(
        "DELETE",
        "/v1/admin/campaigns/4f0c2a9e1b7d4c11",
        body={**CAMPAIGN, "status": "cancelled", "schedules_deleted": 2},
    )
    shown = run_cli("--endpoint", api.url, "campaign", "show", "4f0c2a9e1b7d4c11")
    assert shown.code == 0 and "status: scheduled" in shown.out
    cancelled = run_cli("--endpoint", api.url, "campaign", "cancel", "4f0c2a9e1b7d4c11")
    assert cancelled.code == 0
    assert "status: cancelled" in cancelled.out and "schedules deleted: 2" in cancelled.out
    assert [r.method for r in api.requests] == ["GET", "DELETE"]


def test_contact_show_encodes_the_phone_and_passes_the_country(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/contacts/501%20234%20567", body=CONTACT)
    result = run_cli("--endpoint", api.url, "contact", "show", "501 234 567", "--country", "PL")
    assert result.code == 0, result.err
    assert api.requests[0].target == "/v1/admin/contacts/501%20234%20567?country=PL"
    assert "IP address:      203.0.113.7" in result.out


def test_contact_json(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/contacts/%2B48501234567", body=CONTACT)
    assert run_cli("--endpoint", api.url, "--json", "contact", "show", "+48501234567").json() == CONTACT


def test_stats_passes_the_range(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/lists/demo/stats", body=STATS)
    result = run_cli("--endpoint", api.url, "stats", "demo", "--from", "2026-11-01", "--to", "2026-11-02")
    assert result.code == 0, result.err
    assert api.requests[0].query == {"from": "2026-11-01", "to": "2026-11-02"}
    assert "75.0%" in result.out
    assert run_cli("--endpoint", api.url, "stats", "demo", "--json").json() == STATS
    assert api.requests[1].query == {}
