"""Create, update and read custom keywords."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..adapters.dynamodb import keys
from ..adapters.dynamodb.catalog import CatalogStore
from ..api.admin import KeywordView
from ..domain.clock import iso
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.keywords import KeywordConfig, StoredKeyword, keyword_key
from ..domain.paging import decode_cursor, encode_cursor, page_size
from .inbound.keyword_actions import ACTIONS

if TYPE_CHECKING:
    from ..api.listings import KeywordPage


def put_keyword(catalog: CatalogStore, raw: str, config: KeywordConfig, now: datetime) -> tuple[StoredKeyword, bool]:
    check_action(config)
    key = keyword_key(raw)
    if config.list_id is not None:
        stored_list, _ = catalog.get_list(config.list_id)
        if stored_list is None:
            raise NotFound(f"list {config.list_id!r} does not exist", {"list_id": "unknown list"})
    existing, _ = catalog.get_keyword(key)
    if existing is not None and (owner := ACTIONS.get(existing.action)) and owner.managed_by:
        raise Conflict(f"{key!r} belongs to a {owner.name}", {"keyword": f"managed through {owner.managed_by}"})
    stamp = iso(now)
    stored = StoredKeyword(
        **config.model_dump(),
        keyword=key,
        display=raw.strip().upper(),
        created_at=existing.created_at if existing else stamp,
        updated_at=stamp,
    )
    catalog.put_keyword(stored)
    return stored, existing is None


def get_keyword(catalog: CatalogStore, raw: str) -> KeywordView:
    key = keyword_key(raw)
    stored, usage = catalog.get_keyword(key)
    if stored is None:
        raise NotFound(f"keyword {key!r} does not exist", {"keyword": "unknown keyword"})
    per_day = {sk.removeprefix("DAY#"): count for sk, count in sorted(usage.items()) if sk.startswith("DAY#")}
    return KeywordView(**stored.model_dump(), usage={"total": usage.get("TOTAL", 0), "per_day": per_day})


def list_keywords(catalog: CatalogStore, limit: int | None, cursor: str | None, number: str | None) -> KeywordPage:
    """One page of keywords in keyword order; with ``number``, those answering texts to that number."""
    from ..api.listings import KeywordPage

    after = decode_cursor(cursor, keys.KEYWORD.sk_prefix)
    found, last = catalog.page_keywords(page_size(limit), after, number)
    return KeywordPage(keywords=found, next=encode_cursor(last))


def check_action(config: KeywordConfig) -> None:
    """The configuration names a registered keyword action and has what that action needs (else 422)."""
    action = ACTIONS.get(config.action)
    if action is None:
        names = ", ".join(sorted(ACTIONS))
        raise ValidationFailed(f"unknown keyword action {config.action!r}", {"action": f"one of: {names}"})
    if problems := action.problems(config):
        raise ValidationFailed(f"incomplete configuration for action {config.action!r}", problems)
