"""``smsadmin campaigns ls`` (and ``smsadmin ls campaigns``): every page of ``GET /v1/admin/campaigns``,
with the list and status filters passed on and what it prints escaped."""

from __future__ import annotations

import json

from tests.cli.support import FakeApi, Recorded, Reply, run_cli

CAMPAIGNS = [
    {"campaign_id": f"c{n}", "list_id": "demo", "name": f"BF {n}", "status": "scheduled", "send_at_local": None}
    for n in range(3)
]


def _paged(req: Recorded) -> Reply:
    start = int(req.query.get("next", "0"))
    following = str(start + 2) if start + 2 < len(CAMPAIGNS) else None
    return 200, {"campaigns": CAMPAIGNS[start : start + 2], "next": following}


def test_campaigns_ls_follows_every_page_with_the_filters(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/campaigns", handler=_paged)
    run = run_cli("--endpoint", api.url, "campaigns", "ls", "--list", "demo", "--status", "scheduled")
    assert run.code == 0, run.err
    assert run.out.splitlines() == [f"c{n}  scheduled  demo  BF {n}  as soon as allowed" for n in range(3)]
    calls = api.calls("GET")
    assert [r.query.get("next") for r in calls] == [None, "2"]
    assert all(r.query["list_id"] == "demo" and r.query["status"] == "scheduled" for r in calls)
    as_json = run_cli("--endpoint", api.url, "--json", "ls", "campaigns")
    assert [item["campaign_id"] for item in json.loads(as_json.out)] == ["c0", "c1", "c2"]
    assert "list_id" not in api.calls("GET")[-1].query  # no filter given, none sent


def test_campaigns_ls_escapes_names_and_refuses_an_unknown_status(api: FakeApi) -> None:
    hostile = {**CAMPAIGNS[0], "name": "BF\x1b[2J", "send_at_local": "2036-11-27T18:00"}
    api.on("GET", "/v1/admin/campaigns", 200, {"campaigns": [hostile], "next": None})
    run = run_cli("--endpoint", api.url, "campaign", "ls")
    assert run.code == 0, run.err
    assert run.out == "c0  scheduled  demo  BF\\x1b[2J  2036-11-27T18:00\n"
    assert run_cli("--endpoint", api.url, "campaigns", "ls", "--status", "finished").code == 2
