"""``smsadmin coupons``: upload a pool's codes from a file (one per line), show its counts (README "Coupons")."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import render
from .client import EXIT_OK, path

if TYPE_CHECKING:  # commands imports this module's handlers
    from .commands import Context

CHUNK = 5000  # codes per request: the API's limit per upload (domain/coupons.py MAX_CODES)


def _line(body: dict[str, Any]) -> str:
    counts = "  ".join(f"{name} {body[name]}" for name in ("total", "assigned", "redeemed", "available"))
    return render.clean(f"{body['pool']}  {counts}  longest code {body.get('longest_code', 0)}")


def cmd_coupons_upload(args: argparse.Namespace, ctx: Context) -> int:
    """The file's codes, CHUNK a request (a file of any size); added/duplicates summed over the requests."""
    lines = [line for line in Path(args.file).read_text(encoding="utf-8").splitlines() if line.strip()]
    added = duplicates = 0
    body: dict[str, Any] = {}
    for start in range(0, len(lines), CHUNK):
        data = "\n".join(lines[start : start + CHUNK]).encode("utf-8")
        route = path("v1", "admin", "coupons", args.pool)
        body = ctx.client.request("POST", route, data=data, content_type="text/plain").body
        added, duplicates = added + body.get("added", 0), duplicates + body.get("duplicates", 0)
    body = {**body, "added": added, "duplicates": duplicates}
    if ctx.as_json:
        ctx.dump(body)
    else:
        ctx.print(f"added {added}, duplicates {duplicates}")
        ctx.print(_line(body))
    return EXIT_OK


def cmd_coupons_show(args: argparse.Namespace, ctx: Context) -> int:
    body = ctx.client.get(path("v1", "admin", "coupons", args.pool)).body
    if ctx.as_json:
        ctx.dump(body)
    else:
        ctx.print(_line(body))
    return EXIT_OK


def add_commands(sub: Any, command: Callable[..., Any]) -> None:
    """``coupons upload|show`` (``command`` comes from ``__main__``)."""
    coupons = command(sub, "coupons", None, "coupon pools: upload codes, show counts", aliases=["coupon"])
    coupons_sub = coupons.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        coupons_sub,
        "upload",
        cmd_coupons_upload,
        "add codes from a file (one per line) to a pool",
        f"POST /v1/admin/coupons/{{pool}} as text/plain, {CHUNK} codes a request. Duplicates are ignored.",
    )
    p.add_argument("pool", metavar="POOL")
    p.add_argument("file", metavar="FILE")
    p = command(coupons_sub, "show", cmd_coupons_show, "a pool's counts", "GET /v1/admin/coupons/{pool}.")
    p.add_argument("pool", metavar="POOL")
