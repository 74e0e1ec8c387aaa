"""``smsadmin ls``: follows ``next`` through every page, prints one escaped line per item."""

from __future__ import annotations

import json

from tests.cli.support import FakeApi, Recorded, Reply, run_cli

LISTS = [{"list_id": f"l{n}", "brand": f"Brand {n}", "opt_in": "double"} for n in range(3)]


def _paged(req: Recorded) -> Reply:
    start = int(req.query.get("next", "0"))
    page = LISTS[start : start + 2]
    following = str(start + 2) if start + 2 < len(LISTS) else None
    return 200, {"lists": page, "next": following}


def test_ls_lists_follows_every_page(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/lists", handler=_paged)
    run = run_cli("--endpoint", api.url, "ls", "lists")
    assert run.code == 0, run.err
    assert run.out.splitlines() == [f"l{n}  Brand {n}  (double opt-in)" for n in range(3)]
    assert [r.query.get("next") for r in api.calls("GET")] == [None, "2"]
    assert all(r.query["limit"] == "100" for r in api.calls("GET"))
    as_json = run_cli("--endpoint", api.url, "--json", "ls", "lists")
    assert [item["list_id"] for item in json.loads(as_json.out)] == ["l0", "l1", "l2"]


def test_ls_keywords_passes_the_number_and_escapes_what_it_prints(api: FakeApi) -> None:
    hostile = {"display": "ROSES\x1b[2J", "action": "join", "list_id": "shop", "number": "4301"}
    api.on("GET", "/v1/admin/keywords", 200, {"keywords": [hostile], "next": None})
    run = run_cli("--endpoint", api.url, "ls", "keywords", "--number", "4301")
    assert run.code == 0, run.err
    assert run.out == "ROSES\\x1b[2J  join  shop  on 4301\n"
    assert api.calls("GET")[0].query["number"] == "4301"
