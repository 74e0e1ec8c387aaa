"""The expiry sweep: every pending double opt-in whose confirmation window closed gets its ``expired``
ledger entry, its status and its statistics when the window closes — not only when the number next
texts or signs up (which some never do).

Runs on a schedule. Each run pages through the expiry index (each shard from its oldest closed window),
reads each page's subscriptions again (strongly consistent: the index lags the table), and writes each
lapse in its own conditional transaction — subscription, ledger entry and the day's ``expired`` counter
together, conditional on the version it read. A confirmation, STOP or new sign-up that lands in between
wins: that transaction fails and the subscription is skipped. Running twice, or concurrently with the
lazy expiry of the inbound and opt-in paths, writes each lapse once. An item that cannot be read or
written is counted as failed and left for the next run; it never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from ..adapters.dynamodb.consent_store import ConsentStore
from ..adapters.dynamodb.table import ConcurrentUpdate
from ..domain.clock import iso
from ..domain.consent import lapse_pending
from ..domain.phone import mask_phone

BATCH = 100  # subscriptions per index page, read back with one BatchGetItem


@dataclass
class ExpiryReport:
    expired: int = 0
    skipped: int = 0  # changed since the index was read (confirmed, revoked, renewed, erased): nothing due
    failed: int = 0  # unreadable, or a write that failed after botocore's retries: the next run tries again
    more: bool = False  # stopped for time with lapses still due: the next run continues

    def as_dict(self) -> dict[str, Any]:
        return {"expired": self.expired, "skipped": self.skipped, "failed": self.failed, "more": self.more}


def expire_lapsed(
    consent: ConsentStore,
    now: datetime,
    request_id: str | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
    logger: Any = None,
) -> ExpiryReport:
    """Expire every lapsed pending confirmation, a page at a time, until none is due or time runs out.
    One subscription that cannot be expired never stops the others (nor, as the oldest, every run)."""
    report = ExpiryReport()
    for due in consent.lapsed_pending(iso(now), BATCH):
        if out_of_time():
            report.more = True
            return report
        current, unreadable = consent.subscriptions(due)
        report.skipped += len(due) - len(current) - len(unreadable)  # erased since the index was read
        for phone, list_id in unreadable:
            report.failed += 1
            _warn(logger, "subscription unreadable; not expired", phone, list_id)
        for sub in current:
            transition = lapse_pending(sub, now, request_id)
            if transition is None:
                report.skipped += 1
                continue
            try:
                consent.commit([transition])
            except ConcurrentUpdate:
                report.skipped += 1
                continue
            except ClientError as exc:  # e.g. a transaction conflict, or throttling beyond the retries
                report.failed += 1
                _warn(logger, "expiry write failed; the next run retries", sub.phone, sub.list_id, exc)
                continue
            report.expired += 1
            if logger is not None:
                logger.debug("confirmation expired", extra={"phone": mask_phone(sub.phone), "list_id": sub.list_id})
    return report


def _warn(logger: Any, text: str, phone: str, list_id: str, exc: ClientError | None = None) -> None:
    if logger is not None:
        code = exc.response.get("Error", {}).get("Code") if exc is not None else None
        logger.warning(text, extra={"phone": mask_phone(phone), "list_id": list_id, "error": code})
