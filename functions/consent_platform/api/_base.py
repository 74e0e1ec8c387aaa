"""What every response model shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Open(BaseModel):
    """A response may gain fields over time; clients must ignore the ones they do not know. Built on
    first use (``defer_build``), so a model a handler returns costs its cold start nothing."""

    model_config = ConfigDict(extra="allow", defer_build=True)
