"""Bodies of the admin routes (AdminFunction) that are not domain configuration: contact patches,
imports, and the answers the admin services and handlers build and send."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from ..domain.attributes import AttrValue
from ..domain.clock import IsoTimestamp, ZoneName
from ..domain.contacts import Profile
from ..domain.keywords import StoredKeyword
from ..domain.plain_text import PlainText
from ._base import Open
from .inbox import TimelineEntry
from .messages import MESSAGES_SHOWN, SentMessage

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


class ImportRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    first_name: Annotated[PlainText, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    country: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")] | None = (
        None
    )
    timezone: ZoneName | None = None
    customer_since: date | None = None
    evidence: Annotated[PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

    @field_validator("first_name", "country", "timezone", "customer_since", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class ImportFromS3(BaseModel):
    """Import a file already uploaded to the import bucket (larger than a request may be)."""

    model_config = ConfigDict(defer_build=True)  # built by the first such import, not at every cold start

    s3_key: str = Field(min_length=1, max_length=1024, description="Object key in the stack's import bucket")


class ContactProof(Open):
    """Proof of consent: the profile, every subscription and the full ledger."""

    phone: str
    profile: dict[str, Any] | None
    subscriptions: list[dict[str, Any]]
    ledger: list[dict[str, Any]]
    messages: list[SentMessage] = Field(
        default=[], description=f"The {MESSAGES_SHOWN} newest sent messages, newest first"
    )
    timeline: list[TimelineEntry] = Field(
        default=[], description=f"Sent and received messages together, newest first ({MESSAGES_SHOWN} of each at most)"
    )


class ListStats(Open):
    model_config = ConfigDict(populate_by_name=True)

    list_id: str
    from_: str = Field(alias="from")
    to: str
    days: list[dict[str, Any]]
    totals: dict[str, Any]


class ContactPatched(Profile, Open):  # Open second: its config (extra allowed, deferred build) wins
    """Answer to ``PATCH /v1/admin/contacts/{phone}``: the updated profile."""

    # Bookkeeping of the stored profile, never sent.
    version: int = Field(default=0, exclude=True)
    confirm_sent: list[str] = Field(default=[], exclude=True)
    buckets_moved: int = Field(description="Active subscriptions moved to another audience bucket (a new time zone)")


class KeywordView(StoredKeyword, Open):
    """Answer to ``GET /v1/admin/keywords/{keyword}``: the stored keyword and its usage."""

    usage: dict[str, Any] = Field(description="total, and per_day: {YYYY-MM-DD: count}")


class ImportReport(Open):
    """Answer to ``POST /v1/admin/lists/{list_id}/import``."""

    received: int
    imported: int
    unchanged: int
    rejected: int
    rejections: list[dict[str, Any]] = Field(description="The first rejected rows: row, masked phone, reason")
