from django.utils.translation import gettext as _
from rest_framework import serializers

# What a field or serializer caches on itself once used: a copy starts without them (a nested
# serializer builds its own fields when first read, bound to itself).
_PER_INSTANCE = ("fields", "_data", "_errors", "_validated_data", "instance", "initial_data")
# The parts a field holds bound to itself: a list's child, a many relation's child relation.
_PARTS = ("child", "child_relation")


def _clone(field: serializers.Field) -> serializers.Field:
    """A fresh, unbound copy of a field prototype. It shares its prototype's attributes
    (validators, choices, error messages are read, never changed, once built); bind() then sets
    the copy's own name, parent and source. A part bound to the field (a list's child) is cloned
    too, its parent the copy; a nested serializer's copy builds
    its own fields. DRF deep-copies every field instead, re-running each field's __init__ (and a
    nested serializer's whole construction): most of a ticket's serialisation time."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    for name in _PER_INSTANCE:
        clone.__dict__.pop(name, None)
    if isinstance(field, serializers.BaseSerializer):
        clone.instance = None
    for name in _PARTS:
        part = field.__dict__.get(name)
        if part is not None:
            # Bound already (by the prototype's __init__): its name and source are the same
            # whatever the parent, so only the parent changes.
            clone.__dict__[name] = _clone(part)
            clone.__dict__[name].parent = clone
    return clone


def copy_fields(fields) -> dict[str, serializers.Field]:
    """Fresh, unbound copies (_clone) of a serializer's field prototypes."""
    return {name: _clone(field) for name, field in fields.items()}


# For a serializer on a hot path: a ModelSerializer's fields derived from the model are built once
# per class (not by introspecting the model on every instantiation), and each instance gets fresh
# copies (copy_fields) of them, or of a plain serializer's declared fields. Only for serializers
# whose fields do not depend on the instance or the context (get_fields is not overridden to vary
# them). A comment, not a docstring: drf-spectacular would show a docstring as the description of
# every schema component whose serializer has none of its own.
class FieldsBuiltOnce:
    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            if isinstance(self, serializers.ModelSerializer):
                built = super().get_fields()
            else:
                built = dict(self._declared_fields)
            cls._fields_built_once = built
        return copy_fields(built)


# Its declared fields are copied per instance as FieldsBuiltOnce copies them (not in the docstring:
# drf-spectacular shows a serializer's docstring as the description of its schema components).
class StrictSerializer(FieldsBuiltOnce, serializers.Serializer):
    """Refuses fields it does not know, so a typo is a 400 instead of a silently ignored change."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)
