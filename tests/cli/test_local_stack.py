"""smsadmin against the real local stack (``python -m infra.local`` in a subprocess, unsigned localhost)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli.support import cli_main, run_cli
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

CONFIG = """\
lists:
  cli-shop:
    brand: Rose Florist
    opt_in: single
    default_country: US
    allowed_countries: [US, PL]
    frequency: up to 4 msgs/month
    support: help@rose.example
    terms_url: https://rose.example/terms
    privacy_url: https://rose.example/privacy
    consent_text:
      version: 2026-11-01
      text: Yes, send me SMS offers from Rose Florist.
    messages:
      help: "Rose Florist: help at help@rose.example. Up to 4 msgs/month. Reply STOP to opt out."
    origination:
      US: 12345
      default: +48500000000
keywords:
  ROSES:
    number: 4301
    action: join
    list_id: cli-shop
"""
PHONE = "+12015550123"
USER_AGENT = "Mozilla/5.0 (smsadmin e2e)"


def test_apply_is_idempotent(local_stack: LocalStack, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    first = run_cli("--endpoint", local_stack.base_url, "apply", str(config))
    assert first.code == 0, first.err
    assert first.out.splitlines() == [
        "+ list cli-shop (new)",
        "+ keyword ROSES (new)",
        "applied: 2 created, 0 changed, 0 unchanged",
    ]
    assert first.err == ""  # the server stored everything as written: no drift notes
    stored = local_stack.request("GET", "/v1/admin/lists/cli-shop").body
    assert stored["origination"] == {"US": "12345", "default": "+48500000000"}
    assert stored["consent_text"]["version"] == "2026-11-01"
    assert local_stack.request("GET", "/v1/admin/keywords/roses").body["number"] == "4301"

    second = run_cli("--endpoint", local_stack.base_url, "apply", str(config))
    assert second.code == 0, second.err
    assert second.out.splitlines() == [
        "= list cli-shop unchanged",
        "= keyword ROSES unchanged",
        "applied: 0 created, 0 changed, 2 unchanged",
    ]
    # No PUT: the stored items were not rewritten.
    assert local_stack.request("GET", "/v1/admin/lists/cli-shop").body["updated_at"] == stored["updated_at"]

    config.write_text(CONFIG.replace("up to 4 msgs/month", "up to 6 msgs/month"), encoding="utf-8")
    dry = run_cli("--endpoint", local_stack.base_url, "apply", str(config), "--dry-run")
    assert dry.code == 0, dry.err
    assert dry.out.splitlines() == [
        "~ list cli-shop: frequency 'up to 4 msgs/month' → 'up to 6 msgs/month'",
        "= keyword ROSES unchanged",
        "dry run: 0 to create, 1 to change, 1 unchanged; nothing was written",
    ]
    assert local_stack.request("GET", "/v1/admin/lists/cli-shop").body["frequency"] == "up to 4 msgs/month"

    # The same wording under a published version number is refused (409), field by field, exit 1.
    config.write_text(CONFIG.replace("from Rose Florist.", "from Rose Florist!"), encoding="utf-8")
    refused = run_cli("--endpoint", local_stack.base_url, "apply", str(config))
    assert refused.code == 1
    assert "error: HTTP 409 conflict" in refused.err
    assert "apply stopped at list cli-shop; nothing was written" in refused.err


def test_contact_show_prints_the_consent_proof(local_stack: LocalStack) -> None:
    reply = local_stack.json(
        "POST",
        "/v1/optin",
        {"phone": PHONE, "list_id": "demo", "sms_consent": True, "source": "cli-e2e"},
        headers={"user-agent": USER_AGENT},
    )
    assert reply.status == 202, reply.body
    result = run_cli("--endpoint", local_stack.base_url, "contact", "show", PHONE)
    assert result.code == 0, result.err
    demo = local_stack.request("GET", "/v1/admin/lists/demo").body
    text = result.out
    assert text.startswith(f"Consent record for {PHONE}\n")
    assert "REQUESTED → pending  list demo  method api  channel sms" in text  # a JSON post is the API, not a form
    assert f'consent text:    "{demo["consent_text"]["text"]}"' in text
    assert f"consent version: {demo['consent_text']['version']}" in text
    assert "IP address:      127.0.0.1" in text
    assert f"user agent:      {USER_AGENT}" in text
    assert "source:          cli-e2e" in text
    assert "request id:      -" not in text

    as_json = run_cli("--endpoint", local_stack.base_url, "--json", "contact", "show", PHONE).json()
    assert as_json["ledger"][0]["user_agent"] == USER_AGENT

    missing = run_cli("--endpoint", local_stack.base_url, "contact", "show", "+48501999999")
    assert missing.code == 1
    assert "error: HTTP 404 not_found: no such contact" in missing.err
    assert "  phone: unknown number" in missing.err


def test_campaign_create_show_cancel(local_stack: LocalStack) -> None:
    camp_list = {
        "brand": "Camp Shop",
        "opt_in": "single",
        "default_country": "PL",
        "frequency": "up to 4 msgs/month",
        "support": "help@camp.example",
        "allowed_countries": ["PL"],
        "consent_text": {"version": "1", "text": "Yes, Camp Shop offers."},
    }
    assert local_stack.json("PUT", "/v1/admin/lists/cli-camp", camp_list).status == 201
    reply = local_stack.json("POST", "/v1/optin", {"phone": "+48601234567", "list_id": "cli-camp", "sms_consent": True})
    assert reply.body["status"] == "active", reply.body

    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    base = ["--endpoint", local_stack.base_url]
    created = run_cli(
        *base,
        "--json",
        "campaign",
        "create",
        "--list",
        "cli-camp",
        "--name",
        "Spring",
        "--text",
        "Spring sale -10%",
        "--at-local",
        f"{day}T18:00",
    )
    assert created.code == 0, created.err
    campaign = created.json()
    [bucket] = campaign["plan"]
    assert (bucket["timezone"], bucket["rule"], bucket["recipients"]) == ("Europe/Warsaw", "PL", 1)
    assert bucket["local_time"].startswith(f"{day}T18:00:00")

    shown = run_cli(*base, "campaign", "show", campaign["campaign_id"])
    assert shown.code == 0, shown.err
    assert "status: scheduled" in shown.out
    row = next(line for line in shown.out.splitlines() if line.startswith("Europe/Warsaw"))
    assert row.split()[:4] == ["Europe/Warsaw", "PL", bucket["send_at_utc"], bucket["local_time"]]
    assert "stats: queued 0, sent 0" in shown.out

    cancelled = run_cli(*base, "campaign", "cancel", campaign["campaign_id"])
    assert cancelled.code == 0, cancelled.err
    assert "status: cancelled" in cancelled.out
    assert "schedules deleted: 1" in cancelled.out

    again = run_cli(*base, "campaign", "cancel", campaign["campaign_id"])
    assert again.code == 1
    assert "error: HTTP 409 conflict: campaign is cancelled" in again.err

    unknown = run_cli(*base, "campaign", "create", "--list", "nope", "--name", "n", "--text", "t")
    assert unknown.code == 1
    assert "  list_id: unknown list" in unknown.err


def test_python_dash_m_entry_point(local_stack: LocalStack) -> None:
    """`python -m smsadmin` in a fresh process: exit codes reach the shell."""
    package_root = Path(cli_main.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(package_root), "SMSADMIN_ENDPOINT": local_stack.base_url}
    ok = subprocess.run(
        [sys.executable, "-m", "smsadmin", "campaign", "show", "nope"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 1, ok.stderr
    assert "campaign_id: unknown campaign" in ok.stderr
    help_ = subprocess.run(
        [sys.executable, "-m", "smsadmin", "--help"], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert (
        help_.returncode == 0 and "exit codes: 0 ok, 1 API error, 2 usage error, 3 endpoint unreachable" in help_.stdout
    )
