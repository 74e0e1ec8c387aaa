"""Soft opt-in import of existing customers (CSV or JSON lines): idempotent, every rejection explained."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ..adapters.dynamodb.stores import Stores
from ..adapters.dynamodb.table import ConcurrentUpdate
from ..adapters.erasure import suppression_checks
from ..api import admin as api
from ..api.admin import ImportRow
from ..domain.clock import iso
from ..domain.consent import Evidence, Method, Status, grant_single_optin
from ..domain.contacts import Profile
from ..domain.errors import InvalidPhone, MalformedBody, NotFound
from ..domain.json_input import load_json
from ..domain.lists import StoredList
from ..domain.phone import mask_phone, normalize_phone
from ..domain.soft_optin import soft_opt_in

MAX_REJECTIONS_LISTED = 1000
ERASED = "this number was erased at the person's request; it is never re-added by an import"


@dataclass
class ImportReport:
    received: int = 0
    imported: int = 0
    unchanged: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0

    def reject(self, row: int, phone: str, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REJECTIONS_LISTED:
            self.rejections.append({"row": row, "phone": mask_phone(phone) if phone else "", "reason": reason})

    def body(self) -> api.ImportReport:
        return api.ImportReport(**asdict(self))


def parse_rows(data: bytes, content_type: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(row number, fields or None, error) for CSV (header row) or JSON lines; row numbers are 1-based
    data rows, as a spreadsheet user counts them after the header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedBody("the file is not UTF-8") from None
    if content_type in ("text/csv", "application/csv"):
        yield from _csv_rows(text)
        return
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        try:
            value = load_json(line)
        except MalformedBody as exc:  # not JSON, or JSON no later step could handle (too deep, too long)
            yield number, None, exc.message
            continue
        yield (number, value, "") if isinstance(value, dict) else (number, None, "not a JSON object")


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    # newline="" semantics: the csv module wants to see the raw line ends itself.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise MalformedBody(f"the CSV header cannot be read: {exc}", {"body": "malformed CSV"}) from None
    if not header or "phone" not in [f.strip() for f in header]:
        raise MalformedBody(
            "the CSV needs a header row with at least phone and evidence", {"body": "missing phone column"}
        )
    number = 0
    while True:
        number += 1
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # the rest of the file cannot be split into rows reliably: stop here
            yield number, None, f"malformed CSV from here on ({exc}); nothing after this row was read"
            return
        yield number, {(k or "").strip(): v for k, v in raw.items()}, ""


class _Erased(Exception):
    """The number is on the suppression list (its condition failed in the import's transaction)."""


class ImportService:
    def __init__(self, stores: Stores, pseudonyms: Callable[[str], list[str]] | None = None) -> None:
        """``pseudonyms(phone)``: the number's keyed hashes (one per erasure key) to look up on the
        suppression list; ``None`` only where no number was ever erased."""
        self.stores = stores
        self.pseudonyms = pseudonyms or (lambda _phone: [])
        self.welcome: list[dict[str, Any]] = []

    def run(
        self,
        list_id: str,
        rows: Iterable[tuple[int, dict[str, Any] | None, str]],
        now: datetime,
        request_id: str | None,
    ) -> ImportReport:
        stored, _ = self.stores.catalog.get_list(list_id)
        if stored is None:
            raise NotFound(f"list {list_id!r} does not exist", {"list_id": "unknown list"})
        report = ImportReport()
        self.welcome = _import_flows(self.stores, list_id)
        for number, fields, problem in rows:
            report.received += 1
            if fields is None:
                report.reject(number, "", problem)
                continue
            try:
                row = ImportRow.model_validate(fields)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "row"
                report.reject(
                    number, str(fields.get("phone") or ""), f"{where}: {first['msg']}".replace("Value error, ", "")
                )
                continue
            self._one(stored, number, row, now, request_id, report)
        return report

    def _one(
        self,
        stored: StoredList,
        number: int,
        row: ImportRow,
        now: datetime,
        request_id: str | None,
        report: ImportReport,
    ) -> None:
        try:
            phone = normalize_phone(row.phone, row.country or stored.default_country)
        except InvalidPhone as exc:
            report.reject(number, row.phone, exc.message)
            return
        if not stored.may_reach(phone.country):
            report.reject(number, phone.e164, f"this list does not accept numbers from {phone.country}")
            return
        rule = soft_opt_in(phone.country)
        if not rule.allowed:
            report.reject(number, phone.e164, f"soft opt-in is not allowed for {phone.country} ({rule.source})")
            return
        for _attempt in range(3):
            try:
                outcome = self._apply(stored, phone.e164, phone.country, row, now, request_id)
            except ConcurrentUpdate:
                continue
            if outcome == "imported":
                report.imported += 1
            elif outcome == "unchanged":
                report.unchanged += 1
            else:
                report.reject(number, phone.e164, outcome)
            return
        report.reject(number, phone.e164, "the contact changed concurrently; import this row again")

    def _apply(
        self, stored: StoredList, phone: str, country: str, row: ImportRow, now: datetime, request_id: str | None
    ) -> str:
        state = self.stores.consent.load_phone(phone)
        subs = state.subscriptions
        # Never re-add a number that opted out — of this list ever, or of any list now.
        if any(s.status == Status.REVOKED for s in subs.values()) or (
            stored.list_id in subs and subs[stored.list_id].revoked_at
        ):
            return "this number opted out before; it is never re-added by an import"
        sub = subs.get(stored.list_id)
        if sub is not None and sub.status in (Status.ACTIVE, Status.PENDING):
            return "unchanged"  # re-importing the same file changes nothing
        since = row.customer_since.isoformat() if row.customer_since else "unknown date"
        evidence = Evidence(
            method=Method.IMPORT,
            consent_text=f"Existing customer (soft opt-in), customer since {since}",
            source=f"import:{row.evidence}",
            request_id=request_id,
        )
        transition = grant_single_optin(sub, phone, stored.list_id, now, evidence)
        transition.entries[-1].detail = {
            "basis": "existing_customer",
            "evidence": row.evidence,
            "customer_since": since,
        }
        stamp = iso(now)
        previous = state.profile
        profile = (
            previous.model_copy(deep=True)
            if previous
            else Profile(phone=phone, country=country, created_at=stamp, updated_at=stamp)
        )
        profile.updated_at = stamp
        if row.first_name and not profile.first_name:
            profile.first_name = row.first_name
        if row.timezone and not profile.timezone:
            profile.timezone, profile.timezone_source = row.timezone, "import"
        # Erased numbers stay out: the suppression entry must not exist, checked in the same transaction.
        suppressed = suppression_checks(self.stores.table.name, self.pseudonyms(phone), _Erased())
        try:
            self.stores.consent.commit([transition], profile, previous.version if previous else None, guards=suppressed)
        except _Erased:
            return ERASED
        for flow in self.welcome:  # flows that opted in to imports start here, not through the bus
            _enroll(self.stores, flow, phone, now)
        return "imported"


def _import_flows(stores: Stores, list_id: str) -> list[dict[str, Any]]:
    """The list's active welcome flows (``Consent.Confirmed``) that say ``include_imports``: one Query per
    import request. Imports publish no bus event (one per row would cost a PutEvents entry, an invocation
    and a read per row): an imported row enrolls directly, one conditional PutItem per such flow."""
    from ..adapters.dynamodb.flows import FlowStore
    from .flow_engine import definition

    every = FlowStore(stores.table).all_flows()
    return [
        f
        for f in every
        if f.get("list_id") == list_id
        and f.get("status") == "active"
        and f.get("trigger_event") == "Consent.Confirmed"
        and definition(f).trigger.include_imports
    ]


def _enroll(stores: Stores, flow: dict[str, Any], phone: str, now: datetime) -> None:
    """The same enrollment a bus Consent.Confirmed would make (instance "consent": once per number, ever)."""
    import random

    from ..adapters.dynamodb import keys as k
    from ..adapters.dynamodb.flows import FlowStore
    from .flow_engine import enrollment_item

    store = FlowStore(stores.table)
    if store.enroll(enrollment_item(flow, phone, "consent", {"source": "import"}, iso(now))):
        store.add_stats(flow["flow_id"], {"entered": 1}, random.randrange(k.STATS_SHARDS))  # noqa: S311
