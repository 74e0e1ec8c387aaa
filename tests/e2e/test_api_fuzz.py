"""Fuzz the HTTP API from its own OpenAPI document (schemathesis) against the local stack.

Every operation the stack serves at ``/openapi.json`` gets schema-valid (positive) and schema-breaking
(negative) requests. Each response must: not be a 5xx; use a status the document lists for that
operation; carry the documented content type and match the documented schema (so every error has the
``{"error": {"code", "message", "fields"}}`` shape); and a request that breaks the schema must be
refused with a 4xx. The default run sends at least 1,000 requests with a fixed seed (the same
requests every run); ``pytest -m slow`` sends ~5× more with a random seed.

Checks left out, and why: ``unsupported_method`` expects 405 for undocumented methods, but API Gateway
HTTP APIs answer 404 for any route they do not have; ``ignored_auth`` needs SigV4 enforcement, which
API Gateway does before any function runs (the local stack does not emulate IAM).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from infra.openapi import DOCUMENT

from .conftest import LocalStack, run_local_stack

pytestmark = pytest.mark.e2e

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MIN_REQUESTS = 1000
# A schema-breaking request must be refused with one of these. 413 belongs here (schemathesis' default list
# lacks it): a body over a route's byte limit — e.g. a campaign text far beyond its maxLength — is refused
# before it is parsed. No 5xx: a server error is never an acceptable answer to bad input.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 409, 413, 415, 422, 429]}}}
)
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "api-fuzz.json"
# Sign-up rate limits high enough that the fuzzer reaches validation instead of a 429 after 20 requests
# (429s are still answered, documented and checked when the limits do trip).
LIMITS = "ip=100000/60,phone=100000/60,prefix=100000/60"


@pytest.fixture(scope="module")
def fuzz_stack() -> Any:
    with run_local_stack({"LOCAL_PARAMETER_OVERRIDES": f"OptInRateLimits={LIMITS}"}) as stack:
        yield stack


def served_without_iam(stack: LocalStack) -> dict[str, Any]:
    """The document the stack serves, minus SigV4 on admin routes: IAM is API Gateway's check, made before
    any function runs, and the local stack does not emulate it (so "request without Authorization was
    accepted" would be a finding about the emulator, not about our code)."""
    reply = stack.request("GET", "/openapi.json")
    assert reply.status == 200
    document: dict[str, Any] = reply.body
    for item in document["paths"].values():
        for operation in item.values():
            operation.pop("security", None)
    return document


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    cannot_generate: list[str] = field(default_factory=list)


def fuzz_operation(
    stack: LocalStack, operation: Any, mode: GenerationMode, examples: int, derandomize: bool, tally: Tally
) -> None:
    label = f"{operation.label} [{mode.value}]"

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=stack.base_url, timeout=30)
        tally.statuses[str(response.status_code)] += 1
        tally.per_operation[operation.label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:  # collected: one bad response must not hide the others
            tally.failures.append(f"{label}: {exc}"[:3000])

    try:
        run()
    except Unsatisfiable:  # e.g. no request can break a schema whose only input is any string
        tally.cannot_generate.append(label)


def fuzz(stack: LocalStack, examples: int, derandomize: bool) -> dict[str, Any]:
    """Every operation in both modes; failures are collected, not raised one by one."""
    schema = schemathesis.openapi.from_dict(served_without_iam(stack), config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    tally = Tally()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz_operation(stack, operation, mode, examples, derandomize, tally)
    return {
        "operations": len(operations),
        "requests": sum(tally.statuses.values()),
        "statuses": dict(sorted(tally.statuses.items())),
        "per_operation": dict(sorted(tally.per_operation.items())),
        "cannot_generate": tally.cannot_generate,
        "failures": tally.failures,
    }


def assert_clean(tally: dict[str, Any], minimum: int) -> None:
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(tally, indent=2) + "\n", encoding="utf-8")
    assert not tally["failures"], f"{len(tally['failures'])} failing responses:\n" + "\n\n".join(tally["failures"][:20])
    assert tally["requests"] >= minimum, tally
    assert not [s for s in tally["statuses"] if s.startswith("5")], tally["statuses"]
    # Every operation was reached, and both accepted and refused requests happened.
    assert tally["operations"] >= 18 and len(tally["per_operation"]) == tally["operations"]
    assert any(s.startswith("2") for s in tally["statuses"]) and any(s.startswith("4") for s in tally["statuses"])


def test_stack_serves_the_document_of_the_running_code_and_swagger_ui(fuzz_stack: LocalStack) -> None:
    served = fuzz_stack.request("GET", "/openapi.json")
    assert served.status == 200 and served.body == json.loads(DOCUMENT.read_text(encoding="utf-8"))
    page = fuzz_stack.request("GET", "/docs")
    assert page.status == 200 and "text/html" in page.headers.get("content-type", page.headers.get("Content-Type", ""))
    assert "SwaggerUIBundle" in page.body and "/v1/optin" in page.body  # spec and script inlined: works offline
    assert fuzz_stack.request("GET", "/docs?format=json").body == served.body


def test_fuzz_every_operation_from_the_openapi_document(fuzz_stack: LocalStack) -> None:
    examples = int(os.environ.get("FUZZ_EXAMPLES", "35"))  # per operation and mode: ~31 × 35 ≈ 1,085
    assert_clean(fuzz(fuzz_stack, examples, derandomize=True), MIN_REQUESTS)


@pytest.mark.slow
def test_fuzz_long_run_random_seed(fuzz_stack: LocalStack) -> None:
    assert_clean(fuzz(fuzz_stack, 170, derandomize=False), 5 * MIN_REQUESTS)
