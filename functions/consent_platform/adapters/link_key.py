"""The link HMAC key (SSM SecureString ``LinkKeyParameterName``): what the dispatcher hashes each
recipient's number with on its short-link records. Its own key, not the erasure key: a leak of link
records together with this key lets someone test numbers against them, nothing more."""

from __future__ import annotations

import logging

from ..domain.erasure import parse_keys
from ..domain.errors import ServiceUnavailable
from ..settings import LinkSettings

logger = logging.getLogger(__name__)


def load_link_key() -> bytes | None:
    """The current key (the first, like the erasure key's rotation list); ``None`` when the parameter is
    not configured or does not exist — links are still tracked, without a recipient hash (logged)."""
    settings = LinkSettings.from_env()
    if not settings.link_key_parameter:
        return None
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_parameter(
            settings.link_key_parameter, decrypt=True, max_age=settings.secret_cache_seconds
        )
    except parameters.exceptions.GetParameterError as exc:
        if "ParameterNotFound" in str(exc):
            logger.warning("link key parameter not found: short links carry no recipient hash")
            return None
        raise ServiceUnavailable("could not read the link key") from exc
    return parse_keys(str(value))[0]
