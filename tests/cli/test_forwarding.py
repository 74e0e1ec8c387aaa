"""``smsadmin forwarding``: sets, shows and removes a number's rule (the number's + percent-encoded)."""

from __future__ import annotations

import json

from tests.cli.support import FakeApi, run_cli

RULE = {"number": "+48500000000", "url": "https://crm.example.com/sms", "which": "unmatched", "mask_sender": False}


def test_forwarding_set_show_rm(api: FakeApi) -> None:
    route = "/v1/admin/numbers/%2B48500000000/forwarding"
    api.on("PUT", route, 200, RULE)
    api.on("GET", route, 200, RULE)
    api.on("DELETE", route, 204, None)
    run = run_cli("--endpoint", api.url, "forwarding", "set", "+48500000000", "--url", "https://crm.example.com/sms")
    assert run.code == 0, run.err
    assert json.loads(api.calls("PUT")[0].body) == {"url": "https://crm.example.com/sms", "mask_sender": False}
    assert "unmatched → url https://crm.example.com/sms" in run.out
    assert run_cli("--endpoint", api.url, "forwarding", "show", "+48500000000").code == 0
    removed = run_cli("--endpoint", api.url, "forwarding", "rm", "+48500000000")
    assert removed.code == 0 and "removed" in removed.out
