"""Contact profile updates (PATCH and Customer.* events) that keep the audience registry in step."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from ..adapters.dynamodb.consent_store import ConsentStore
from ..adapters.dynamodb.table import ConcurrentUpdate
from ..domain.attributes import AttrValue
from ..domain.clock import IsoTimestamp, ZoneName, iso
from ..domain.errors import NotFound
from ..domain.plain_text import PlainText

Tag = Annotated[PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
AttrKey = Annotated[PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class ContactPatch(BaseModel):
    """Body of ``PATCH /v1/admin/contacts/{phone}``: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    first_name: Annotated[PlainText, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    timezone: ZoneName | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    last_activity_at: IsoTimestamp | None = None
    last_purchase_at: IsoTimestamp | None = None
    attributes: dict[AttrKey, AttrValue] | None = Field(default=None, max_length=50)

    @field_validator("tags", "attributes", mode="before")
    @classmethod
    def _null_clears(cls, value: Any, info: ValidationInfo) -> Any:
        # A merge-patch null removes: no tags, no attributes (a stored null would break the profile's shape).
        if value is None:
            return [] if info.field_name == "tags" else {}
        return value

    @field_validator("attributes")
    @classmethod
    def _values(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for key, item in (value or {}).items():
            if isinstance(item, str) and len(item) > 500:
                raise ValueError(f"attribute {key!r} is longer than 500 characters")
        return value


def patch_contact(consent: ConsentStore, phone: str, patch: ContactPatch, now: datetime) -> dict[str, Any]:
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
        return {**profile.model_dump(mode="json", exclude={"confirm_sent", "version"}), "buckets_moved": moved}
    raise ConcurrentUpdate("the contact changed while this request was processed; retry")
