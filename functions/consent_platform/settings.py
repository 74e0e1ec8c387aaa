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
    event_bus_name: str = ""
    pending_confirmation_hours: int = Field(default=48, ge=1, le=24 * 30)
    max_body_bytes: int = 16 * 1024


class AdminSettings(_Base):
    import_bucket: str = ""  # S3 bucket for large soft opt-in imports


class InboundWorkerSettings(_Base):
    outbound_queue_url: str
    event_bus_name: str
    pending_confirmation_hours: int = Field(default=48, ge=1, le=24 * 30)
    config_cache_seconds: float = Field(default=15.0, ge=0)


class InboundWebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    inbound_queue_url: str
    # SSM parameter names (SecureString). Several comma-separated values allow rotation.
    twilio_auth_token_parameter: str
    webhook_secret_parameter: str
    # The public base URL Twilio calls (custom domain); empty: rebuilt from the request's host.
    public_base_url: str = ""
    secret_cache_seconds: int = 300
    max_body_bytes: int = 16 * 1024


class SchedulingSettings(BaseSettings):
    """EventBridge Scheduler wiring shared by the campaign API, the dispatcher and the sender."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    schedule_group: str = ""
    scheduler_role_arn: str = ""
    schedule_dlq_arn: str = ""
    dispatcher_function_arn: str = ""
    outbound_queue_arn: str = ""


class CampaignSettings(_Base):
    outbound_queue_url: str


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
def inbound_worker_settings() -> InboundWorkerSettings:
    return InboundWorkerSettings()


@lru_cache
def inbound_webhook_settings() -> InboundWebhookSettings:
    return InboundWebhookSettings()


@lru_cache
def scheduling_settings() -> SchedulingSettings:
    return SchedulingSettings()


@lru_cache
def campaign_settings() -> CampaignSettings:
    return CampaignSettings()


@lru_cache
def sender_settings() -> SenderSettings:
    return SenderSettings()
