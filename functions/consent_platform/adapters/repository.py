"""TRANSITIONAL compatibility shim — do not use in new code; delete once ``services/inbound.py`` and
``services/keywords.py`` use the stores of ``adapters/dynamodb`` (see ``dynamodb/keys.py`` for the
item types and ``dynamodb/stores.py`` for the stores).

``ConsentRepository`` is :class:`~.dynamodb.stores.Stores` plus the methods those two services still
call, with their old shapes: raw request dicts instead of named operations, and a failed condition
reported as ``ConcurrentUpdate.failed_index`` (its position in the transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .dynamodb.consent_store import PhoneState
from .dynamodb.stores import Stores
from .dynamodb.table import ConcurrentUpdate, Op

if TYPE_CHECKING:
    from ..domain.consent import Transition
    from ..domain.contacts import Profile
    from ..domain.keywords import StoredKeyword
    from ..domain.lists import StoredList

__all__ = ["ConcurrentUpdate", "ConsentRepository", "PhoneState"]


def _raw(ops: Iterable[Op]) -> list[dict[str, Any]]:
    return [op.request for op in ops]


class ConsentRepository(Stores):
    """Transitional: the old one-class API over the stores (inbound.py and keywords.py only)."""

    def load_config(self) -> tuple[dict[str, StoredList], dict[str, StoredKeyword]]:
        return self.catalog.load_config()

    def get_list(self, list_id: str, consent_version: str | None = None) -> tuple[StoredList | None, str | None]:
        return self.catalog.get_list(list_id, consent_version)

    def get_keyword(self, keyword: str) -> tuple[StoredKeyword | None, dict[str, int]]:
        return self.catalog.get_keyword(keyword)

    def put_keyword(self, stored: StoredKeyword) -> None:
        self.catalog.put_keyword(stored)

    def load_phone(self, phone: str) -> PhoneState:
        return self.consent.load_phone(phone)

    def signup_cap_op(self, list_id: str, day: str, maximum: int, ttl: int) -> dict[str, Any]:
        return self.limits.signup_cap(list_id, day, maximum, ttl).request

    def rate_put(self, phone: str, sent: list[str], ttl: int, previous: dict[str, Any] | None) -> dict[str, Any]:
        return self.limits.rate_put(phone, sent, ttl, previous).request

    def keyword_usage_updates(self, keyword: str, day: str) -> list[dict[str, Any]]:
        return _raw(self.catalog.keyword_usage(keyword, day))

    def inbound_marker_put(self, key: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.inbound.marker_put(key, data).request

    def get_inbound_marker(self, key: str) -> dict[str, Any] | None:
        return self.inbound.get_marker(key)

    def inbound_outbox_put(self, phone: str, key: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.inbound.outbox_put(phone, key, data).request

    def get_inbound_outbox(self, phone: str, key: str) -> dict[str, Any] | None:
        return self.inbound.get_outbox(phone, key)

    def commit(
        self,
        transitions: Iterable[Transition],
        profile: Profile | None = None,
        profile_previous_version: int | None = None,
        first: list[dict[str, Any]] | None = None,
        extra: list[dict[str, Any]] | None = None,
        zone_hint: str | None = None,
    ) -> None:
        """``first`` ops head the transaction: a failed condition on one is ``failed_index`` = its position."""
        self.consent.commit(
            transitions,
            profile,
            profile_previous_version,
            guards=[Op(f"first:{i}", op) for i, op in enumerate(first or [])],
            extra=[Op(f"extra:{i}", op) for i, op in enumerate(extra or [])],
            zone_hint=zone_hint,
        )
