"""Settings: one pydantic model per function, read from the environment variables that
``template.yaml`` sets (and that the local stack and tests resolve from the same template)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Base(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(description="DynamoDB table for lists, contacts, subscriptions, messages")
    ledger_table_name: str = Field(description="DynamoDB table holding the append-only consent ledger")


class OptInSettings(_Base):
    outbound_queue_url: str
    pending_confirmation_hours: int = Field(default=48, ge=1, le=24 * 30)
    max_body_bytes: int = 16 * 1024


class AdminSettings(_Base):
    pass


class SenderSettings(_Base):
    sms_provider: Literal["sns", "end-user-messaging", "local"] = "sns"
    eum_configuration_set: str = ""  # End User Messaging configuration set (event destinations)
    local_outbox_path: str = ".local/outbox.jsonl"
    message_record_days: int = Field(default=400, ge=1)  # how long a sent-message record is kept


@lru_cache
def optin_settings() -> OptInSettings:
    return OptInSettings()


@lru_cache
def admin_settings() -> AdminSettings:
    return AdminSettings()


@lru_cache
def sender_settings() -> SenderSettings:
    return SenderSettings()
