"""Inbound message markers (effect applied once) and the replies of a message kept for finishing a
crashed first attempt."""

from __future__ import annotations

from typing import Any

from . import keys as k
from .table import Op, Table


class InboundStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get_marker(self, key: str) -> dict[str, Any] | None:
        return self.table.batch_get([k.INBOUND_MARKER.key(key=key)]).get(k.INBOUND_MARKER.pair(key=key))

    def marker_put(self, key: str, data: dict[str, Any], error: Exception | None = None) -> Op:
        """The marker, only if this message was never applied (``error``: what a repeat means)."""
        item = {**k.INBOUND_MARKER.plain(key=key), **data}
        return Op("inbound_marker", self.table.put(item, "attribute_not_exists(pk)"), error)

    def outbox_put(self, phone: str, key: str, data: dict[str, Any]) -> Op:
        return Op("inbound_outbox", self.table.put({**k.INBOUND_OUTBOX.plain(phone=phone, key=key), **data}))

    def get_outbox(self, phone: str, key: str) -> dict[str, Any] | None:
        wanted = k.INBOUND_OUTBOX.key(phone=phone, key=key)
        return self.table.batch_get([wanted]).get(k.INBOUND_OUTBOX.pair(phone=phone, key=key))
