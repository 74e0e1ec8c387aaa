"""Shared domain logic and AWS adapters for the SMS consent platform.

Layout: ``domain`` is pure Python (no boto3); ``adapters`` talk to AWS; ``services`` orchestrate a use
case from the two; ``http`` maps domain errors to HTTP responses in one place.
"""

import gc

# Cold start: what is loaded by now (the runtime, Powertools, the standard library) lives as long as the
# execution environment. Freezing it keeps the cyclic GC from re-scanning it at every collection that
# the imports still to come trigger (~15 ms of each handler's import); nothing is deferred.
gc.freeze()
