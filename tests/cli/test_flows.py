"""``smsadmin flows``: ``ls`` follows every page (also as ``smsadmin ls flows``), ``show`` prints the
definition with its totals and per-step counts, escaped."""

from __future__ import annotations

from tests.cli.support import FakeApi, Recorded, Reply, run_cli

SUMMARY = {
    "flow_id": "welcome",
    "list_id": "demo",
    "name": "Welcome",
    "status": "active",
    "trigger_event": "Consent.Confirmed",
    "updated_at": "2030-01-01T00:00:00Z",
}


def _paged(req: Recorded) -> Reply:
    if req.query.get("next"):
        return 200, {"flows": [{**SUMMARY, "flow_id": "cart", "trigger_event": "Cart.Abandoned"}], "next": None}
    return 200, {"flows": [SUMMARY], "next": "f1"}


def test_flows_ls_and_ls_flows_follow_every_page(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/flows", handler=_paged)
    for argv in (("flows", "ls"), ("ls", "flows")):
        run = run_cli("--endpoint", api.url, *argv)
        assert run.code == 0, run.err
        assert run.out.splitlines() == [
            "welcome  active  demo  on Consent.Confirmed  'Welcome'",
            "cart  active  demo  on Cart.Abandoned  'Welcome'",
        ]
    assert [r.query.get("next") for r in api.calls("GET")] == [None, "f1", None, "f1"]


def test_flows_show_prints_totals_and_step_counts_escaped(api: FakeApi) -> None:
    view = {
        **SUMMARY,
        "name": "Welcome\x1b[2J",
        "trigger": {"event": "Consent.Confirmed"},
        "exit_on": ["Customer.Purchase"],
        "steps": [{"wait": {"hours": 1}}, {"send": {"text": "Hi {first_name|there}"}}],
        "created_at": "2030-01-01T00:00:00Z",
        "version": 2,
        "stats": {
            "entered": 3,
            "completed": 1,
            "active": 2,
            "sent": 1,
            "exited": {"unsubscribed": 0},
            "steps": [{"kind": "wait", "queued": 0}, {"kind": "send", "queued": 2, "sent": 1}],
        },
    }
    api.on("GET", "/v1/admin/flows/welcome", 200, view)
    run = run_cli("--endpoint", api.url, "flows", "show", "welcome")
    assert run.code == 0, run.err
    assert "\x1b" not in run.out and "\\x1b[2J" in run.out
    assert "entered 3, completed 1, active 2, sent 1, deferred 0" in run.out
    assert '  1. wait {"hours":1}: nothing yet' in run.out
    assert '  2. send {"text":"Hi {first_name|there}"}: queued 2, sent 1' in run.out
    missing = run_cli("--endpoint", api.url, "flows", "show", "nope")
    assert missing.code == 1
