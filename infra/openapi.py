"""The HTTP API's OpenAPI document, generated from the handlers and ``template.yaml``.

Each function with ``HttpApi`` events is a Powertools resolver (``app``) in its handler module; its
routes carry summaries, tags and responses, and the routes Powertools validates declare their bodies
and parameters in their signatures. Powertools generates one document per resolver, this module
completes what Powertools cannot see and merges them (Powertools ``OpenAPIMerge``, conflicts are errors):

* routes that parse their own body or query (the sign-up form, QR codes, webhooks) name their model in
  ``openapi_extensions`` (``http.documented_body`` / ``documented_query``); response schemas are named
  the same way (``http.api_responses``). Names resolve in the ``consent_platform.api`` package, then in the
  handler modules, so cold starts never build a schema.
* Powertools' own 422 body (``HTTPValidationError``) is not what this API answers: every error is
  ``ErrorBody``, and unused components are dropped.
* Authorisation comes from ``template.yaml``: routes with ``Auth: Authorizer: AWS_IAM`` need SigV4.
* Every route and method in ``template.yaml`` must have a handler route, and no handler route may be
  missing from the template — a mismatch is an error, not a silent gap.

``python -m infra.openapi`` writes ``docs/openapi.json``; ``--check`` fails when it is out of date
(``tests/infra/test_openapi.py`` does the same). The local stack serves it at ``/openapi.json`` and a
Swagger UI at ``/docs``.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import sys
from typing import Any, Literal

from infra.local.template import ROOT, Stack, load_template

DOCUMENT = ROOT / "docs" / "openapi.json"
TITLE = "SMS consent platform"
VERSION = "1.0.0"
DESCRIPTION = (
    "Opt-in capture with proof of consent, inbound SMS, and campaigns sent in each recipient's local time. "
    'Every error is `{"error": {"code", "message", "fields"}}`. Admin routes (`/v1/admin/...`) are '
    "authorised by AWS IAM (SigV4) when deployed."
)
SIGV4 = {
    "sigv4": {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "description": "AWS Signature Version 4 (service execute-api); API Gateway checks it before any function runs",
        "x-amazon-apigateway-authtype": "awsSigv4",
    }
}
_REF = re.compile(r'"#/components/schemas/([^"]+)"')


class DocumentError(RuntimeError):
    pass


def _handler_modules(stack: Stack) -> dict[str, Any]:
    """Logical id → imported handler module, for every function the HTTP API routes to."""
    functions = sorted({route.function for route in stack.http_routes()})
    modules = {f: importlib.import_module(stack.handler(f).rpartition(".")[0]) for f in functions}
    for module in modules.values():
        # A resolver that includes its routers on demand (admin/app.py) includes all of them first.
        getattr(module, "include_all", lambda: None)()
    return modules


def _api_modules() -> list[Any]:
    """Every module of ``consent_platform.api``, where the request and response models live."""
    import pkgutil

    from consent_platform import api

    return [importlib.import_module(f"{api.__name__}.{m.name}") for m in pkgutil.iter_modules(api.__path__)]


def _models(modules: list[Any]) -> dict[str, Any]:
    """Schema name → pydantic model: the ``consent_platform.api`` package first, then the handler
    modules' own models. Two different classes of one name in the package are an error: the document
    must describe the class the code sends, not a second description of it."""
    from pydantic import BaseModel

    def models_in(module: Any) -> dict[str, Any]:
        return {
            name: value
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel
        }

    found: dict[str, Any] = {}
    for module in modules:
        found.update(models_in(module))
    package: dict[str, Any] = {}  # the api package last: it wins
    for module in _api_modules():
        for name, model in models_in(module).items():
            if package.setdefault(name, model) is not model:
                raise DocumentError(f"two models named {name!r} in consent_platform.api: {package[name]} and {model}")
    return {**found, **package}


def _query_parameters(model: Any) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    params = []
    for name, field in schema.get("properties", {}).items():
        prop = {k: v for k, v in field.items() if k != "title"}
        description = prop.pop("description", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _complete(schema: dict[str, Any], models: dict[str, Any], iam_routes: set[tuple[str, str]]) -> None:
    """What Powertools cannot see: hand-parsed queries, our error body on 422, IAM from the template."""
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            query_model = operation.pop("x-query-model", None)
            if query_model:
                operation["parameters"] = [*operation.get("parameters", []), *_query_parameters(models[query_model])]
            # 204 No Content has no body (RFC 9110 §15.3.5); Powertools documents the return type there too.
            operation.get("responses", {}).get("204", {}).pop("content", None)
            for response in operation.get("responses", {}).values():
                if "HTTPValidationError" in json.dumps(response):
                    response.clear()
                    response.update(
                        description="Invalid input; `fields` names each bad field",
                        content={"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                    )
            if (method.upper(), path) in iam_routes:
                operation["security"] = [{"sigv4": []}]


def _components(document: dict[str, Any], models: dict[str, Any]) -> dict[str, Any]:
    """Every schema the document references (transitively), from Powertools' output or our models."""
    from pydantic.json_schema import models_json_schema

    generated = document.get("components", {}).get("schemas", {})
    wanted = set(_REF.findall(json.dumps(document.get("paths", {}))))
    missing = sorted(n for n in wanted if n not in models and n not in generated)
    if missing:
        raise DocumentError(f"schemas named by routes but defined nowhere: {missing}")
    ours: list[tuple[Any, Literal["validation"]]] = [(models[n], "validation") for n in sorted(wanted) if n in models]
    _, definitions = models_json_schema(ours, ref_template="#/components/schemas/{model}") if ours else ({}, {})
    pool = {**generated, **definitions.get("$defs", {})}
    schemas: dict[str, Any] = {}
    todo = sorted(wanted)
    while todo:
        name = todo.pop()
        if name in schemas:
            continue
        if name not in pool:
            raise DocumentError(f"schema {name!r} is referenced but was not generated")
        schemas[name] = pool[name]
        todo.extend(_REF.findall(json.dumps(pool[name])))
    return dict(sorted(schemas.items()))


def generate() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    stack = Stack(load_template())
    template_routes = {(r.method, r.path): r for r in stack.http_routes()}
    iam_routes = {key for key, route in template_routes.items() if route.authorizer == "AWS_IAM"}
    modules = _handler_modules(stack)
    models = _models(list(modules.values()))
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        security_schemes=SIGV4,  # type: ignore[arg-type]  # a plain dict is what ends up in the document
        on_conflict="error",
    )
    for function, module in modules.items():
        own = module.app.get_openapi_schema(title=TITLE, version=VERSION).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        served = {(m.upper(), p) for p, item in own.get("paths", {}).items() for m in item}
        routed = {key for key, route in template_routes.items() if route.function == function}
        if served != routed:
            raise DocumentError(
                f"{function}: template.yaml routes {sorted(routed - served)} have no handler; "
                f"handler routes {sorted(served - routed)} are not in template.yaml"
            )
        _complete(own, models, iam_routes)
        merge.add_schema(own)
    document = copy.deepcopy(merge.get_openapi_schema())
    document["paths"] = dict(sorted(document.get("paths", {}).items()))
    document["components"] = {"schemas": _components(document, models), "securitySchemes": SIGV4}
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    text = render(generate())
    if "--check" in argv:
        current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
        if current != text:
            print(f"{DOCUMENT.relative_to(ROOT)} is out of date: run `make openapi`", file=sys.stderr)
            return 1
        print(f"{DOCUMENT.relative_to(ROOT)} is up to date")
        return 0
    DOCUMENT.parent.mkdir(exist_ok=True)
    DOCUMENT.write_text(text, encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
