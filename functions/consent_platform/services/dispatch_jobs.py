"""What the dispatcher queues for one page of a bucket's audience: one job per sendable number."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..adapters.dynamodb.stores import Stores
from ..adapters.link_key import load_link_key
from ..adapters.queue import OutboundQueue
from ..domain.campaigns import Segment, render
from ..domain.links import unwrap
from ..domain.messages import (
    CampaignJob,
    OutboundMessage,
    SubscriptionGuard,
    build_message,
    campaign_message_id,
    origination_for,
)
from ..domain.phone import normalize_phone
from ..domain.planner import Bucket
from ..domain.transliteration import fit_gsm7
from .coupons import CouponIssuer
from .experiment_dispatch import Experiment
from .links import LinkMinter

HOURS_PER_DAY = 24


@dataclass(frozen=True, slots=True)
class Batch:
    """The campaign as every page of one bucket needs it, read once per invocation."""

    campaign: dict[str, Any]
    job: CampaignJob
    segment: Segment | None
    links: LinkMinter | None = None  # per-recipient short links (None: the text's links go out as written)
    experiment: Experiment | None = None  # variants and hold-out (None: one text for everyone)

    @classmethod
    def of(cls, campaign: dict[str, Any], bucket_key: str) -> Batch:
        segment = Segment.model_validate(campaign["segment"]) if campaign.get("segment") else None
        links = LinkMinter.for_campaign(campaign, bucket_key, load_link_key)
        experiment = Experiment.of(campaign, load_link_key)
        return cls(campaign, campaign_job(campaign, Bucket.parse(bucket_key)), segment, links, experiment)


def queue_page(stores: Stores, queue: OutboundQueue, batch: Batch, phones: list[str], now: datetime) -> Counter[str]:
    """Queue one page, less the segment's misses and the numbers marked ``undeliverable``.

    The undeliverable skip is here, not in the sender's claim: the dispatcher reads each page's profiles
    anyway (one BatchGetItem per page), so the skip costs no request and no capacity, and nothing is
    queued, claimed or sent for a dead number. A condition on the profile in every claim would turn the
    claim's single 1-WRU UpdateItem into a 4-WRU transaction for every message; a flag copied onto each
    subscription would need every opt-in to rewrite all the number's subscriptions. What this leaves:
    a message queued or deferred before its number was marked still goes out (one, at most, per
    campaign already under way), and the profile read is eventually consistent (a mark made within the
    last second may be missed)."""
    counts: Counter[str] = Counter()
    if not phones:
        return counts
    profiles = stores.consent.profiles(phones)
    chosen = phones
    if batch.segment is not None:
        segment = batch.segment
        chosen = [p for p in phones if segment.matches(profiles.get(p), _country(p, segment.countries), now)]
        counts["skipped_segment"] += len(phones) - len(chosen)
    sendable = [p for p in chosen if not (profiles.get(p) or {}).get("undeliverable")]
    counts["skipped_undeliverable"] += len(chosen) - len(sendable)
    if batch.experiment is not None:  # the hold-out: recorded (one batched write per page), not queued
        sendable, held = batch.experiment.split(sendable)
        batch.experiment.hold(stores, held, now)
        counts["held_out"] += len(held)
    if sendable:
        coupons = CouponIssuer(stores)
        jobs = _jobs(batch, sendable, profiles, now, coupons)
        counts["skipped_coupon_pool_empty"] += len(sendable) - len(jobs)
        coupons.emit()
        if batch.links is not None:  # the page's link records (25 a request) exist before its messages
            batch.links.flush(stores)
        queue.send(jobs)
        counts["queued"] += len(jobs)
    return counts


def _country(phone: str, keyed_by_country: Any) -> str:
    """The number's country, parsed only when ``keyed_by_country`` (a segment's countries, an origination
    map) has a country to look up: the audience's numbers are E.164 already, and a campaign without
    either never loads phonenumbers (~10 ms of the dispatcher's cold start). An origination map with
    only ``default`` gives the same sender for every country ("" finds it as well)."""
    if not keyed_by_country or set(keyed_by_country) <= {"default"}:
        return ""
    return normalize_phone(phone).country


def campaign_job(campaign: dict[str, Any], bucket: Bucket) -> CampaignJob:
    """What every message of this bucket carries for the sender's last-moment checks: the list's
    frequency cap and the jurisdiction's, in that order."""
    caps = []
    if campaign.get("frequency_cap"):
        cap = campaign["frequency_cap"]
        caps.append((int(cap["messages"]), int(cap["days"]) * HOURS_PER_DAY))
    if bucket.rule.cap:
        caps.append(bucket.rule.cap)
    return CampaignJob(campaign_id=campaign["campaign_id"], zones=bucket.zones, rule=bucket.rule.code, caps=caps)


def _jobs(
    batch: Batch, phones: list[str], profiles: dict[str, dict[str, Any]], now: datetime, coupons: CouponIssuer
) -> list[OutboundMessage]:
    campaign = batch.campaign
    out = []
    for phone in phones:
        message_id = campaign_message_id(campaign["campaign_id"], phone)
        variant, source = batch.experiment.text_for(phone) if batch.experiment else (None, campaign["text"])
        codes = coupons.codes_for(source, phone, message_id, now)  # {} without coupons: no request
        if codes is None:
            continue  # the pool is empty: counted skipped.coupon_pool_empty, never sent without its code
        text = batch.links.text_for(phone, now, source, variant) if batch.links else unwrap(source)
        body = render(text, profiles.get(phone), coupons=codes)
        if campaign.get("transliterate"):  # the names filled in here were not in the text the plan priced
            body = fit_gsm7(body)
        message = build_message(
            to=phone,
            body=body,
            kind="marketing",
            now=now,
            list_id=campaign["list_id"],
            origination=origination_for(campaign.get("origination"), _country(phone, campaign.get("origination"))),
            message_id=message_id,
            guard=SubscriptionGuard(phone=phone, list_id=campaign["list_id"], status="active", expect_message=False),
        )
        message.campaign, message.variant = batch.job, variant
        out.append(message)
    return out
