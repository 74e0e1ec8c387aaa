"""The answer of ``DELETE /v1/admin/contacts/{phone}`` (ErasureFunction): its own module, so the erasure
function loads no other area's models."""

from __future__ import annotations

from typing import Literal

from ._base import Open


class Erased(Open):
    phone: str
    status: Literal["erased"]
    erased_at: str
    pseudonym: str
    subscriptions_removed: int
    active_subscriptions_removed: int
    ledger_entries_pseudonymised: int
    records_deleted: int
    schedules_deleted: int
