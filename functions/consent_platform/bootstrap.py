"""The composition root: the one place that builds settings, clients, stores and services. Handlers ask
it for what they need; nothing else constructs an adapter or a service from the environment.

Everything is built lazily, on first use, and kept for the life of the process (a warm Lambda reuses
it). Nothing here imports a store or a service at module import: each factory imports what it builds,
so a function's cold start loads only what that function asks for (``tests/perf/test_cold_start_imports``
checks it: the sender must not load the list models that the opt-in's service needs).

Adding a function: its handler file asks for existing pieces (``stores()``, ``queue()``, …) or for a
new factory here; its settings model goes in ``settings.py`` only when it reads new variables.
:func:`reset` forgets everything (tests change the environment between runs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

# Every function calls AWS in every invocation: boto3 loads with the composition root (adapters/aws.py).
from .adapters.aws import reset_clients

# Only the shared settings models: a function's own (settings.py's ``_HOMES``) load in the factory that reads them.
from .settings import DispatchSettings, EnvSettings, EventSettings, OutboundSettings, SchedulingSettings, TableSettings

if TYPE_CHECKING:
    from datetime import datetime

    from .adapters.dispatch_queue import DispatchQueue
    from .adapters.dynamodb.stores import Stores
    from .adapters.erasure import ErasureRepository
    from .adapters.events import EventPublisher
    from .adapters.forwarding import ForwardQueue
    from .adapters.inbound_queue import InboundQueue
    from .adapters.queue import OutboundQueue
    from .adapters.scheduler import Scheduler
    from .domain.messages import OutboundMessage
    from .services.forwarder import Forwarder
    from .services.inbound.service import InboundService
    from .services.optin import OptInService
    from .services.sender import SenderService

__all__ = [
    "component",
    "dispatch_queue",
    "erasure_repository",
    "events",
    "inbound_queue",
    "inbound_service",
    "optin_service",
    "queue",
    "reset",
    "scheduler",
    "sender_service",
    "settings",
    "stores",
]

M = TypeVar("M", bound=EnvSettings)
F = TypeVar("F", bound=Callable[..., Any])

_settings: dict[type[EnvSettings], EnvSettings] = {}
_components: list[Any] = []  # every cached factory, cleared by reset()


def settings(model: type[M]) -> M:
    """The function's settings of one model, read from the environment once."""
    found = _settings.get(model)
    if found is None:
        found = _settings[model] = model.from_env()
    return cast(M, found)


def component(factory: F) -> F:
    """Build once, keep for the process, forget on :func:`reset` (for factories here or in a handler)."""
    cached = cache(factory)
    _components.append(cached)
    return cast(F, cached)


def reset() -> None:
    """Forget every setting, client, store and service (tests switch the environment between runs)."""
    _settings.clear()
    for cached in _components:
        cached.cache_clear()
    reset_clients()
    import sys

    if "aws_lambda_powertools.utilities.parameters" in sys.modules:  # the SSM secrets' cache
        sys.modules["aws_lambda_powertools.utilities.parameters"].clear_caches()
    if "consent_platform.adapters.sms" in sys.modules:  # the local provider's buckets belong to a stack
        sys.modules["consent_platform.adapters.sms"].LOCAL_LIMITER.reset()


# ---- adapters ----------------------------------------------------------------------------------------


@component
def stores() -> Stores:
    from .adapters.dynamodb.stores import Stores

    s = settings(TableSettings)
    return Stores(s.table_name, s.ledger_table_name)


@component
def queue() -> OutboundQueue:
    from .adapters.queue import OutboundQueue

    return OutboundQueue(settings(OutboundSettings).outbound_queue_url)


@component
def dispatch_queue() -> DispatchQueue:
    from .adapters.dispatch_queue import DispatchQueue

    return DispatchQueue(settings(DispatchSettings).dispatch_queue_url)


@component
def events() -> EventPublisher:
    from .adapters.events import EventPublisher

    return EventPublisher(settings(EventSettings).event_bus_name)


@component
def scheduler() -> Scheduler:
    from .adapters.scheduler import Scheduler

    s = settings(SchedulingSettings)
    return Scheduler(s.schedule_group, s.scheduler_role_arn, s.schedule_dlq_arn)


@component
def inbound_queue() -> InboundQueue:
    from .adapters.inbound_queue import InboundQueue
    from .config.inbound import InboundWebhookSettings

    return InboundQueue(settings(InboundWebhookSettings).inbound_queue_url)


@component
def erasure_repository() -> ErasureRepository:
    from .adapters.erasure import ErasureRepository
    from .config.admin import ErasureSettings

    s = settings(ErasureSettings)
    return ErasureRepository(s.table_name, s.ledger_table_name)


# ---- services ----------------------------------------------------------------------------------------


@component
def optin_service() -> OptInService:
    from .config.optin import OptInSettings
    from .services.optin import OptInService

    s = settings(OptInSettings)
    return OptInService(
        stores(),
        queue(),
        timedelta(hours=s.pending_confirmation_hours),
        events() if s.event_bus_name else None,
        s.limits(),
        s.optin_prefix_digits,
    )


@component
def inbound_service() -> InboundService:
    from .config.inbound import InboundWorkerSettings
    from .services.inbound.service import InboundService

    s = settings(InboundWorkerSettings)
    service = InboundService(
        stores(),
        queue(),
        events(),
        timedelta(hours=s.pending_confirmation_hours),
        s.config_cache_seconds,
        timedelta(days=s.inbox_retention_days),
    )
    service.forwards = forward_queue(s.forwarding_queue_url) if s.forwarding_queue_url else None
    return service


@component
def sender_service(
    defer: Callable[[OutboundMessage, datetime], bool],
    requeue: Callable[[Sequence[tuple[OutboundMessage, int]]], None] | None = None,
) -> SenderService:
    """``defer``: how the sender puts a message off until its window opens (the handler's schedule);
    ``requeue``: how it puts messages back on its queue with a delay (pacing)."""
    from .adapters.sms import make_provider
    from .config.sending import SenderSettings
    from .services.sender import SenderService

    s = settings(SenderSettings)
    # The local provider enforces each identity's configured rate (read from the senders store) like EUM.
    configured = stores().pacing.configured_rate
    provider = make_provider(s.sms_provider, s.eum_configuration_set, s.local_outbox_path, configured)
    return SenderService(stores(), provider, s.message_record_days, defer, requeue)


# ---- forwarding (issue #20) ---------------------------------------------------------------------------


@component
def forward_queue(queue_url: str) -> ForwardQueue:
    from .adapters.forwarding import ForwardQueue

    return ForwardQueue(queue_url)


@component
def forwarder() -> Forwarder:
    """The forwarder's service: the signed POST, e-mail through SES (a file locally), SMS through the sender."""
    from .adapters.forwarding import HttpPoster, make_mailer
    from .adapters.queue import OutboundQueue
    from .config.forwarding import ForwarderSettings
    from .services.forwarder import Forwarder

    s = settings(ForwarderSettings)

    def secrets() -> list[str]:
        from aws_lambda_powertools.utilities import parameters

        from .domain.clock import utc_now
        from .domain.signatures import active_secrets

        value = parameters.get_parameter(s.forwarding_secret_parameter, decrypt=True, max_age=s.secret_cache_seconds)
        return active_secrets(str(value), utc_now())

    return Forwarder(
        stores(),
        HttpPoster(),
        make_mailer(s.mail_provider, s.forwarding_mail_from, s.local_mail_path),
        OutboundQueue(s.outbound_queue_url),
        secrets,
        s.forwarding_allow_loopback_http,
    )
