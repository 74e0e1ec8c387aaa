"""``smsadmin polls``: list polls, show one with its results, send its question (issue #20)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import render
from .client import EXIT_OK, path

if TYPE_CHECKING:  # commands imports this module's handlers
    from .commands import Context


def _line(item: dict[str, Any]) -> str:
    return f"{item['poll_id']}  {item['status']}  {item['list_id']}  on {item['number']}  closes {item['closes_at']}"


def cmd_polls_ls(args: argparse.Namespace, ctx: Context) -> int:
    """Every page (following ``next``): one line per poll, or one JSON array."""
    items = ctx.client.pages(path("v1", "admin", "polls"), "polls", {"limit": "100"})
    if ctx.as_json:
        ctx.dump(items)
    else:
        for item in items:
            ctx.print(render.clean(_line(item)))
    return EXIT_OK


def show(poll: dict[str, Any]) -> str:
    """The poll and its results, one option a line with its share of the votes."""
    results = poll["results"]
    votes = results["votes"]
    turnout = "-" if results["turnout"] is None else f"{results['turnout']:.0%}"
    lines = [_line(poll), poll["question"]]
    for key, text in poll["options"].items():
        count = results["tallies"].get(key, 0)
        share = f"{count / votes:.0%}" if votes else "-"
        lines.append(f"  {key}) {text}: {count} ({share})")
    lines.append(
        f"votes {votes} of {results['recipients']} recipients (turnout {turnout}); "
        f"later answers {results['later_answers']}, late answers {results['late_answers']}"
    )
    lines += [f"  {day}: {count}" for day, count in results["per_day"].items()]
    return "\n".join(render.clean(line) for line in lines)


def cmd_polls_show(args: argparse.Namespace, ctx: Context) -> int:
    body = ctx.client.get(path("v1", "admin", "polls", args.poll_id)).body
    if ctx.as_json:
        ctx.dump(body)
    else:
        ctx.print(show(body))
    return EXIT_OK


def cmd_polls_send(args: argparse.Namespace, ctx: Context) -> int:
    when = {"send_at_local": args.at_local, "send_at": args.at}
    route = path("v1", "admin", "polls", args.poll_id, "send")
    answer = ctx.client.request("POST", route, json_body={k: v for k, v in when.items() if v})
    if ctx.as_json:
        ctx.dump(answer.body)
    else:
        campaign = answer.body["campaign"]
        ctx.print(render.clean(f"poll {args.poll_id}: campaign {campaign['campaign_id']} {campaign['status']}"))
    return EXIT_OK


def add_commands(sub: Any, command: Callable[..., Any], local_time: Callable[[str], Any], instant: Any) -> None:
    """``polls ls|show|send`` (``command`` and the argument types come from ``__main__``)."""
    polls = command(sub, "polls", None, "SMS polls: list, show results, send the question", aliases=["poll"])
    polls_sub = polls.add_subparsers(dest="action", required=True, metavar="ACTION")
    command(polls_sub, "ls", cmd_polls_ls, "list the polls", "GET /v1/admin/polls, every page (follows `next`).")
    p = command(polls_sub, "show", cmd_polls_show, "a poll and its results", "GET /v1/admin/polls/{poll_id}.")
    p.add_argument("poll_id", metavar="POLL_ID")
    p = command(
        polls_sub,
        "send",
        cmd_polls_send,
        "send the question to the poll's list, as a campaign",
        "POST /v1/admin/polls/{poll_id}/send. Without --at-local or --at, as soon as each recipient's window allows.",
    )
    p.add_argument("poll_id", metavar="POLL_ID")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--at-local", type=local_time, metavar="LOCAL", help="each recipient's wall-clock time")
    when.add_argument("--at", type=instant, metavar="ISO", help="one instant for everyone (with an offset)")
