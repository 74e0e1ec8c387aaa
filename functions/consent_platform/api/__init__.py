"""The HTTP API's request and response bodies, in one place: the handlers and services validate with
these models at run time, and ``infra/openapi.py`` publishes the same models (it resolves every schema
name a route declares in the modules of this package).

One module per area, so a function loads only its own models (``tests/perf/test_cold_start_imports.py``):
``public`` (sign-up form and its answer, a list's public view, QR codes), ``admin`` (contacts, keywords,
imports, stats), ``audience`` (cart triggers and customer events), ``erasure`` (its answer), ``inbound``
(webhooks), and ``responses`` — the bodies no code builds as a model (errors, campaigns, the webhook's
answer, Twilio's form), described for the OpenAPI document only and never imported at run time. Answers
inherit ``_base.Open`` (built on first use) and leave as ``model.wire()``. This file imports nothing.

Lists, keywords and campaigns are validated by their domain models (``domain/lists.py`` ``ListConfig``,
``domain/keywords.py`` ``KeywordConfig``, ``domain/campaigns.py`` ``CampaignRequest``): a stored list or
keyword *is* its configuration plus bookkeeping, so the body and the aggregate are one model.
"""
