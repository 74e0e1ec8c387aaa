"""``smsadmin polls``: lists every page, shows the results (escaped: texts are admin input), sends."""

from __future__ import annotations

import json

from tests.cli.support import FakeApi, Recorded, Reply, run_cli

POLL = {
    "poll_id": "wiosna",
    "list_id": "demo",
    "number": "+48500000000",
    "question": "Które kwiaty?\x1b[2J",
    "options": {"A": "Róże", "B": "Tulipany"},
    "keyword": "ANKIETA",
    "closes_at": "2031-05-16T18:00:00.000000Z",
    "status": "open",
    "campaign_id": "c1",
    "created_at": "2031-05-01T00:00:00.000000Z",
    "updated_at": "2031-05-01T00:00:00.000000Z",
}
RESULTS = {
    "tallies": {"A": 3, "B": 1},
    "votes": 4,
    "later_answers": 1,
    "late_answers": 0,
    "asked_by_keyword": 0,
    "recipients": 8,
    "turnout": 0.5,
    "per_day": {"2031-05-02": 4},
}


def _paged(req: Recorded) -> Reply:
    if req.query.get("next"):
        return 200, {"polls": [{**POLL, "poll_id": "zima"}], "next": None}
    return 200, {"polls": [POLL], "next": "c1"}


def test_polls_ls_show_and_send(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/polls", handler=_paged)
    listed = run_cli("--endpoint", api.url, "polls", "ls")
    assert listed.code == 0, listed.err
    assert [line.split()[0] for line in listed.out.splitlines()] == ["wiosna", "zima"]

    api.on("GET", "/v1/admin/polls/wiosna", 200, {**POLL, "results": RESULTS})
    shown = run_cli("--endpoint", api.url, "polls", "show", "wiosna")
    assert shown.code == 0, shown.err
    assert "A) Róże: 3 (75%)" in shown.out and "turnout 50%" in shown.out and "\x1b" not in shown.out

    api.on(
        "POST",
        "/v1/admin/polls/wiosna/send",
        201,
        {"poll_id": "wiosna", "campaign": {"campaign_id": "c2", "status": "scheduled"}},
    )
    sent = run_cli("--endpoint", api.url, "polls", "send", "wiosna", "--at-local", "2031-05-10T18:00")
    assert sent.code == 0, sent.err
    assert json.loads(api.calls("POST")[0].body) == {"send_at_local": "2031-05-10T18:00"}
    assert "campaign c2 scheduled" in sent.out
