"""A multipart parser that keeps the client's file name as sent, so it can be judged.

Django quietly strips directories from upload names ("../../x" becomes "x"). The desk never
uses the name for storage (files get random names), but a name with a path in it is refused
with a clear 400 rather than silently changed.
"""

import html

from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles
from rest_framework.parsers import MultiPartParser as DRFMultiPartParser


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
