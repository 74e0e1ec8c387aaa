"""Coupon pools: upload codes, read a pool's counts, give each message its code, redeem on purchase.

One code per (pool, message id) for a campaign — the same recipient's message of the same campaign — and
per (pool, enrollment) for a flow: a re-rendered message (a retried page, a re-run sweep) gets the same
code, and every step of one enrollment shows the same code. A message whose pool has no code left is not
sent: it is counted ``skipped.coupon_pool_empty`` and raises the ``CouponPoolEmpty`` metric (an alarm in
template.yaml), since a coupon text without its code would promise what it cannot give.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..adapters.dynamodb.coupons import CouponStore
from ..adapters.dynamodb.stores import Stores
from ..domain.clock import iso
from ..domain.coupons import PoolCounts, check_pool, counts, normalise_code, parse_upload
from ..domain.errors import NotFound
from ..domain.personalise import COUPON_CODE_MAX, coupon_pools

POOL_EMPTY = "coupon_pool_empty"  # the skip's name in campaign and flow statistics
METRIC = "CouponPoolEmpty"


def upload(stores: Stores, pool: str, data: bytes, content_type: str, now: datetime) -> PoolCounts:
    """Add an upload's codes to a pool; codes already stored (here or in another pool) are ignored."""
    pool = check_pool(pool)
    codes = parse_upload(data, content_type)
    distinct = list(dict.fromkeys(codes))
    added = CouponStore(stores.table).add_codes(pool, distinct, iso(now))
    shown = show(stores, pool)
    shown.added, shown.duplicates = added, len(codes) - added
    return shown


def show(stores: Stores, pool: str) -> PoolCounts:
    found = CouponStore(stores.table).pool(check_pool(pool))
    if found is None:
        raise NotFound(f"coupon pool {pool!r} does not exist", {"pool": "no codes were ever uploaded"})
    stats, longest = found
    return counts(pool, stats, longest)


def longest_codes(stores: Stores, text: str) -> dict[str, int | None]:
    """Each pool a text uses → its longest code (None: the pool does not exist). One GetItem per pool."""
    store = CouponStore(stores.table)
    return {pool: store.longest_code(pool) for pool in coupon_pools(text)}


def longest_of(known: dict[str, int | None]) -> Callable[[str], int]:
    """A ``longest_code(pool)`` function for previews (an unknown pool counts COUPON_CODE_MAX)."""
    return lambda pool: known.get(pool) or COUPON_CODE_MAX


def redeem(stores: Stores, code: str | None, phone: str, at: str) -> str | None:
    """A purchase named a coupon code: the pool it redeemed (once), or None."""
    normal = normalise_code(code) if isinstance(code, str) else None
    return CouponStore(stores.table).redeem(normal, phone, at) if normal else None


@dataclass
class CouponIssuer:
    """Gives messages their codes during one invocation; remembers pools found empty (no more reads
    for them in this invocation) and how many messages were skipped for it."""

    stores: Stores
    empty: set[str] = field(default_factory=set)
    skipped: int = 0

    def codes_for(self, text: str, phone: str, key: str, now: datetime) -> dict[str, str] | None:
        """Pool → code for every coupon the text uses; None when one pool is empty (skip the message)."""
        pools = coupon_pools(text)
        if not pools:
            return {}
        store = CouponStore(self.stores.table)
        codes: dict[str, str] = {}
        for pool in pools:
            code = None if pool in self.empty else store.claim(pool, phone, key, iso(now))
            if code is None:
                self.empty.add(pool)
                self.skipped += 1
                return None
            codes[pool] = code
        return codes

    def emit(self) -> None:
        """The invocation's empty-pool skips as one CloudWatch metric (Powertools EMF on stdout)."""
        if self.skipped:
            from aws_lambda_powertools.metrics import MetricUnit, single_metric  # only when there is one

            service = os.environ.get("POWERTOOLS_SERVICE_NAME", "sms-consent")
            with single_metric(name=METRIC, unit=MetricUnit.Count, value=self.skipped, namespace="SmsConsent") as m:
                m.add_dimension(name="service", value=service)
            self.skipped = 0
