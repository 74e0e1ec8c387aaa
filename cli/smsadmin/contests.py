"""``smsadmin contests``: list, show, draw and verify SMS contests (issue #20).

``verify`` re-runs a draw on this machine: it fetches the proof (``GET …/contests/{id}``) and the entry
lines (``GET …/contests/{id}/entries``, every page) and runs the platform's own ``draw`` (the pure
``consent_platform.domain.contests``, installed with the CLI by the same package) — so the check uses
exactly the published algorithm, and anyone with the lines can do the same with the few lines of Python
in that module's docstring.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import render
from .client import EXIT_OK, CliError, path

if TYPE_CHECKING:  # commands imports this module's handlers
    from .commands import Context

EXIT_MISMATCH = 4  # verify: the lines do not re-run to the published proof
ENTRY_PAGE = "5000"  # the largest page of GET …/entries (about 0.5 MB)


def cmd_contests_ls(args: argparse.Namespace, ctx: Context) -> int:
    """Every page (the CLI follows ``next``)."""
    found = ctx.client.pages(path("v1", "admin", "contests"), "contests", {"limit": "100"})
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


def _entry_lines(ctx: Context, contest_id: str) -> list[str]:
    route = path("v1", "admin", "contests", contest_id, "entries")
    return [str(line) for line in ctx.client.pages(route, "lines", {"limit": ENTRY_PAGE})]


def rerun(proof: dict[str, Any], lines: list[str]) -> list[str]:
    """What differs between the proof and a re-run of the draw on ``lines`` (empty: the proof holds)."""
    from consent_platform.domain.contests import ALGORITHM, Entry, draw

    if proof.get("algorithm") != ALGORITHM:
        return [f"algorithm {proof.get('algorithm')!r}: this CLI re-runs {ALGORITHM!r} only"]
    entries = [Entry(*line.split("|", 1)) for line in lines]
    digest, winners = draw(entries, proof["seed"], proof["winners_requested"])
    problems = []
    if len(lines) != proof["entries"]:
        gone = proof["entries"] - len(lines)
        why = f" ({gone} erased since the draw?)" if gone > 0 else ""
        problems.append(f"{len(lines)} entry lines, the proof counted {proof['entries']}{why}")
    if digest != proof["entries_hash"]:
        problems.append(f"entries_hash {digest} != the proof's {proof['entries_hash']}")
    if [w.line for w in winners] != proof["winners"]:
        problems.append("the re-run draws other winners than the proof")
    return problems


def cmd_contests_verify(args: argparse.Namespace, ctx: Context) -> int:
    """OK (exit 0) when the lines re-run to the proof's hash and winners, else MISMATCH (exit 4)."""
    proof = ctx.client.get(path("v1", "admin", "contests", args.contest_id)).body.get("draw")
    if not proof:
        raise CliError(f"contest {args.contest_id!r} has not been drawn: there is no proof to verify")
    lines = _entry_lines(ctx, args.contest_id)
    problems = rerun(proof, lines)
    result = "MISMATCH" if problems else "OK"
    if ctx.as_json:
        ctx.dump({"result": result, "entries": len(lines), "problems": problems, "proof": proof})
    else:
        ctx.print(render.clean(f"seed {proof['seed']}, {len(lines)} entries, entries_hash {proof['entries_hash']}"))
        for problem in problems:
            ctx.print(render.clean(f"  {problem}"))
        ctx.print(result)
    return EXIT_MISMATCH if problems else EXIT_OK


def add_commands(sub: Any, command: Callable[..., Any], positive_int: Callable[[str], Any]) -> None:
    """``contests ls|show|draw|verify`` (``command`` and the argument type come from ``__main__``)."""
    group = command(sub, "contests", None, "SMS contests: list, show, draw, verify", aliases=["contest"])
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
    p = command(
        group_sub,
        "verify",
        cmd_contests_verify,
        "re-run a draw from its proof and entry lines: OK or MISMATCH",
        "GET /v1/admin/contests/{id} (the proof) and /v1/admin/contests/{id}/entries (every page), then the\n"
        "published draw on this machine. Exit 0 OK, 4 MISMATCH (entries erased since the draw also mismatch).",
    )
    p.add_argument("contest_id", metavar="CONTEST_ID")
