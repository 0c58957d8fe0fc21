import copy

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is a 400 instead of a silently ignored change."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class FieldsBuiltOnce:
    """For a ModelSerializer on a hot path: the fields it derives from the model are built once
    per class, and each instance gets a deep copy (as DRF copies declared fields), instead of
    introspecting the model's fields on every instantiation (about a third of a ticket
    creation's serialisation time). Only for serializers whose fields do not depend on the
    instance or the context (get_fields is not overridden to vary them)."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)
