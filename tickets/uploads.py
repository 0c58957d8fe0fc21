"""Evidence uploads: judged by their content, never by the name or type the client claims."""

import contextlib
import logging
import re
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from support_desk.errors import ServiceUnavailableError
from support_desk.text import has_bidi_control, is_invisible

from . import secret_guard
from .exceptions import TicketInvalid

logger = logging.getLogger(__name__)

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


def redact_upload(upload: UploadedFile, checked: CheckedUpload) -> tuple[File, str, list[str], list[str]]:
    """The upload with the secrets in its name and, for text and .eml files, in its content
    replaced by markers: (file to store, name to keep, kinds found, where: "file_name"/"file").
    Undecodable bytes pass through untouched (surrogateescape); an e-mail's base64 or
    quoted-printable parts are not decoded."""
    name_result = secret_guard.redact(checked.name, context_field="file_name")
    kinds = set(name_result.kinds)
    fields = ["file_name"] if name_result.found else []
    stored: File = upload
    if checked.content_type in TEXT_TYPES:
        upload.seek(0)
        raw = upload.read()
        upload.seek(0)
        text = raw.decode("utf-8", errors="surrogateescape")
        content = secret_guard.redact(text, context_field="file")
        if content.found:
            kinds.update(content.kinds)
            fields.append("file")
            stored = ContentFile(content.text.encode("utf-8", errors="surrogateescape"), name=name_result.text)
    return stored, name_result.text, sorted(kinds), fields


def store_file(field_file, name: str, upload: File) -> None:
    """Write an attachment's file to its storage (the model row is saved after). A full or
    unwritable disk leaves no half-written file behind and is a 503 with a clear message, not a 500."""
    storage = field_file.storage
    target = field_file.field.generate_filename(field_file.instance, name)
    try:
        saved = storage.save(target, upload, max_length=field_file.field.max_length)
    except OSError as error:
        logger.error("Attachment storage failed (%s): %s", type(error).__name__, error)
        with contextlib.suppress(OSError):
            # attachment_path's names are random: the name asked for is the one being written.
            if storage.exists(target):
                storage.delete(target)
        raise ServiceUnavailableError(
            _("The file could not be stored: the desk's file storage is unavailable. Please try again later."),
            field="file",
        ) from error
    field_file.name = saved
    setattr(field_file.instance, field_file.field.attname, saved)
    field_file._committed = True
