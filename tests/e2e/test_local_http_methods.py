"""The local stack answers any HTTP method the way API Gateway does: JSON from the gateway, never the
stdlib server's 501 HTML page (issue 13 §2: TRACE was answered with a 501)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

from infra.local.gateway import Gateway
from infra.local.server import LocalHttpServer
from infra.local.template import HttpRoute

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[LocalHttpServer]:
    route = HttpRoute(method="GET", path="/v1/thing", function="Fn", authorizer=None)
    gateway = Gateway([route], invoke=lambda _fn, _event: {"statusCode": 200, "body": "{}"})
    local = LocalHttpServer(("127.0.0.1", 0), gateway)
    local.start()
    yield local
    local.stop()


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT", "FOO", "DELETE", "POST"])
def test_a_method_without_a_route_is_a_json_404(server: LocalHttpServer, method: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    connection.request(method, "/v1/thing", headers={"content-length": "0"})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 404, (response.status, body[:200])
    assert response.getheader("content-type") == "application/json"
    assert json.loads(body)["error"]["code"] == "not_found"
    # The connection stays usable: the routed method still works on it.
    connection.request("GET", "/v1/thing")
    assert connection.getresponse().status == 200
    connection.close()
