"""support_desk.serializers: field prototypes built once, copied per serializer instance."""

from rest_framework import serializers

from support_desk.serializers import FieldsBuiltOnce, StrictSerializer, copy_fields


class Child(serializers.Serializer):
    name = serializers.CharField()


class Parent(StrictSerializer):
    title = serializers.CharField(max_length=5)
    kind = serializers.ChoiceField(choices=["a", "b"])
    children = Child(many=True, required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)


def test_each_instance_binds_its_own_copies_of_the_fields():
    first, second = Parent(), Parent()

    assert first.fields["title"] is not second.fields["title"]
    assert first.fields["title"].parent is first
    assert second.fields["title"].parent is second


def test_the_prototypes_stay_unbound():
    Parent().fields  # noqa: B018 - builds and binds one instance's fields

    prototype = Parent._declared_fields["title"]
    assert (prototype.parent, prototype.field_name) == (None, None)


def test_fields_holding_bound_parts_are_copied_with_their_parts():
    first, second = Parent(), Parent()

    assert first.fields["children"].child is not second.fields["children"].child
    assert first.fields["children"].child.parent is first.fields["children"]
    assert first.fields["tags"].child is not second.fields["tags"].child
    assert first.fields["tags"].child.parent is first.fields["tags"]


def test_a_nested_serializers_copy_binds_its_own_fields():
    first, second = Parent(), Parent()

    name = first.fields["children"].child.fields["name"]

    assert name is not second.fields["children"].child.fields["name"]
    assert name.parent is first.fields["children"].child
    assert Parent._declared_fields["children"].child.parent is Parent._declared_fields["children"]


def test_nested_rows_serialise_and_validate_through_the_copies():
    data = {"title": "abc", "kind": "a", "children": [{"name": "x"}, {"name": "y"}], "tags": ["t"]}

    serializer = Parent(data=data)

    assert serializer.is_valid(), serializer.errors
    assert Parent(serializer.validated_data).data["children"] == [{"name": "x"}, {"name": "y"}]
    assert not Parent(data={**data, "children": [{}]}).is_valid()


def test_validation_through_copied_fields_gives_field_errors():
    serializer = Parent(data={"title": "too long", "kind": "c", "extra": 1})

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"extra"}
    serializer = Parent(data={"title": "too long", "kind": "c"})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"title", "kind"}


def test_a_model_serializer_builds_its_fields_once_per_class(django_assert_num_queries):
    from tickets.models import Category

    class CategoryBrief(FieldsBuiltOnce, serializers.ModelSerializer):
        class Meta:
            model = Category
            fields = ["code", "name"]

    CategoryBrief().fields  # noqa: B018
    built = CategoryBrief.__dict__["_fields_built_once"]
    CategoryBrief().fields  # noqa: B018

    assert CategoryBrief.__dict__["_fields_built_once"] is built
    assert set(copy_fields(built)) == {"code", "name"}
