"""Listing pages (``GET /v1/admin/lists``, ``/keywords``, ``/campaigns``): built at run time by the
services and published in the OpenAPI document from these same classes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..domain.keywords import StoredKeyword
from ..domain.lists import StoredList
from ._base import Open


class _Page(Open):
    next: str | None = Field(default=None, description="Pass as ?next= for the following page; null on the last page")


class ListPage(_Page):
    lists: list[StoredList]


class KeywordPage(_Page):
    keywords: list[StoredKeyword]


class CampaignSummary(Open):
    """A campaign as ``GET /v1/admin/campaigns`` lists it (``GET /v1/admin/campaigns/{id}`` has the rest)."""

    campaign_id: str
    list_id: str
    name: str | None = None
    status: Literal["scheduled", "sending", "done", "cancelled"]
    created_at: str
    send_at: str | None = Field(default=None, description="One instant for every recipient, when asked for")
    send_at_local: str | None = Field(default=None, description="Each recipient's wall-clock time, when asked for")
    recipients: int = Field(description="Planned recipients, every bucket (an upper bound with a segment)")


class CampaignPage(_Page):
    campaigns: list[CampaignSummary]
