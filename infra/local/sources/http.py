"""HTTP API routes (``Type: HttpApi`` events): the gateway invokes the function for each request.

The gateway (gateway.py) turns a request into the payload format 2.0 event API Gateway sends; this
source gives it the template's routes. Nothing to provision: API Gateway has no moto counterpart here.
"""

from __future__ import annotations

import threading

from ..template import Stack
from . import Runtime


class _HttpApi:
    name = "http"
    event_types = ("HttpApi",)

    def provision(self, stack: Stack) -> None:
        pass

    def start(self, runtime: Runtime) -> list[threading.Thread]:
        runtime.gateway.routes.extend(runtime.stack.http_routes())
        return []  # requests arrive on the local HTTP server's threads


SOURCE = _HttpApi()
