"""Short links: minting them for a dispatcher page, and following one (``GET /r/{code}``).

Minting. A campaign created with tracking on carries ``links: {"base", "expiry_days"}`` (services/
campaigns.py). For each page the dispatcher queues, every recipient's tracked URLs get fresh codes; the
records are written (BatchWriteItem, 25 a request) *before* the page's messages are queued, so no message
carries a code that does not exist. A page dispatched twice (a retried chunk) mints new codes: the sender
drops the repeated message (one campaign reaches a number once), and the unused records expire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..adapters.dynamodb.stores import Stores
from ..domain import links
from ..domain.clock import iso
from ..domain.conversions import MAX_CLICK_DAYS

logger = logging.getLogger(__name__)


@dataclass
class LinkMinter:
    """Codes and records for one campaign bucket's pages; ``key``: the link HMAC key (``None``: the
    records carry no recipient hash — the parameter is not configured)."""

    campaign: dict[str, Any]
    bucket: str
    key: bytes | None
    records: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def for_campaign(
        cls, campaign: dict[str, Any], bucket: str, load_key: Callable[[], bytes | None]
    ) -> LinkMinter | None:
        texts = [campaign["text"], *(v["text"] for v in campaign.get("variants") or [])]
        if not campaign.get("links") or not any(links.tracked_urls(text) for text in texts):
            return None
        return cls(campaign, bucket, load_key())

    def text_for(self, phone: str, now: datetime, text: str | None = None, variant: str | None = None) -> str:
        """The campaign text (or the recipient's variant's ``text``) with this recipient's short links
        (placeholders still to fill)."""
        spec, text = self.campaign["links"], self.campaign["text"] if text is None else text
        expires = now + timedelta(days=int(spec["expiry_days"]))
        shorts = []
        for found in links.tracked_urls(text):
            code = links.new_code()
            self.records.append(
                {
                    "code": code,
                    "url": found.url,
                    "campaign_id": self.campaign["campaign_id"],
                    "campaign_name": self.campaign.get("name") or self.campaign["campaign_id"],
                    "list_id": self.campaign["list_id"],
                    "bucket": self.bucket,
                    "variant": variant,  # the recipient's experiment group (None: no experiment)
                    "recipient": links.recipient_hash(self.key, phone) if self.key else None,
                    "created_at": iso(now),
                    "expires_at": iso(expires),
                    "ttl": int(expires.timestamp()),
                }
            )
            shorts.append(links.short_url(spec["base"], code))
        return links.rewrite(text, shorts)

    def flush(self, stores: Stores) -> None:
        """Write the records minted since the last flush (before their messages are queued)."""
        if self.records:
            stores.links.put_links(self.records)
            self.records = []


@dataclass(frozen=True, slots=True)
class Followed:
    """What the redirect answers: the target (``None``: the 404 page) and what was counted."""

    location: str | None
    counted: bool = False
    unique: bool = False
    event: dict[str, Any] | None = None


def follow(stores: Stores, code: str, method: str, user_agent: str | None, now: datetime) -> Followed:
    """Resolve a code; count a person's click (not a HEAD or a preview fetcher's). A malformed code is
    answered without reading anything (enumeration costs us nothing)."""
    if not links.is_code(code):
        return Followed(None)
    epoch = int(now.timestamp())
    if links.is_preview_fetch(method, user_agent):
        link = stores.links.peek(code, epoch)
        return Followed(_target(link) if link else None)
    link = stores.links.click(code, iso(now), epoch)
    if link is None:
        return Followed(None)
    unique = "first_click_at" not in link
    counts = {"clicks": 1, "unique_clicks": int(unique)}
    campaign_counts = dict(counts)
    if link.get("variant"):
        campaign_counts |= {f"variant#{link['variant']}#{name}": n for name, n in counts.items()}
    try:
        stores.links.count_click(link, iso(now)[:10], campaign_counts, counts, _last_click(stores, link, now))
    except Exception:  # the person still reaches the shop; the link item has counted the click
        logger.exception("click counters not written", extra={"campaign_id": link.get("campaign_id")})
    return Followed(_target(link), True, unique, clicked_event(link, code, unique, iso(now)))


def _last_click(stores: Stores, link: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The number's last click, for conversions (a Put joining the counters' transaction); none for a
    link minted without a recipient hash (no link key)."""
    if not link.get("recipient"):
        return None
    fields = {f: link.get(f) for f in ("campaign_id", "list_id", "variant")}
    expires = int((now + timedelta(days=MAX_CLICK_DAYS + 1)).timestamp())
    return stores.conversions.last_click_put(str(link["recipient"]), {**fields, "at": iso(now), "ttl": expires})


def _target(link: dict[str, Any]) -> str:
    return links.with_utm(str(link["url"]), str(link.get("campaign_name") or link["campaign_id"]))


def clicked_event(link: dict[str, Any], code: str, unique: bool, at: str) -> dict[str, Any]:
    """``Message.Clicked``: the recipient only as the keyed hash (conversions match on it later)."""
    fields = ("campaign_id", "list_id", "bucket", "variant", "recipient", "url")
    return {
        "detail_type": "Message.Clicked",
        "detail": {"code": code, "at": at, "unique": unique, **{f: link.get(f) for f in fields}},
    }
