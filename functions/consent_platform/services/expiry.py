"""The expiry sweep: every pending double opt-in whose confirmation window closed gets its ``expired``
ledger entry, its status and its statistics when the window closes — not only when the number next
texts or signs up (which some never do).

Runs on a schedule. Each run reads the expiry index (one Query per shard), then each subscription again
(strongly consistent: the index lags the table), and writes each lapse in its own conditional
transaction — subscription, ledger entry and the day's ``expired`` counter together, conditional on
the version it read. A confirmation, STOP or new sign-up that lands in between wins: that transaction
fails and the subscription is skipped (the next run sees the index as it is then). Running twice, or
concurrently with the lazy expiry of the inbound and opt-in paths, writes each lapse once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..adapters.repository import ConcurrentUpdate, ConsentRepository
from ..domain.clock import iso
from ..domain.consent import lapse_pending
from ..domain.phone import mask_phone

BATCH = 100  # subscriptions read and expired per round (one BatchGetItem)


@dataclass
class ExpiryReport:
    expired: int = 0
    skipped: int = 0  # changed since the index was read (confirmed, revoked, renewed) or already expired
    more: bool = False  # stopped for time with lapses still due: the next run continues

    def as_dict(self) -> dict[str, Any]:
        return {"expired": self.expired, "skipped": self.skipped, "more": self.more}


def expire_lapsed(
    repo: ConsentRepository,
    now: datetime,
    request_id: str | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
    logger: Any = None,
) -> ExpiryReport:
    """Expire every lapsed pending confirmation, ``BATCH`` at a time, until none is due or time runs out."""
    report = ExpiryReport()
    seen: set[tuple[str, str]] = set()
    while True:
        # The index lags the table by up to a second or so: entries this run already handled can still
        # be listed, hence the margin and the ``seen`` filter.
        listed = repo.lapsed_pending(iso(now), 2 * BATCH)
        due = [key for key in listed if key not in seen][:BATCH]
        if not due:
            report.more = len(listed) == 2 * BATCH  # only entries handled this run: the next run goes on
            return report
        if out_of_time():
            report.more = True
            return report
        seen.update(due)
        current = repo.subscriptions(due)
        report.skipped += len(due) - len(current)  # erased since the index was read
        for sub in current:
            transition = lapse_pending(sub, now, request_id)
            if transition is None:
                report.skipped += 1
                continue
            try:
                repo.commit([transition])
            except ConcurrentUpdate:
                report.skipped += 1
                continue
            report.expired += 1
            if logger is not None:
                logger.debug("confirmation expired", extra={"phone": mask_phone(sub.phone), "list_id": sub.list_id})
