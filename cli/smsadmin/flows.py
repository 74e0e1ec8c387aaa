"""``smsadmin flows``: list the flows and show one with its statistics (issue #20's listings)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import render
from .client import EXIT_OK, path

if TYPE_CHECKING:  # commands imports this module's handlers
    from .commands import Context


def flow_line(item: dict[str, Any]) -> str:
    """One line of ``smsadmin flows ls`` / ``smsadmin ls flows``."""
    return f"{item['flow_id']}  {item['status']}  {item['list_id']}  on {item['trigger_event']}  {item['name']!r}"


def _step_line(number: int, step: dict[str, Any], stats: dict[str, Any]) -> str:
    """``2. send {"text": …}: queued 3, sent 2`` (a step is ``{"wait"|"send"|"if": …}``)."""
    kind = next((k for k in ("wait", "send", "if") if k in step), stats.get("kind", "?"))
    counts = {k: v for k, v in stats.items() if k != "kind" and v}
    shown = ", ".join(f"{k} {render.cell(v)}" for k, v in counts.items()) or "nothing yet"
    return f"  {number}. {kind} {render.cell(step.get(kind))}: {shown}"


def cmd_flows_show(args: argparse.Namespace, ctx: Context) -> int:
    body = ctx.client.get(path("v1", "admin", "flows", args.flow_id)).body
    if ctx.as_json:
        ctx.dump(body)
        return EXIT_OK
    stats = body.get("stats") or {}
    ctx.print(render.clean(f"{body['flow_id']}: {body['name']!r}, list {body['list_id']}, {body['status']}"))
    ctx.print(render.clean(f"trigger {render.cell(body.get('trigger'))}; exits on {body.get('exit_on') or '-'}"))
    totals = ("entered", "completed", "active", "sent", "deferred")
    ctx.print(render.clean(", ".join(f"{name} {stats.get(name, 0)}" for name in totals)))
    if stats.get("exited"):
        ctx.print(render.clean(f"exited {render.cell(stats['exited'])}"))
    step_stats = stats.get("steps") or []
    for number, step in enumerate(body.get("steps") or [], start=1):
        counts = step_stats[number - 1] if number <= len(step_stats) else {}
        ctx.print(render.clean(_step_line(number, step, counts)))
    return EXIT_OK


def add_commands(sub: Any, command: Callable[..., Any], cmd_ls: Callable[..., int]) -> None:
    """``flows ls|show`` (``command`` and the shared listing handler come from ``__main__``)."""
    group = command(sub, "flows", None, "automated flows: list, show", aliases=["flow"])
    group_sub = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(group_sub, "ls", cmd_ls, "list the flows", "GET /v1/admin/flows, every page (= smsadmin ls flows).")
    p.set_defaults(what="flows")
    p = command(
        group_sub, "show", cmd_flows_show, "a flow, its totals and per-step counts", "GET /v1/admin/flows/{id}."
    )
    p.add_argument("flow_id", metavar="FLOW_ID")
