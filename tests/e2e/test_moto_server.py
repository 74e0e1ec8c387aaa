"""The local stack's moto endpoint keeps connections open and frames every response correctly.

It is moto as installed by default (`make run`): the speed-ups that replace moto internals only with
LOCAL_MOTO_SPEEDUPS=1, and moto's own server instead of the keep-alive one with LOCAL_MOTO_KEEPALIVE=0.

werkzeug's development server (moto's own) closed the connection after every request; the local stack
serves moto's WSGI app with keep-alive instead (infra/local/moto_server.py). A framing mistake there
would show up as a hung or garbled *next* request on the same connection, so each test sends several
requests down one connection.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

from infra.local import moto_speedups
from infra.local.environment import start_moto
from infra.local.moto_server import LocalMotoServer

_MOTO_TRANSACT = DynamoDBBackend.transact_write_items

_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
_LIST_TABLES = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261123/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0",
}


@pytest.fixture(scope="module")
def moto() -> Iterator[LocalMotoServer]:
    server = LocalMotoServer()
    server.start()
    yield server
    server.stop()


def _connection(moto: LocalMotoServer) -> http.client.HTTPConnection:
    parts = urlsplit(moto.endpoint)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)


def test_one_connection_carries_many_requests(moto: LocalMotoServer) -> None:
    connection = _connection(moto)
    sockets = set()
    for _ in range(5):
        connection.request("POST", "/", body=b"{}", headers=_LIST_TABLES)
        response = connection.getresponse()
        assert response.status == 200
        assert "TableNames" in json.loads(response.read())
        assert not response.will_close, "the server asked to close the connection"
        sockets.add(id(connection.sock))
    assert len(sockets) == 1  # http.client reconnects silently; one socket means no reconnect happened
    connection.close()


def test_chunked_request_body_reaches_moto_whole(moto: LocalMotoServer) -> None:
    connection = _connection(moto)
    create = {
        "TableName": "chunked",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    body = json.dumps(create).encode()
    headers = {**_LIST_TABLES, "X-Amz-Target": "DynamoDB_20120810.CreateTable"}
    chunks = iter([body[:10], body[10:]])  # the table name only makes sense if both chunks arrive
    connection.request("POST", "/", body=chunks, headers=headers, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 200, response.read()
    assert json.loads(response.read())["TableDescription"]["TableName"] == "chunked"
    # The next request on the same connection proves the chunked body was consumed to its end.
    connection.request("POST", "/", body=b"{}", headers=_LIST_TABLES)
    response = connection.getresponse()
    assert "chunked" in json.loads(response.read())["TableNames"]
    connection.close()


def test_expect_100_continue_is_answered_once(moto: LocalMotoServer) -> None:
    parts = urlsplit(moto.endpoint)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in _LIST_TABLES.items())
        sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\n{head}Content-Length: 2\r\nExpect: 100-continue\r\n\r\n".encode())
        interim = sock.recv(4096)
        assert interim.startswith(b"HTTP/1.1 100")
        sock.sendall(b"{}")
        answer = b""
        while b"TableNames" not in answer:
            chunk = sock.recv(65536)
            assert chunk, "connection closed before the answer"
            answer += chunk
        assert b"100 Continue" not in interim[interim.index(b"\r\n\r\n") + 4 :] + answer


def test_bodiless_answers_keep_the_connection_usable(moto: LocalMotoServer) -> None:
    """HEAD keeps the object's Content-Length without sending a body; DELETE answers 204 with none."""
    s3 = boto3.client("s3", endpoint_url=moto.endpoint, **_CREDENTIALS)
    s3.create_bucket(Bucket="keepalive")
    payload = b"x" * 70_000  # larger than one socket read
    s3.put_object(Bucket="keepalive", Key="a", Body=payload)
    assert s3.head_object(Bucket="keepalive", Key="a")["ContentLength"] == len(payload)
    assert s3.get_object(Bucket="keepalive", Key="a")["Body"].read() == payload
    assert s3.delete_object(Bucket="keepalive", Key="a")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_objects_v2(Bucket="keepalive")["KeyCount"] == 0


def test_aws_errors_pass_through(moto: LocalMotoServer) -> None:
    dynamodb = boto3.client("dynamodb", endpoint_url=moto.endpoint, **_CREDENTIALS)
    with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.get_item(TableName="missing", Key={"pk": {"S": "x"}})
    assert isinstance(dynamodb.list_tables()["TableNames"], list)  # same pooled connection, still in sync


# ---- what `make run` starts: moto as installed unless the environment opts in -------------------------


def _start(monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[Any, str]:
    for name in ("LOCAL_MOTO_SPEEDUPS", "LOCAL_MOTO_KEEPALIVE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return start_moto()


def test_make_run_serves_moto_as_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[bool] = []
    monkeypatch.setattr(moto_speedups, "install", lambda: installed.append(True))
    server, endpoint = _start(monkeypatch)
    try:
        assert isinstance(server, LocalMotoServer)
        assert DynamoDBBackend.transact_write_items is _MOTO_TRANSACT  # moto's own, not a replacement
        assert not installed
        assert isinstance(boto3.client("dynamodb", endpoint_url=endpoint, **_CREDENTIALS).list_tables(), dict)
    finally:
        server.stop()


def test_moto_own_server_without_keep_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """LOCAL_MOTO_KEEPALIVE=0: moto's ThreadedMotoServer, so the stack does not depend on moto_server.py."""
    server, endpoint = _start(monkeypatch, LOCAL_MOTO_KEEPALIVE="0")
    try:
        assert isinstance(server, ThreadedMotoServer)
        dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, **_CREDENTIALS)
        with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
            dynamodb.get_item(TableName="missing", Key={"pk": {"S": "x"}})
    finally:
        server.stop()


def test_speedups_only_when_asked_and_only_on_their_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[bool] = []
    monkeypatch.setattr(moto_speedups, "install", lambda: installed.append(True))
    server, _ = _start(monkeypatch, LOCAL_MOTO_SPEEDUPS="1")
    server.stop()
    assert installed == [True]
    monkeypatch.setattr(moto_speedups, "unsupported", lambda: "written for moto 5.x, installed is 6.0.0")
    server, _ = _start(monkeypatch, LOCAL_MOTO_SPEEDUPS="1")
    server.stop()
    assert installed == [True]  # refused: the stack runs on moto as installed
