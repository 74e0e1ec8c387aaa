"""Fuzz the HTTP API from its own OpenAPI document (schemathesis) against the local stack.

The run is schemathesis' own engine — what ``schemathesis run`` executes — with every phase: the
schema's examples, the coverage phase (boundary values, each constraint broken one at a time, wrong
types, undeclared methods such as TRACE, malformed and unsupported content types), property-based
fuzzing of schema-valid (positive) and schema-breaking (negative) requests, and stateful sequences
that follow the document's links (create a list, then read, import into and query it; sign a number
up, then read, patch and erase it; schedule a campaign, then read and cancel it). Each response must:
not be a 5xx; use a status the document lists for that operation; carry the documented content type
and match the documented schema (so every error has the ``{"error": {"code", "message", "fields"}}``
shape); and a request that breaks the schema must be refused with a 4xx. The default run sends at
least 1,000 requests with a fixed seed; ``pytest -m slow`` runs ~5× longer with a random seed.

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
import schemathesis.engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from infra.openapi import DOCUMENT

from .conftest import LocalStack, run_local_stack

pytestmark = pytest.mark.e2e

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
]
PHASES = ("examples", "coverage", "fuzzing", "stateful")
MIN_REQUESTS = 1000
# A schema-breaking request must be refused with one of these. 413 belongs here (schemathesis' default list
# lacks it): a body over a route's byte limit — e.g. a campaign text far beyond its maxLength — is refused
# before it is parsed. No 5xx: a server error is never an acceptable answer to bad input.
REFUSALS = [400, 401, 403, 404, 409, 413, 415, 422, 429]
SEED = 20261129
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "api-fuzz.json"
# Sign-up rate limits high enough that the fuzzer reaches validation instead of a 429 after 20 requests
# (429s are still answered, documented and checked when the limits do trip).
LIMITS = "ip=100000/60,phone=100000/60,prefix=100000/60"

# Stateful links (OpenAPI "links"): which response feeds which request, so the stateful phase reaches
# the resources a create made instead of 404ing on random identifiers.
# (source method, source path, statuses) → [(target method, target path, {parameter: expression})]
LINKS: dict[tuple[str, str, tuple[str, ...]], list[tuple[str, str, dict[str, str]]]] = {
    ("put", "/v1/admin/lists/{list_id}", ("200", "201")): [
        (m, p, {"list_id": "$request.path.list_id"})
        for m, p in [
            ("get", "/v1/admin/lists/{list_id}"),
            ("get", "/v1/lists/{list_id}/public"),
            ("post", "/v1/admin/lists/{list_id}/import"),
            ("get", "/v1/admin/lists/{list_id}/stats"),
        ]
    ],
    ("post", "/v1/optin", ("202",)): [  # a subscribed number gets the same 202 as a new one
        (m, "/v1/admin/contacts/{phone}", {"phone": "$request.body#/phone"}) for m in ("get", "patch", "delete")
    ],
    ("post", "/v1/admin/campaigns", ("201",)): [
        (m, "/v1/admin/campaigns/{campaign_id}", {"campaign_id": "$response.body#/campaign_id"})
        for m in ("get", "delete")
    ],
    ("put", "/v1/admin/keywords/{keyword}", ("200", "201")): [
        ("get", "/v1/admin/keywords/{keyword}", {"keyword": "$request.path.keyword"})
    ],
}


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


def with_links(document: dict[str, Any]) -> dict[str, Any]:
    paths = document["paths"]
    for (method, path, statuses), targets in LINKS.items():
        for status in statuses:
            links = paths[path][method]["responses"][status].setdefault("links", {})
            for target_method, target_path, parameters in targets:
                name = f"{target_method.upper()} {target_path}"
                links[name] = {"operationRef": _operation_ref(target_method, target_path), "parameters": parameters}
    return document


def _operation_ref(method: str, path: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    per_phase: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def scenario(self, event: events.ScenarioFinished) -> None:
        phase = event.phase.value
        for case_id, interaction in event.recorder.interactions.items():
            if interaction.response is not None:
                self.statuses[str(interaction.response.status_code)] += 1
                self.per_phase[phase] += 1
                case = event.recorder.cases.get(case_id)
                if case is not None:
                    self.per_operation[case.value.operation.label] += 1
        for checks in event.recorder.checks.values():
            for check in checks:
                if check.status == Status.FAILURE and check.failure_info is not None:
                    failure = check.failure_info.failure
                    text = f"[{phase}] {event.label}: {check.name}: {failure.title}\n{failure.message}"
                    self.failures.append(f"{text}\n{check.failure_info.code_sample}"[:3000])


def fuzz(stack: LocalStack, examples: int, seed: int | None, stateful_steps: int) -> dict[str, Any]:
    """Every operation, every phase, through schemathesis' engine; failures are collected, not raised one
    by one. One worker: the machine is shared, and the engine's threads add nothing to what is found."""
    config = SchemathesisConfig.from_dict(
        {
            **({"seed": seed} if seed is not None else {}),
            "base-url": stack.base_url,
            "workers": 1,
            "request-timeout": 30,
            "generation": {"max-examples": examples, "mode": "all"},
            "phases": {name: {"enabled": True} for name in PHASES} | {"stateful": {"max-steps": stateful_steps}},
            "checks": {"enabled": False}
            | {name: {"enabled": True} for name in CHECKS}
            | {"negative_data_rejection": {"enabled": True, "expected-statuses": REFUSALS}},
        }
    )
    schema = schemathesis.openapi.from_dict(with_links(served_without_iam(stack)), config=config)
    tally = Tally()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            tally.scenario(event)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            tally.errors.append(f"{getattr(event, 'label', '')}: {event.info.format()}"[:3000])
    return {
        "operations": len(document_operations(schema)),
        "requests": sum(tally.statuses.values()),
        "statuses": dict(sorted(tally.statuses.items())),
        "per_phase": dict(sorted(tally.per_phase.items())),
        "per_operation": dict(sorted(tally.per_operation.items())),
        "failures": tally.failures,
        "errors": tally.errors,
    }


def document_operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def assert_clean(tally: dict[str, Any], minimum: int) -> None:
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(tally, indent=2) + "\n", encoding="utf-8")
    assert not tally["failures"], f"{len(tally['failures'])} failing responses:\n" + "\n\n".join(tally["failures"][:20])
    assert not tally["errors"], "the fuzzer itself failed:\n" + "\n\n".join(tally["errors"][:5])
    # Every phase ran and sent requests (a phase that silently generated nothing would hide regressions).
    assert set(tally["per_phase"]) == set(PHASES), tally["per_phase"]
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
    examples = int(os.environ.get("FUZZ_EXAMPLES", "40"))
    assert_clean(fuzz(fuzz_stack, examples, seed=SEED, stateful_steps=20), MIN_REQUESTS)


@pytest.mark.slow
def test_fuzz_long_run_random_seed(fuzz_stack: LocalStack) -> None:
    assert_clean(fuzz(fuzz_stack, 150, seed=None, stateful_steps=60), 5 * MIN_REQUESTS)
