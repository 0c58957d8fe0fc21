"""Requests no view should ever see: refused up front with a clear 4xx instead of a 500 later.

- A NUL character in the path or the query string (raw, or escaped as `%00`) is a 400: PostgreSQL
  cannot hold it in a text value ("A string literal cannot contain NUL"), so it would reach the
  database as an error in whatever filter, search box or lookup receives it.
- A URL longer than `MAX_URL_LENGTH` is a 414.
- A `Content-Length` that is not a number is a 400; a body over the limit is a 413 before a byte of
  it is read: multipart uploads may be as large as one attachment (`ATTACHMENT_MAX_BYTES`) plus the
  form's overhead, every other body `DATA_UPLOAD_MAX_MEMORY_SIZE`. DRF's JSON parser reads the
  stream itself and never checks Django's limit, so without this a 100 MB JSON body is parsed.

Under `/api/` the answer is JSON (`{"detail", "code"}`) like every other API error; elsewhere plain text.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
# The form fields and boundaries around an attachment in a multipart body.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def body_limit(content_type: str) -> int:
    """The largest body accepted for this content type, in bytes."""
    if content_type.lower().startswith("multipart/"):
        return settings.ATTACHMENT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": message, "code": code}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "\x00" in query or "%00" in query:
            return _refuse(request, 400, "null_character", _("The address must not contain NUL characters."))
        if len(request.path_info) + len(query) > settings.MAX_URL_LENGTH:
            return _refuse(
                request,
                414,
                "uri_too_long",
                _("The address is too long: the limit is %(limit)d characters.") % {"limit": settings.MAX_URL_LENGTH},
            )
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            return _refuse(request, 400, "invalid_content_length", _("The Content-Length header is not a number."))
        limit = body_limit(request.META.get("CONTENT_TYPE", ""))
        if length > limit:
            return _refuse(
                request,
                413,
                "request_too_large",
                _("The request body is too large: the limit is %(limit)d bytes.") % {"limit": limit},
            )
        return None
