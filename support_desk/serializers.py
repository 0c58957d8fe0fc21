import copy

from django.utils.translation import gettext as _
from rest_framework import serializers


def _has_bound_parts(field: serializers.Field) -> bool:
    """Fields holding other fields bound to them (a nested serializer, a list's child, a many
    relation's child relation): those must be deep-copied, or the copies would share the parts."""
    return isinstance(field, serializers.BaseSerializer) or any(
        hasattr(field, name) for name in ("child", "child_relation")
    )


def copy_fields(fields) -> dict[str, serializers.Field]:
    """Fresh, unbound copies of a serializer's field prototypes. A plain field's copy shares its
    prototype's attributes (validators, choices, error messages are read, never changed, once
    built); bind() then sets the copy's own name, parent and source. DRF deep-copies every
    field instead, re-running each field's __init__: most of a ticket's serialisation time."""
    copies = {}
    for name, field in fields.items():
        if _has_bound_parts(field):
            copies[name] = copy.deepcopy(field)
        else:
            clone = object.__new__(type(field))
            clone.__dict__.update(field.__dict__)
            copies[name] = clone
    return copies


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
