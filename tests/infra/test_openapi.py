"""The OpenAPI document: generated from the handlers, checked in, complete and honest about errors."""

from __future__ import annotations

import json

import pytest

from infra.local.template import Stack, load_template
from infra.openapi import DOCUMENT, DocumentError, _components, generate, render

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture(scope="module")
def document() -> dict:
    return generate()


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [(m.upper(), p, op) for p, item in document["paths"].items() for m, op in item.items()]


def test_checked_in_copy_matches_the_handlers(document: dict) -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(document), (
        "docs/openapi.json drifted from the handlers: run `make openapi` and commit it"
    )


def test_every_template_route_is_documented_once(document: dict) -> None:
    routes = {(r.method, r.path) for r in Stack(load_template()).http_routes()}
    documented = {(m, p) for m, p, _ in operations(document)}
    assert documented == routes
    assert len(routes) >= 18


def test_every_error_response_has_the_error_shape(document: dict) -> None:
    for method, path, op in operations(document):
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert errors, f"{method} {path} documents no error"
        for status, response in errors.items():
            if path == "/r/{code}":  # a person's browser follows short links: its 404 is a small HTML page
                assert set(response["content"]) == {"text/html"}
                continue
            assert response["content"] == {"application/json": {"schema": ERROR_REF}}, (method, path, status)
    assert "HTTPValidationError" not in json.dumps(document)


def test_admin_routes_need_sigv4_and_public_ones_do_not(document: dict) -> None:
    for _method, path, op in operations(document):
        expected: list | None = [{"sigv4": []}] if path.startswith("/v1/admin/") else None
        assert op.get("security") == expected, path


def test_hand_parsed_bodies_and_queries_are_described(document: dict) -> None:
    optin = document["paths"]["/v1/optin"]["post"]["requestBody"]["content"]
    assert set(optin) == {"application/json", "application/x-www-form-urlencoded"}
    schema = document["components"]["schemas"]["OptInRequest"]
    assert {"phone", "list_id", "sms_consent"} <= set(schema["required"])
    qr = {p["name"]: p for p in document["paths"]["/v1/qr"]["get"]["parameters"]}
    assert qr["scale"]["schema"]["maximum"] == 40 and qr["scale"]["in"] == "query"
    assert qr["format"]["schema"]["enum"] == ["svg", "png"]


def test_every_reference_resolves(document: dict) -> None:
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    for name in {part.split('"')[0] for part in text.split('"#/components/schemas/')[1:]}:
        assert name in schemas, name


def test_a_schema_named_nowhere_is_an_error() -> None:
    broken = {
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoSuchModel"}}}
                        }
                    }
                }
            }
        }
    }
    with pytest.raises(DocumentError, match="NoSuchModel"):
        _components(broken, {})
