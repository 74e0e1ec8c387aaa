"""Calling a function's handler the way Lambda would, one invocation at a time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .lambda_runtime import FakeLambdaContext, load_handler
from .template import Stack

Handler = Callable[[dict[str, Any], Any], Any]

logger = logging.getLogger("infra.local")


class Invoker:
    """Loads each handler once and invokes it with a fresh Lambda context.

    In AWS every function runs in its own sandbox, one event at a time. Here the HTTP threads and the
    SQS pollers share one interpreter, and the handler modules keep per-invocation state in module
    globals (Powertools resolvers hold ``current_event``, the batch processor its records, and all
    ``Metrics`` instances share one metric set), so invocations are serialised by a single lock.
    For a development stack, correctness beats concurrency.
    """

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def load_all(self) -> None:
        """Import every handler now, so a broken import fails the start-up and not the first request."""
        for function in self._stack.functions():
            self._handler(function)

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        handler = self._handler(function)
        memory, timeout = self._limits(function)
        with self._lock:
            context = FakeLambdaContext(function, memory_limit_in_mb=memory, timeout_s=timeout)
            started = time.monotonic()
            try:
                return handler(event, context)
            finally:
                elapsed = time.monotonic() - started
                if elapsed > timeout:
                    # Not enforced (a killed thread would leave the process inconsistent), but in AWS
                    # this invocation would have timed out, so say so.
                    logger.warning("%s took %.1f s, over its %d s Lambda timeout", function, elapsed, timeout)

    def _handler(self, function: str) -> Handler:
        if function not in self._handlers:
            self._handlers[function] = load_handler(self._stack, function)
        return self._handlers[function]

    def _limits(self, function: str) -> tuple[int, int]:
        """MemorySize and Timeout of the function, falling back to the template's Globals."""
        glob = self._stack.template.get("Globals", {}).get("Function", {})
        props = self._stack.functions()[function]["Properties"]
        memory = self._stack.resolve(props.get("MemorySize", glob.get("MemorySize", 128)))
        timeout = self._stack.resolve(props.get("Timeout", glob.get("Timeout", 3)))
        return int(memory), int(timeout)
