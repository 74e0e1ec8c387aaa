"""Entry point: ``python -m smsadmin …`` / the ``smsadmin`` script. Parses arguments and maps errors to exit codes.

Exit codes: 0 ok, 1 the API answered with an error (printed field by field), 2 usage error (arguments,
config or data file), 3 the endpoint could not be reached, 4 `contests verify` found a mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TextIO

from . import __version__, commands, contests, coupons, flows, inbox, polls, render, send
from . import forwarding as forwarding_commands  # issue #20
from .client import DEFAULT_ENDPOINT, DEFAULT_TIMEOUT, ApiError, Client, CliError

ENDPOINT_ENV = "SMSADMIN_ENDPOINT"
EXAMPLES = """\
examples:
  smsadmin apply config.yaml --dry-run
  smsadmin import contacts.csv --list demo
  smsadmin campaign create --list demo --name "Black Friday" --text "-20% today" --at-local 2026-11-27T18:00
  smsadmin campaigns ls --list demo --status scheduled
  smsadmin contact show +48501234567
  smsadmin inbox ls --number 4301 --unhandled
  smsadmin contests draw spring --winners 3
  smsadmin polls show wiosna
  smsadmin coupons upload CART10 codes.txt
  smsadmin --endpoint https://abc123.execute-api.eu-west-1.amazonaws.com stats demo --from 2026-11-01
"""


# --- argument types (a bad value is a usage error, exit 2, before anything is sent) ------------------------


def local_time(text: str) -> str:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date-time like 2026-11-27T18:00") from None
    if value.tzinfo is not None:
        raise argparse.ArgumentTypeError("--at-local is each recipient's wall-clock time: leave out the offset")
    return text


def instant(text: str) -> str:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time like 2026-11-27T17:00:00Z") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("--at needs an offset (Z or +01:00); use --at-local for local time")
    return text


def iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None


def json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('expected a JSON object, e.g. \'{"timezone": "Europe/Warsaw"}\'')
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# --- parser ------------------------------------------------------------------------------------------------


def _common() -> argparse.ArgumentParser:
    """Options accepted before *and* after the subcommand (``smsadmin --json contact show …`` and
    ``smsadmin contact show … --json``). SUPPRESS keeps a subparser from overwriting a value given earlier
    with its default; the real defaults are applied in :func:`main`."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection and output")
    group.add_argument(
        "--endpoint",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=f"API base URL (env {ENDPOINT_ENV}; default {DEFAULT_ENDPOINT}, the local stack)",
    )
    group.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        help="region to sign for (default: from an execute-api host name, AWS_REGION or the profile, else us-east-1)",
    )
    signing = group.add_mutually_exclusive_group()
    signing.add_argument(
        "--sign",
        dest="sign",
        action="store_const",
        const=True,
        default=argparse.SUPPRESS,
        help="SigV4-sign requests even to localhost (default: sign only non-local endpoints)",
    )
    signing.add_argument(
        "--no-sign",
        dest="sign",
        action="store_const",
        const=False,
        default=argparse.SUPPRESS,
        help="never sign (an endpoint without IAM auth)",
    )
    group.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the raw JSON answer (for scripts)"
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help=f"per-request timeout (default {DEFAULT_TIMEOUT:g})",
    )
    return common


Handler = Callable[[argparse.Namespace, commands.Context], int]


def _conversation_commands(sub: Any, command: Callable[..., Any]) -> None:
    """Issue #20's areas: the inbox, contests, polls and forwarding (each module adds its own)."""
    inbox.add_commands(sub, command, instant, positive_int)
    contests.add_commands(sub, command, positive_int)
    polls.add_commands(sub, command, local_time, instant)
    forwarding_commands.add_commands(sub, command)
    flows.add_commands(sub, command, commands.cmd_ls)
    send.add_commands(sub, command)  # issue #18: transactional messages
    coupons.add_commands(sub, command)


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="smsadmin",
        description="Admin CLI of the SMS consent platform: the local stack (make run), or a deployed\n"
        "stack with requests SigV4-signed with your AWS credentials.",
        epilog=EXAMPLES + "\nexit codes: 0 ok, 1 API error, 2 usage error, 3 endpoint unreachable",
        formatter_class=fmt,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"smsadmin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        parent: Any, name: str, handler: Handler | None, help_text: str, description: str = "", **extra: Any
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(
            name, help=help_text, description=description or help_text, parents=[common], formatter_class=fmt, **extra
        )
        if handler is not None:
            p.set_defaults(handler=handler)
        return p

    p = command(
        sub,
        "apply",
        commands.cmd_apply,
        "create or update lists and keywords from a YAML file (idempotent)",
        "Lists and keywords as code. CONFIG is YAML:\n\n"
        "  lists:\n    <list_id>: <body of PUT /v1/admin/lists/{list_id}>\n"
        "  keywords:\n    <KEYWORD>: <body of PUT /v1/admin/keywords/{keyword}>\n\n"
        "Each item is compared with what the API has; only the fields the config sets are compared\n"
        "(in `messages` only the templates it gives). Changed and new items are PUT, lists before keywords.\n"
        "Diff lines: `+` new, `~` changed, `=` unchanged.",
    )
    p.add_argument("config", metavar="CONFIG.yaml")
    p.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")

    p = command(
        sub,
        "import",
        commands.cmd_import,
        "import contacts into a list from CSV or JSON lines",
        "Send FILE to POST /v1/admin/lists/{list_id}/import in chunks (the CSV header is repeated in each),\n"
        "with a progress bar on a terminal, then print the summed counts and every rejected row.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--list", required=True, metavar="LIST_ID", help="the list to import into")
    p.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file name (.csv, .jsonl/.ndjson)")
    p.add_argument(
        "--chunk-size", type=positive_int, default=500, metavar="ROWS", help="rows per request (default 500)"
    )

    p = command(
        sub,
        "ls",
        commands.cmd_ls,
        "list the lists, the keywords, the campaigns or the flows",
        "GET /v1/admin/lists, /v1/admin/keywords, /v1/admin/campaigns or /v1/admin/flows, every page\n"
        "(the CLI follows `next`).",
    )
    p.add_argument("what", choices=sorted(commands.LISTINGS))
    p.add_argument("--number", help="keywords: only those answering texts to this number")
    campaign_filters(p)

    _conversation_commands(sub, command)

    campaign = command(sub, "campaign", None, "create, list, show or cancel campaigns", aliases=["campaigns"])
    campaign_sub = campaign.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        campaign_sub,
        "ls",
        commands.cmd_ls,
        "list campaigns, newest first (`smsadmin campaigns ls`)",
        "GET /v1/admin/campaigns, every page (the CLI follows `next`).",
    )
    p.set_defaults(what="campaigns")
    campaign_filters(p)
    p = command(
        campaign_sub,
        "create",
        commands.cmd_campaign_create,
        "schedule a campaign and print its plan",
        "POST /v1/admin/campaigns. Without --at-local or --at each recipient gets it as soon as their\n"
        "window allows. Quiet hours always apply.",
    )
    p.add_argument("--list", required=True, metavar="LIST_ID")
    p.add_argument("--name", required=True)
    p.add_argument("--text", required=True, help="message text; {first_name|fallback} placeholders allowed")
    when = p.add_mutually_exclusive_group()
    when.add_argument(
        "--at-local", type=local_time, metavar="YYYY-MM-DDTHH:MM", help="each recipient's own wall-clock time"
    )
    when.add_argument("--at", type=instant, metavar="ISO", help="one instant for everyone, with an offset")
    p.add_argument(
        "--segment-json", type=json_object, metavar="JSON", help="audience segment, sent as the body's `segment`"
    )
    p = command(campaign_sub, "show", commands.cmd_campaign_show, "plan, status and delivery stats of a campaign")
    p.add_argument("campaign_id", metavar="CAMPAIGN_ID")
    p = command(campaign_sub, "cancel", commands.cmd_campaign_cancel, "cancel what has not been sent yet")
    p.add_argument("campaign_id", metavar="CAMPAIGN_ID")

    contact = command(sub, "contact", None, "proof of consent for a phone number")
    contact_sub = contact.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        contact_sub,
        "show",
        commands.cmd_contact_show,
        "print the consent record: profile, subscriptions and the full ledger",
    )
    p.add_argument("phone", metavar="PHONE", help="any format; E.164 (+48…) or national with --country")
    p.add_argument("--country", metavar="CC", help="country for a national-format number, e.g. PL")

    p = command(sub, "stats", commands.cmd_stats, "per-day opt-in statistics of a list")
    p.add_argument("list_id", metavar="LIST_ID")
    p.add_argument("--from", dest="date_from", type=iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=iso_date, metavar="YYYY-MM-DD")
    return parser


def campaign_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--list", dest="list_id", metavar="LIST_ID", help="campaigns: only this list's")
    p.add_argument(
        "--status", choices=("scheduled", "sending", "done", "cancelled"), help="campaigns: only those in this status"
    )


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2): argparse has printed it already
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        client = Client(
            endpoint=getattr(args, "endpoint", None) or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT,
            region=getattr(args, "region", None),
            sign=getattr(args, "sign", None),
            timeout=getattr(args, "timeout", DEFAULT_TIMEOUT),
        )
        ctx = commands.Context(client, bool(getattr(args, "json", False)), out, err)
        handler: Handler = args.handler
        return handler(args, ctx)
    except ApiError as error:
        print(render.api_error(error), file=err)
        return error.exit_code
    except CliError as error:
        print(f"smsadmin: {error}", file=err)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130


if __name__ == "__main__":
    sys.exit(main())
