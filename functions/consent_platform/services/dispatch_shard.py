"""One chunk of one audience shard: queue pages from the shard's cursor until the invocation's time runs
low, save the cursor at a number-free boundary, and ask the dispatch queue for the next chunk.

Why chunks and a queue: a bucket of 1,000,000 numbers is ~100,000 SendMessageBatch calls, far more than
one 300 s invocation makes, and a timed-out asynchronous invocation is retried from its start. Each shard
(keys.AUDIENCE_SHARDS) runs in its own invocations, in parallel; each stops ``MARGIN_MS`` before its
deadline. The next chunk is an SQS message, not a self-invocation: a message is kept until the chunk that
received it returned, so an invocation that dies mid-chunk is redelivered (from the saved cursor), and
one that fails five times lands in DispatchDLQ (alarmed) instead of stalling the bucket unseen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..adapters.dispatch_queue import DispatchQueue
from ..adapters.dynamodb.dispatch import COUNTS
from ..adapters.dynamodb.keys import AUDIENCE_SHARDS
from ..adapters.dynamodb.stores import Stores
from ..adapters.queue import OutboundQueue
from .dispatch_jobs import Batch, queue_page

PAGE_SIZE = 500  # numbers per audience Query (50 SendMessageBatch calls)
# An invocation stops taking new pages when less than this is left. It must still finish the page in hand
# (~1 s: 50 SendMessageBatch + 5 BatchGetItem), the rest of that page's cursor block (numbers sharing all
# but the last BLOCK_DIGITS digits: at most 10,000, spread over the shards by hash — ~2,500 expected;
# 20 pages ≈ 20 s if all fell in one shard), save the cursor and send the next kick, with room for botocore's
# backed-off retries of a throttled call (~20 s). 60 s covers that; a 300 s function works ≥ 240 s a chunk.
MARGIN_MS = 60_000
# A cursor stops only after every number sharing all but the last 4 digits of the last one queued, so it
# holds a prefix ("+4860012" + BLOCK_END), never a number — the same 4 digits the logs mask.
BLOCK_DIGITS = 4
BLOCK_END = ":"  # sorts right after "9": "<prefix>:" is past every number starting with the prefix
ACTIVE = ("scheduled", "sending")


@dataclass(frozen=True, slots=True)
class Run:
    """One invocation's means: stores, both queues, the time it has left and its identity (lease token)."""

    stores: Stores
    queue: OutboundQueue
    kicks: DispatchQueue
    remaining_ms: Callable[[], int]
    now: datetime
    token: str
    logger: Any = None
    page_size: int = 0  # 0: PAGE_SIZE


@dataclass(slots=True)
class _Chunk:
    run: Run
    batch: Batch
    bucket: str
    shard: int
    counts: Counter[str]

    def page(
        self, start: dict[str, Any] | None, where: tuple[str, str] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        list_id = self.batch.campaign["list_id"]
        phones, start = self.run.stores.campaigns.audience_page(
            list_id, self.bucket, self.shard, start, self.run.page_size or PAGE_SIZE, where
        )
        self.counts += queue_page(self.run.stores, self.run.queue, self.batch, phones, self.run.now)
        return phones, start


def dispatch_shard(run: Run, campaign_id: str, bucket: str, shard: int) -> int:
    """Queue the next chunk of one shard; returns how many jobs it queued. A kick finding the shard leased
    by a live invocation, or done, does nothing (but completes the bucket if a crash left that undone)."""
    stores = run.stores
    now_s = int(run.now.timestamp())
    cursor = stores.dispatch.acquire(campaign_id, bucket, shard, run.token, now_s, now_s + run.remaining_ms() // 1000)
    if cursor is None:
        finish_if_complete(run, campaign_id, bucket)
        return 0
    campaign, _ = stores.campaigns.get_campaign(campaign_id)
    if campaign is None or campaign["status"] not in ACTIVE:
        stores.dispatch.advance(campaign_id, bucket, shard, run.token, (None, False, {}))  # cancelled: stop
        return 0
    chunk = _Chunk(run, Batch.of(campaign, bucket), bucket, shard, Counter())
    after, done = _work(chunk, campaign_id, cursor.get("after"))
    stores.dispatch.advance(campaign_id, bucket, shard, run.token, (after, done, dict(chunk.counts)))
    if done:
        finish_if_complete(run, campaign_id, bucket)
    elif after is not None:
        run.kicks.kick(campaign_id, bucket, [shard])  # after the save: the next chunk starts from it
    if run.logger is not None:
        extra = {"campaign_id": campaign_id, "bucket": bucket, "shard": shard, "done": done, **chunk.counts}
        run.logger.info("dispatch chunk", extra=extra)
    return chunk.counts["queued"]


def _work(chunk: _Chunk, campaign_id: str, after: str | None) -> tuple[str | None, bool]:
    """Pages from ``after`` until the shard ends (→ done) or time runs low (→ the new cursor), checking
    before each page that the campaign was not cancelled (→ no new cursor, no next chunk)."""
    start: dict[str, Any] | None = None
    while True:
        if chunk.run.stores.dispatch.campaign_status(campaign_id) not in ACTIVE:
            return None, False
        phones, start = chunk.page(start, ("after", after) if after else None)
        if not start:
            return after, True
        if phones and chunk.run.remaining_ms() < MARGIN_MS:
            return _finish_block(chunk, phones[-1], start), False


def _finish_block(chunk: _Chunk, last: str, start: dict[str, Any]) -> str:
    """Queue the rest of the numbers that share all but the last ``BLOCK_DIGITS`` digits with ``last``;
    the cursor is then the prefix itself (a number-free position, see ``BLOCK_DIGITS``)."""
    prefix = last[: max(len(last) - BLOCK_DIGITS, 1)]
    following: dict[str, Any] | None = start
    while following:
        _, following = chunk.page(following, ("prefix", prefix))
    return prefix + BLOCK_END


def finish_if_complete(run: Run, campaign_id: str, bucket: str) -> bool:
    """Count the bucket dispatched, once, when every shard is done: each shard reads all cursors right after
    marking its own done (strongly consistent), so the last of two finishing together sees both; the
    marker's condition keeps a second finisher from counting again."""
    cursors = run.stores.dispatch.cursors(campaign_id, bucket)
    if len(cursors) < AUDIENCE_SHARDS or not all(c.get("done") for c in cursors):
        return False
    counts = {name: sum(int(c.get(name, 0)) for c in cursors) for name in COUNTS}
    return run.stores.campaigns.finish_bucket(campaign_id, bucket, run.now, {**counts, "buckets_dispatched": 1})
