"""Upload storage full or unwritable: the upload is a 503 naming the file, with a clear message, and
nothing is kept: no Attachment row, no event, no half-written file. Runs in-process (not slow)."""

import errno
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.models import Attachment, TicketEvent

PDF = b"%PDF-1.4\n" + b"0" * 50_000 + b"\n%%EOF\n"


@pytest.fixture
def as_customer(api_client, customer):
    api_client.force_authenticate(customer)
    return api_client


def _upload(client, ticket):
    upload = SimpleUploadedFile("statement.pdf", PDF, content_type="application/pdf")
    return client.post(f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": upload}, format="multipart")


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.is_dir() else []


def _assert_nothing_kept(response, ticket) -> None:
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert "could not be stored" in body["detail"] and body["file"]
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert not TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ATTACHMENT_ADDED).exists()


@pytest.mark.django_db
def test_full_disk_gives_a_503_and_leaves_no_half_written_file(as_customer, ticket, settings, monkeypatch):
    def half_written(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read(4096))  # the first chunk made it to disk, then the disk filled
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", half_written)
    response = _upload(as_customer, ticket)
    _assert_nothing_kept(response, ticket)
    assert _files_under(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.django_db
def test_unwritable_upload_storage_gives_a_clear_error_and_nothing_half_written(
    as_customer, ticket, settings, tmp_path
):
    # Root ignores permission bits, so "unwritable" is a storage root that is a file, not a folder.
    blocked = tmp_path / "media-is-a-file"
    blocked.write_text("not a folder")
    settings.MEDIA_ROOT = blocked
    response = _upload(as_customer, ticket)
    _assert_nothing_kept(response, ticket)
    assert blocked.read_text() == "not a folder"
