"""The inbound webhook's and the inbound worker's settings."""

from __future__ import annotations

from pydantic import Field

from ..settings import EnvSettings, TableSettings


class InboundWorkerSettings(TableSettings):
    outbound_queue_url: str
    event_bus_name: str
    pending_confirmation_hours: int = Field(default=48, ge=1, le=24 * 30)
    config_cache_seconds: float = Field(default=15.0, ge=0)
    inbox_retention_days: int = Field(default=90, ge=1, le=3650)  # the inbox's TTL (InboxRetentionDays)
    forwarding_queue_url: str = ""  # issue #20: forwarded messages' jobs (empty: nothing is forwarded)


class InboundWebhookSettings(EnvSettings):
    inbound_queue_url: str
    # SSM parameter names (SecureString). Several comma-separated values allow rotation.
    twilio_auth_token_parameter: str
    webhook_secret_parameter: str
    # The base URL Twilio calls, which its signature covers; and the only Twilio account we accept.
    # The Twilio route answers 503 until both are set (never built from the request's Host header).
    public_base_url: str = ""
    twilio_account_sid: str = ""
    # A secret removed from SSM stops working within this; rotation with overlap: domain/signatures.py.
    secret_cache_seconds: int = 30
    max_body_bytes: int = 16 * 1024
