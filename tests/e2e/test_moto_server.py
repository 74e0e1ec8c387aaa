"""The local stack's moto endpoint keeps connections open and frames every response correctly.

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
from urllib.parse import urlsplit

import boto3
import pytest

from infra.local.moto_server import LocalMotoServer

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
