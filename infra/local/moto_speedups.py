"""moto without work proportional to the size of a table or a queue, for the local stack and the bench.

moto (5.x) backs up every table a ``TransactWriteItems`` touches with ``copy.deepcopy`` before applying
it, answers a ``Query`` by sorting *all* the table's items, and receives each SQS message after counting
all the queue's messages. Each makes a request cost time proportional to the table or queue, so
setting up 1,000 contacts took ~4 minutes and the 2,000-recipient campaign and the 20,000-subscriber list
would not fit in the bench's time at all.

* ``TransactWriteItems`` keeps moto's semantics — every action checked and applied in order, errors
  collected, the whole transaction undone and ``TransactionCanceledException`` raised if any failed — but
  remembers only the previous version of each item it touches (an undo log).
* ``Query`` on the table's own key looks at that partition's items only, and no query sorts the whole
  table first (moto sorts the matches anyway).
* SQS ``ReceiveMessage`` reads the queue's retention period instead of computing every attribute (the
  approximate counts walk all messages) once per message, and SQS reads the clock with ``time.time()``
  (moto's ``unix_time()`` builds two datetimes, for every message at every receive).

They change how fast moto answers, never what it answers — on the moto they were written for: they
replace moto internals, so ``unsupported()`` checks the installed moto's version and the signatures they
stand in for, and tests/infra/test_moto_speedups.py compares their answers with plain moto's. They are
opt-in: the local stack installs them only with ``LOCAL_MOTO_SPEEDUPS=1`` (and works without them, only
slower as tables grow); the bench uses them for its large in-process moto stacks (``fast_moto()``).
"""

from __future__ import annotations

import copy
import inspect
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import moto
from moto import backends as moto_backends
from moto.core.utils import unix_time
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.sqs import models as sqs_models
from moto.sqs.models import SQSBackend


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo: list[tuple[Any, DynamoType, DynamoType | None, Any]] = []
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            _apply(self, op_type, op, targets, undo)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            _rollback(undo)
            raise
        except ConditionalCheckFailed as exc:
            errors.append(("ConditionalCheckFailed", str(exc.message), getattr(exc, "old_item", None)))
        except Exception as exc:
            errors.append((type(exc).__name__, str(exc), None))
    if any(code is not None for code, _, _ in errors):
        _rollback(undo)
        raise TransactionCanceledException(errors)


def _apply(
    backend: DynamoDBBackend,
    op_type: str,
    op: dict[str, Any],
    targets: set[tuple[str, str]],
    undo: list[tuple[Any, DynamoType, DynamoType | None, Any]],
) -> None:
    """One action of a transaction, as moto applies it, remembering the item's previous version."""
    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
        raise ValueError("Unsupported transaction operation")
    table_name = op["TableName"]
    table = backend.get_table(table_name)
    if op_type == "Put":
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
    else:
        key = op["Key"]
    unique = (str(table_name), str(dict(sorted(key.items()))))
    if unique in targets:
        raise MultipleTransactionsException()
    targets.add(unique)
    current = backend.get_item(table_name, key)
    condition = op.get("ConditionExpression")
    names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    if condition is not None and not get_filter_expression(condition, names, values).expr(current):
        wants_old = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
        old = current.to_json()["Attributes"] if wants_old and current else None
        failed = ConditionalCheckFailed(item=old)
        failed.old_item = old  # type: ignore[attr-defined]  # what moto reports with the cancellation
        raise failed
    if op_type == "ConditionCheck":
        return
    hash_value, range_value = backend.get_keys_value(table, key)
    undo.append((table, hash_value, range_value, copy.deepcopy(current)))
    expression: dict[str, Any] = {
        "condition_expression": condition,
        "expression_attribute_names": names,
        "expression_attribute_values": values,
    }
    if op_type == "Put":
        backend.put_item(table_name, op["Item"], **expression)
    elif op_type == "Delete":
        backend.delete_item(table_name, key, **expression)
    else:
        backend.update_item(table_name, key, update_expression=op["UpdateExpression"], **expression)


def _rollback(undo: list[tuple[Any, DynamoType, DynamoType | None, Any]]) -> None:
    for table, hash_value, range_value, previous in reversed(undo):
        if range_value is not None:
            if previous is None:
                table.items[hash_value].pop(range_value, None)
            else:
                table.items[hash_value][range_value] = previous
        elif previous is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = previous


_original_query = Table.query


def _query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    if index_name or hash_key is None or not self.range_key_attr:
        # moto filters all items, then sorts the matches itself: the sort of the whole table is waste.
        self.all_items = lambda: _unsorted(self)  # type: ignore[method-assign]
    else:
        # A query on the table's key: only that partition can match.
        partition = self.items.get(hash_key, {})
        self.all_items = lambda: list(partition.values())  # type: ignore[method-assign]
    try:
        return _original_query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def _unsorted(table: Table) -> list[Any]:
    if table.range_key_attr:
        return [item for partition in table.items.values() for item in partition.values()]
    return list(table.items.values())


def _retained(self: SQSBackend, queue_name: str, message: Any) -> bool:
    """moto computes *every* queue attribute (approximate counts walk all messages) to read the
    retention period, for each message it receives."""
    period = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
    return bool(period + message.sent_timestamp / 1000 > unix_time())


def _unix_time(dt: Any = None) -> float:
    return time.time() if dt is None else float(unix_time(dt))


def _unix_time_millis(dt: Any = None) -> float:
    return _unix_time(dt) * 1000.0


_MOTO_MODULES = tuple(moto_backends.list_of_moto_modules())


def _moto_modules() -> Iterable[str]:
    """moto's server lists its package directory (``os.listdir`` + an ``isdir`` per entry, ~150 system
    calls) for every request it routes, under a lock that serialises them; the list never changes."""
    return _MOTO_MODULES


_PATCHES: list[tuple[Any, str, Any]] = [
    (moto_backends, "list_of_moto_modules", _moto_modules),
    (DynamoDBBackend, "transact_write_items", _transact_write_items),
    (Table, "query", _query),
    (SQSBackend, "is_message_valid_based_on_retention_period", _retained),
    (sqs_models, "unix_time", _unix_time),
    (sqs_models, "unix_time_millis", _unix_time_millis),
]


# What the replacements mirror: moto 5's signatures (the query replacement finds index_name by position).
WRITTEN_FOR_MAJOR = 5
_SIGNATURES: dict[str, tuple[Callable[..., Any], list[str]]] = {
    "Table.query": (
        _original_query,
        [
            "self",
            "hash_key",
            "range_comparison",
            "range_objs",
            "limit",
            "exclusive_start_key",
            "scan_index_forward",
            "projection_expressions",
            "index_name",
        ],
    ),
    "DynamoDBBackend.transact_write_items": (DynamoDBBackend.transact_write_items, ["self", "transact_items"]),
    "SQSBackend.is_message_valid_based_on_retention_period": (
        SQSBackend.is_message_valid_based_on_retention_period,
        ["self", "queue_name", "message"],
    ),
}


def unsupported() -> str | None:
    """Why the speed-ups must not be installed on this moto, or ``None`` when they fit it."""
    if int(moto.__version__.split(".")[0]) != WRITTEN_FOR_MAJOR:
        return f"written for moto {WRITTEN_FOR_MAJOR}.x, installed is {moto.__version__}"
    for name, (function, expected) in _SIGNATURES.items():
        actual = list(inspect.signature(function).parameters)
        if actual[: len(expected)] != expected:
            return f"moto's {name} takes {actual}, the replacement expects {expected}"
    return None


def install() -> None:
    """Apply the speed-ups for the rest of the process."""
    for owner, name, replacement in _PATCHES:
        setattr(owner, name, replacement)


@contextmanager
def fast_moto() -> Iterator[None]:
    """The speed-ups while the block runs; moto as it was afterwards."""
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in _PATCHES]
    install()
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
