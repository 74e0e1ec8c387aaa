"""The web pages on the local stack: the sign-up form at ``/``, the dev phone at ``/dev/phone`` and the
files of ``web/`` under ``/web/<name>``.

* Only the files that are directly in ``web/`` when the stack starts are routes (exact paths, one per
  file); :meth:`WebRoot.resolve` checks every name again, so ``..``, encoded slashes, dot-files and
  unknown types are 404 by construction. Files are read per request, so edits show on reload.
* Caching: pages are ``no-cache`` with an ETag (a reload costs a 304); the pages reference their assets
  as ``/web/<name>?v=<content hash>``, and such a request is ``immutable`` for a year. An asset asked
  for without the current hash is ``no-cache``.
* The form is rendered on the server too, from the same data ``form.js`` uses
  (``GET /v1/lists/{list}/public`` and ``web/i18n.json``): brand, the exact consent text and its
  version, the CTIA disclosure, the list's language. So a browser without JavaScript posts a complete,
  honest form, and a browser with it sees no flash of other text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from .gateway import HttpRequest, HttpResponse, LocalRoute
from .template import ROOT

WEB_ROOT = ROOT / "web"
ASSET_PREFIX = "/web/"
FORM_PAGE = "index.html"
PHONE_PAGE = "phone.html"
STRINGS = "i18n.json"
DEFAULT_LIST = "demo"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
# The form is made to be embedded in any site (frame-ancestors *). It talks to one API only, fixed by
# configuration (``api_origin``; default: this origin), and the CSP lets it reach nothing else: a
# ``?api=`` link must not make the brand's own page post a visitor's number elsewhere (issue 14).
_CSP_FORM = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src {api}; form-action {api}; frame-ancestors *; base-uri 'none'; object-src 'none'"
)
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d{1,5})?")


def form_csp(api_origin: str | None = None) -> str:
    """The form page's CSP: ``connect-src`` and ``form-action`` name this origin and the configured API only."""
    return _CSP_FORM.format(api=f"'self' {api_origin}" if api_origin else "'self'")


FORM_CSP = form_csp()
PHONE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'"
)

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9]+)+")
_LIST_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Leaf elements carrying data-i18n="key" or data-slot="name"; see the comment at the top of index.html.
_MARKED = re.compile(
    r'(?P<open><(?P<tag>[a-zA-Z][a-zA-Z0-9]*)\b[^>]*?\bdata-(?P<kind>i18n|slot)="(?P<key>[\w-]+)"[^>]*>)'
    r"(?P<inner>[^<]*)(?P<close></(?P=tag)>)"
)
_ASSET_REF = re.compile(r'(?P<attr>\b(?:href|src))="(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*)"')
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_LINK = re.compile(r'<a data-link="(?P<name>\w+)"(?P<rest>[^>]*)>')

FetchList = Callable[[str], "tuple[int, dict[str, Any] | None]"]


class WebRoot:
    def __init__(self, root: Path = WEB_ROOT) -> None:
        self.root = root.resolve()

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if self.resolve(p.name) is not None)

    def resolve(self, name: str) -> Path | None:
        """The file for a single path segment, or None: no separators, no ``..``, no dot-files,
        only known types, and the real path (symlinks followed) must be directly inside the root."""
        if not _NAME.fullmatch(name) or Path(name).suffix.lower() not in CONTENT_TYPES:
            return None
        path = (self.root / name).resolve()
        if path.parent != self.root or not path.is_file():
            return None
        return path

    def read(self, name: str) -> bytes | None:
        path = self.resolve(name)
        return path.read_bytes() if path is not None else None

    def version(self, name: str) -> str | None:
        data = self.read(name)
        return hashlib.sha256(data).hexdigest()[:12] if data is not None else None

    def asset_url(self, name: str) -> str | None:
        version = self.version(name)
        return f"{ASSET_PREFIX}{name}?v={version}" if version else None


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def cached_response(
    request: HttpRequest, body: bytes, kind: str, cache_control: str, extra: list[tuple[str, str]] | None = None
) -> HttpResponse:
    """200 with ETag and Cache-Control, or 304 when the client already holds this exact body."""
    etag = etag_of(body)
    headers = [("cache-control", cache_control), ("etag", etag), ("x-content-type-options", "nosniff")]
    headers += extra or []
    wanted = request.header("if-none-match") or ""
    if etag in (tag.strip() for tag in wanted.split(",")) or wanted.strip() == "*":
        return HttpResponse(304, headers)
    return HttpResponse(200, [("content-type", kind), *headers], body)


def not_found(what: str) -> HttpResponse:
    body = f"<!doctype html><title>Not found</title><p>{escape(what)} was not found.</p>".encode()
    return HttpResponse(404, [("content-type", CONTENT_TYPES[".html"]), ("cache-control", NO_CACHE)], body)


# ---- rendering ------------------------------------------------------------------------------------


def interpolate(text: str, values: Mapping[str, object]) -> str:
    """``{name}`` placeholders, as form.js fills them; unknown names stay as they are."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def link_assets(html: str, web: WebRoot) -> str:
    """``href="form.css"`` → ``href="/web/form.css?v=<hash>"`` for files that exist in ``web/``."""

    def swap(match: re.Match[str]) -> str:
        url = web.asset_url(match.group("name"))
        return f'{match.group("attr")}="{escape(url)}"' if url else match.group(0)

    return _ASSET_REF.sub(swap, html)


def set_hidden(html: str, name: str, value: str) -> str:
    pattern = re.compile(r'(<input\b[^>]*\bname="' + re.escape(name) + r'"[^>]*\bvalue=")[^"]*(")')
    return pattern.sub(lambda m: m.group(1) + escape(value, quote=True) + m.group(2), html, count=1)


def set_action(html: str, action: str) -> str:
    """Point the sign-up form at the configured API (form.js reads the API from this attribute)."""
    pattern = re.compile(r'(<form\b[^>]*\bid="optin"[^>]*\baction=")[^"]*(")')
    return pattern.sub(lambda m: m.group(1) + escape(action, quote=True) + m.group(2), html, count=1)


def set_links(html: str, public: Mapping[str, Any]) -> str:
    """``<a data-link="terms_url">``: the list's URL (http/https only), or the link hidden."""

    def swap(match: re.Match[str]) -> str:
        name = match.group("name")
        url = public.get(name)
        rest = re.sub(r'\s(?:href="[^"]*"|hidden)', "", match.group("rest"))
        if isinstance(url, str) and re.match(r"https?://", url, re.IGNORECASE):
            return f'<a data-link="{name}" href="{escape(url, quote=True)}"{rest}>'
        return f'<a data-link="{name}" hidden{rest}>'

    return _LINK.sub(swap, html)


def disclosure_key(public: Mapping[str, Any]) -> str:
    """US carriers (CTIA) want the words "Msg & data rates may apply" wherever a list may reach US
    numbers, whatever the list's language."""
    return "disclosure_us" if "US" in (public.get("allowed_countries") or []) else "disclosure"


def render_form(
    template: str, public: Mapping[str, Any] | None, list_id: str, strings: Mapping[str, Any], source: str
) -> str:
    """The form with the list's data filled in (``public`` is ``GET /v1/lists/{id}/public``; None keeps
    the page's own defaults for form.js to fill)."""
    html = set_hidden(template, "list_id", list_id)
    html = set_hidden(html, "source", source[:200])
    if public is None:
        return html
    language = str(public.get("language") or "en")
    table = {**(strings.get("en") or {}), **(strings.get(language) or {})}
    consent = public.get("consent_text") or {}
    values = {
        "brand": public.get("brand", ""),
        "frequency": public.get("frequency", ""),
        "support": public.get("support", ""),
        "list": list_id,
    }
    slots: dict[str, str | None] = {
        "brand": str(values["brand"]),
        "consent_text": str(consent.get("text", "")),
        "email_consent_text": str((public.get("email_consent_text") or {}).get("text", "")) or None,
        "disclosure": interpolate(str(table.get(disclosure_key(public), "")), values),
    }

    def fill(match: re.Match[str]) -> str:
        key = match.group("key")
        if match.group("kind") == "slot":
            text = slots.get(key)
        else:
            text = interpolate(str(table[key]), values) if key in table else None
        if text is None:
            return match.group(0)
        return match.group("open") + escape(text, quote=False) + match.group("close")

    html = _MARKED.sub(fill, html)
    html = re.sub(r'<html lang="[^"]*"', f'<html lang="{escape(language, quote=True)}"', html, count=1)
    html = set_links(html, public)
    html = set_hidden(html, "email_consent_version", str((public.get("email_consent_text") or {}).get("version", "")))
    return set_hidden(html, "consent_version", str(consent.get("version", "")))


def unavailable_page(list_id: str, web: WebRoot) -> str:
    css = web.asset_url("form.css") or ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Sign-up form not available</title><link rel="stylesheet" href="{escape(css)}"></head>'
        '<body><main class="card"><h1>This sign-up form isn\'t available</h1>'
        f'<p class="lead">There is no list “{escape(list_id)}”.</p></main></body></html>'
    )


# ---- routes ---------------------------------------------------------------------------------------


def web_routes(
    fetch_list: FetchList, web: WebRoot | None = None, api_origin: str | None = None
) -> dict[tuple[str, str], LocalRoute]:
    """``fetch_list(list_id)`` answers ``(status, body)`` of ``GET /v1/lists/{list_id}/public``;
    ``api_origin`` (``https://host[:port]``) is the API the form talks to when it is not this origin."""
    web = web or WebRoot()
    if api_origin is not None and not _ORIGIN.fullmatch(api_origin):
        raise ValueError(f"api_origin must be an origin like https://api.example.com, not {api_origin!r}")
    csp = form_csp(api_origin)

    def form_page(request: HttpRequest, raw_query: str) -> HttpResponse:
        template = web.read(FORM_PAGE)
        if template is None:
            return not_found("The sign-up form")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        list_id = (query.get("list") or DEFAULT_LIST).strip().lower()
        # ?api= is ignored: the API is fixed by configuration (see form_csp).
        status, body = fetch_list(list_id) if _LIST_ID.fullmatch(list_id) else (404, None)
        if status == 404:
            page = unavailable_page(list_id, web).encode()
            return HttpResponse(404, [("content-type", CONTENT_TYPES[".html"]), ("cache-control", NO_CACHE)], page)
        public = body if status == 200 else None
        host = request.header("host") or request.host
        source = request.header("referer") or f"http://{host}/?{raw_query}".rstrip("?")
        strings = json.loads(web.read(STRINGS) or b"{}")
        html = render_form(template.decode("utf-8"), public, list_id, strings, source)
        html = link_assets(set_action(html, f"{api_origin or ''}/v1/optin"), web)
        extra = [("content-security-policy", csp)]
        return cached_response(request, html.encode(), CONTENT_TYPES[".html"], NO_CACHE, extra)

    def phone_page(request: HttpRequest, _raw_query: str) -> HttpResponse:
        template = web.read(PHONE_PAGE)
        if template is None:
            return not_found("The dev phone")
        html = link_assets(template.decode("utf-8"), web)
        extra = [("content-security-policy", PHONE_CSP), ("x-robots-tag", "noindex")]
        return cached_response(request, html.encode(), CONTENT_TYPES[".html"], NO_CACHE, extra)

    def asset(name: str) -> LocalRoute:
        def serve(request: HttpRequest, raw_query: str) -> HttpResponse:
            data = web.read(name)
            if data is None:  # deleted since start-up
                return not_found(ASSET_PREFIX + name)
            wanted = dict(parse_qsl(raw_query)).get("v")
            cache = IMMUTABLE if wanted and wanted == hashlib.sha256(data).hexdigest()[:12] else NO_CACHE
            return cached_response(request, data, content_type(name), cache)

        return serve

    routes: dict[tuple[str, str], LocalRoute] = {("GET", "/"): form_page, ("GET", "/dev/phone"): phone_page}
    for name in web.names():
        routes[("GET", ASSET_PREFIX + quote(name))] = asset(name)
    return routes


def gateway_list_fetcher(handle: Callable[[HttpRequest], HttpResponse]) -> FetchList:
    """Ask the stack's own ``GET /v1/lists/{id}/public`` (through the gateway, like any client)."""

    def fetch(list_id: str) -> tuple[int, dict[str, Any] | None]:
        response = handle(
            HttpRequest("GET", f"/v1/lists/{quote(list_id, safe='')}/public", [("accept", "application/json")])
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status, body if isinstance(body, dict) else None

    return fetch
