"""The local stack's event sources: one module per kind of trigger, each found by its file alone.

AWS delivers events to a function from many services (API Gateway, SQS, EventBridge, Scheduler, …);
locally each kind is emulated by one module of this package. A module defines ``SOURCE``, an object
with two steps:

* ``provision(stack)`` — what the emulation needs on moto beyond the template's own resources (run by
  ``template.provision``, so the integration tests get it too); most sources need nothing;
* ``start(runtime)`` — begin delivering: register routes, start polling threads; returns the threads,
  which stop when ``runtime.stop`` is set.

Adding a trigger type is adding a file here: the registry imports every module of the package, in
name order, and ``app.py`` and ``template.provision`` iterate it.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..gateway import Gateway
    from ..invoker import Invoker
    from ..template import Stack

logger = logging.getLogger("infra.local")


@dataclass(frozen=True)
class Runtime:
    """What a source delivers with: the provisioned stack, the functions, the HTTP gateway."""

    stack: Stack
    invoker: Invoker
    gateway: Gateway
    stop: threading.Event


class EventSource(Protocol):
    name: str
    event_types: tuple[str, ...]  # the SAM event ``Type`` values it delivers (none: it only provisions)

    def provision(self, stack: Stack) -> None: ...

    def start(self, runtime: Runtime) -> list[threading.Thread]: ...


@cache
def registered() -> tuple[EventSource, ...]:
    """Every module's ``SOURCE``, in module name order."""
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        source: EventSource = importlib.import_module(f"{__name__}.{module.name}").SOURCE
        found.append(source)
    return tuple(found)


def provision_all(stack: Stack) -> None:
    for source in registered():
        source.provision(stack)


def unemulated(stack: Stack) -> set[str]:
    """The template's event types no source delivers: those functions would silently never run locally."""
    used = {event["Type"] for fn in stack.functions().values() for event in fn["Properties"].get("Events", {}).values()}
    return used - {kind for source in registered() for kind in source.event_types}


def start_all(runtime: Runtime) -> list[threading.Thread]:
    missing = unemulated(runtime.stack)
    if missing:
        logger.warning("no local emulation for event type(s) %s (add a module to infra/local/sources)", sorted(missing))
    threads: list[threading.Thread] = []
    for source in registered():
        threads += source.start(runtime)
    return threads
