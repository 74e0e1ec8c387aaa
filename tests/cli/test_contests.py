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


def _drawn_contest(api: FakeApi, lines: list[str], served: list[str]) -> dict:
    """A drawn contest whose proof is the platform's own draw of ``lines``; the API serves ``served``
    as the entry lines, two per page."""
    from consent_platform.domain.contests import Entry, draw

    digest, winners = draw([Entry(*line.split("|")) for line in lines], "public-seed-1", 2)
    proof = {
        "algorithm": "sha256-counter-v1",
        "seed": "public-seed-1",
        "entries_hash": digest,
        "entries": len(lines),
        "winners_requested": 2,
        "winners": [w.line for w in winners],
        "drawn_at": "2030-01-02T11:00:00Z",
        "message": "won",
    }
    api.on("GET", "/v1/admin/contests/spring", 200, {**CONTEST, "draw": proof})

    def pages(req: Recorded) -> Reply:
        start = int(req.query.get("next", "0"))
        rest = served[start + 2 :]
        return 200, {
            "contest_id": "spring",
            "lines": served[start : start + 2],
            "next": str(start + 2) if rest else None,
        }

    api.on("GET", "/v1/admin/contests/spring/entries", handler=pages)
    return proof


LINES = [f"2030-01-01T10:00:0{n}.000000Z|{format(n, 'x') * 64}" for n in range(5)]


def test_contests_verify_reruns_the_draw_from_every_page_of_lines(api: FakeApi) -> None:
    _drawn_contest(api, LINES, LINES)
    run = run_cli("--endpoint", api.url, "contests", "verify", "spring")
    assert run.code == 0, run.err
    assert run.out.splitlines()[-1] == "OK"
    assert len([r for r in api.requests if r.path.endswith("/entries")]) == 3  # followed `next`


def test_contests_verify_reports_a_mismatch_when_a_line_is_missing_or_changed(api: FakeApi) -> None:
    _drawn_contest(api, LINES, LINES[:-1])
    run = run_cli("--endpoint", api.url, "contests", "verify", "spring")
    assert run.code == 4 and run.out.splitlines()[-1] == "MISMATCH"
    assert "4 entry lines, the proof counted 5 (1 erased since the draw?)" in run.out

    changed = [*LINES[:-1], LINES[-1].replace("Z|", "Z|0", 1)[:-1]]
    _drawn_contest(api, LINES, changed)
    run = run_cli("--endpoint", api.url, "--json", "contests", "verify", "spring")
    assert run.code == 4 and run.json()["result"] == "MISMATCH"
    assert any("entries_hash" in p for p in run.json()["problems"])


def test_contests_verify_of_an_undrawn_contest_is_an_error(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/contests/spring", 200, CONTEST)
    run = run_cli("--endpoint", api.url, "contests", "verify", "spring")
    assert run.code == 1 and "has not been drawn" in run.err
