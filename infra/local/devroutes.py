"""Routes that exist only on the local stack: the SMS outbox and a health check.

They are answered by the local stack itself, never by a handler, and are not in ``template.yaml``.
"""

from __future__ import annotations

from pathlib import Path

from consent_platform.adapters.sms import read_outbox
from consent_platform.domain.errors import InvalidPhone
from consent_platform.domain.phone import normalize_phone

from .gateway import HttpRequest, HttpResponse, LocalRoute, json_response, query_values


def outbox_phone(raw_query: str) -> str | None:
    """The ``phone`` filter in E.164 when it parses ("+48 501 234 567", "%2B48501234567", …).

    ``country`` (e.g. ``?phone=501234567&country=PL``) allows national formats. A value that does not
    parse is compared as given, so the filter never fails — it just matches nothing.
    """
    candidates = query_values(raw_query, "phone")
    if not candidates:
        return None
    country = next(iter(query_values(raw_query, "country")), None) or None
    for raw in candidates:
        try:
            return normalize_phone(raw, country).e164
        except InvalidPhone:
            continue
    return candidates[0].strip()


def local_routes(outbox: Path) -> dict[tuple[str, str], LocalRoute]:
    def get_outbox(_request: HttpRequest, raw_query: str) -> HttpResponse:
        # read_outbox returns the file's lines in append order: newest last.
        return json_response(200, {"messages": read_outbox(str(outbox), outbox_phone(raw_query))})

    def healthz(_request: HttpRequest, _raw_query: str) -> HttpResponse:
        return json_response(200, {"ok": True})

    return {("GET", "/dev/outbox"): get_outbox, ("GET", "/healthz"): healthz}
