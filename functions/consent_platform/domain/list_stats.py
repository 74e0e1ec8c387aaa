"""Per-list daily statistics, as counters derived from ledger entries when they are written.

Kept as counters (not computed by scanning the ledger) so reading a month of statistics is one Query.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .consent import Action, LedgerEntry, Method

SOURCE_MAX = 200
CLICKS = ("clicks", "unique_clicks")


def counter_increments(entries: list[LedgerEntry]) -> dict[tuple[str, str], Counter[str]]:
    """(list_id, day) → attribute increments for the SMS channel's consent events."""
    out: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for entry in entries:
        if entry.channel != "sms":
            continue
        counts = out[(entry.list_id, entry.at[:10])]
        if entry.action in (Action.REQUESTED, Action.GRANTED):
            counts[f"optin#{entry.method.value}"] += 1
            counts[f"src#{_source(entry)}"] += 1
            keyword = (entry.detail or {}).get("keyword")
            if keyword:
                counts[f"kw#{keyword}"] += 1
            if entry.action == Action.REQUESTED:
                counts["requested"] += 1
        elif entry.action == Action.CONFIRMED:
            counts["confirmations"] += 1
        elif entry.action == Action.REVOKED:
            counts["optouts"] += 1
        elif entry.action == Action.EXPIRED:
            counts["expired"] += 1
    return out


def _source(entry: LedgerEntry) -> str:
    """The statistics source of an opt-in. An import's ledger source names each row's evidence (an order
    id): counting those would add one attribute per imported row to the day's counter item — its write
    cost growing with the import, up to DynamoDB's 400 KB item limit — so imports count as ``import``."""
    if entry.method == Method.IMPORT:
        return Method.IMPORT.value
    return (entry.source or entry.method.value)[:SOURCE_MAX]


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sharded counter items → one entry per day, with the double opt-in completion rate."""
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        day = row["sk"].split("#")[1]
        for key, value in row.items():
            if key not in ("pk", "sk"):
                days[day][key] += int(value)
    return [_day(day, counts) for day, counts in sorted(days.items())]


def totals(days: list[dict[str, Any]]) -> dict[str, Any]:
    total: Counter[str] = Counter()
    for group in ("optins", "sources", "keywords"):
        for day in days:
            for key, value in day[group].items():
                total[f"{group}#{key}"] += value
    for day in days:
        for key in ("requested", "confirmations", "optouts", "expired", *CLICKS):
            total[key] += day[key]
    return {
        "optins": _strip(total, "optins#"),
        "sources": _strip(total, "sources#"),
        "keywords": _strip(total, "keywords#"),
        **{key: total[key] for key in ("requested", "confirmations", "optouts", "expired", *CLICKS)},
        "completion_rate": _rate(total["confirmations"], total["requested"]),
    }


def _day(day: str, counts: Counter[str]) -> dict[str, Any]:
    return {
        "date": day,
        "optins": _strip(counts, "optin#"),
        "sources": _strip(counts, "src#"),
        "keywords": _strip(counts, "kw#"),
        "requested": counts["requested"],
        "confirmations": counts["confirmations"],
        "optouts": counts["optouts"],
        "expired": counts["expired"],
        # Short-link clicks that day by people (the redirect adds them: services/links.py).
        **{key: counts[key] for key in CLICKS},
        # Confirmations that day over double opt-in requests that day: a daily view of completion.
        "completion_rate": _rate(counts["confirmations"], counts["requested"]),
    }


def _strip(counts: Counter[str], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): v for k, v in sorted(counts.items()) if k.startswith(prefix) and v}


def _rate(done: int, asked: int) -> float | None:
    return round(min(done / asked, 1.0), 4) if asked else None
