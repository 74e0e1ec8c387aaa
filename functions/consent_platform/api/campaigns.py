"""Bodies of the campaign routes (CampaignFunction): the campaign as ``POST``, ``GET`` and ``DELETE
/v1/admin/campaigns…`` answer it — built by ``services/campaigns.py`` and published in the OpenAPI document
(the request is ``domain/campaigns.py`` ``CampaignRequest``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import Open


class Skipped(Open):
    opted_out: int = Field(description="No longer subscribed when the message was due (or opted out at the provider)")
    frequency_cap: int
    duplicate: int
    cancelled: int
    segment: int = Field(description="Outside the campaign's segment: never queued")
    undeliverable: int = Field(description="The number is marked undeliverable (delivery receipts): never queued")


class CampaignStats(Open):
    """Send-time counts (``queued`` … ``skipped``) and what delivery receipts reported since (End User
    Messaging only: Amazon SNS reports no per-message outcome, so there everything stays awaiting)."""

    queued: int
    sent: int = Field(description="Accepted by the SMS provider")
    deferred: int
    failed: int = Field(description="Refused by the provider at send time")
    skipped: Skipped
    delivered: int = Field(description="Receipts: delivered to the handset (or final acceptance by the carrier)")
    undelivered: dict[str, int] = Field(
        description="Receipts: final failures by the provider's status without TEXT_ (invalid, unreachable, spam…)"
    )
    blocked: int = Field(description="Of undelivered: blocked or spam-filtered (content/registration, not the number)")
    awaiting_receipt: int = Field(description="sent − delivered − undelivered (never below 0)")
    delivery_rate: float | None = Field(description="delivered / sent; null before anything was sent")
    price_usd: float = Field(description="Sum of the prices the provider reported for finished messages")
    clicks: int = Field(default=0, description="Short-link clicks by people (HEAD and preview fetchers not counted)")
    unique_clicks: int = Field(default=0, description="Links clicked at least once (a repeat click counts once)")
    ctr: float | None = Field(default=None, description="unique_clicks / sent; null before anything was sent")
    conversions: int = Field(default=0, description="Purchases credited to this campaign (click + view)")
    conversions_click: int = Field(default=0, description="... to a link clicked within the list's click window")
    conversions_view: int = Field(default=0, description="... to a message received within the view window")
    revenue: dict[str, float] = Field(default_factory=dict, description="Credited order amounts per currency")
    conversion_rate: float | None = Field(default=None, description="conversions / sent")
    experiment: dict[str, Any] | None = Field(
        default=None,
        description="Variants only: per variant and for the hold-out sent, delivered, clicks, unique_clicks, ctr, "
        "conversions (click/view), revenue, conversion_rate; each variant's lift over the hold-out (difference "
        "of conversion rates, 95 % Newcombe hybrid-score interval, significant) and the winner (null unless an "
        "interval lies above zero)",
    )


class CampaignPreview(Open):
    """The message as it will be sent (placeholders at their fallbacks) and what it will cost. Campaigns
    created before spend estimates (issue 17) have only the first four fields."""

    text: str
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int = Field(description="Parts per recipient (a name filled in may add one)")
    characters: int
    estimated_cost_usd: dict[str, float | None] | None = Field(
        default=None,
        description="Per destination country (ISO code; 'unknown' for numbers without one): recipients × "
        "segments × the list price per part (carrier fee included); null where the price table has no "
        "price. An upper bound when the campaign has a segment (filtered at dispatch).",
    )
    estimated_cost_total_usd: float | None = Field(default=None, description="Sum of the priced countries")
    price_table: dict[str, str] | None = Field(default=None, description="The price table's date and source")
    sample_text: str | None = Field(default=None, description="The text for a sample contact (README: Personalisation)")
    sample_segments: int | None = None
    worst_case_segments: int | None = Field(
        default=None, description="Parts with every placeholder at its declared maximum (coupons: the longest code)"
    )
    worst_case_encoding: Literal["GSM-7", "UCS-2"] | None = None
    warnings: list[dict[str, Any]] = Field(
        default_factory=lambda: [],  # not ``list``: see StoredList.consent_versions (domain/lists.py)
        description='e.g. {"code": "ucs2", "characters": ["ć"], "segments": 2, "segments_if_gsm7": 1}; '
        '{"code": "no_price", "countries": ["BR"]}',
    )


class PlanBucket(Open):
    """One audience bucket of the plan: its send time and, at its origination identity's rate, how long
    it takes and how many recipients are expected to roll to the next window (``domain/send_estimate.py``:
    buckets sharing an identity are sent one after another in send-time order). Present only when they
    apply: ``candidates`` (an uncertain zone: every candidate zone) and ``recipients_upper_bound`` (true:
    the campaign's segment is applied at dispatch). Campaigns planned before issue 17 have no estimates
    (null)."""

    bucket: str = Field(description="Time zone(s) and jurisdiction rule: 'Europe/Warsaw|PL'")
    timezone: str
    rule: str = Field(description="Quiet-hours rule code: 'PL', 'US-FL', 'DEFAULT'")
    send_at_utc: str
    local_time: str
    deferred: bool
    reason: str | None = Field(default=None, description="quiet_hours | no_sending_day | holiday")
    recipients: int
    schedule: str
    parts_per_second: float | None = Field(
        default=None,
        description="The identity's rate: the configured one (PUT /v1/admin/senders/{identity}) or the default "
        "for its type and country; null when the list names no identity for the country (not paced)",
    )
    estimated_send_seconds: float | None = Field(
        default=None, description="recipients × parts per message ÷ parts_per_second; null when not paced"
    )
    overflow: int | None = Field(
        default=None,
        description="Recipients expected not to fit before the window closes (at the identity's rate, after "
        "earlier buckets on the same identity): they are deferred to the next window, never sent late. 0 "
        "when the bucket fits; null when not paced",
    )


class Campaign(Open):
    campaign_id: str
    list_id: str
    name: str | None = None
    text: str = Field(description="The text (with variants: the first variant's)")
    variants: list[dict[str, Any]] | None = Field(default=None, description="id, text, weight, preview of each")
    holdout_percent: int = 0
    status: Literal["scheduled", "sending", "done", "cancelled"]
    created_at: str
    preview: CampaignPreview
    plan: list[PlanBucket]
    stats: CampaignStats
    schedules_deleted: int | None = Field(default=None, description="Only in the answer to a cancellation")
