"""Settings: one pydantic model per function, read from the environment variables that
``template.yaml`` sets (and that the local stack and tests resolve from the same template).

A function asks ``consent_platform.bootstrap.settings(Model)`` for its model (read once, cached per
model class). Each field comes from the variable of the same name in any case (``table_name`` ← ``TABLE_NAME``), as
with pydantic-settings, which is not used: importing it costs every cold start ~20 ms (its CLI, dotenv
and cloud secret sources) for what ``EnvSettings.from_env`` does in a few lines.
"""

from __future__ import annotations

import os
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .domain.pumping import DEFAULT_PREFIX_DIGITS, DEFAULT_RATE_LIMITS, Limit, parse_limits


class EnvSettings(BaseModel):
    # A function reads one or two of these models, once, in its first invocation: each is built then
    # (~0.3 ms), not all of them whenever a handler module loads.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    @classmethod
    def from_env(cls) -> Self:
        env = {key.lower(): value for key, value in os.environ.items()}
        return cls.model_validate({name: env[name] for name in cls.model_fields if name in env})


class TableSettings(EnvSettings):
    """The two tables: what ``bootstrap.stores()`` reads, whichever function asks."""

    table_name: str = Field(description="DynamoDB table for lists, contacts, subscriptions, messages")
    ledger_table_name: str = Field(description="DynamoDB table holding the append-only consent ledger")


class OptInSettings(TableSettings):
    outbound_queue_url: str
    event_bus_name: str = ""
    pending_confirmation_hours: int = Field(default=48, ge=1, le=24 * 30)
    max_body_bytes: int = 16 * 1024
    # SMS-pumping request limits (domain/pumping.py): "scope=requests[%]/seconds,…", scope ip|phone|prefix|country.
    optin_rate_limits: str = DEFAULT_RATE_LIMITS
    optin_prefix_digits: int = Field(default=DEFAULT_PREFIX_DIGITS, ge=2, le=15)

    @field_validator("optin_rate_limits")
    @classmethod
    def _limits(cls, value: str) -> str:
        parse_limits(value)
        return value

    def limits(self) -> tuple[Limit, ...]:
        return parse_limits(self.optin_rate_limits)


class AdminSettings(TableSettings):
    import_bucket: str = ""  # S3 bucket for large soft opt-in imports
    # SSM SecureString with the erasure HMAC key(s): imports check the erased-number suppression list.
    erasure_key_parameter: str = ""
    secret_cache_seconds: int = 300


class TransactionalSettings(TableSettings):
    """``Message.Requested`` on the bus (functions/audience/events.py): a transactional SMS, checked
    against the erased-number suppression list like ``POST /v1/admin/messages``."""

    outbound_queue_url: str
    erasure_key_parameter: str = ""
    secret_cache_seconds: int = 300


class ErasureSettings(TableSettings):
    """``DELETE /v1/admin/contacts/{phone}``: the one function that may rewrite ledger entries."""

    erasure_key_parameter: str  # SSM SecureString; comma-separated keys, the first one is current
    secret_cache_seconds: int = 300
    schedule_group: str = ""  # pending abandoned-cart schedules of the number are deleted


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


class OutboundSettings(EnvSettings):
    """The outbound SMS queue: what ``bootstrap.queue()`` reads."""

    outbound_queue_url: str


class EventSettings(EnvSettings):
    """The event bus: what ``bootstrap.events()`` reads (empty: no events published)."""

    event_bus_name: str = ""


class SchedulingSettings(EnvSettings):
    """EventBridge Scheduler wiring shared by the campaign API, the dispatcher and the sender."""

    schedule_group: str = ""
    scheduler_role_arn: str = ""
    schedule_dlq_arn: str = ""
    dispatcher_function_arn: str = ""
    outbound_queue_arn: str = ""


class CampaignSettings(TableSettings):
    outbound_queue_url: str
    # Where short links point (``<base>/r/<code>``) unless the list sets its own short_domain; empty and
    # no short_domain: links go out untracked (the preview warns).
    public_base_url: str = ""


class LinkSettings(EnvSettings):
    """The dispatcher's link HMAC key (SSM SecureString; adapters/link_key.py)."""

    link_key_parameter: str = ""
    secret_cache_seconds: int = 300


class RedirectSettings(TableSettings):
    """``GET /r/{code}`` (optin/redirect.py): the tables and the bus (empty: no Message.Clicked)."""

    event_bus_name: str = ""


class DispatchSettings(EnvSettings):
    """The dispatch queue (one message per bucket shard still to queue): what ``bootstrap.dispatch_queue()`` reads."""

    dispatch_queue_url: str


class ExpirySettings(TableSettings):
    """The scheduled expiry sweep (services/expiry.py): the tables are all it needs."""


class SenderSettings(TableSettings):
    sms_provider: Literal["sns", "end-user-messaging", "local"] = "sns"
    eum_configuration_set: str = ""  # End User Messaging configuration set (event destinations)
    local_outbox_path: str = ".local/outbox.jsonl"
    message_record_days: int = Field(default=400, ge=1)  # how long a sent-message record is kept


class DeliverySettings(TableSettings):
    """The delivery-receipt worker (functions/delivery): the tables, the bus, how long a status is kept."""

    event_bus_name: str = ""  # empty: no Message.Delivered / Message.Failed events
    message_record_days: int = Field(default=400, ge=1)  # as long as the sent-message record it describes


class ReconcilerSettings(TableSettings):
    """The reconciler of unknown provider outcomes (services/reconciler.py); the queue it resends
    through is ``OutboundSettings``."""

    # Which provider sends: only SNS reports no per-message receipts (no resend is safe without them).
    sms_provider: Literal["sns", "end-user-messaging", "local"] = "sns"
    message_record_days: int = Field(default=400, ge=1)


class ForwardingSettings(EnvSettings):
    """Forwarding rules (``PUT /v1/admin/numbers/{number}/forwarding`` and the forwarder, which checks a
    URL again before it posts). ``forwarding_allow_loopback_http`` is set by the local stack only
    (infra/local/environment.py): ``http://127.0.0.1`` as a test receiver; the template never sets it."""

    forwarding_allow_loopback_http: bool = False


class ForwarderSettings(TableSettings, ForwardingSettings):
    """The forwarder (functions/inbound/forwarder.py)."""

    outbound_queue_url: str  # forwarded SMS go out as transactional messages through the sender
    forwarding_queue_url: str = ""  # its own queue: a failed job's retry is delayed by receive count
    forwarding_secret_parameter: str  # SSM SecureString: the HMAC secret(s) that sign forwarded POSTs
    secret_cache_seconds: int = 30
    mail_provider: Literal["ses", "local"] = "ses"
    forwarding_mail_from: str = ""  # a verified SES identity; e-mail targets fail (DLQ) until set
    local_mail_path: str = ".local/forwarded.jsonl"
