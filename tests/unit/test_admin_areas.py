"""The admin function includes an area's routes when the area's first request arrives (admin/app.py): the
table that picks the area must send every route's path to the router that serves it (or the request
would get a 404 from the areas included so far), and every router must be in the table."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from admin import app as admin
from admin import routes
from consent_platform.http import json_api

ROUTES = [
    (module, rule)
    for module in admin.AREAS.values()
    for rule, *_ in importlib.import_module(f"admin.routes.{module}").router._routes
]


def test_every_router_module_is_an_area() -> None:
    modules = {m.name for m in pkgutil.iter_modules(routes.__path__)} - {"shared"}
    assert set(admin.AREAS.values()) == modules


@pytest.mark.parametrize(("module", "rule"), ROUTES)
def test_a_routes_path_selects_its_router(module: str, rule: str) -> None:
    path = re.sub(r"<[^>]+>", "some-id", rule)
    assert admin.area_of(path) == module


@pytest.mark.parametrize("path", ["/", "/v1/admin", "/v1/admin/", "/v1/admin/nope", "/v1/admin/lists/x/nope", "/v2/x"])
def test_a_path_outside_the_table_has_no_area(path: str) -> None:
    assert admin.area_of(path) is None


def _rules(resolver: object) -> set[str]:
    return {route.rule.pattern for route in [*resolver._static_routes, *resolver._dynamic_routes]}  # type: ignore[attr-defined]


def test_a_request_includes_its_area_only_and_an_unknown_path_every_area(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin, "app", json_api())
    monkeypatch.setattr(admin, "_included", set())
    admin.include_area("/v1/admin/keywords/DEMO")
    keywords = _rules(admin.app)
    assert keywords and admin._included == {"keywords"}
    admin.include_area("/v1/admin/unknown")
    assert admin._included == set(admin.AREAS.values())
    assert len(_rules(admin.app)) == len({rule for _, rule in ROUTES}) > len(keywords)
