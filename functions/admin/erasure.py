"""``DELETE /v1/admin/contacts/{phone}`` (IAM): erase a contact at the person's request.

Its own function because it is the only code allowed to delete ledger items (see ``ErasureFunction``
in the template): every other function may only append to the ledger.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.adapters.erasure import load_keys
from consent_platform.domain.clock import iso, utc_now
from consent_platform.domain.phone import normalize_phone, preload
from consent_platform.http import api_responses, json_api, json_response, register_error_handlers
from consent_platform.services.erasure import erase_contact
from consent_platform.settings import ErasureSettings, SchedulingSettings

preload()  # every erasure parses a phone number: phonenumbers loads with the module
# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (ErasureSettings, SchedulingSettings)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
app = json_api()
register_error_handlers(app, logger)


PhoneInPath = Annotated[str, Path(description="E.164 (URL-encode the +), or national with ?country=")]


def delete_schedule(name: str) -> bool:
    if not bootstrap.settings(ErasureSettings).schedule_group:
        return False
    return bootstrap.scheduler().delete(name)


@app.delete(
    "/v1/admin/contacts/<phone>",
    summary="Erase a contact at the person's request (ledger pseudonymised, number suppressed)",
    tags=["Contacts"],
    responses=api_responses({200: ("Erased", "Erased")}, 404, 422, 503),
)
def erase(
    phone: Annotated[str, Path(description="E.164 (URL-encode the +), or national with ?country=")],
    country: Annotated[str | None, Query()] = None,
) -> Response[str]:
    number = normalize_phone(unquote(phone), country)
    settings = bootstrap.settings(ErasureSettings)
    now = utc_now()
    keys = load_keys(settings.erasure_key_parameter, settings.secret_cache_seconds)
    report = erase_contact(bootstrap.erasure_repository(), keys, number.e164, now, delete_schedule, logger)
    metrics.add_metric(name="ContactErased", unit=MetricUnit.Count, value=1)
    return json_response(200, report.body(number.e164, iso(now)).wire())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
