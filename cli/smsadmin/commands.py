"""One function per subcommand: call the API, print the human view (or the raw JSON with --json)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from . import apply, importer, render
from .client import EXIT_API_ERROR, EXIT_OK, Client, path
from .flows import flow_line


@dataclass
class Context:
    client: Client
    as_json: bool
    out: TextIO
    err: TextIO

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def note(self, text: str) -> None:
        print(text, file=self.err)

    def dump(self, payload: Any) -> None:
        print(render.json_text(payload), file=self.out)


def cmd_apply(args: argparse.Namespace, ctx: Context) -> int:
    config = apply.load_config(Path(args.config))

    def echo(lines: list[str]) -> None:
        # With --json the diff still goes to stderr, so a script reads only JSON on stdout.
        for line in lines:
            (ctx.note if ctx.as_json else ctx.print)(line)

    outcome = apply.run(ctx.client, config, dry_run=args.dry_run, echo=echo)
    for item in outcome.items:
        for change in item.drift:
            ctx.note(
                f"note: {item.kind} {item.key}: the server stored {change.field} as {render.show(change.before)}, "
                f"not {render.show(change.after)}; write it that way in the config"
            )
    if ctx.as_json:
        ctx.dump(outcome.as_json())
    counts = outcome.summary()
    if outcome.error is not None and outcome.failed is not None:
        ctx.note(render.api_error(outcome.error))
        written = 0 if args.dry_run else counts["new"] + counts["changed"]
        ctx.note(
            f"apply stopped at {outcome.failed.kind} {outcome.failed.key}; "
            + (f"{written} item(s) before it were written" if written else "nothing was written")
        )
        return EXIT_API_ERROR
    if not ctx.as_json:
        if args.dry_run:
            ctx.print(
                f"dry run: {counts['new']} to create, {counts['changed']} to change, "
                f"{counts['unchanged']} unchanged; nothing was written"
            )
        else:
            ctx.print(f"applied: {counts['new']} created, {counts['changed']} changed, {counts['unchanged']} unchanged")
    return EXIT_OK


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    file = Path(args.file)
    fmt = importer.guess_format(file, args.format)
    header, rows = importer.read_rows(file, fmt)
    outcome = importer.run(ctx.client, args.list, header, rows, fmt, size=args.chunk_size, err=ctx.err)
    if isinstance(outcome, importer.Failure):
        done = outcome.result
        ctx.note(render.api_error(outcome.error))
        ctx.note(
            f"import stopped after {done.rows_sent} of {outcome.total} rows "
            f"(imported {done.imported}, unchanged {done.unchanged}, rejected {done.rejected} so far); "
            "rows already imported are reported as unchanged when the file is sent again"
        )
        if ctx.as_json:
            ctx.dump({**done.as_json(), "error": outcome.error.body})
        return EXIT_API_ERROR
    if ctx.as_json:
        ctx.dump(outcome.as_json())
    else:
        ctx.print(render.import_summary(outcome.as_json(), args.list))
    return EXIT_OK


def cmd_campaign_create(args: argparse.Namespace, ctx: Context) -> int:
    body: dict[str, Any] = {"list_id": args.list, "name": args.name, "text": args.text}
    if args.at_local:
        body["send_at_local"] = args.at_local
    if args.at:
        body["send_at"] = args.at
    if args.segment_json is not None:
        body["segment"] = args.segment_json
    answer = ctx.client.request("POST", path("v1", "admin", "campaigns"), json_body=body)
    _show_campaign(ctx, answer.body)
    return EXIT_OK


def cmd_campaign_show(args: argparse.Namespace, ctx: Context) -> int:
    _show_campaign(ctx, ctx.client.get(path("v1", "admin", "campaigns", args.campaign_id)).body)
    return EXIT_OK


def cmd_campaign_cancel(args: argparse.Namespace, ctx: Context) -> int:
    answer = ctx.client.request("DELETE", path("v1", "admin", "campaigns", args.campaign_id))
    _show_campaign(ctx, answer.body)
    return EXIT_OK


def _show_campaign(ctx: Context, body: Any) -> None:
    if ctx.as_json:
        ctx.dump(body)
    else:
        ctx.print(render.campaign(body))


def cmd_contact_show(args: argparse.Namespace, ctx: Context) -> int:
    answer = ctx.client.get(path("v1", "admin", "contacts", args.phone), query={"country": args.country})
    if ctx.as_json:
        ctx.dump(answer.body)
    else:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        ctx.print(render.contact(answer.body, generated_at=stamp, endpoint=ctx.client.endpoint))
    return EXIT_OK


def _list_line(item: dict[str, Any]) -> str:
    return f"{item['list_id']}  {item['brand']}  ({item['opt_in']} opt-in)"


def _keyword_line(item: dict[str, Any]) -> str:
    where = item.get("number") or "every number"
    return f"{item['display']}  {item['action']}  {item.get('list_id') or '-'}  on {where}"


def _campaign_line(item: dict[str, Any]) -> str:
    when = item.get("send_at_local") or item.get("send_at") or "as soon as allowed"
    return f"{item['campaign_id']}  {item['status']}  {item['list_id']}  {item.get('name') or '-'}  {when}"


# ``smsadmin ls WHAT``: the listing route, the field its page holds, and one line per item.
LISTINGS: dict[str, tuple[str, str, Any]] = {
    "lists": ("lists", "lists", _list_line),
    "keywords": ("keywords", "keywords", _keyword_line),
    "campaigns": ("campaigns", "campaigns", _campaign_line),
    "flows": ("flows", "flows", flow_line),
}
# The filters a listing passes on (``None``: not given), from the command's options.
FILTERS = {"number": "number", "list_id": "list_id", "status": "status"}


def cmd_ls(args: argparse.Namespace, ctx: Context) -> int:
    """Every page of a listing (following ``next``): one line per item, or one JSON array."""
    route, field, line = LISTINGS[args.what]
    query: dict[str, str | None] = {"limit": "100", **{q: getattr(args, a, None) for q, a in FILTERS.items()}}
    items = ctx.client.pages(path("v1", "admin", route), field, query)
    if ctx.as_json:
        ctx.dump(items)
    else:
        for item in items:
            ctx.print(render.clean(line(item)))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, ctx: Context) -> int:
    query = {"from": args.date_from, "to": args.date_to}
    answer = ctx.client.get(path("v1", "admin", "lists", args.list_id, "stats"), query=query)
    if ctx.as_json:
        ctx.dump(answer.body)
    else:
        ctx.print(render.stats(answer.body))
    return EXIT_OK
