"""Values of free-form contact attributes (and of segment conditions on them): what DynamoDB can store.

DynamoDB numbers carry at most 38 significant digits and a magnitude from 1E-130 to 9.9999…E+125
(DynamoDB developer guide, "Supported data types and naming rules": Number). A number outside that is
the client's 422, refused here by name, before a write fails half-way with a ValidationException.
"""

from __future__ import annotations

from decimal import Clamped, Context, Decimal, DecimalException, Inexact, Overflow, Rounded, Underflow
from typing import Annotated

from pydantic import AfterValidator

from .plain_text import refuse_controls

# The context boto3 serialises numbers with (boto3.dynamodb.types.DYNAMODB_CONTEXT), restated here so
# that the domain needs no boto3.
_DYNAMODB = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def storable_number(value: object) -> object:
    """A number DynamoDB can store; a string without control characters (it may reach an SMS body)."""
    if isinstance(value, str):
        return refuse_controls(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    try:
        number = _DYNAMODB.create_decimal(Decimal(repr(value)) if isinstance(value, float) else value)
    except DecimalException:  # what boto3's serialiser would raise: more than 38 digits
        number = None
    # boto3's context still lets subnormals such as 5.6e-137 through; DynamoDB itself refuses them.
    if number is None or (number != 0 and not -130 <= number.adjusted() <= 125):
        raise ValueError("a number DynamoDB can store: at most 38 digits, magnitude 1e-130 to 1e125")
    return value


AttrValue = Annotated[str | int | float | bool, AfterValidator(storable_number)]
