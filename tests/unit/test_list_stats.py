"""Daily list statistics derived from ledger entries."""

from __future__ import annotations

from consent_platform.domain.consent import Action, LedgerEntry, Method
from consent_platform.domain.list_stats import counter_increments


def entry(n: int, method: Method, source: str | None) -> LedgerEntry:
    return LedgerEntry(
        event_id=f"e{n}",
        at="2026-11-23T12:00:00Z",
        phone=f"+4474{n:08d}",
        list_id="tea",
        action=Action.GRANTED,
        method=method,
        source=source,
    )


def test_import_rows_count_as_one_source() -> None:
    """Each import row's ledger source names its evidence; the day's counter item must not get one
    attribute per row (its write cost would grow with the import, up to the 400 KB item limit)."""
    entries = [entry(i, Method.IMPORT, f"import:order-{i}") for i in range(500)]
    [counts] = counter_increments(entries).values()
    assert counts == {"optin#import": 500, "src#import": 500}


def test_form_sources_are_counted_by_page() -> None:
    entries = [entry(1, Method.WEB_FORM, "https://shop.example/footer"), entry(2, Method.API, None)]
    [counts] = counter_increments(entries).values()
    assert counts["src#https://shop.example/footer"] == 1 and counts["src#api"] == 1
