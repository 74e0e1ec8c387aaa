"""The campaign API's, the dispatcher's (its link key) and the short-link redirect's settings."""

from __future__ import annotations

from ..settings import EnvSettings, TableSettings


class CampaignSettings(TableSettings):
    outbound_queue_url: str
    # Where short links point (``<base>/r/<code>``) unless the list sets its own short_domain; empty and
    # no short_domain: links go out untracked (the preview warns).
    public_base_url: str = ""


class LinkSettings(EnvSettings):
    """The dispatcher's link HMAC key (SSM SecureString; adapters/link_key.py)."""

    link_key_parameter: str = ""
    secret_cache_seconds: int = 300


class RedirectSettings(TableSettings):
    """``GET /r/{code}`` (optin/redirect.py): the tables and the bus (empty: no Message.Clicked)."""

    event_bus_name: str = ""
