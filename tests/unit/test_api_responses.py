"""The answers issue 15 typed are models the code builds and sends, and the OpenAPI document describes
those same classes: a service that went back to building a dict, or a second description of a body
(``api/responses.py``), fails here."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel

from consent_platform import bootstrap
from consent_platform.api import admin, audience, erasure, public
from consent_platform.api._base import Open
from consent_platform.domain.contacts import Profile
from consent_platform.domain.keywords import StoredKeyword
from consent_platform.domain.lists import ListConfig, MessageTemplates, StoredList, resolve_messages
from consent_platform.services import contacts, keywords
from consent_platform.services.erasure import ErasureReport
from consent_platform.services.imports import ImportReport
from consent_platform.services.optin import OptInResult
from consent_platform.services.triggers import start_cart_trigger
from infra import openapi
from infra.local.lambda_runtime import FakeLambdaContext, http_api_event

NOW = datetime(2099, 1, 1, 12, tzinfo=UTC)
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
# Schema name in the document → the class the code sends.
SENT: dict[str, type[Open]] = {
    "ContactPatched": admin.ContactPatched,
    "KeywordView": admin.KeywordView,
    "ImportReport": admin.ImportReport,
    "TriggerResult": audience.TriggerResult,
    "OptInAccepted": public.OptInAccepted,
    "PublicList": public.PublicList,
    "Erased": erasure.Erased,
}


def stored_list(**overrides: Any) -> StoredList:
    config = ListConfig.model_validate(
        {
            "brand": "Demo",
            "opt_in": "double",
            "default_country": "PL",
            "frequency": "up to 4 msgs/month",
            "support": "help@example.com",
            "consent_text": {"version": "v1", "text": "Yes, send me SMS."},
            "cart_abandoned": {"text": "Your cart: {url}"},
            **overrides,
        }
    )
    return StoredList(
        **config.model_dump(exclude={"messages"}),
        messages=MessageTemplates(**resolve_messages(config)),
        list_id="demo",
        created_at="2099-01-01T00:00:00Z",
        updated_at="2099-01-01T00:00:00Z",
    )


def profile() -> Profile:
    return Profile(phone="+48501234567", country="PL", created_at="a", updated_at="b", version=2, confirm_sent=["c"])


def test_patch_contact_answers_its_model() -> None:
    consent = SimpleNamespace(
        load_phone=lambda _phone: SimpleNamespace(profile=profile(), subscriptions={}),
        update_profile=lambda *_args: 0,
    )
    patched = contacts.patch_contact(consent, "+48501234567", admin.ContactPatch(tags=["vip"]), NOW)  # type: ignore[arg-type]
    assert isinstance(patched, admin.ContactPatched)
    assert patched.wire()["tags"] == ["vip"]
    assert not {"version", "confirm_sent"} & set(patched.wire())  # bookkeeping never leaves


def test_get_keyword_answers_its_model() -> None:
    stored = StoredKeyword(
        keyword="join", display="JOIN", action="join", list_id="demo", created_at="a", updated_at="b"
    )
    catalog = SimpleNamespace(get_keyword=lambda _key: (stored, {"TOTAL": 2, "DAY#2099-01-01": 2}))
    view = keywords.get_keyword(catalog, "join")  # type: ignore[arg-type]
    assert isinstance(view, admin.KeywordView)
    assert view.wire()["usage"] == {"total": 2, "per_day": {"2099-01-01": 2}}


def test_cart_trigger_answers_its_model() -> None:
    stores = SimpleNamespace(
        catalog=SimpleNamespace(get_list=lambda _id: (stored_list(), {})),
        consent=SimpleNamespace(load_phone=lambda _phone: SimpleNamespace(profile=None, subscriptions={})),
    )
    request = audience.CartAbandoned(list_id="demo", phone="+48501234567", cart_id="c-1", url="https://shop.example/c")
    result = start_cart_trigger(stores, None, "arn", request, NOW)  # type: ignore[arg-type]
    assert isinstance(result, audience.TriggerResult)
    assert result.wire() == {"status": "not_subscribed", "cart_id": "c-1"}  # unset fields are left out


@pytest.mark.parametrize(
    ("built", "model"),
    [
        (lambda: ImportReport(received=1, rejected=1).body(), admin.ImportReport),
        (lambda: OptInResult("active", "+48501234567", "demo", opt_in="single").body(), public.OptInAccepted),
        (lambda: ErasureReport("pseudonym").body("+48501234567", "2099-01-01T00:00:00Z"), erasure.Erased),
    ],
    ids=["import", "optin", "erasure"],
)
def test_reports_answer_their_model(built: Any, model: type[Open]) -> None:
    assert isinstance(built(), model)


def test_public_list_route_sends_its_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from optin.app import app

    sent: list[type[BaseModel]] = []
    wire = Open.wire

    def spy(self: Open) -> dict[str, Any]:
        sent.append(type(self))
        return wire(self)

    monkeypatch.setattr(Open, "wire", spy)
    catalog = SimpleNamespace(get_list=lambda _id: (stored_list(), {}))
    monkeypatch.setattr(bootstrap, "stores", lambda: SimpleNamespace(catalog=catalog))
    event = http_api_event(method="GET", raw_path="/v1/lists/demo/public", path_parameters={"list_id": "demo"})
    reply = app.resolve(event, FakeLambdaContext("OptInFunction"))
    assert reply["statusCode"] == 200
    assert sent == [public.PublicList]
    assert json.loads(reply["body"])["allowed_countries"] == ["PL"]


@pytest.mark.parametrize("name", sorted(SENT))
def test_document_describes_the_class_the_code_sends(name: str) -> None:
    model = SENT[name]
    assert openapi._models([])[name] is model
    assert model.__module__ != "consent_platform.api.responses", "a sent body is described where it is built"
    component = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"][name]
    own = model.model_json_schema(ref_template="#/components/schemas/{model}")
    own.pop("$defs", None)
    assert component == own  # tests/infra/test_openapi.py holds the document to the generator


def test_two_models_of_one_name_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Twin(Open):
        pass

    second = ModuleType("second")
    second.PublicList = Twin  # type: ignore[attr-defined]
    monkeypatch.setattr(openapi, "_api_modules", lambda: [public, second])
    with pytest.raises(openapi.DocumentError, match="PublicList"):
        openapi._models([])
