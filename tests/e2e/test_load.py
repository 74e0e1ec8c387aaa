"""Load against `make run`: many concurrent clients sign up; zero unexpected errors, and the ledger holds
exactly one entry per accepted request. (The local stack serialises invocations like one warm Lambda
instance, so this measures correctness under concurrency, not AWS throughput.)"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import LocalStack, run_local_stack

pytestmark = pytest.mark.e2e

# The load comes from one IP: lift the per-IP limit for this run (the pumping tests cover the limits).
LIMITS = "ip=1000000/600,phone=5/3600,prefix=1000000/3600"


# Many sign-ups: moto as installed deep-copies a table per transaction item (~6x slower here, growing with
# the tables), so the load runs with the opt-in speed-ups; every other e2e test runs on moto as installed.
FAST = {"LOCAL_PARAMETER_OVERRIDES": f"OptInRateLimits={LIMITS}", "LOCAL_MOTO_SPEEDUPS": "1"}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with run_local_stack(FAST) as running:
        running.stop_timeout = 60  # after a load run the threads and moto take longer to wind down
        yield running


def sign_up(base: str, i: int) -> int:
    body = json.dumps({"phone": f"+4850{i:07d}", "list_id": "load", "sms_consent": True}).encode()
    request = urllib.request.Request(
        base + "/v1/optin", data=body, method="POST", headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def run(stack: LocalStack, requests: int, clients: int) -> Counter[int]:
    stack.json(
        "PUT",
        "/v1/admin/lists/load",
        {
            "brand": "Load Shop",
            "opt_in": "single",
            "default_country": "PL",
            "allowed_countries": ["PL"],
            "frequency": "up to 4 msgs/month",
            "support": "help@load.example",
            "consent_text": {"version": "1", "text": "Yes"},
        },
    )
    with ThreadPoolExecutor(clients) as pool:
        statuses = Counter(pool.map(lambda i: sign_up(stack.base_url, i), range(requests)))
    assert set(statuses) <= {202}, statuses  # every sign-up accepted, no 5xx, nothing else
    stats = stack.request("GET", "/v1/admin/lists/load/stats").body["totals"]
    assert stats["optins"] == {"api": statuses[202]}  # one ledger entry per accepted request
    sample = stack.request("GET", "/v1/admin/contacts/%2B48500000007").body
    assert [e["action"] for e in sample["ledger"]] == ["granted"]
    # Every accepted sign-up gets exactly one welcome SMS, once the sender has caught up.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        welcomes = [
            m for m in stack.request("GET", "/dev/outbox").body["messages"] if m["body"].startswith("Load Shop")
        ]
        if len(welcomes) >= statuses[202]:
            break
        time.sleep(1)
    assert len(welcomes) == statuses[202] == len({m["to"] for m in welcomes})
    return statuses


def test_concurrent_sign_ups(stack: LocalStack) -> None:
    run(stack, requests=150, clients=10)


@pytest.mark.slow
def test_10000_sign_ups_from_50_clients() -> None:
    with run_local_stack(FAST) as running:
        running.stop_timeout = 120
        run(running, requests=10_000, clients=50)
