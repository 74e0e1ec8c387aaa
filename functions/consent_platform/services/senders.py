"""Origination identities (admin): configure an identity's rate, list every identity's effective rate."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..domain.clock import iso
from ..domain.errors import ValidationFailed
from ..domain.throughput import RATE_FACTS, UNKNOWN_RATE, default_rate

if TYPE_CHECKING:
    from ..adapters.dynamodb.pacing import PacingStore
    from ..api.senders import SenderList, SenderView


# An origination identity as lists name it: an E.164 number, a short code, a sender ID, or a phone-number /
# pool id or ARN — printable ASCII only (the path arrives URL-encoded: checked after decoding).
IDENTITY = re.compile(r"[A-Za-z0-9+:/_. -]{1,256}")


def put_rate(store: PacingStore, identity: str, parts_per_second: float, now: datetime) -> tuple[SenderView, bool]:
    """Set the identity's rate (every sender uses it from its next claim); ``True`` when it was new."""
    from ..api.senders import SenderView

    if not IDENTITY.fullmatch(identity):
        raise ValidationFailed(
            "invalid identity",
            {"identity": "a number, short code, sender ID or pool id: letters, digits and + : / _ . - space"},
        )

    created = store.put_rate(identity, parts_per_second, iso(now))
    return SenderView(identity=identity, parts_per_second=parts_per_second, source="configured"), created


def _view(item: dict[str, Any]) -> SenderView:
    from ..api.senders import SenderView

    identity = str(item["origination"])
    if item.get("parts_per_second"):
        return SenderView(identity=identity, parts_per_second=float(item["parts_per_second"]), source="configured")
    fact = default_rate(identity)
    basis = f"{fact.kind} {fact.country}: {fact.source}"
    return SenderView(identity=identity, parts_per_second=fact.parts_per_second, source="default", basis=basis)


def list_rates(store: PacingStore) -> SenderList:
    from ..api.senders import DefaultRate, SenderList

    defaults = [
        DefaultRate(kind=f.kind, country=f.country, parts_per_second=f.parts_per_second, source=f.source)
        for f in RATE_FACTS
    ]
    return SenderList(
        senders=[_view(item) for item in store.identities()],
        defaults=defaults,
        unknown_parts_per_second=UNKNOWN_RATE.parts_per_second,
    )
