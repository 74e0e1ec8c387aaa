"""The campaign plan's send-time estimate and overflow (issue 17), through ``POST /v1/admin/campaigns`` on
moto: the identity is the list's origination for the bucket's country, its rate the configured one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.conftest import DEMO_LIST, Clock, LocalAws

TOLL_FREE = "+18445550199"
NY, PL = "+12125550123", "+48501234567"
SHOP = {
    **DEMO_LIST,
    "opt_in": "single",
    "language": "en",
    "origination": {"US": TOLL_FREE},  # Poland: no identity named, the provider picks one (not paced)
    "max_segments": 10,
}


def test_plan_estimates_send_time_and_overflow_at_the_configured_rate(
    aws: LocalAws, clock: Clock, aws_calls: list[tuple[str, str, dict[str, Any]]]
) -> None:
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    for phone in (NY, PL):
        reply = aws.http("POST", "/v1/optin", {"phone": phone, "list_id": "shop", "sms_consent": True})
        assert reply.body["status"] == "active", reply.body
    assert (
        aws.http("PUT", f"/v1/admin/senders/{TOLL_FREE.replace('+', '%2B')}", {"parts_per_second": 0.1}).status == 201
    )
    day = (clock.now + timedelta(days=2)).date()
    del aws_calls[:]

    # 20:59 in New York: one minute left of the federal window; 7 parts at 0.1 part/s take 70 s.
    text = "Black Friday " + "x" * (6 * 153)  # 7 GSM-7 parts with the footer
    reply = aws.http(
        "POST", "/v1/admin/campaigns", {"list_id": "shop", "name": "BF", "text": text, "send_at_local": f"{day}T20:59"}
    )

    assert reply.status == 201, reply.body
    assert reply.body["preview"]["segments"] == 7
    plan = {item["rule"]: item for item in reply.body["plan"]}
    assert plan["US"]["parts_per_second"] == 0.1
    assert plan["US"]["estimated_send_seconds"] == 70.0
    assert plan["US"]["overflow"] == 1
    assert (plan["PL"]["parts_per_second"], plan["PL"]["estimated_send_seconds"], plan["PL"]["overflow"]) == (
        None,
        None,
        None,
    )
    sender_reads = [p for s, op, p in aws_calls if op == "Query" and '"SENDER"' in str(p).replace("'", '"')]
    assert len(sender_reads) == 1  # the senders' configuration: one read per plan
