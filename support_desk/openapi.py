"""The OpenAPI schema tells the truth about what each operation answers.

drf-spectacular documents the success answer and whatever a view names in `@extend_schema`. The
answers that come from the framework around the view are added here, once, for every operation
where they can happen (schemathesis checks that every status code a server sends is documented):

- 400 where there is input: a parameter (a NUL character in it is refused by the request guard,
  a bad page number or cursor by the paginator) or a body;
- 401 where authentication runs (a bad or expired token is a 401 even on public operations);
- 403 where a permission other than AllowAny is checked, and on writes with session authentication (CSRF);
- 404 where a path parameter names an object, and on paginated lists (a page past the last);
- 413 and 415 where there is a body (over the size limit; a content type without a parser);
- 414 where there are parameters (a URL over the limit, from the request guard or the server);
- 429 where a throttle applies.

And about the shapes: a read-only relation on a nullable foreign key is nullable, and the fields a
serializer lists in `STAFF_ONLY` are sent to staff only, so they are not required.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

ERRORS = {
    "400": "Invalid input: the body names each field's (or parameter's) errors.",
    "401": "Not authenticated, or the credentials are invalid or expired.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object, or not one the caller may see; or a page past the last.",
    "413": "The request body is over the size limit.",
    "414": "The URL is too long.",
    "415": "The request body's content type is not accepted.",
    "429": "Throttled; see the Retry-After header.",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._framework_codes(operation):
            responses.setdefault(code, {"description": ERRORS[code]})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _framework_codes(self, operation: dict) -> list[str]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation or self.method in {"POST", "PUT", "PATCH"}
        codes = []
        if parameters or has_body:
            codes.append("400")
        if parameters:
            codes.append("414")
        authenticators = self.view.get_authenticators()
        if authenticators:
            codes.append("401")
        permissions = self.view.get_permissions()
        session = any(isinstance(auth, SessionAuthentication) for auth in authenticators)
        if any(not isinstance(permission, AllowAny) for permission in permissions) or (
            session and self.method in UNSAFE_METHODS
        ):
            codes.append("403")
        paginated = self._is_list_view() and self._get_paginator() is not None
        if any(parameter["in"] == "path" for parameter in parameters) or paginated:
            codes.append("404")
        if has_body:
            codes.extend(["413", "415"])
        try:
            throttled = bool(self.view.get_throttles())
        except Exception:  # noqa: BLE001 - a throttle list that needs a real request: say it may throttle
            throttled = True
        if throttled:
            codes.append("429")
        return codes

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        staff_only = set(getattr(serializer, "STAFF_ONLY", ()))
        if staff_only and direction == "response" and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in staff_only]
            if not schema["required"]:
                del schema["required"]
            for name in staff_only & set(schema.get("properties", {})):
                prop = schema["properties"][name]
                if "$ref" not in prop:
                    prop["description"] = (prop.get("description", "") + " Sent to staff only.").strip()
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema is not None and isinstance(field, serializers.RelatedField) and field.read_only:
            model = getattr(getattr(field.parent, "Meta", None), "model", None)
            source = field.source.split(".")[0] if field.source else field.field_name
            try:
                nullable = model is not None and model._meta.get_field(source).null
            except FieldDoesNotExist:
                nullable = False
            if nullable and "$ref" not in schema:
                schema["nullable"] = True
        return schema
