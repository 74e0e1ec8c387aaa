"""``smsadmin inbox``: received messages newest first, and an answer to one (issue #20)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import render
from .client import EXIT_OK, path

ArgType = Callable[[str], Any]

if TYPE_CHECKING:  # commands imports this module's handlers
    from .commands import Context


def _line(item: dict[str, Any]) -> str:
    replied = f"  [{item['replies']} repl.]" if item.get("replies") else ""
    head = f"{item['received_at']}  {item['message_id']}  {item['from']} → {item['to']}  {item['handled_as']}"
    # Each part escaped on its own: the body's line breaks print as \\x0a, never as a forged line.
    return f"{render.clean(head + replied)}\n    {render.clean(item['body'])}"


def cmd_inbox_ls(args: argparse.Namespace, ctx: Context) -> int:
    """Follows ``next`` until ``--max`` messages (an inbox can be long: the newest are what one reads)."""
    query: dict[str, str | None] = {
        "number": args.number,
        "from": args.sender,
        "since": args.since,
        "unhandled": "true" if args.unhandled else None,
        "limit": str(min(args.max, 100)),
    }
    items = ctx.client.pages(path("v1", "admin", "inbox"), "items", query, most=args.max)
    if ctx.as_json:
        ctx.dump(items)
    else:
        for item in items:
            ctx.print(_line(item))
    return EXIT_OK


def cmd_inbox_reply(args: argparse.Namespace, ctx: Context) -> int:
    route = path("v1", "admin", "inbox", args.message_id, "reply")
    answer = ctx.client.request("POST", route, json_body={"text": args.text})
    if ctx.as_json:
        ctx.dump(answer.body)
    else:
        again = " (already sent: a repeat changes nothing)" if answer.body.get("repeated") else ""
        ctx.print(render.clean(f"queued {answer.body['reply_message_id']} to {answer.body['to']}{again}"))
    return EXIT_OK


def add_commands(sub: Any, command: Callable[..., Any], instant: ArgType, positive_int: ArgType) -> None:
    """``inbox ls`` and ``inbox reply`` (``command`` and the argument types come from ``__main__``)."""
    box = command(sub, "inbox", None, "received messages, and answers to them")
    box_sub = box.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        box_sub,
        "ls",
        cmd_inbox_ls,
        "received messages, newest first",
        "GET /v1/admin/inbox, following `next` up to --max messages. Give --number, --from or both.",
    )
    p.add_argument("--number", help="the number (or short code) that received them")
    p.add_argument("--from", dest="sender", metavar="PHONE", help="only messages from this number (E.164)")
    p.add_argument("--since", type=instant, metavar="ISO", help="only messages received at or after (with an offset)")
    p.add_argument("--unhandled", action="store_true", help="only messages no rule handled")
    p.add_argument("--max", type=positive_int, default=50, metavar="N", help="at most N messages (default 50)")
    p = command(
        box_sub,
        "reply",
        cmd_inbox_reply,
        "answer a received message from the number that received it",
        "POST /v1/admin/inbox/{message_id}/reply. Sending the same text again is the same answer (sent once).",
    )
    p.add_argument("message_id", metavar="MESSAGE_ID")
    p.add_argument("text", metavar="TEXT")
