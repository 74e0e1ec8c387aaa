"""The dispatcher: a bucket's schedule fired — create its shards' cursors and get them queued.

The chunks themselves are services/dispatch_shard.py; the jobs they queue, services/dispatch_jobs.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ..adapters.dynamodb.keys import AUDIENCE_SHARDS
from ..domain.messages import campaign_message_id
from .dispatch_shard import MARGIN_MS, Run, dispatch_shard

__all__ = ["Run", "campaign_message_id", "dispatch"]

# A bucket up to this size is queued by the schedule's own invocation (~2,000 SendMessageBatch, ~40 s):
# no dispatch-queue round trip. Larger ones fan out at once, one invocation per shard, in parallel.
INLINE_RECIPIENTS = 20_000
CURSOR_DAYS = 7  # the cursors' TTL: a bucket's dispatch is over long before


def dispatch(run: Run, campaign_id: str, bucket_key: str) -> int:
    """Create a cursor per audience shard, then work on the shards here while the bucket is small and time
    is left, and hand every other shard to the dispatch queue. Returns how many jobs this invocation
    queued (a retried schedule finds the cursors, or the bucket dispatched, and adds nothing)."""
    campaign, _ = run.stores.campaigns.get_campaign(campaign_id)
    if campaign is None or campaign["status"] in ("cancelled", "done"):
        return 0
    if run.stores.campaigns.bucket_dispatched(campaign_id, bucket_key):
        return 0
    run.stores.campaigns.set_campaign_status(campaign, "sending", ("scheduled",))
    ttl = int((run.now + timedelta(days=CURSOR_DAYS)).timestamp())
    for shard in range(AUDIENCE_SHARDS):
        run.stores.dispatch.start(campaign_id, bucket_key, shard, ttl)
    planned = sum(int(p.get("recipients", 0)) for p in campaign.get("plan", []) if p.get("bucket") == bucket_key)
    queued, handed = 0, []
    for shard in range(AUDIENCE_SHARDS):
        if planned <= INLINE_RECIPIENTS and run.remaining_ms() > MARGIN_MS:
            queued += dispatch_shard(replace(run, token=f"{run.token}:{shard}"), campaign_id, bucket_key, shard)
        else:
            handed.append(shard)
    run.kicks.kick(campaign_id, bucket_key, handed)
    return queued
