"""Listing pages (``GET /v1/admin/lists``, ``GET /v1/admin/keywords``): built at run time by the
services and published in the OpenAPI document from these same classes."""

from __future__ import annotations

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
