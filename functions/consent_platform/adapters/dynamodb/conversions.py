"""Experiments' hold-out records and conversions: everything a purchase needs, read by key.

Request budget. Dispatch: one BatchWriteItem per 25 held-out numbers of a page (none when the page has
none). A click: the number's "last click" item is one more Put in the redirect's existing transaction (no
extra request). A purchase: one BatchGetItem (the last click, by the keyed hash), two Queries of the number's
own partition (its sent-message records ``~MSG#``, its hold-out records ``~HOLD#``: ranges of one
partition, never a scan), and, when credited, one TransactWriteItems (the order, conditional on its id
being new, with the campaign's sharded counters).
"""

from __future__ import annotations

import random
from typing import Any

from . import keys as k
from . import pending
from .table import Op, Table, Transaction


class ConversionStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def hold(self, records: list[dict[str, Any]]) -> None:
        """Hold-out records (``phone``, ``campaign_id``, …), 25 to a BatchWriteItem."""
        items = [{**k.HOLDOUT.plain(phone=r["phone"], campaign_id=r["campaign_id"]), **r} for r in records]
        pending.batch_write(self.table.name, pending.put_requests(items))

    def last_click_put(self, recipient: str, click: dict[str, Any]) -> dict[str, Any]:
        """The number's last click (a Put for the redirect's transaction): the latest click wins."""
        return self.table.put({**k.LAST_CLICK.plain(recipient=recipient), **click})

    def last_click(self, recipient: str) -> dict[str, Any] | None:
        # BatchGetItem of one key (the events function reads profiles that way already; no GetItem grant).
        return self.table.batch_get([k.LAST_CLICK.key(recipient=recipient)]).get(k.LAST_CLICK.pair(recipient=recipient))

    def received(self, phone: str) -> list[dict[str, Any]]:
        """The number's sent-message records and hold-out records (two range Queries of its partition)."""
        pk = k.MESSAGE.pk.format(phone=phone)
        found = []
        for kind in (k.MESSAGE, k.HOLDOUT):
            prefix = kind.sk_prefix
            found += list(self.table.query(pk, between=(prefix, prefix[:-1] + "$")))  # "$" sorts after "#"
        return found

    def credit(self, order: dict[str, Any], campaign_id: str, counts: dict[str, int]) -> bool:
        """Record the order as credited and add to the campaign's counters, together and only once per
        ``order_id``. ``False``: the order was credited before (a replay or a redelivery)."""
        put = self.table.put({**k.ORDER.plain(order_id=order["order_id"]), **order}, "attribute_not_exists(pk)")
        shard = random.randrange(k.STATS_SHARDS)  # noqa: S311 - load spreading, not security
        stats = self.table.add_counts(k.CAMPAIGN_STATS.key(campaign_id=campaign_id, shard=shard), counts)
        return not Transaction().add(Op("order", put), Op("stats", stats)).attempt()
