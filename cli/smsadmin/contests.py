"""``smsadmin contests``: list, show and draw SMS contests (issue #20)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import render
from .client import EXIT_OK, path

if TYPE_CHECKING:  # commands imports this module's handlers
    from .commands import Context


def cmd_contests_ls(args: argparse.Namespace, ctx: Context) -> int:
    """Every page (the CLI follows ``next``)."""
    query: dict[str, str | None] = {"limit": "100"}
    found: list[Any] = []
    while True:
        body = ctx.client.get(path("v1", "admin", "contests"), query=query).body
        found += body["contests"]
        if not body.get("next"):
            break
        query["next"] = body["next"]
    if ctx.as_json:
        ctx.dump(found)
    else:
        for c in found:
            state = "drawn" if c.get("draw") else f"{c['opens_at']} → {c['closes_at']}"
            ctx.print(render.clean(f"{c['contest_id']}  {c['display']} to {c['number']}  {state}"))
    return EXIT_OK


def _show(body: dict[str, Any], ctx: Context) -> None:
    if ctx.as_json:
        ctx.dump(body)
        return
    head = f"{body['contest_id']}: {body['display']} to {body['number']}, {body['opens_at']} → {body['closes_at']}"
    ctx.print(render.clean(head))
    ctx.print(f"entries {body['entries']}, duplicates {body['duplicates']}")
    proof = body.get("draw")
    if proof:
        ctx.print(
            render.clean(f"drawn {proof['drawn_at']}: seed {proof['seed']}, entries_hash {proof['entries_hash']}")
        )
        for winner in body.get("winners", []):
            ctx.print(render.clean(f"  #{winner['rank']}  {winner['phone']}  {winner['line']}"))


def cmd_contests_show(args: argparse.Namespace, ctx: Context) -> int:
    _show(ctx.client.get(path("v1", "admin", "contests", args.contest_id)).body, ctx)
    return EXIT_OK


def cmd_contests_draw(args: argparse.Namespace, ctx: Context) -> int:
    body: dict[str, Any] = {"winners": args.winners}
    if args.seed:
        body["seed"] = args.seed
    drawn = ctx.client.request("POST", path("v1", "admin", "contests", args.contest_id, "draw"), json_body=body)
    _show(drawn.body, ctx)
    return EXIT_OK


def add_commands(sub: Any, command: Callable[..., Any], positive_int: Callable[[str], Any]) -> None:
    """``contests ls|show|draw`` (``command`` and the argument type come from ``__main__``)."""
    group = command(sub, "contests", None, "SMS contests: list, show, draw", aliases=["contest"])
    group_sub = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    command(group_sub, "ls", cmd_contests_ls, "list the contests", "GET /v1/admin/contests, every page.")
    p = command(group_sub, "show", cmd_contests_show, "a contest, its counts, winners and proof", "GET one contest.")
    p.add_argument("contest_id", metavar="CONTEST_ID")
    p = command(
        group_sub,
        "draw",
        cmd_contests_draw,
        "draw the winners (once, after the close) and text them",
        "POST /v1/admin/contests/{id}/draw. Repeating the same draw answers the same result.",
    )
    p.add_argument("contest_id", metavar="CONTEST_ID")
    p.add_argument("--winners", type=positive_int, required=True, metavar="N")
    p.add_argument("--seed", help="published with the result (default: a random one)")
