"""End User Messaging's event destination (configuration set → ``DeliveryTopic``) on the local stack.

No SAM event type: in AWS the provider publishes the events, not a trigger of ours. Locally the provider
is the outbox (``LocalOutboxProvider``), and this source makes it report: it installs the emulation of
``delivery.py`` as the provider's listener and adds ``GET``/``POST /dev/delivery``; ``GET /dev/outbox``
gains each message's reported status. The template's own subscription and SQS source do the rest.
"""

from __future__ import annotations

import threading

from consent_platform.adapters.sms import LocalOutboxProvider

from ..delivery import DeliveryEmulator
from ..template import Stack
from . import Runtime

OUTBOX = ("GET", "/dev/outbox")


class _DeliveryReceipts:
    name = "delivery_receipts"
    event_types: tuple[str, ...] = ()

    def provision(self, stack: Stack) -> None:
        pass  # DeliveryTopic, its raw subscription and DeliveryQueue are the template's own

    def start(self, runtime: Runtime) -> list[threading.Thread]:
        emulator = DeliveryEmulator(runtime.stack.attributes["DeliveryTopic"]["Ref"])
        LocalOutboxProvider.listeners.append(emulator.report)
        routes = runtime.gateway.local_routes
        routes[("POST", "/dev/delivery")] = emulator.post_delivery
        routes[("GET", "/dev/delivery")] = emulator.get_delivery
        if OUTBOX in routes:
            routes[OUTBOX] = emulator.with_statuses(routes[OUTBOX])
        return []  # reports are published on the sender's thread, right after each accepted message


SOURCE = _DeliveryReceipts()
