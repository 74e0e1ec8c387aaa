"""bench/capacity.py counts the index writes of every global secondary index the template declares."""

from __future__ import annotations

from bench.capacity import _index_writes, table_indexes
from consent_platform.adapters.dynamodb import keys
from infra.local.template import load_template

PENDING = {**keys.SUBSCRIPTION.key(phone="+48501234567", list_id="demo"), "status": {"S": "pending"}}
IN_EXPIRY = {**PENDING, "exp_pk": {"S": "EXPIRY#3"}, "pending_expires_at": {"S": "2999-01-01T00:00:00Z"}}
ACTIVE = {**PENDING, "status": {"S": "active"}, "aud_pk": {"S": "AUD#demo#b#1"}, "aud_sk": {"S": "+48501234567"}}


def test_every_index_of_the_template_is_known() -> None:
    declared = {
        tuple(k["AttributeName"] for k in index["KeySchema"])
        for index in load_template()["Resources"]["ConsentTable"]["Properties"]["GlobalSecondaryIndexes"]
    }
    assert {keys for keys, _ in table_indexes()["ConsentTable"]} == declared
    assert ("exp_pk", "pending_expires_at") in declared


def test_entering_leaving_and_moving_within_the_expiry_index_costs_index_writes() -> None:
    assert _index_writes("ConsentTable", PENDING, IN_EXPIRY) == 1  # a pending opt-in enters the ExpiryIndex
    # Confirmed: out of the ExpiryIndex, into the AudienceIndex.
    assert _index_writes("ConsentTable", IN_EXPIRY, ACTIVE) == 2
    later = {**IN_EXPIRY, "pending_expires_at": {"S": "2999-01-02T00:00:00Z"}}
    assert _index_writes("ConsentTable", IN_EXPIRY, later) == 2  # key changed: delete + put
    assert _index_writes("ConsentTable", IN_EXPIRY, IN_EXPIRY) == 0
    assert _index_writes("LedgerTable", None, {"phone": {"S": "+1"}, "sk": {"S": "x"}}) == 0
