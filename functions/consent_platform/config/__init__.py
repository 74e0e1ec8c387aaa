"""Each function's own settings models, one small module per group of functions: a function's cold start
builds its own models and the shared ones in ``consent_platform/settings.py``, not all twenty (issue 17)."""
