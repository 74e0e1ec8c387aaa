"""Settings: one pydantic model per function, read from the environment variables that
``template.yaml`` sets (and that the local stack and tests resolve from the same template).

A function asks ``consent_platform.bootstrap.settings(Model)`` for its model (read once, cached per
model class). Each field comes from the variable of the same name in any case (``table_name`` ← ``TABLE_NAME``), as
with pydantic-settings, which is not used: importing it costs every cold start ~20 ms (its CLI, dotenv
and cloud secret sources) for what ``EnvSettings.from_env`` does in a few lines.

This module holds the models many functions share; each function's own models are in
``consent_platform/config/`` and load when first named (``from consent_platform.settings import X`` works
for all of them), so a cold start builds a handful of models, not all twenty (issue 17).
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any, Self

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # "X as X": re-exported for mypy (PEP 484); at run time ``__getattr__`` below loads them
    from .config.admin import AdminSettings as AdminSettings  # noqa: PLC0414
    from .config.admin import ErasureSettings as ErasureSettings  # noqa: PLC0414
    from .config.admin import TransactionalSettings as TransactionalSettings  # noqa: PLC0414
    from .config.campaigns import CampaignSettings as CampaignSettings  # noqa: PLC0414
    from .config.campaigns import LinkSettings as LinkSettings  # noqa: PLC0414
    from .config.campaigns import RedirectSettings as RedirectSettings  # noqa: PLC0414
    from .config.forwarding import ForwarderSettings as ForwarderSettings  # noqa: PLC0414
    from .config.forwarding import ForwardingSettings as ForwardingSettings  # noqa: PLC0414
    from .config.inbound import InboundWebhookSettings as InboundWebhookSettings  # noqa: PLC0414
    from .config.inbound import InboundWorkerSettings as InboundWorkerSettings  # noqa: PLC0414
    from .config.optin import OptInSettings as OptInSettings  # noqa: PLC0414
    from .config.sending import DeliverySettings as DeliverySettings  # noqa: PLC0414
    from .config.sending import ReconcilerSettings as ReconcilerSettings  # noqa: PLC0414
    from .config.sending import SenderSettings as SenderSettings  # noqa: PLC0414


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


class DispatchSettings(EnvSettings):
    """The dispatch queue (one message per bucket shard still to queue): what ``bootstrap.dispatch_queue()`` reads."""

    dispatch_queue_url: str


class ExpirySettings(TableSettings):
    """The scheduled expiry sweep (services/expiry.py): the tables are all it needs."""


# A function's own models live in ``consent_platform/config/``, loaded when first named: the shared models
# above are all most functions need, and building the twenty classes (plus the opt-in's rate-limit
# parser) cost every cold start ~4 ms (issue 17). ``from consent_platform.settings import X`` still works.
_HOMES = {
    "OptInSettings": "optin",
    "AdminSettings": "admin",
    "ErasureSettings": "admin",
    "TransactionalSettings": "admin",
    "InboundWorkerSettings": "inbound",
    "InboundWebhookSettings": "inbound",
    "ForwardingSettings": "forwarding",
    "ForwarderSettings": "forwarding",
    "CampaignSettings": "campaigns",
    "LinkSettings": "campaigns",
    "RedirectSettings": "campaigns",
    "SenderSettings": "sending",
    "DeliverySettings": "sending",
    "ReconcilerSettings": "sending",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__package__}.config.{_HOMES[name]}"), name)
