"""An experiment at dispatch (issue 19): each number's group, decided by the keyed hash of campaign and
number (``domain/experiments.py``), so a retried page, a re-dispatched bucket or a redelivered message
puts it in the same group; the hold-out's records, written per page, never queued."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..adapters.dynamodb.stores import Stores
from ..domain.clock import iso
from ..domain.conversions import MAX_VIEW_DAYS
from ..domain.experiments import HOLDOUT, assign, bucket_of

logger = logging.getLogger(__name__)

# A hold-out record lives past the longest view window (a purchase after it is the baseline's) and a
# day's margin for purchases reported late.
HOLDOUT_KEPT = timedelta(days=MAX_VIEW_DAYS + 1)


@dataclass(frozen=True, slots=True)
class Experiment:
    campaign: dict[str, Any]
    key: bytes
    texts: dict[str, str]
    weights: list[tuple[str, int]]
    holdout_percent: int

    @classmethod
    def of(cls, campaign: dict[str, Any], load_key: Callable[[], bytes | None]) -> Experiment | None:
        variants = campaign.get("variants")
        if not variants:
            return None
        key = load_key()
        if key is None:  # still deterministic, only guessable: say so once per page set
            logger.warning("no link key: experiment groups use an unkeyed hash")
        return cls(
            campaign,
            key or b"",
            {str(v["id"]): str(v["text"]) for v in variants},
            [(str(v["id"]), int(v["weight"])) for v in variants],
            int(campaign.get("holdout_percent") or 0),
        )

    def group(self, phone: str) -> str:
        bucket = bucket_of(self.key, str(self.campaign["campaign_id"]), phone)
        return assign(bucket, self.weights, self.holdout_percent)

    def split(self, phones: list[str]) -> tuple[list[str], list[str]]:
        """(numbers to send to, numbers held out)."""
        held = [p for p in phones if self.group(p) == HOLDOUT]
        chosen = set(held)
        return [p for p in phones if p not in chosen], held

    def text_for(self, phone: str) -> tuple[str, str]:
        """The number's variant and its text (never called for a held-out number)."""
        variant = self.group(phone)
        return variant, self.texts[variant]

    def hold(self, stores: Stores, phones: list[str], now: datetime) -> None:
        """Record the held-out numbers under each number (BatchWriteItem, 25 a request): a purchase in
        the view window after it is the hold-out's baseline. A page dispatched again writes the same
        items again (same keys): one record per number and campaign."""
        if not phones:
            return
        expires = int((now + HOLDOUT_KEPT).timestamp())
        campaign_id, list_id = str(self.campaign["campaign_id"]), str(self.campaign["list_id"])
        stores.conversions.hold(
            [
                {"phone": p, "campaign_id": campaign_id, "list_id": list_id, "held_at": iso(now), "ttl": expires}
                for p in phones
            ]
        )
