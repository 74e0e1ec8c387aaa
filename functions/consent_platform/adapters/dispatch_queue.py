"""The dispatch queue: one message ("kick") per bucket shard that still has audience to queue."""

from __future__ import annotations

from typing import Any

from ..domain.dispatch import ShardKick
from .aws import client


class DispatchQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def kick(self, campaign_id: str, bucket: str, shards: list[int]) -> None:
        """Ask for the next chunk of each shard. A duplicate kick is harmless (the cursor's lease)."""
        if not shards:
            return
        entries: list[Any] = [
            {"Id": str(s), "MessageBody": ShardKick(campaign_id=campaign_id, bucket=bucket, shard=s).model_dump_json()}
            for s in shards
        ]
        response = client("sqs").send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"SQS refused {len(response['Failed'])} dispatch kicks")
