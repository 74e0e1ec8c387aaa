"""Creating, reading and cancelling campaigns; planning them into one schedule per audience bucket."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..adapters.dynamodb.campaigns import listing_prefix
from ..adapters.dynamodb.stores import Stores
from ..adapters.scheduler import Scheduler
from ..api.campaigns import Campaign
from ..domain.campaigns import CampaignRequest
from ..domain.clock import iso
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.lists import (
    LIST_ID_PATTERN,
    StoredList,  # every request reads the list (``catalog.get_list`` builds it); link_spec takes one
)
from ..domain.paging import decode_cursor, encode_cursor, page_size
from ..domain.planner import Bucket, local_time_has_passed_everywhere, plan_bucket
from ..domain.segments import SegmentInfo
from ..domain.send_estimate import annotate_plan
from ..domain.spend import country_of_rule, estimate, price_table, warnings
from . import experiments
from .previews import text_preview

if TYPE_CHECKING:
    from ..api.listings import CampaignPage

# A schedule must lie in the future when it is created; due buckets fire this soon.
MIN_LEAD = timedelta(seconds=60)
STATUSES = ("scheduled", "sending", "done", "cancelled")
STAT_KEYS = ("queued", "sent", "deferred", "failed")
SKIP_KEYS = ("opted_out", "frequency_cap", "duplicate", "cancelled", "segment", "undeliverable", "coupon_pool_empty")
NOT_QUEUED = ("segment", "undeliverable", "coupon_pool_empty")  # skipped by the dispatcher, before queueing
UNDELIVERED = "undelivered_"  # + the failure's reason: a counter per reason


def schedule_name(campaign_id: str, index: int) -> str:
    return f"c-{campaign_id}-{index}"


def link_spec(stored_list: StoredList, request: CampaignRequest, public_base_url: str) -> dict[str, Any] | None:
    """Where this campaign's short links point and how long they live; ``None``: links go out as written
    (tracking off for the list or the campaign, or no base URL to point them at)."""
    tracking = stored_list.link_tracking if request.track_links is None else request.track_links
    base = stored_list.short_domain or public_base_url
    if not tracking or not base:
        return None
    return {"base": base.rstrip("/"), "expiry_days": stored_list.link_expiry_days}


def link_warnings(
    stored_list: StoredList, request: CampaignRequest, text: str, links: dict[str, Any] | None
) -> list[dict[str, str]]:
    """Tracking was asked for (list or campaign) and the text has links, yet there is no base URL."""
    from ..domain.links import tracked_urls

    wanted = stored_list.link_tracking if request.track_links is None else request.track_links
    if links is None and wanted and tracked_urls(text):
        return [{"code": "links_not_tracked", "reason": "no PublicBaseUrl and no short_domain"}]
    return []


def create_campaign(
    stores: Stores,
    scheduler: Scheduler,
    dispatcher_arn: str,
    request: CampaignRequest,
    now: datetime,
    public_base_url: str = "",
) -> Campaign:
    stored_list, _ = stores.catalog.get_list(request.list_id)
    if stored_list is None:
        raise NotFound(f"list {request.list_id!r} does not exist", {"list_id": "unknown list"})
    check_request(request, now)
    texts = experiments.outgoing_texts(stored_list, request)  # one text, or one per variant
    links = link_spec(stored_list, request, public_base_url)
    rendered_texts = experiments.rendered_previews(texts, links["base"] if links else None, stored_list.max_segments)
    _, info = max(rendered_texts.values(), key=lambda pair: pair[1].segments)  # the plan times the longest
    campaign_id = uuid.uuid4().hex[:16]
    plan = [
        plan_bucket(Bucket.parse(key), count, wall=request.send_at_local, at=request.send_at, now=now)
        for key, count in sorted(stores.campaigns.audience_buckets(request.list_id).items())
    ]
    annotate_plan(plan, info.segments, stored_list.origination, configured_rates(stores, stored_list.origination, plan))
    for index, item in enumerate(plan):
        item["schedule"] = schedule_name(campaign_id, index)
        if request.segment is not None:
            item["recipients_upper_bound"] = True  # the segment is applied when the bucket is dispatched
    each = {
        v: preview_of(*rendered_texts[v], experiments.scaled(plan, share))
        for v, share in experiments.shares(request).items()
    }
    shown = _shown(stores, stored_list, request, texts, links, each)
    campaign = {
        "campaign_id": campaign_id,
        "list_id": request.list_id,
        "name": request.name,
        "text": next(iter(texts.values())),  # with variants: the first one's
        "language": stored_list.language,
        "origination": stored_list.origination,
        "frequency_cap": stored_list.frequency_cap.model_dump() if stored_list.frequency_cap else None,
        "send_at_local": request.send_at_local.isoformat(timespec="minutes") if request.send_at_local else None,
        "send_at": iso(request.send_at) if request.send_at else None,
        "segment": request.segment.model_dump(exclude_none=True) if request.segment else None,
        "status": "scheduled" if plan else "done",
        "created_at": iso(now),
        "transliterate": stored_list.transliterate,  # for the per-recipient rendering (names)
        "links": links,  # short links: base and expiry (None: untracked)
        "variants": experiments.stored_variants(request, texts, each),  # None: no experiment
        "holdout_percent": request.holdout_percent,
        "preview": shown,
        "plan": plan,
    }
    stores.campaigns.put_campaign(campaign)
    for item in plan:
        fire_at = max(datetime.fromisoformat(item["send_at_utc"].replace("Z", "+00:00")), now + MIN_LEAD)
        scheduler.schedule_once(
            item["schedule"], fire_at, dispatcher_arn, {"campaign_id": campaign_id, "bucket": item["bucket"]}
        )
    return public(campaign, {})


def _shown(
    stores: Stores,
    stored_list: StoredList,
    request: CampaignRequest,
    texts: dict[str | None, str],
    links: dict[str, Any] | None,
    each: dict[str | None, dict[str, Any]],
) -> dict[str, Any]:
    """The campaign's preview: the variants' combined, link warnings, and personalisation — a sample
    contact and the worst case of any of its texts."""
    shown = experiments.combined(each)
    shown["warnings"] += link_warnings(stored_list, request, "\n".join(texts.values()), links)
    base = links["base"] if links else None
    samples = [text_preview(stores, t, stored_list, base) for t in texts.values()]
    shown.update(max(samples, key=lambda p: int(p["worst_case_segments"])))
    return shown


def check_request(request: CampaignRequest, now: datetime) -> None:
    """What the request alone can be refused for (422): a send time that has passed, text and variants."""
    if request.send_at is not None and request.send_at < now:
        raise ValidationFailed("send_at is in the past", {"send_at": "must be in the future"})
    if request.send_at_local is not None and local_time_has_passed_everywhere(request.send_at_local, now):
        raise ValidationFailed("send_at_local has passed everywhere", {"send_at_local": "must be in the future"})
    experiments.check_shape(request)


def configured_rates(
    stores: Stores, origination: dict[str, str] | None, plan: list[dict[str, Any]]
) -> dict[str, float]:
    """Every configured identity's rate: one Query of the senders' partition per plan, none when the list
    names no identity or the plan has no bucket (the read never depends on the audience's size)."""
    if not origination or not plan:
        return {}
    return {
        str(item["origination"]): float(item["parts_per_second"])
        for item in stores.pacing.identities()
        if item.get("parts_per_second")
    }


def preview_of(rendered: str, info: SegmentInfo, plan: list[dict[str, Any]]) -> dict[str, Any]:
    """The text as sent (placeholders at their fallbacks), its parts, and what it will cost by country."""
    recipients: dict[str, int] = {}
    for item in plan:
        country = country_of_rule(item["rule"])
        recipients[country] = recipients.get(country, 0) + int(item["recipients"])
    costs, total = estimate(info.segments, recipients)
    table = price_table()
    return {
        "text": rendered,
        "encoding": info.encoding,
        "segments": info.segments,
        "characters": info.characters,
        "estimated_cost_usd": costs,
        "estimated_cost_total_usd": total,
        "price_table": {"as_of": table["as_of"], "source": table["source"]},
        "warnings": warnings(rendered, info, [country for country, cost in costs.items() if cost is None]),
    }


def get_campaign(stores: Stores, campaign_id: str) -> Campaign:
    campaign, stats = stores.campaigns.get_campaign(campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id!r} does not exist", {"campaign_id": "unknown campaign"})
    return public(campaign, stats)


def cancel_campaign(stores: Stores, scheduler: Scheduler, campaign_id: str) -> Campaign:
    campaign, stats = stores.campaigns.get_campaign(campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id!r} does not exist", {"campaign_id": "unknown campaign"})
    if not stores.campaigns.set_campaign_status(campaign, "cancelled", ("scheduled", "sending")):
        raise Conflict(f"campaign is {campaign['status']}; only scheduled or sending campaigns can be cancelled")
    deleted = sum(scheduler.delete(item["schedule"]) for item in campaign.get("plan", []))
    campaign["status"] = "cancelled"
    out = public(campaign, stats)
    out.schedules_deleted = deleted
    return out


def public(campaign: dict[str, Any], stats: dict[str, int]) -> Campaign:
    hidden = ("pk", "sk", "origination", "language", "transliterate", "links")
    fields = {k: v for k, v in campaign.items() if k not in hidden}
    counts = {
        **{k: stats.get(k, 0) for k in STAT_KEYS},
        "skipped": {k: stats.get(f"skipped_{k}", 0) for k in SKIP_KEYS},
        **delivery_stats(stats),
        **click_stats(stats),
        **experiments.conversion_stats(stats),
        "experiment": experiments.experiment_of(campaign, stats),
    }
    fields["status"] = status_of(campaign, stats)
    return Campaign.model_validate({**fields, "stats": counts})


def status_of(campaign: dict[str, Any], stats: dict[str, int]) -> str:
    """The stored status, except that a sending campaign whose buckets are all dispatched and whose queued
    jobs all settled (sent, failed or skipped; a deferred job settles when it is finally sent or skipped)
    is done. ("done" is derived, not written by every sender; segment and undeliverable skips happen
    before queueing, so they are not part of "queued".)"""
    if campaign["status"] != "sending" or stats.get("buckets_dispatched", 0) < len(campaign.get("plan", [])):
        return str(campaign["status"])
    skipped = sum(stats.get(f"skipped_{k}", 0) for k in SKIP_KEYS if k not in NOT_QUEUED)
    settled = stats.get("sent", 0) + stats.get("failed", 0) + skipped
    return "done" if settled >= stats.get("queued", 0) else "sending"


def list_campaigns(
    stores: Stores, list_id: str | None, status: str | None, limit: int | None, cursor: str | None
) -> CampaignPage:
    """One page of campaigns (one list's, or every list's), newest first, optionally of one status. A
    sending campaign costs one more read (its counters) to tell whether it is done; the others none."""
    from ..api.listings import CampaignPage, CampaignSummary

    if list_id is not None and not re.fullmatch(LIST_ID_PATTERN, list_id):
        raise ValidationFailed("invalid list_id", {"list_id": "not a list id"})
    if status is not None and status not in STATUSES:
        raise ValidationFailed("invalid status", {"status": f"one of {', '.join(STATUSES)}"})
    size = page_size(limit)
    after = decode_cursor(cursor, listing_prefix(list_id))

    def keep(entry: dict[str, Any]) -> bool:
        if entry["status"] == "sending" and status in (None, "sending", "done"):
            campaign, stats = stores.campaigns.get_campaign(str(entry["campaign_id"]))
            entry["status"] = status_of(campaign, stats) if campaign else entry["status"]
        return status is None or entry["status"] == status

    found, last = stores.campaigns.page_campaigns(list_id, size, after, keep)
    return CampaignPage(campaigns=[CampaignSummary.model_validate(e) for e in found], next=encode_cursor(last))


def delivery_stats(stats: dict[str, int]) -> dict[str, Any]:
    """What the delivery receipts added to the counters (services/receipts.py)."""
    undelivered = {k.removeprefix(UNDELIVERED): v for k, v in stats.items() if k.startswith(UNDELIVERED) and v}
    sent, delivered = stats.get("sent", 0), stats.get("delivered", 0)
    return {
        "delivered": delivered,
        "undelivered": undelivered,
        "blocked": stats.get("blocked", 0),
        "awaiting_receipt": max(0, sent - delivered - sum(undelivered.values())),
        "delivery_rate": round(delivered / sent, 4) if sent else None,
        "price_usd": stats.get("price_micro_usd", 0) / 1_000_000,
    }


def click_stats(stats: dict[str, int]) -> dict[str, Any]:
    """What the short links' redirect counted (services/links.py): every click, first clicks per link,
    and the click-through rate — unique clicks over messages sent."""
    sent, unique = stats.get("sent", 0), stats.get("unique_clicks", 0)
    return {"clicks": stats.get("clicks", 0), "unique_clicks": unique, "ctr": round(unique / sent, 4) if sent else None}
