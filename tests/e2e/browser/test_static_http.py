"""The local stack's web files over plain HTTP: types, caching, no way out of web/, escaping."""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infra.local.gateway import HttpRequest
from infra.local.static import WebRoot, render_form, web_routes
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def raw_get(stack: LocalStack, target: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """GET with the request target exactly as given (no client-side normalisation of ``..``)."""
    parts = urlsplit(stack.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def test_form_page_is_rendered_with_the_list_and_cached_by_etag(local_stack: LocalStack) -> None:
    status, headers, body = raw_get(local_stack, "/?list=demo")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-cache"
    assert "frame-ancestors *" in headers["content-security-policy"]  # embeddable anywhere
    assert headers["x-content-type-options"] == "nosniff"
    assert '<html lang="pl"' in body
    assert 'name="consent_version" value="2026-11-01"' in body
    assert "Tak, chcę otrzymywać SMS-y marketingowe od Demo Shop." in body
    again, cached, _ = raw_get(local_stack, "/?list=demo", {"If-None-Match": headers["etag"]})
    assert again == 304 and cached["etag"] == headers["etag"]


def test_api_query_parameter_is_ignored_and_the_csp_names_only_the_api(local_stack: LocalStack) -> None:
    """Issue 14: ``?api=https://attacker…`` must neither change the page nor widen where it may send data."""
    status, headers, body = raw_get(local_stack, "/?list=demo&api=https%3A%2F%2Fattacker.example")
    assert status == 200
    csp = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert csp["connect-src"] == "'self'" and csp["form-action"] == "'self'"
    # Only the page's own address (the sign-up's recorded source) may mention it.
    assert "attacker" not in re.sub(r'<input type="hidden" name="source" value="[^"]*">', "", body)
    assert '<form id="optin" method="post" action="/v1/optin"' in body
    assert "Tak, chcę otrzymywać SMS-y marketingowe od Demo Shop." in body  # still the brand's own list


def test_form_links_terms_and_privacy_without_javascript(local_stack: LocalStack) -> None:
    _, _, body = raw_get(local_stack, "/?list=demo")
    assert '<a data-link="terms_url" href="https://shop.example/terms"' in body
    assert '<a data-link="privacy_url" href="https://shop.example/privacy"' in body
    assert ">Regulamin</a>" in body and ">Polityka prywatności</a>" in body  # the list's language


def test_configured_api_origin_is_the_only_one_allowed() -> None:
    routes = web_routes(lambda _list: (200, None), api_origin="https://api.example.com")
    response = routes[("GET", "/")](
        HttpRequest("GET", "/?api=https://attacker.example", []), "api=https://attacker.example"
    )
    csp = dict(h for h in response.headers if h[0] == "content-security-policy")["content-security-policy"]
    assert "connect-src 'self' https://api.example.com;" in csp and "form-action 'self' https://api.example.com;" in csp
    assert b'action="https://api.example.com/v1/optin"' in response.body
    with pytest.raises(ValueError):
        web_routes(lambda _list: (200, None), api_origin="https://x.example/path' *")


def test_render_form_hides_missing_links_and_refuses_other_schemes() -> None:
    template = '<a data-link="terms_url" href="#">T</a><a data-link="privacy_url" href="#">P</a>'
    public = {"language": "en", "terms_url": "javascript:alert(1)", "privacy_url": 'https://p.example/"x'}
    html = render_form(template, public, "shop", {"en": {}}, "")
    assert '<a data-link="terms_url" hidden>' in html and "javascript" not in html
    assert '<a data-link="privacy_url" href="https://p.example/&quot;x">' in html


def test_assets_have_types_and_versioned_urls_are_immutable(local_stack: LocalStack) -> None:
    _, _, page = raw_get(local_stack, "/")
    links = dict(re.findall(r'(?:href|src)="/web/([\w.-]+)\?v=(\w+)"', page))
    assert {"form.css", "form.js", "favicon.svg"} <= set(links)
    expected = {"form.css": "text/css", "form.js": "text/javascript", "favicon.svg": "image/svg+xml"}
    for name, kind in expected.items():
        status, headers, _ = raw_get(local_stack, f"/web/{name}?v={links[name]}")
        assert status == 200 and headers["content-type"].startswith(kind), (name, headers)
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        status, headers, _ = raw_get(local_stack, f"/web/{name}")
        assert status == 200 and headers["cache-control"] == "no-cache"
        status, _, _ = raw_get(local_stack, f"/web/{name}", {"If-None-Match": headers["etag"]})
        assert status == 304
    status, headers, _ = raw_get(local_stack, "/web/i18n.json")
    assert status == 200 and headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "target",
    [
        "/web/../template.yaml",
        "/web/%2e%2e/template.yaml",
        "/web/..%2ftemplate.yaml",
        "/web/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/web//etc/passwd",
        "/web/",
        "/web/.hidden.css",
        "/web/FORM.CSS",
        "/web/form.css/",
    ],
)
def test_nothing_outside_web_is_served(local_stack: LocalStack, target: str) -> None:
    status, _, body = raw_get(local_stack, target)
    assert status == 404, body
    assert "SmsConsent" not in body and "root:" not in body


def test_web_root_resolves_only_plain_files_inside(tmp_path: Path) -> None:
    root = tmp_path / "web"
    root.mkdir()
    (root / "ok.css").write_text("a{}")
    (root / "notes.md").write_text("not a web type")
    (tmp_path / "secret.css").write_text("secret")
    (root / "link.css").symlink_to(tmp_path / "secret.css")
    (root / "sub").mkdir()
    (root / "sub" / "x.css").write_text("x")
    web = WebRoot(root)
    assert web.names() == ["ok.css"]
    for name in ["../secret.css", "link.css", "sub/x.css", "sub", "notes.md", ".ok.css", "ok.css\x00.png", ""]:
        assert web.resolve(name) is None, name


def test_list_id_and_referer_are_escaped(local_stack: LocalStack) -> None:
    status, _, body = raw_get(local_stack, "/?list=%3Cscript%3Ealert(1)%3C/script%3E")
    assert status == 404
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
    status, _, body = raw_get(local_stack, "/", {"Referer": 'https://x.example/"><script>alert(1)</script>'})
    assert status == 200
    assert '"><script>alert(1)' not in body
    assert "&quot;&gt;&lt;script&gt;" in body


def test_render_form_escapes_list_data() -> None:
    template = (
        '<html lang="en"><p data-slot="brand">x</p><label data-slot="consent_text">x</label>'
        '<input type="hidden" name="consent_version" value=""><input type="hidden" name="list_id" value="demo">'
        '<input type="hidden" name="source" value="">'
    )
    public = {
        "brand": "<b>Shop</b>",
        "language": "en",
        "consent_text": {"version": '1"><x', "text": "I agree & <i>so</i>"},
        "allowed_countries": ["US"],
    }
    html = render_form(template, public, "shop", {"en": {}}, "https://x.example/")
    assert "&lt;b&gt;Shop&lt;/b&gt;" in html
    assert "I agree &amp; &lt;i&gt;so&lt;/i&gt;" in html
    assert 'value="1&quot;&gt;&lt;x"' in html
    assert 'name="list_id" value="shop"' in html


def test_dev_phone_page(local_stack: LocalStack) -> None:
    status, headers, body = raw_get(local_stack, "/dev/phone")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="/web/phone.js?v=' in body
