"""Evidence files: checked by content, hashed, stored encrypted, shared without metadata."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from amparo.accounts.models import AuditEvent
from amparo.cases import evidence as files
from amparo.cases import services
from amparo.cases.models import Evidence
from amparo.core.crypto import DecryptionError, Keyring
from amparo.security.keys import keyring

pytestmark = pytest.mark.django_db

CANARY = "CANARY-7f3a-GPS"


def jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF holds a GPS position and a description carrying the canary."""
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = CANARY  # ImageDescription
    exif[0x0110] = "Canary Phone 9"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (26.0, 13.0, 44.0)
    gps[3] = "E"
    gps[4] = (50.0, 35.0, 10.0)
    gps[27] = b"ASCII\x00\x00\x00" + CANARY.encode()  # GPSProcessingMethod
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def pdf_with_metadata() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": CANARY, "/Title": "Witness statement"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(extra: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if extra:
            archive.writestr("word/media/blob.bin", extra)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_bytes(media_root: Path, name: str) -> bytes:
    return (Path(media_root) / name).read_bytes()


def test_the_original_is_hashed_and_stored_encrypted(make_entry, documenter, media_root):
    data = b"Statement of the witness, 3 March.\n" * 20
    item = services.add_evidence(documenter, make_entry(), upload("statement.txt", data))
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.content_type == "text/plain" and item.size == len(data)
    raw = stored_bytes(media_root, item.stored_path)
    assert data not in raw and b"witness" not in raw
    assert "statement" not in item.stored_path
    assert files.load(item.stored_path, files.aad(item, "original")) == data
    assert not item.shared_path  # no shared copy for text


def test_a_stored_file_cannot_be_swapped_for_another_evidence_file(make_entry, documenter):
    entry = make_entry()
    one = services.add_evidence(documenter, entry, upload("a.txt", b"first file"))
    two = services.add_evidence(documenter, entry, upload("b.txt", b"second file"))
    with pytest.raises(DecryptionError):
        files.load(one.stored_path, files.aad(two, "original"))


def test_the_shared_copy_of_a_jpeg_has_no_exif_or_gps(make_entry, documenter, media_root):
    data = jpeg_with_gps()
    assert CANARY.encode() in data
    item = services.add_evidence(
        documenter, make_entry(), upload("IMG_0001.jpg", data, "image/jpeg")
    )
    assert {"EXIF", "GPS location"} <= set(item.metadata_removed)
    shared = files.load(item.shared_path, files.aad(item, "shared"))
    assert CANARY.encode() not in shared and b"Canary Phone" not in shared
    image = Image.open(io.BytesIO(shared))
    assert image.format == "JPEG" and image.size == (32, 24)
    assert len(image.getexif()) == 0 and "exif" not in image.info
    original = files.load(item.stored_path, files.aad(item, "original"))
    assert original == data  # the original is kept untouched


def test_a_png_loses_its_text_chunks(make_entry, documenter):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", CANARY)
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    item = services.add_evidence(documenter, make_entry(), upload("x.png", out.getvalue()))
    shared = files.load(item.shared_path, files.aad(item, "shared"))
    assert "text chunks" in item.metadata_removed
    assert CANARY.encode() not in shared


def test_a_file_named_jpg_holding_a_pdf_is_treated_as_a_pdf(make_entry, documenter):
    item = services.add_evidence(
        documenter, make_entry(), upload("holiday.jpg", pdf_with_metadata(), "image/jpeg")
    )
    assert item.content_type == "application/pdf"
    assert "document information" in item.metadata_removed
    shared = files.load(item.shared_path, files.aad(item, "shared"))
    assert shared.startswith(b"%PDF-") and CANARY.encode() not in shared


def test_an_oversized_file_is_refused_and_nothing_is_stored(
    make_entry, documenter, settings, media_root
):
    settings.AMPARO_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationError) as caught:
        services.add_evidence(documenter, make_entry(), upload("big.txt", b"a" * 2000))
    assert "larger than the limit" in caught.value.message_dict["file"][0]
    assert not Evidence.objects.exists()
    stored = list(Path(media_root).rglob("*")) if Path(media_root).exists() else []
    assert stored == []


def test_an_archive_bomb_is_refused(make_entry, documenter, settings):
    settings.AMPARO_MAX_UPLOAD_BYTES = 100_000
    bomb = docx_bytes(extra=b"\0" * 2_000_000)
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as caught:
        services.add_evidence(documenter, make_entry(), upload("report.docx", bomb))
    assert "archive bomb" in caught.value.message_dict["file"][0]
    assert not Evidence.objects.exists()


def test_a_docx_is_accepted_without_a_shared_copy(make_entry, documenter):
    item = services.add_evidence(documenter, make_entry(), upload("report.docx", docx_bytes()))
    assert item.content_type == files.DOCX and not item.shared_path


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00\x03binary", b"PK\x03\x04not really a zip", b"\x00\x01\x02 binary"],
)
def test_other_content_is_refused_whatever_the_name(make_entry, documenter, data):
    with pytest.raises(ValidationError) as caught:
        services.add_evidence(documenter, make_entry(), upload("photo.jpg", data, "image/jpeg"))
    assert "file" in caught.value.message_dict
    assert not Evidence.objects.exists()


def test_upload_and_download_through_the_pages(documenter_client, viewer_client, make_entry):
    entry = make_entry()
    url = reverse("cases:record_new", kwargs={"uuid": entry.uuid, "kind": "evidence"})
    photo = jpeg_with_gps()
    response = documenter_client.post(
        url, {"kind": "photo", "description": "Damage", "file": upload("../../etc/x.jpg", photo)}
    )
    assert response.status_code == 302
    item = Evidence.objects.get()
    page = documenter_client.get(
        reverse("cases:detail", kwargs={"uuid": entry.uuid})
    ).content.decode()
    assert item.sha256 in page and "GPS location" in page
    download = reverse(
        "cases:evidence_download", kwargs={"uuid": entry.uuid, "pk": item.pk, "variant": "shared"}
    )
    got = documenter_client.get(download)
    assert got.status_code == 200
    assert got["Content-Type"] == "image/jpeg"
    assert got["X-Content-Type-Options"] == "nosniff"
    disposition = got["Content-Disposition"]
    assert (
        disposition.startswith("attachment;")
        and ".." not in disposition
        and "etc" not in disposition
    )
    assert disposition.isascii()
    assert CANARY.encode() not in got.content
    original = documenter_client.get(download.replace("/shared/", "/original/"))
    assert original["Content-Type"] == "application/octet-stream"
    assert original.content == photo
    events = AuditEvent.objects.filter(action="evidence.download")
    assert events.count() == 2
    assert viewer_client.get(download).status_code == 403
    assert events.count() == 2


def test_an_oversized_upload_on_the_page_shows_the_limit(documenter_client, make_entry, settings):
    settings.AMPARO_MAX_UPLOAD_BYTES = 1024 * 1024
    entry = make_entry()
    url = reverse("cases:record_new", kwargs={"uuid": entry.uuid, "kind": "evidence"})
    response = documenter_client.post(
        url, {"kind": "document", "file": upload("big.txt", b"a" * (1024 * 1024 + 1))}
    )
    assert response.status_code == 400
    assert "larger than the limit of 1 MB" in response.content.decode()
    assert not Evidence.objects.exists()


def test_key_rotation_reencrypts_every_stored_file(make_entry, documenter, media_root):
    entry = make_entry()
    photo = services.add_evidence(documenter, entry, upload("p.jpg", jpeg_with_gps()))
    text = services.add_evidence(documenter, entry, upload("t.txt", b"plain words"))
    old = keyring()
    new = Keyring(active=old.active, keys=dict(old.keys))
    new.add_key()
    assert Evidence.reencrypt_files(old, new) == 3  # photo original + shared, text original
    photo.refresh_from_db()
    text.refresh_from_db()
    sealed = stored_bytes(media_root, text.stored_path)
    assert new.key_id_of(sealed) == new.active != old.active
    assert files.load(text.stored_path, files.aad(text, "original"), ring=new) == b"plain words"
    shared = files.load(photo.shared_path, files.aad(photo, "shared"), ring=new)
    assert shared.startswith(b"\xff\xd8")
