"""The rule for a ticket's structured fields (DESIGN.md "Exchange specifics"): what the category
requires, and each identifier checked against its network with the real checksums. One rule for
every entry point: the API's serializers show it as 400 field errors, and ticket_create enforces
it for any other caller (an inbound e-mail, a command). Pure: no database, no query."""

import dataclasses
from collections.abc import MutableMapping
from decimal import Decimal
from typing import Any, TypeVar

from django.utils.translation import gettext_lazy as _

from .exceptions import TicketInvalid
from .models import Category
from .networks import NETWORKS, InvalidIdentifier, memo_missing_message, validate_amount, validate_identifier

Fields = TypeVar("Fields")


def ticket_fields_errors(category: Category, fields: MutableMapping[str, Any]) -> dict[str, list[str]]:
    """Field errors of a new ticket's structured fields (asset, network, amount, txid, address,
    memo, order_id), by field name. The identifiers it checks are stripped in `fields`: the value
    stored is the value checked."""
    errors = {
        name: [str(_("This category needs this field."))]
        for name in category.required_fields
        if fields.get(name) in ("", None)
    }
    errors.update(identifier_errors(fields))
    if "memo" in (*category.required_fields, *category.optional_fields):
        missing = memo_missing_message(fields.get("network") or "", fields.get("memo") or "")
        if missing:
            errors.setdefault("memo", [str(missing)])
    return errors


def identifier_errors(fields: MutableMapping[str, Any]) -> dict[str, list[str]]:
    """Per-network checks of the structured fields, with their real checksums."""
    errors: dict[str, list[str]] = {}
    code, asset = fields.get("network") or "", (fields.get("asset") or "").upper()
    network = NETWORKS.get(code)
    if code and network is None:
        errors["network"] = [str(_("Unknown network. Choose one from the list."))]
    if network and asset and asset not in network.assets:
        errors["asset"] = [str(_("%(asset)s is not sent on %(network)s.") % {"asset": asset, "network": network.name})]
    for name in ("txid", "address", "memo"):
        value = (fields.get(name) or "").strip()
        if not value:
            continue
        if network is None:
            errors.setdefault("network", [str(_("Choose the network so we can check this."))])
            continue
        if name == "memo" and network.memo is None:
            continue  # free text on networks without tags
        try:
            validate_identifier(code, name, value)
        except InvalidIdentifier as error:
            errors[name] = [str(error)]
        fields[name] = value
    if fields.get("amount") is not None and asset:
        try:
            # Decimal(str()): a caller in code may pass an int; the API's serializer a Decimal.
            validate_amount(asset, Decimal(str(fields["amount"])))
        except InvalidIdentifier as error:
            errors["amount"] = [str(error)]
    return errors


def ticket_fields_validated(*, category: Category, fields: Fields) -> Fields:
    """`fields` (a tickets.services.TicketFields) with its identifiers stripped as they were
    checked; raises TicketInvalid carrying every field's errors when the rule refuses them."""
    values = dataclasses.asdict(fields)
    errors = ticket_fields_errors(category, values)
    if errors:
        field, messages = next(iter(errors.items()))
        raise TicketInvalid(messages[0], field=field, errors=errors)
    return dataclasses.replace(fields, **values)
