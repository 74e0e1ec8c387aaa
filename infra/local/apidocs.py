"""``GET /openapi.json`` and ``GET /docs`` (Swagger UI) on the local stack.

The document is generated from the loaded handlers when the stack starts (``infra/openapi.py``), so it
describes the code that is running, not the checked-in copy. Swagger UI's script and style come from
the copy bundled with Powertools: the page works without internet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .gateway import HttpRequest, HttpResponse, LocalRoute, query_values


def api_doc_routes(document: dict[str, Any]) -> dict[tuple[str, str], LocalRoute]:
    from aws_lambda_powertools.event_handler.openapi import swagger_ui
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    spec = json.dumps(document, ensure_ascii=False)
    bundle = Path(swagger_ui.__file__).parent
    page = generate_swagger_html(
        spec.replace("</", "<\\/"),  # the spec is inlined in a <script>
        (bundle / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (bundle / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
    )

    def openapi_json(_request: HttpRequest, _raw_query: str) -> HttpResponse:
        return HttpResponse(200, [("content-type", "application/json")], spec.encode("utf-8"))

    def docs(request: HttpRequest, raw_query: str) -> HttpResponse:
        if "json" in query_values(raw_query, "format"):  # what the page itself asks for
            return openapi_json(request, raw_query)
        return HttpResponse(200, [("content-type", "text/html; charset=utf-8")], page.encode("utf-8"))

    return {("GET", "/openapi.json"): openapi_json, ("GET", "/docs"): docs}
