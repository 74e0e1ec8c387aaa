"""``smsadmin send``: one transactional SMS (issue #18): ``POST /v1/admin/messages``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import render
from .client import EXIT_OK, path

if TYPE_CHECKING:  # commands imports this module's handlers
    from .commands import Context


def cmd_send(args: argparse.Namespace, ctx: Context) -> int:
    body = {"list_id": args.list_id, "to": args.to, "text": args.text, "idempotency_key": args.key}
    answer = ctx.client.request("POST", path("v1", "admin", "messages"), json_body=body)
    if ctx.as_json:
        ctx.dump(answer.body)
    else:
        again = " (this key was sent already: nothing sent again)" if answer.body.get("repeated") else ""
        ctx.print(render.clean(f"queued {answer.body['message_id']}{again}"))
    return EXIT_OK


def add_commands(sub: Any, command: Callable[..., Any]) -> None:
    p = command(
        sub,
        "send",
        cmd_send,
        "send one transactional SMS (an order or shipping notice)",
        "POST /v1/admin/messages. No marketing consent needed and sent at any hour, but refused for a number\n"
        "that texted STOP or was erased. The same --key is the same message: sent once however often it is run.",
    )
    p.add_argument("--list", dest="list_id", required=True, metavar="LIST_ID", help="brand and sender numbers")
    p.add_argument("--to", required=True, metavar="PHONE", help="the recipient (E.164)")
    p.add_argument("--text", required=True, metavar="TEXT")
    p.add_argument("--key", required=True, metavar="KEY", help="idempotency key, e.g. order-1938-shipped")
