"""What a cold start loads: each handler module imported in a fresh interpreter (like Lambda's init),
checked for heavy modules it does not need. Not a timing test (``make bench`` times the imports)."""

from __future__ import annotations

import importlib

import pytest

from bench.cold_start import handler_modules, heavy_modules_loaded

HANDLERS = handler_modules()  # every function in template.yaml

# Never at import: loaded by the code path that needs them, if any.
NEVER = (
    "phonenumbers.geocoder",  # ~0.3 s and ~100 MB; only to tell a US state from an area code
    "phonenumbers.timezone",
    "aws_xray_sdk",  # tracing is Lambda's (Tracing: Active); no SDK in the functions
    "pydantic_settings",  # settings read the environment with plain pydantic models
    "holidays",  # only rules with a public-holiday ban need it
    "segno",  # only the QR route draws codes
    "aws_lambda_powertools.utilities.parser",  # batch utility imported after pydantic builds these models
)
# Resolvers without enable_validation=True do not need Powertools' OpenAPI parameter models.
NO_OPENAPI_PARAMS = {"OptInFunction", "InboundWebhookFunction", "RedirectFunction"}
# Functions that never read a list's configuration: the list models (domain/lists.py, ~7 ms of pydantic
# model building) and the services that need them stay out of their cold start.
NO_LIST_MODELS = {
    "SenderFunction",
    "DispatcherFunction",
    "ErasureFunction",
    "ExpiryFunction",
    "InboundWebhookFunction",
    "ReconcilerFunction",
    "RedirectFunction",  # a short link's redirect (issue 19) reads only its link record
}
# Functions that never parse a phone number (they only mask one for logs).
NO_PHONENUMBERS = {
    "SenderFunction",
    "InboundWebhookFunction",
    "ExpiryFunction",
    "DeliveryWorkerFunction",
    "ReconcilerFunction",
    "ForwarderFunction",  # masks numbers for its payloads; its targets were parsed when the rule was stored
    "RedirectFunction",
    # The audience's numbers are E.164 already: a page parses one only for a segment's countries or an
    # origination map keyed by country (services/dispatch_jobs.py ``_country``), and loads phonenumbers then.
    "DispatcherFunction",
    "DispatchShardFunction",
}
# Not loaded by these functions at all (issue 17, cold start ≤ floor + 0.25 × boto3). The delivery worker
# checks a receipt's message id with ``domain.messages.campaign_message_id``, not the dispatcher's
# modules; the admin function includes an area's router, and the router its services, when the area's first
# request arrives (admin/app.py, admin/routes/__init__.py), so a cold start pays only for the area it serves.
NOT_LOADED = {
    # A campaign's texts are rendered, not classified: the inbound keywords (domain/inbound.py) load with
    # the opt-out footer that needs them (domain/campaigns.py ``with_opt_out``), not with the renderer.
    "DispatcherFunction": ("consent_platform.domain.inbound",),
    "DispatchShardFunction": ("consent_platform.domain.inbound",),
    "DeliveryWorkerFunction": (
        "consent_platform.services.dispatcher",
        "consent_platform.services.dispatch_jobs",
        "consent_platform.services.dispatch_shard",
    ),
    "AdminFunction": (
        "consent_platform.services.imports",
        "consent_platform.services.keywords",
        "consent_platform.services.triggers",
        "consent_platform.services.contacts",
        "consent_platform.services.senders",
        "consent_platform.services.inbound",
        "consent_platform.services.inbox",
        "consent_platform.adapters.erasure",
        "consent_platform.adapters.objects",
        # Nor the areas' routers: each is included by its area's first request (admin/app.py).
        *(f"admin.routes.{area}" for area in ("lists", "contacts", "imports", "stats", "triggers", "keywords")),
        *(f"admin.routes.{area}" for area in ("senders", "inbox")),
        "consent_platform.domain.lists",
        "consent_platform.api.admin",
    ),
}


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    return {function: set(heavy_modules_loaded(module)) for function, module in HANDLERS.items()}


@pytest.mark.parametrize("function", sorted(HANDLERS))
def test_handler_import_loads_only_what_it_uses(function: str, loaded: dict[str, set[str]]) -> None:
    modules = loaded[function]
    assert "boto3" in modules, "every invocation calls AWS: boto3 belongs to the cold start, not the first request"
    for heavy in NEVER:
        assert not any(m == heavy or m.startswith(heavy + ".") for m in modules), f"{function} imports {heavy}"
    for module in NOT_LOADED.get(function, ()):
        assert module not in modules, f"{function} imports {module} at cold start"
    if function in NO_OPENAPI_PARAMS:
        assert "aws_lambda_powertools.event_handler.openapi.params" not in modules
    if function in NO_PHONENUMBERS:
        assert "phonenumbers" not in modules
    else:  # it parses numbers in every invocation: loaded with the module, not by the first request
        assert "phonenumbers" in modules or function in {"AdminFunction", "CampaignFunction"}
    if function in NO_LIST_MODELS:
        assert "consent_platform.domain.lists" not in modules
        assert not any(
            m.startswith("consent_platform.services.") and m.endswith(("triggers", "optin")) for m in modules
        )


@pytest.mark.parametrize("function", sorted(HANDLERS))
def test_handler_builds_only_its_own_settings_models(function: str, loaded: dict[str, set[str]]) -> None:
    """Each function's settings models live in a small module (consent_platform/config/): a cold start
    loads the modules of the models its handler declares (``SETTINGS``), not all twenty models and the
    opt-in's rate-limit parser (~4 ms, issue 17)."""
    declared = {model.__module__ for model in importlib.import_module(HANDLERS[function]).SETTINGS}
    own = {m for m in loaded[function] if m.startswith("consent_platform.config.")}
    assert own <= declared, f"{function} loads settings it does not declare: {sorted(own - declared)}"
    if function in NO_LIST_MODELS:  # the list models' cap default is the only other user of the limits
        assert "consent_platform.domain.pumping" not in loaded[function]
