"""EventBridge Scheduler: the template's periodic ``ScheduleV2`` events and one-time ``at()`` schedules.

The Scheduler emulation itself is ``LocalScheduler`` (schedules.py): moto stores the schedules, the local
clock fires them. This source wires it into the running stack:

* a thread per ``rate()`` schedule of the template invokes its function every period of wall-clock time
  (other expressions, such as ``cron()``, run only when the clock moves);
* ``GET``/``POST /dev/clock`` read and move the local clock; a move fires the one-time schedules that
  became due and runs each periodic schedule once.
"""

from __future__ import annotations

import logging
import re
import threading

from ..schedules import LocalScheduler
from ..template import Stack
from . import Runtime

logger = logging.getLogger("infra.local")

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int | None:
    """The period of a ``rate()`` expression in seconds; ``None`` for any other expression."""
    match = _RATE.match(expression)
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")] if match else None


class _Scheduler:
    name = "schedule"
    event_types = ("ScheduleV2", "Schedule")

    def provision(self, stack: Stack) -> None:
        pass  # schedule groups are the template's own; one-time schedules are created by the functions

    def start(self, runtime: Runtime) -> list[threading.Thread]:
        scheduler = LocalScheduler(runtime.stack, runtime.invoker)
        runtime.gateway.local_routes[("POST", "/dev/clock")] = scheduler.handle_clock
        runtime.gateway.local_routes[("GET", "/dev/clock")] = scheduler.read_clock
        threads = []
        for function, expression in runtime.stack.periodic_schedules():
            period = rate_seconds(expression)
            if period is None:
                logger.warning("%s: %s runs only when the clock moves (POST /dev/clock)", function, expression)
                continue

            def loop(function: str = function, period: int = period) -> None:
                while not runtime.stop.wait(period):
                    scheduler.invoke_periodic(function)

            thread = threading.Thread(target=loop, name=f"periodic-{function}", daemon=True)
            thread.start()
            threads.append(thread)
        return threads


SOURCE = _Scheduler()
