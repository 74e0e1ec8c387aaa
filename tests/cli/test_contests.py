"""``smsadmin contests``: lists every page, shows a contest, posts a draw."""

from __future__ import annotations

import json

from tests.cli.support import FakeApi, Recorded, Reply, run_cli

CONTEST = {
    "contest_id": "spring",
    "display": "KONKURS",
    "number": "4301",
    "opens_at": "2030-01-01T10:00:00Z",
    "closes_at": "2030-01-02T10:00:00Z",
    "draw": None,
}


def _paged(req: Recorded) -> Reply:
    if req.query.get("next"):
        return 200, {"contests": [{**CONTEST, "contest_id": "autumn"}], "next": None}
    return 200, {"contests": [CONTEST], "next": "c1"}


def test_contests_ls_follows_next_and_draw_posts_the_request(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/contests", handler=_paged)
    run = run_cli("--endpoint", api.url, "contests", "ls")
    assert run.code == 0, run.err
    assert [line.split()[0] for line in run.out.splitlines()] == ["spring", "autumn"]

    proof = {"drawn_at": "2030-01-02T11:00:00Z", "seed": "s-1", "entries_hash": "ab" * 32}
    drawn = {**CONTEST, "entries": 3, "duplicates": 1, "draw": proof}
    drawn["winners"] = [{"rank": 1, "phone": "+48501234567", "line": "2030-01-01T11:00:00Z|abc"}]
    api.on("POST", "/v1/admin/contests/spring/draw", 200, drawn)
    run = run_cli("--endpoint", api.url, "contests", "draw", "spring", "--winners", "1", "--seed", "s-1")
    assert run.code == 0, run.err
    assert json.loads(api.requests[-1].body) == {"winners": 1, "seed": "s-1"}
    assert "seed s-1" in run.out and "#1  +48501234567" in run.out
