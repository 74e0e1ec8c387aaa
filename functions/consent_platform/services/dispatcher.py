"""The dispatcher: a bucket's schedule fired — page through its audience and queue one job each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..adapters.dynamodb.keys import AUDIENCE_SHARDS
from ..adapters.dynamodb.stores import Stores
from ..adapters.queue import OutboundQueue
from ..domain.campaigns import Segment, render
from ..domain.messages import CampaignJob, OutboundMessage, SubscriptionGuard, build_message, origination_for
from ..domain.phone import normalize_phone
from ..domain.planner import Bucket

HOURS_PER_DAY = 24


def campaign_message_id(campaign_id: str, phone: str) -> str:
    """One campaign reaches one number at most once: the sender claims this id (invariant 4).

    Deterministic per (campaign, number), but without the number in it: message ids appear in logs,
    and logs never carry a phone number (invariant 9)."""
    digest = hashlib.sha256(f"{campaign_id}:{phone}".encode()).hexdigest()[:32]
    return f"cmp:{campaign_id}:{digest}"


def dispatch(
    stores: Stores, queue: OutboundQueue, campaign_id: str, bucket_key: str, now: datetime, logger: Any = None
) -> int:
    """Queue the bucket's audience, less the segment's misses and the numbers marked ``undeliverable``.

    The undeliverable skip is here, not in the sender's claim: the dispatcher reads each page's profiles
    anyway (one BatchGetItem per page), so the skip costs no request and no capacity, and nothing is
    queued, claimed or sent for a dead number. A condition on the profile in every claim would turn the
    claim's single 1-WRU UpdateItem into a 4-WRU transaction for every message; a flag copied onto each
    subscription would need every opt-in to rewrite all the number's subscriptions. What this leaves:
    a message queued or deferred before its number was marked still goes out (one, at most, per
    campaign already under way), and the profile read is eventually consistent (a mark made within the
    last second may be missed)."""
    campaign, _ = stores.campaigns.get_campaign(campaign_id)
    if campaign is None or campaign["status"] in ("cancelled", "done"):
        return 0
    if stores.campaigns.bucket_dispatched(campaign_id, bucket_key):
        return 0  # a retried schedule: this bucket went out already
    stores.campaigns.set_campaign_status(campaign_id, "sending", ("scheduled",))
    job = _campaign_job(campaign, Bucket.parse(bucket_key))
    segment = Segment.model_validate(campaign["segment"]) if campaign.get("segment") else None
    queued = skipped = undeliverable = 0
    for phones in _audience_pages(stores, campaign["list_id"], bucket_key):
        profiles = stores.consent.profiles(phones)
        chosen = phones
        if segment is not None:
            chosen = [p for p in phones if segment.matches(profiles.get(p), normalize_phone(p).country, now)]
            skipped += len(phones) - len(chosen)
        sendable = [p for p in chosen if not (profiles.get(p) or {}).get("undeliverable")]
        undeliverable, chosen = undeliverable + len(chosen) - len(sendable), sendable
        if chosen:
            queue.send(_jobs(campaign, job, chosen, profiles, now))
            queued += len(chosen)
    counts = {"queued": queued, "skipped_segment": skipped, "skipped_undeliverable": undeliverable}
    stores.campaigns.finish_bucket(campaign_id, bucket_key, now, {**counts, "buckets_dispatched": 1})
    if logger is not None:
        logger.info("bucket dispatched", extra={"campaign_id": campaign_id, "bucket": bucket_key, "queued": queued})
    return queued


def _campaign_job(campaign: dict[str, Any], bucket: Bucket) -> CampaignJob:
    """What every message of this bucket carries for the sender's last-moment checks: the list's
    frequency cap and the jurisdiction's, in that order."""
    caps = []
    if campaign.get("frequency_cap"):
        cap = campaign["frequency_cap"]
        caps.append((int(cap["messages"]), int(cap["days"]) * HOURS_PER_DAY))
    if bucket.rule.cap:
        caps.append(bucket.rule.cap)
    return CampaignJob(campaign_id=campaign["campaign_id"], zones=bucket.zones, rule=bucket.rule.code, caps=caps)


def _audience_pages(stores: Stores, list_id: str, bucket_key: str) -> Iterator[list[str]]:
    """The bucket's audience, one non-empty page of phone numbers at a time, shard after shard."""
    for shard in range(AUDIENCE_SHARDS):
        start: dict[str, Any] | None = None
        while True:
            phones, start = stores.campaigns.audience_page(list_id, bucket_key, shard, start)
            if phones:
                yield phones
            if not start:
                break


def _jobs(
    campaign: dict[str, Any], job: CampaignJob, phones: list[str], profiles: dict[str, dict[str, Any]], now: datetime
) -> list[OutboundMessage]:
    out = []
    for phone in phones:
        message = build_message(
            to=phone,
            body=render(campaign["text"], profiles.get(phone)),
            kind="marketing",
            now=now,
            list_id=campaign["list_id"],
            origination=origination_for(campaign.get("origination"), normalize_phone(phone).country),
            message_id=campaign_message_id(campaign["campaign_id"], phone),
            guard=SubscriptionGuard(phone=phone, list_id=campaign["list_id"], status="active", expect_message=False),
        )
        message.campaign = job
        out.append(message)
    return out
