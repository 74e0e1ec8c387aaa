"""``/v1/admin/senders``: an identity's rate is stored and listed; unconfigured ones show their default."""

from __future__ import annotations

import pytest

from tests.integration.conftest import LocalAws


def test_put_sender_sets_its_rate_and_lists_it(aws: LocalAws) -> None:
    created = aws.http("PUT", "/v1/admin/senders/%2B18885550100", {"parts_per_second": 3})
    assert created.status == 201, created.body
    assert created.body == {"identity": "+18885550100", "parts_per_second": 3.0, "source": "configured", "basis": None}
    replaced = aws.http("PUT", "/v1/admin/senders/%2B18885550100", {"parts_per_second": 2.5})
    assert replaced.status == 200, replaced.body
    listing = aws.http("GET", "/v1/admin/senders")
    assert listing.status == 200, listing.body
    mine = [s for s in listing.body["senders"] if s["identity"] == "+18885550100"]
    assert mine == [{"identity": "+18885550100", "parts_per_second": 2.5, "source": "configured", "basis": None}]
    assert listing.body["unknown_parts_per_second"] == 1
    facts = {(d["kind"], d["country"]): d["parts_per_second"] for d in listing.body["defaults"]}
    assert facts == {
        ("short_code", "US"): 100,
        ("short_code", "CA"): 100,
        ("toll_free", "US"): 3,
        ("long_code", "US"): 1,
        ("long_code", "CA"): 1,
        ("long_code", "*"): 10,
    }
    assert all("docs.aws.amazon.com" in d["source"] for d in listing.body["defaults"])


def test_bad_rates_are_refused_with_the_field(aws: LocalAws) -> None:
    for body in ({"parts_per_second": 0}, {"parts_per_second": -1}, {"parts_per_second": "fast"}, {}, {"rate": 3}):
        reply = aws.http("PUT", "/v1/admin/senders/%2B18885550100", body)
        assert reply.status == 422, (body, reply.body)
        assert reply.body["error"]["fields"], reply.body
    listed = {s["identity"] for s in aws.http("GET", "/v1/admin/senders").body["senders"]}
    assert "+18885550100" not in listed


@pytest.mark.parametrize(
    ("identity", "body", "field"),
    [
        ("%C3%97%C3%B8%C2%9B", {"parts_per_second": 3}, "identity"),  # decodes to "×ø" + a C1 control
        ("%2B18885550100", {"parts_per_second": 5e-324}, "parts_per_second"),  # outside DynamoDB's range
        ("%2B18885550100", {"parts_per_second": 0.01}, "parts_per_second"),
    ],
)
def test_hostile_identity_or_rate_is_422_naming_it(aws: LocalAws, identity: str, body: dict, field: str) -> None:
    reply = aws.http("PUT", f"/v1/admin/senders/{identity}", body)
    assert reply.status == 422, reply.body
    assert any(field in name for name in reply.body["error"]["fields"]), reply.body
    assert aws.http("GET", "/v1/admin/senders").status == 200
