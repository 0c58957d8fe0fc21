"""Serializer fields that read what customers type."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..networks import InvalidIdentifier, parse_amount

# What the schema promises: up to 18 digits before the dot (max_digits 36, decimal_places 18),
# plain or in comma groups of three, and up to 18 after it.
AMOUNT_PATTERN = r"^ *(\d{1,18}|\d{1,3}(,\d{3}){1,5}|(?=\.))(\.\d{1,18})? *$"


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": AMOUNT_PATTERN,
        "example": "1,000.50",
        "description": 'A positive amount: "1000.50" or "1,000.50" (comma thousands groups, a dot before '
        "the decimals; a decimal comma is refused).",
    }
)
class LocalizedAmountField(serializers.DecimalField):
    """A DecimalField that also takes the customer's written form of a number ("1,000.50"; see
    tickets.networks.parse_amount for what is accepted and refused). JSON numbers pass as before."""

    def to_internal_value(self, data) -> Decimal:
        if isinstance(data, str):
            try:
                data = str(parse_amount(data))
            except InvalidIdentifier as error:
                raise serializers.ValidationError(str(error)) from error
        return super().to_internal_value(data)
