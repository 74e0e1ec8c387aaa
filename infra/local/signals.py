"""SIGINT/SIGTERM as a stop request instead of a ``KeyboardInterrupt`` traceback.

Kept free of heavy imports so ``__main__`` can install it before boto3 and moto load (which takes a
moment, and a Ctrl-C in that moment should still end quietly).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType


class StopSignal:
    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._received)

    def requested(self) -> bool:
        return self.event.is_set()

    def wait(self) -> None:
        # A timeout keeps the main thread returning to the interpreter, where signal handlers run.
        while not self.event.wait(0.5):
            pass

    def _received(self, signum: int, _frame: FrameType | None) -> None:
        if self.event.is_set():
            # A second Ctrl-C while shutting down: the developer wants out now.
            print("\nforced exit", file=sys.stderr, flush=True)
            os._exit(130)
        print(f"\n{signal.Signals(signum).name} received, shutting down…", file=sys.stderr, flush=True)
        self.event.set()
