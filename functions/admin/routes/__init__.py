"""The admin API's routes, one Powertools router per area; ``admin/app.py`` includes them all in one
resolver, which maps every error to its response (``consent_platform.http``)."""
