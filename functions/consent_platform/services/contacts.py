"""Contact profile updates (PATCH and Customer.* events) that keep the audience registry in step."""

from __future__ import annotations

from datetime import datetime

from ..adapters.dynamodb.consent_store import ConsentStore
from ..adapters.dynamodb.table import ConcurrentUpdate, Table
from ..api.admin import ContactPatch, ContactPatched
from ..api.messages import MESSAGES_SHOWN, SentMessage
from ..domain.clock import iso
from ..domain.errors import NotFound


def patch_contact(consent: ConsentStore, phone: str, patch: ContactPatch, now: datetime) -> ContactPatched:
    for _attempt in range(3):
        state = consent.load_phone(phone)
        if state.profile is None:
            raise NotFound("no such contact", {"phone": "unknown number"})
        profile = state.profile.model_copy(deep=True)
        changes = patch.model_dump(exclude_unset=True)
        for key, value in changes.items():
            setattr(profile, key, iso(value) if isinstance(value, datetime) else value)
        if "timezone" in changes:
            profile.timezone_source = "admin"
        profile.updated_at = iso(now)
        try:
            moved = consent.update_profile(profile, state.profile.version, list(state.subscriptions.values()))
        except ConcurrentUpdate:
            continue
        return ContactPatched(**profile.model_dump(), buckets_moved=moved)
    raise ConcurrentUpdate("the contact changed while this request was processed; retry")


def sent_messages(table: Table, phone: str) -> list[SentMessage]:
    """The number's newest sent messages joined with their delivery status (one Query)."""
    from ..adapters.dynamodb.deliveries import DeliveryStore

    return [SentMessage.model_validate(row) for row in DeliveryStore(table).messages(phone, MESSAGES_SHOWN)]
