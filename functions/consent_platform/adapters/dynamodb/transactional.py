"""Transactional messages' records: the idempotency key → message id (conditional Put) and the number's
daily counter, written in one transaction with the suppression list's checks (services/transactional.py)."""

from __future__ import annotations

from typing import Any

from . import keys as k
from .table import Op, Table


class TransactionalStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def ops(self, record: dict[str, Any], phone: str, day: str, cap: int, ttl: int) -> list[Op]:
        """Claim the key (only if unused) and count the message in the number's day: all or nothing,
        so a refused or repeated request counts nothing."""
        key = k.TXN_KEY.plain(list_id=record["list_id"], key_hash=record["key_hash"])
        claim = self.table.put({**key, **record, "ttl": ttl}, "attribute_not_exists(pk)")
        claim["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        counter = self.table.bounded_increment(k.TXN_CAP.key(phone=phone, day=day), cap, ttl)
        return [Op("txn_key", claim), Op("txn_cap", counter)]
