"""Evidence uploads: judged by their content, never by the name or type the client claims."""

import re
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from support_desk.text import has_bidi_control, is_invisible

from .exceptions import TicketInvalid

# Detected MIME type -> stored extension.
BINARY_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}
TEXT_TYPES = {"text/plain": ".txt", "message/rfc822": ".eml"}
SNIFF_BYTES = 64 * 1024
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
_EMAIL_HEADERS = (b"from:", b"subject:", b"received:", b"message-id:", b"date:", b"to:")
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    extension: str


def _check_name(name: str) -> str:
    if not name or _BAD_NAME.search(name) or name in {".", ".."} or len(name) > 255:
        raise TicketInvalid(
            _("The file name must be a plain name without folders or control characters."),
            field="file",
        )
    # "invoice<U+202E>fdp.exe" shows as "invoiceexe.pdf": refused, so the name kept is the name sent.
    if has_bidi_control(name) or is_invisible(name.rsplit(".", 1)[0]):
        raise TicketInvalid(
            _("Rename the file: its name has text-direction characters, or nothing visible before the extension."),
            field="file",
        )
    return name


def _sniff_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sniff boundary is still text.
        if error.start < len(head) - 4:
            return None
    lines = head.lstrip().splitlines()[:40]
    header_names = {line.split(b":", 1)[0].lower() + b":" for line in lines if _HEADER_LINE.match(line)}
    if lines and _HEADER_LINE.match(lines[0]) and len(header_names & set(_EMAIL_HEADERS)) >= 2:
        return "message/rfc822"
    return "text/plain"


def check_upload(upload: UploadedFile) -> CheckedUpload:
    name = _check_name(getattr(upload, "client_name", None) or upload.name or "")
    if upload.size == 0:
        raise TicketInvalid(_("The file is empty."), field="file")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise TicketInvalid(
            _("The file is too large: the limit is %(limit)s.")
            % {"limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)},
            field="file",
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        content_type = kind.mime if kind.mime in BINARY_TYPES else None
    else:
        content_type = _sniff_text(head)
    if content_type is None:
        raise TicketInvalid(
            _("This type of file is not accepted. Send images (PNG, JPEG, GIF, WebP), PDF, text or .eml files."),
            field="file",
        )
    extension = BINARY_TYPES.get(content_type) or TEXT_TYPES[content_type]
    return CheckedUpload(name=name, content_type=content_type, extension=extension)
