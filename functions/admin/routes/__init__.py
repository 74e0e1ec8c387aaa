"""The admin API's routes, one Powertools router per area; ``admin/app.py`` includes them all in one
resolver, which maps every error to its response (``consent_platform.http``).

Cold start: a route module imports at the top only what registering its routes needs (the models in
their signatures, which Powertools validates against). The services behind an area are imported inside
its route functions: one function serves every area, and a request uses one, so a cold start loads only
the services of the area it was started for (issue 17; ``tests/perf/test_cold_start_imports.py``)."""
