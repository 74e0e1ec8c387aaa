"""A campaign with two variants (each with a tracked link) and a 20 % hold-out, sent to a dozen numbers
on moto: what the experiment, conversion and attack tests start from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from consent_platform.domain import links
from consent_platform.domain.erasure import parse_keys
from consent_platform.domain.experiments import HOLDOUT, assign, bucket_of
from consent_platform.services import campaigns as campaign_service
from infra.local.invoker import Invoker
from tests.integration.conftest import LINK_KEY, PUBLIC_BASE_URL, Clock, LocalAws, sent_sms
from tests.integration.test_audience import UK_LIST
from tests.integration.test_campaigns import fire

NUMBERS = [f"+44740012{n:04d}" for n in range(12)]
SHORT = re.compile(rf"{re.escape(PUBLIC_BASE_URL)}/r/([A-Za-z0-9]{{{links.CODE_LENGTH}}})")
PHONE_UA = {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}
VARIANTS = [
    {"id": "A", "text": "Sale A: https://shop.example/a", "weight": 50},
    {"id": "B", "text": "Sale B: https://shop.example/b", "weight": 50},
]


@dataclass
class Sent:
    campaign_id: str
    group: dict[str, str]  # number → A | B | holdout
    code: dict[str, str]  # number → its short-link code (sent numbers only)
    bodies: dict[str, str]

    def of(self, group: str) -> list[str]:
        return [p for p in NUMBERS if self.group[p] == group]


def campaign_id_with_every_group() -> tuple[str, dict[str, str]]:
    """A fixed campaign id (the test is deterministic) whose assignment has all three groups here."""
    key = parse_keys(LINK_KEY)[0]
    for n in range(100):
        campaign_id = f"exp{n:013d}"
        group = {p: assign(bucket_of(key, campaign_id, p), [("A", 50), ("B", 50)], 20) for p in NUMBERS}
        if {"A", "B", HOLDOUT} <= set(group.values()):
            return campaign_id, group
    raise AssertionError("no campaign id with every group")


def purchase(aws: LocalAws, detail: dict[str, Any]) -> dict[str, Any]:
    event = {"version": "0", "id": "e", "detail-type": "Customer.Purchase", "source": "shop", "detail": detail}
    return Invoker(aws.stack).invoke("AudienceEventsFunction", event)  # type: ignore[no-any-return]


def experiment_stats(aws: LocalAws, campaign_id: str) -> dict[str, Any]:
    return aws.http("GET", f"/v1/admin/campaigns/{campaign_id}").body["stats"]  # type: ignore[no-any-return]


def send_experiment(aws: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Sent:
    campaign_id, group = campaign_id_with_every_group()
    # create_campaign names it uuid4().hex[:16]: this test's campaign gets the id chosen above.
    monkeypatch.setattr(campaign_service, "uuid", SimpleNamespace(uuid4=lambda: SimpleNamespace(hex=campaign_id)))
    assert aws.http("PUT", "/v1/admin/lists/shop", UK_LIST).status == 201
    rows = "".join(f"{phone},order-{n}\n" for n, phone in enumerate(NUMBERS))  # existing customers (soft opt-in)
    imported = aws.http(
        "POST", "/v1/admin/lists/shop/import", raw="phone,evidence\n" + rows, headers={"content-type": "text/csv"}
    )
    assert imported.body["imported"] == len(NUMBERS), imported.body
    before = len(sent_sms())
    body = {"list_id": "shop", "name": "AB", "variants": VARIANTS, "holdout_percent": 20}
    reply = aws.http("POST", "/v1/admin/campaigns", body)
    assert reply.status == 201, reply.body
    assert reply.body["campaign_id"] == campaign_id
    fire(aws, clock, (clock.now + timedelta(days=1, hours=6)).isoformat())
    bodies = {m["to"]: m["body"] for m in sent_sms()[before:]}
    codes = {to: SHORT.search(text).group(1) for to, text in bodies.items()}  # type: ignore[union-attr]
    return Sent(campaign_id, group, codes, bodies)
