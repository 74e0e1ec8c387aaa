"""``smsadmin forwarding``: where the messages a number receives are forwarded (issue #20)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import render
from .client import EXIT_OK, path

if TYPE_CHECKING:  # commands imports this module's handlers
    from .commands import Context


def _route(number: str) -> str:
    return path("v1", "admin", "numbers", number, "forwarding")


def _show(body: dict[str, Any], ctx: Context) -> None:
    if ctx.as_json:
        ctx.dump(body)
        return
    targets = ", ".join(f"{name} {body[name]}" for name in ("url", "email", "phone") if body.get(name))
    masked = ", sender masked" if body.get("mask_sender") else ""
    ctx.print(render.clean(f"{body['number']}: {body['which']} → {targets}{masked}"))


def cmd_set(args: argparse.Namespace, ctx: Context) -> int:
    rule = {"url": args.url, "email": args.email, "phone": args.phone, "which": args.which}
    body = {key: value for key, value in rule.items() if value is not None} | {"mask_sender": args.mask_sender}
    _show(ctx.client.request("PUT", _route(args.number), json_body=body).body, ctx)
    return EXIT_OK


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    _show(ctx.client.get(_route(args.number)).body, ctx)
    return EXIT_OK


def cmd_rm(args: argparse.Namespace, ctx: Context) -> int:
    ctx.client.request("DELETE", _route(args.number))
    if not ctx.as_json:
        ctx.print(render.clean(f"{args.number}: forwarding removed"))
    return EXIT_OK


def add_commands(sub: Any, command: Callable[..., Any]) -> None:
    """``forwarding set|show|rm NUMBER`` (``command`` comes from ``__main__``)."""
    fwd = command(sub, "forwarding", None, "forward the messages a number receives (URL, e-mail, phone)")
    fwd_sub = fwd.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        fwd_sub,
        "set",
        cmd_set,
        "set a number's forwarding rule",
        "PUT /v1/admin/numbers/{number}/forwarding. Give at least one of --url, --email, --phone.",
    )
    p.add_argument("number", metavar="NUMBER")
    p.add_argument("--url", help="https URL that receives a signed POST (X-Signature, as /v1/inbound/webhook)")
    p.add_argument("--email", help="an e-mail address (Amazon SES)")
    p.add_argument("--phone", help="a mobile number (not one of the platform's own)")
    p.add_argument("--which", choices=("unmatched", "all"), default=None, help="default: unmatched")
    p.add_argument("--mask-sender", action="store_true", help="send the sender as +*******4567")
    for name, handler, text in (("show", cmd_show, "show a number's rule"), ("rm", cmd_rm, "stop forwarding")):
        p = command(fwd_sub, name, handler, text)
        p.add_argument("number", metavar="NUMBER")
