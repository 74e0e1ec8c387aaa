"""The message that hands one audience shard of a bucket to the dispatch queue (``DispatchQueue``): what
``adapters/dispatch_queue.py`` sends and ``scheduler/dispatch_shard.py`` reads."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ShardKick(BaseModel):
    campaign_id: str = Field(min_length=1)
    bucket: str = Field(min_length=1)
    shard: int = Field(ge=0)
