"""``smsadmin inbox``: lists received messages (escaped: a body is a stranger's text) and answers one."""

from __future__ import annotations

import json

from tests.cli.support import FakeApi, Recorded, Reply, run_cli

ITEM = {
    "message_id": "m-1",
    "from": "+48501234567",
    "to": "4301",
    "body": "Czy macie róże?\n\x1b[2Jrm -rf",
    "received_at": "2030-01-01T10:00:00.000000Z",
    "handled_as": "unmatched",
    "replies": 0,
}


def _paged(req: Recorded) -> Reply:
    if req.query.get("next"):
        return 200, {"items": [{**ITEM, "message_id": "m-0"}], "next": None}
    return 200, {"items": [ITEM], "next": "c1"}


def test_inbox_ls_passes_filters_follows_next_and_escapes_bodies(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/inbox", handler=_paged)
    run = run_cli("--endpoint", api.url, "inbox", "ls", "--number", "4301", "--unhandled")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert len(lines) == 4 and "m-1" in lines[0] and "m-0" in lines[2]
    assert "\x1b" not in run.out and "\\x1b[2J" in lines[1]
    first = api.calls("GET")[0].query
    assert first["number"] == "4301" and first["unhandled"] == "true"
    capped = run_cli("--endpoint", api.url, "--json", "inbox", "ls", "--number", "4301", "--max", "1")
    assert [i["message_id"] for i in json.loads(capped.out)] == ["m-1"]


def test_inbox_reply_posts_the_text(api: FakeApi) -> None:
    answer = {"reply_message_id": "inbox:x", "to": "+48501234567", "repeated": False, "status": "queued"}
    api.on("POST", "/v1/admin/inbox/m-1/reply", 202, answer)
    run = run_cli("--endpoint", api.url, "inbox", "reply", "m-1", "Tak, mamy.")
    assert run.code == 0, run.err
    assert json.loads(api.calls("POST")[0].body) == {"text": "Tak, mamy."}
    assert "queued inbox:x" in run.out
