"""Local stack latency: ``POST /v1/optin`` against a running ``python -m infra.local``, sequentially.

The stack starts as a subprocess on a free port (moto in-process as AWS, the handlers behind the local
API Gateway, the SQS pollers sending the welcome SMS in the background). One client sends ``REQUESTS``
sign-ups one after another, each with a new number, to a single opt-in list; after ``WARMUP`` requests
that are not counted, p50 and p99 are taken over the rest.

SMS-pumping limits: every request comes from one client IP (127.0.0.1) and walks one number range,
which is exactly what the per-IP and per-prefix limits exist to refuse. The bench lifts those two limits
through the template parameter ``OptInRateLimits`` (``LOCAL_PARAMETER_OVERRIDES``, as ``sam deploy
--parameter-overrides`` would), keeps the per-number limit (each number signs up once), and gives the
list a daily sign-up SMS cap above the request count (``max_confirmations_per_day``). No header is
forged: the client IP is the connection's, as API Gateway sees it.

moto: the stack runs with its opt-in moto speed-ups (``LOCAL_MOTO_SPEEDUPS=1``, infra/local/moto_speedups.py).
On moto as installed (``make run``'s default; ``python -m bench.latency N --plain``) each DynamoDB
transaction deep-copies the tables it touches, so a sign-up slows down as the tables grow and a
thousand sequential sign-ups do not fit the bench's time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from infra.local.template import ROOT

REQUESTS = 1000
WARMUP = 20
READY = "Local stack ready on "
LIMITS = "ip=1000000/600,phone=5/3600,prefix=1000000/3600"
LIST: dict[str, Any] = {
    "brand": "Bench Shop",
    "opt_in": "single",
    "default_country": "PL",
    "allowed_countries": ["PL"],
    "frequency": "up to 4 msgs/month",
    "support": "help@bench.example",
    "consent_text": {"version": "1", "text": "Yes, send me offers by SMS."},
    "language": "en",
    "max_confirmations_per_day": 100_000,
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(base: str, method: str, path: str, payload: Any) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1, our own local stack
        base + path, data=json.dumps(payload).encode(), method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own local stack
            return int(response.status), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return int(err.code), err.read().decode()


def measure(
    requests: int = REQUESTS, progress: Callable[[str], None] | None = None, speedups: bool = True
) -> dict[str, Any]:
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        "LOCAL_PARAMETER_OVERRIDES": f"OptInRateLimits={LIMITS}",
        "LOCAL_MOTO_SPEEDUPS": "1" if speedups else "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output: list[str] = []
    ready = threading.Event()

    def pump() -> None:  # always drain the child's output, or its logging blocks
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith(READY):
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while not ready.wait(0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the local stack did not start:\n" + "".join(output[-40:]))
        base = f"http://127.0.0.1:{port}"
        status, body = _call(base, "PUT", "/v1/admin/lists/bench", LIST)
        assert status in (200, 201), body
        timings: list[float] = []
        statuses: dict[int, int] = {}
        for i in range(WARMUP + requests):
            payload = {"phone": f"+4850{i:07d}", "list_id": "bench", "sms_consent": True}
            started = time.perf_counter()
            status, body = _call(base, "POST", "/v1/optin", payload)
            elapsed = time.perf_counter() - started
            statuses[status] = statuses.get(status, 0) + 1
            if status != 202:
                raise RuntimeError(f"sign-up {i} answered {status}: {body}")
            if i >= WARMUP:
                timings.append(elapsed * 1000)
            if progress and i % 250 == 249:
                progress(f"local latency: {i + 1 - WARMUP}/{requests}")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    ordered = sorted(timings)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p99": round(ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)], 1),
        "mean": round(statistics.fmean(ordered), 1),
        "first_100_p50": round(statistics.median(timings[:100]), 1),
        "last_100_p50": round(statistics.median(timings[-100:]), 1),
        "requests": len(timings),
    }


if __name__ == "__main__":
    sizes = [int(arg) for arg in sys.argv[1:] if arg.isdigit()]
    print(json.dumps(measure(sizes[0] if sizes else REQUESTS, print, speedups="--plain" not in sys.argv), indent=1))
