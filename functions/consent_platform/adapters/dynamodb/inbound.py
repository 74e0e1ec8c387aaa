"""Inbound message markers (effect applied once) and the replies of a message kept for finishing a
crashed first attempt. Both are keyed by the provider and its message id (``keys.INBOUND_*``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import keys as k
from .table import Op, Table

if TYPE_CHECKING:
    from ...domain.inbound_message import InboundMessage


def _parts(message: InboundMessage) -> dict[str, str]:
    return {"provider": message.provider, "message_id": message.message_id}


class InboundStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def marker_put(self, message: InboundMessage, data: dict[str, Any], error: Exception | None = None) -> Op:
        """The marker, only if this message was never applied (``error``: what a repeat means)."""
        item = {**k.INBOUND_MARKER.plain(**_parts(message)), **data}
        return Op("inbound_marker", self.table.put(item, "attribute_not_exists(pk)"), error)

    def outbox_put(self, phone: str, message: InboundMessage, data: dict[str, Any]) -> Op:
        item = {**k.INBOUND_OUTBOX.plain(phone=phone, **_parts(message)), **data}
        return Op("inbound_outbox", self.table.put(item))

    def get_outbox(self, phone: str, message: InboundMessage) -> dict[str, Any] | None:
        parts = _parts(message)
        wanted = k.INBOUND_OUTBOX.key(phone=phone, **parts)
        return self.table.batch_get([wanted]).get(k.INBOUND_OUTBOX.pair(phone=phone, **parts))
