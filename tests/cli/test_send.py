"""``smsadmin send``: one transactional SMS, named by its idempotency key."""

from __future__ import annotations

import json

from tests.cli.support import FakeApi, run_cli


def test_send_posts_the_message_and_says_when_it_was_a_repeat(api: FakeApi) -> None:
    api.on("POST", "/v1/admin/messages", 202, {"message_id": "txn:ab", "repeated": True, "status": "queued"})
    args = ["--list", "demo", "--to", "+48501234567", "--text", "Shipped", "--key", "order-1"]
    run = run_cli("--endpoint", api.url, "send", *args)
    assert run.code == 0, run.err
    sent = json.loads(api.calls("POST")[0].body)
    assert sent == {"list_id": "demo", "to": "+48501234567", "text": "Shipped", "idempotency_key": "order-1"}
    assert "queued txn:ab" in run.out and "nothing sent again" in run.out
    assert run_cli("--endpoint", api.url, "send", "--list", "demo", "--to", "+48501234567").code == 2
