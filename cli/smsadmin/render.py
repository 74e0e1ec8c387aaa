"""Human views of API answers: plain-text tables and blocks, no colours (they must survive a printer or a log)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

NONE = "-"
SHOW_LIMIT = 80
# Values come from the API, and so from whoever filled in a form or a file: printed raw, an ANSI escape
# would drive the admin's terminal, a CR/LF forge a line in a printed proof of consent, a bidi override
# make it read backwards. C0/C1 controls, DEL, bidi controls and line/paragraph separators are printed
# escaped (\xNN, \uNNNN) instead.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def clean(value: Any) -> str:
    """``str(value)`` safe to print: every unsafe character escaped."""
    return _UNSAFE.sub(_escaped, str(value))


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_text(payload: Any) -> str:
    """``--json`` output: indented JSON whose strings carry no unsafe character raw. JSON escapes C0
    controls itself; C1 controls (CSI is 0x9b), DEL, bidi controls and separators are written as
    ``\\uXXXX`` too — the same JSON value, harmless to a terminal. A raw newline outside a string is
    the indentation, so it is kept."""
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return _UNSAFE.sub(lambda m: m.group() if m.group() == "\n" else f"\\u{ord(m.group()):04x}", text)


def cell(value: Any) -> str:
    if value is None or value in ("", [], {}):
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return clean(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return clean(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, indent: str = "") -> str:
    """Columns padded to their widest cell; numbers right-aligned so they line up by digit."""
    body = [list(row) for row in rows]
    text = [[cell(v) for v in row] for row in body]
    widths = [max([len(h)] + [len(r[i]) for r in text]) for i, h in enumerate(headers)]
    numeric = [
        any(_is_number(r[i]) for r in body) and all(_is_number(r[i]) or r[i] is None for r in body)
        for i in range(len(headers))
    ]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return (indent + "  ".join(parts)).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out += [line(r) for r in text]
    return "\n".join(out)


def show(value: Any, limit: int = SHOW_LIMIT) -> str:
    """A value inside a diff line: quoted strings, compact JSON for the rest, long values cut."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return clean(repr(value if len(value) <= limit - 2 else value[: limit - 3] + "…"))
    text = clean(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def api_error(err: Any) -> str:
    """``error: HTTP 422 validation_error: invalid input`` then one line per field."""
    lines = [clean(line) for line in str(err).splitlines()]
    return "\n".join("error: " + line if i == 0 else line for i, line in enumerate(lines))


def counts(items: Mapping[str, Any] | None) -> str:
    """{"web_form": 2, "keyword": 1} → "web_form 2, keyword 1" (largest first)."""
    if not items:
        return NONE
    ordered = sorted(items.items(), key=lambda kv: (-(kv[1] or 0), kv[0]))
    return ", ".join(f"{clean(name)} {clean(n)}" for name, n in ordered)


def percent(rate: Any) -> str:
    # completion_rate is a fraction (0.0–1.0), or null when there was no double opt-in request to complete.
    return NONE if rate is None else f"{float(rate) * 100:.1f}%"


# --- campaigns -------------------------------------------------------------------------------------------


def campaign(data: Mapping[str, Any]) -> str:
    name, list_id = clean(repr(data.get("name", ""))), clean(data.get("list_id"))
    out = [f"Campaign {clean(data.get('campaign_id'))}  {name}  list {list_id}"]
    out.append(f"status: {clean(data.get('status'))}   created: {cell(data.get('created_at'))}")
    if data.get("send_at_local"):
        out.append(f"send at: {clean(data['send_at_local'])} in each recipient's own time")
    elif data.get("send_at"):
        out.append(f"send at: {clean(data['send_at'])} (one instant for everyone)")
    else:
        out.append("send at: as soon as each recipient's window allows")
    if data.get("segment"):
        out.append(f"segment: {cell(data['segment'])}")
    if data.get("frequency_cap"):
        cap = data["frequency_cap"]
        out.append(f"frequency cap: {clean(cap.get('messages'))} per {clean(cap.get('days'))} days")
    preview = data.get("preview") or {}
    if preview:
        out.append(
            f"preview ({clean(preview.get('encoding'))}, {clean(preview.get('segments'))} segment(s), "
            f"{clean(preview.get('characters'))} characters):"
        )
        out += ["  " + clean(line) for line in str(preview.get("text", "")).splitlines() or [""]]
    plan = list(data.get("plan") or [])
    out.append("")
    if plan:
        out.append(plan_table(plan))
        out.append(f"{len(plan)} bucket(s), {sum(int(i.get('recipients') or 0) for i in plan)} recipient(s)")
    else:
        out.append("plan: no active subscribers on this list, nothing to send")
    if "stats" in data:
        out.append("")
        out.append(stats_line(data["stats"]))
    if "schedules_deleted" in data:
        out.append(f"schedules deleted: {clean(data['schedules_deleted'])}")
    return "\n".join(out)


def plan_table(plan: Sequence[Mapping[str, Any]]) -> str:
    headers = ["timezone", "rule", "send_at_utc", "local_time", "deferred", "reason", "recipients"]
    with_candidates = any(item.get("candidates") for item in plan)
    if with_candidates:
        headers.append("candidates")
    rows = []
    for item in plan:
        row = [item.get(h) for h in headers[:7]]
        if with_candidates:
            # The time lies inside the window of every candidate zone; the first is the one shown.
            row.append(", ".join(str(c) for c in item.get("candidates") or []))
        rows.append(row)
    return table(headers, rows)


def stats_line(stats: Mapping[str, Any]) -> str:
    main = ", ".join(f"{k} {clean(stats.get(k, 0))}" for k in ("queued", "sent", "deferred", "failed"))
    skipped = stats.get("skipped") or {}
    return f"stats: {main}; skipped: " + (", ".join(f"{clean(k)} {clean(v)}" for k, v in skipped.items()) or "0")


# --- contacts (proof of consent) -------------------------------------------------------------------------

PROFILE_FIELDS = (
    ("country", "country"),
    ("first_name", "first name"),
    ("timezone", "time zone"),
    ("timezone_source", "time zone source"),
    ("email", "e-mail"),
    ("email_consent_at", "e-mail consent at"),
    ("created_at", "created"),
    ("updated_at", "updated"),
)
SUBSCRIPTION_COLUMNS = (
    "list_id",
    "status",
    "method",
    "source",
    "consent_version",
    "requested_at",
    "confirmed_at",
    "revoked_at",
    "pending_expires_at",
    "updated_at",
)
# Every ledger field, labelled, in the order a reader of the proof needs them. "-" when absent, so the
# reader sees a field was not recorded rather than wondering whether it was left out of the printout.
LEDGER_FIELDS = (
    ("consent_version", "consent version"),
    ("consent_text", "consent text"),
    ("source", "source"),
    ("ip", "IP address"),
    ("user_agent", "user agent"),
    ("request_id", "request id"),
    ("event_id", "event id"),
)


def contact(data: Mapping[str, Any], *, generated_at: str, endpoint: str) -> str:
    phone = clean(data.get("phone"))
    out = [f"Consent record for {phone}", f"generated {clean(generated_at)} from {clean(endpoint)}", ""]
    profile = data.get("profile")
    out.append("Profile")
    if profile:
        known = {key for key, _ in PROFILE_FIELDS} | {"phone"}
        # Fields this CLI does not know yet (the API grows) are printed too, after the known ones.
        pairs = [(label, profile.get(key)) for key, label in PROFILE_FIELDS]
        pairs += [(key.replace("_", " "), value) for key, value in profile.items() if key not in known]
        out += labelled(pairs, indent="  ")
    else:
        out.append("  (no profile stored)")
    out.append("")
    subscriptions = list(data.get("subscriptions") or [])
    out.append(f"Subscriptions ({len(subscriptions)})")
    if subscriptions:
        # Columns empty for every subscription (e.g. revoked_at while nothing was revoked) only widen the table.
        columns = [
            c for c in SUBSCRIPTION_COLUMNS if c in ("list_id", "status") or any(s.get(c) for s in subscriptions)
        ]
        out.append(table(columns, ([s.get(c) for c in columns] for s in subscriptions), indent="  "))
    out.append("")
    ledger = list(data.get("ledger") or [])
    out.append(f"Ledger ({len(ledger)} event(s), oldest first)")
    for number, entry in enumerate(ledger, 1):
        out.append("")
        out += ledger_entry(number, entry)
    return "\n".join(out)


def ledger_entry(number: int, entry: Mapping[str, Any]) -> list[str]:
    status = f" → {clean(entry['status_after'])}" if entry.get("status_after") else ""
    action, list_id = clean(str(entry.get("action", "")).upper()), clean(entry.get("list_id"))
    head = (
        f"  #{number}  {clean(entry.get('at'))}  {action}{status}  list {list_id}"
        f"  method {clean(entry.get('method'))}  channel {clean(entry.get('channel', 'sms'))}"
    )
    pairs: list[tuple[str, Any]] = []
    for key, label in LEDGER_FIELDS:
        value = entry.get(key)
        # Quoted: the exact wording the person agreed to, with nothing added or trimmed.
        pairs.append((label, f'"{value}"' if key == "consent_text" and value else value))
    pairs += [(key.replace("_", " "), value) for key, value in sorted((entry.get("detail") or {}).items())]
    return [head, *labelled(pairs, indent="      ")]


def labelled(pairs: Sequence[tuple[str, Any]], *, indent: str) -> list[str]:
    """``label: value`` lines with the values aligned."""
    width = max((len(label) for label, _ in pairs), default=0) + 1
    return [f"{indent}{clean(label) + ':':<{width}} {cell(value)}".rstrip() for label, value in pairs]


# --- list statistics ---------------------------------------------------------------------------------


def stats(data: Mapping[str, Any]) -> str:
    head = f"List {clean(data.get('list_id'))}: {cell(data.get('from'))} → {cell(data.get('to'))}"
    headers = [
        "date",
        "opt-ins",
        "by method",
        "sources",
        "keywords",
        "requested",
        "confirmed",
        "completion",
        "expired",
        "opt-outs",
    ]
    rows = [_stats_row(str(day.get("date")), day) for day in data.get("days") or []]
    totals = data.get("totals")
    if totals:
        rows.append(_stats_row("total", totals))
    if not rows:
        return head + "\nno activity in this period"
    return head + "\n" + table(headers, rows)


def _stats_row(label: str, day: Mapping[str, Any]) -> list[Any]:
    optins = day.get("optins") or {}
    total = sum(int(n or 0) for n in optins.values()) if isinstance(optins, dict) else optins
    return [
        label,
        total,
        counts(optins) if isinstance(optins, dict) else NONE,
        counts(day.get("sources")),
        counts(day.get("keywords")),
        day.get("requested"),
        day.get("confirmations", 0),
        percent(day.get("completion_rate")),
        day.get("expired"),
        day.get("optouts", 0),
    ]


# --- imports -------------------------------------------------------------------------------------------


def import_summary(result: Mapping[str, Any], list_id: str) -> str:
    out = [
        f"list {clean(list_id)}: received {clean(result.get('received', 0))}, "
        f"imported {clean(result.get('imported', 0))}, unchanged {clean(result.get('unchanged', 0))}, "
        f"rejected {clean(result.get('rejected', 0))}"
    ]
    rejections = list(result.get("rejections") or [])
    if rejections:
        out.append("")
        out.append("Rejected rows (row = data row in the file, header not counted):")
        out.append(
            table(
                ["row", "phone", "reason"],
                ([r.get("row"), r.get("phone"), r.get("reason")] for r in rejections),
                indent="  ",
            )
        )
    unlisted = int(result.get("rejected") or 0) - len(rejections)
    if unlisted > 0:
        out.append(f"  … and {unlisted} more rejected row(s) the server did not list")
    return "\n".join(out)
