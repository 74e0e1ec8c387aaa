"""Counters that limit sign-ups and replies: request windows, a list's daily sign-up SMS, the reply
rate of a number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import keys as k
from .table import Op, Table, Transaction

if TYPE_CHECKING:
    from ...domain.pumping import Check


class LimitsStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def signup_cap(self, list_id: str, day: str, maximum: int, ttl: int, error: Exception | None = None) -> Op:
        """+1 on the list's sign-up SMS of the day, only while below ``maximum``; ``error`` is what a
        full day means to the caller (raised by the transaction this joins)."""
        key = k.SIGNUP_CAP.key(list_id=list_id, day=day)
        return Op(f"signup_cap:{list_id}", self.table.bounded_increment(key, maximum, ttl), error)

    def consume_rate_limits(self, checks: list[Check]) -> list[Check]:
        """Count one request against every check, all or nothing, in one ``TransactWriteItems``.

        Returns the checks whose limit was already reached (then nothing was written), else ``[]``.
        """
        from ...domain.pumping import COUNTER_GRACE

        tx = Transaction()
        by_op: dict[str, Check] = {}
        for check in checks:
            seconds = check.limit.window_seconds
            if check.limit.scope == "phone":
                key = k.PHONE_LIMIT.key(phone=check.subject, seconds=seconds, window=check.window)
            else:
                parts = {"scope": check.limit.scope, "subject": check.subject, "seconds": seconds}
                key = k.RATE_LIMIT.key(**parts, window=check.window)
            ttl = int((check.window_end + COUNTER_GRACE).timestamp())
            name = f"rate_limit:{len(by_op)}:{check.limit.scope}:{seconds}"
            by_op[name] = check
            tx.add(Op(name, self.table.bounded_increment(key, check.requests, ttl)))
        return [by_op[failure.name] for failure in tx.attempt()]

    def rate_put(self, phone: str, sent: list[str], ttl: int, previous: dict[str, Any] | None) -> Op:
        """The reply-rate record of a number (last 24 h of replies), conditional on the version read."""
        version = int(previous.get("version", 0)) if previous else None
        data = {**k.RATE.plain(phone=phone), "sent": sent, "ttl": ttl, "version": (version or 0) + 1}
        return Op("reply_rate", self.table.versioned_put(data, version))
