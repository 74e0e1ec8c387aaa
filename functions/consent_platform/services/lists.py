"""Create or update a list, keeping every consent text version ever published."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from ..adapters.dynamodb import keys
from ..adapters.dynamodb.catalog import CatalogStore
from ..domain.clock import iso
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.lists import (
    LIST_ID_PATTERN,
    ListConfig,
    MessageTemplates,
    StoredList,
    lint_links,
    lint_messages,
    resolve_messages,
)
from ..domain.paging import decode_cursor, encode_cursor, page_size

if TYPE_CHECKING:
    from ..api.listings import ListPage


def validate_list_id(list_id: str) -> str:
    if not re.fullmatch(LIST_ID_PATTERN, list_id):
        raise ValidationFailed(
            "invalid list id",
            {"list_id": "1-64 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit"},
        )
    return list_id


def put_list(catalog: CatalogStore, list_id: str, config: ListConfig, now: datetime) -> tuple[StoredList, bool]:
    """Store the list; returns it and whether it was created. Refuses non-compliant messages (422)."""
    validate_list_id(list_id)
    messages = resolve_messages(config)
    problems = lint_messages(config, messages) | lint_links(config)
    if problems:
        raise ValidationFailed("the list does not meet carrier (CTIA) requirements", problems)
    # Linted as written (the brand as the list spells it), stored as sent.
    messages = {kind: config.outgoing(text) for kind, text in messages.items()}

    existing, existing_text = catalog.get_list(list_id, config.consent_text.version)
    version = config.consent_text.version
    if existing_text is not None and existing_text != config.consent_text.text:
        raise Conflict(
            f"consent text version {version!r} was already published with a different text; "
            "publish the new wording under a new version",
            {"consent_text.version": "already used for a different text"},
        )
    email_versions = _email_versions(existing, config)
    stamp = iso(now)
    known = list(existing.consent_versions) if existing else []
    if version not in known:
        known.append(version)
    stored = StoredList(
        **config.model_dump(exclude={"messages"}),
        messages=MessageTemplates(**messages),
        list_id=list_id,
        consent_versions=known,
        email_consent_versions=email_versions,
        created_at=existing.created_at if existing else stamp,
        updated_at=stamp,
    )
    new_consent = None if existing_text is not None else (version, config.consent_text.text)
    catalog.put_list(stored, existing.version if existing else None, new_consent)
    stored.version = (existing.version if existing else 0) + 1
    return stored, existing is None


def list_lists(catalog: CatalogStore, limit: int | None, cursor: str | None) -> ListPage:
    """One page of lists in list-id order (``next`` continues after it)."""
    from ..api.listings import ListPage

    after = decode_cursor(cursor, keys.CONFIG_LIST.sk_prefix)
    found, last = catalog.page_lists(page_size(limit), after)
    return ListPage(lists=found, next=encode_cursor(last))


def _email_versions(existing: StoredList | None, config: ListConfig) -> dict[str, str]:
    """Every e-mail consent wording published so far plus the new one; a version is never reused
    for other words (the ledger's e-mail entries point at it)."""
    versions = dict(existing.email_consent_versions) if existing else {}
    if existing is not None:  # lists stored before e-mail wording existed showed the default
        shown = existing.email_consent()
        versions.setdefault(shown.version, shown.text)
    current = config.email_consent()
    if versions.get(current.version, current.text) != current.text:
        raise Conflict(
            f"e-mail consent text version {current.version!r} was already published with a different text; "
            "publish the new wording under a new version",
            {"email_consent_text.version": "already used for a different text"},
        )
    versions[current.version] = current.text
    return versions


def get_list(catalog: CatalogStore, list_id: str) -> StoredList:
    stored, _ = catalog.get_list(list_id)
    if stored is None:
        raise NotFound(f"list {list_id!r} does not exist", {"list_id": "unknown list"})
    return stored
