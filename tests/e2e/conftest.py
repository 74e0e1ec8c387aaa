"""The local stack as a real subprocess (``python -m infra.local``), talked to over HTTP with urllib."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
READY = "Local stack ready on "
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class LocalStack:
    process: subprocess.Popen[str]
    base_url: str
    output: list[str] = field(default_factory=list)
    stop_timeout: float = STOP_TIMEOUT
    exit_code: int | None = None
    pump: threading.Thread | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 15,
    ) -> Reply:
        req = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, hdrs, raw = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:  # 4xx/5xx still carry a body worth asserting on
            status, hdrs, raw = err.code, dict(err.headers), err.read()
        text = raw.decode("utf-8")
        is_json = "json" in next((v for k, v in hdrs.items() if k.lower() == "content-type"), "")
        return Reply(status, hdrs, json.loads(text) if is_json and text else text)

    def json(
        self, method: str, path: str, payload: Any, headers: dict[str, str] | None = None, timeout: float = 15
    ) -> Reply:
        return self.request(
            method,
            path,
            body=json.dumps(payload).encode(),
            headers={"content-type": "application/json", **(headers or {})},
            timeout=timeout,
        )

    def log(self) -> str:
        return "".join(self.output[-200:])

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT, then wait for the exit code (killed, and failed, after STOP_TIMEOUT)."""
        if self.exit_code is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.exit_code = self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                pytest.fail(f"the local stack did not stop within {self.stop_timeout:.0f} s of SIGINT:\n{self.log()}")
            if self.pump is not None:
                self.pump.join(5)  # the last lines (shutdown messages) are read after the exit
        return self.exit_code


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pump(stream: Any, sink: list[str], ready: threading.Event) -> None:
    # Always drain the child's output: a full pipe would block its logging and so its requests.
    for line in stream:
        sink.append(line)
        if line.startswith(READY):
            ready.set()


@contextmanager
def run_local_stack(extra_env: dict[str, str] | None = None) -> Iterator[LocalStack]:
    """``python -m infra.local`` on a free port until the block ends, then Ctrl-C (which must exit 0)."""
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=ROOT,
        env=env,
        text=True,
        encoding="utf-8",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    stack = LocalStack(process, f"http://127.0.0.1:{port}")
    ready = threading.Event()
    stack.pump = threading.Thread(target=_pump, args=(process.stdout, stack.output, ready), daemon=True)
    stack.pump.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.wait(0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the local stack did not start (exit {process.poll()}):\n{stack.log()}")
    assert f"{READY}http://127.0.0.1:{port}" in stack.log()
    try:
        yield stack
    finally:
        # Every run ends with Ctrl-C, and it must be a clean exit even if the shutdown test was skipped.
        code = stack.interrupt()
        assert code == 0, f"the local stack exited {code} after SIGINT:\n{stack.log()}"


@pytest.fixture(scope="module")
def local_stack() -> Iterator[LocalStack]:
    with run_local_stack() as stack:
        yield stack


# More than a year: a date hard-coded into a test or a README example is in this stack's past from the
# day it is written (the stack refuses to move its clock backwards), so the test fails at once.
CLOCK_AHEAD = timedelta(days=400)


def clock_ahead_env() -> dict[str, str]:
    start = datetime.now(UTC) + CLOCK_AHEAD
    return {"LOCAL_CLOCK_START": start.strftime("%Y-%m-%dT%H:%M:%SZ")}


@pytest.fixture(scope="module", params=["clock-now", "clock-a-year-ahead"])
def clock_stack(request: pytest.FixtureRequest) -> Iterator[LocalStack]:
    """The local stack twice: its clock at the real now, and started more than a year ahead."""
    with run_local_stack(clock_ahead_env() if request.param == "clock-a-year-ahead" else None) as stack:
        yield stack


def stack_now(stack: LocalStack) -> datetime:
    reply = stack.request("GET", "/dev/clock")
    assert reply.status == 200, reply.body
    return datetime.fromisoformat(reply.body["now"].replace("Z", "+00:00"))
