"""The API's parsers.

JSON: a body nested deeper than `MAX_JSON_DEPTH` levels, or with a NUL character in any string
(PostgreSQL can store it neither in text nor in jsonb), is a 400 instead of a RecursionError or a
database error later. Multipart: the client's file name is kept as sent, so it can be judged.
Django quietly strips directories from upload names ("../../x" becomes "x"). The desk never
uses the name for storage (files get random names), but a name with a path in it is refused
with a clear 400 rather than silently changed.
"""

import html
from typing import Any

from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.parsers import MultiPartParser as DRFMultiPartParser

# Far deeper than any request of this API (three or four levels); far shallower than Python's recursion limit.
MAX_JSON_DEPTH = 64


def _too_deep() -> ParseError:
    return ParseError(_("JSON nested more than %(depth)d levels deep is not accepted.") % {"depth": MAX_JSON_DEPTH})


def check_json_value(data: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and NUL characters, without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(_("Text must not contain NUL characters."))
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        else:
            stack.extend((item, depth + 1) for item in value)


class JSONParser(DRFJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise _too_deep() from error
        check_json_value(data)
        return data


class _KeepNameParser(DjangoMultiPartParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_names: list[str] = []

    def sanitize_file_name(self, file_name):
        self.client_names.append(html.unescape(file_name or ""))
        return super().sanitize_file_name(file_name)


class MultiPartParser(DRFMultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        encoding = parser_context.get("encoding", "utf-8")
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            parser = _KeepNameParser(meta, stream, request.upload_handlers, encoding)
            data, files = parser.parse()
            uploads = [upload for _, group in files.lists() for upload in group]
            for upload, client_name in zip(uploads, parser.client_names, strict=False):
                # UploadedFile keeps only the base name; the name as sent is kept beside it.
                upload.client_name = client_name
            return DataAndFiles(data, files)
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from exc
