"""Evidence files: type checks by content, metadata stripping, encrypted storage.

Files are judged by their bytes, never by their name or the browser's claimed type. Originals
and shared copies are stored encrypted (AES-256-GCM, bound to the evidence id and variant)
under random names through Django's default storage, so a copy of the upload folder holds
neither content nor file names.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from amparo.core.crypto import Keyring
from amparo.security.keys import keyring

EVIDENCE_KINDS = ("document", "photo", "testimony", "correspondence", "other")

JPEG, PNG, WEBP, PDF, TEXT = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "text/plain",
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
IMAGES = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
EXTENSIONS = {
    JPEG: ".jpg",
    PNG: ".png",
    WEBP: ".webp",
    PDF: ".pdf",
    TEXT: ".txt",
    DOCX: ".docx",
    ODT: ".odt",
}
ZIP_CEILING = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
MAX_IMAGE_PIXELS = 100_000_000
MAX_PDF_OBJECTS = 200_000
# Markup a browser would run or render: an image or text file holding it is a polyglot
# (an "image" that is also a web page, an SVG with a script). Random image bytes matching one
# of these is vanishingly unlikely; XMP packets (<x:xmpmeta, <rdf:RDF) do not match.
MARKUP = re.compile(
    rb"<\s*(?:script|svg|html|body|iframe|object|embed|!doctype|\?php)\b|javascript:", re.IGNORECASE
)
# What a PDF reader runs or opens by itself: scripts, launches, embedded files and forms.
PDF_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA"})
PDF_PRIVATE_LABELS = {
    ("/Metadata", "root"): "XMP",
    ("/Metadata", "page"): "page XMP",
    ("/Metadata", ""): "XMP of embedded images or fonts",
    ("/PieceInfo", "root"): "application data",
    ("/PieceInfo", "page"): "application data",
    ("/PieceInfo", ""): "application data",
}
PDF_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/RichMedia", "/SubmitForm", "/ImportData", "/GoToE"}
)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def max_bytes() -> int:
    return int(settings.AMPARO_MAX_UPLOAD_BYTES)


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file, refused before reading when it is over the size limit."""
    if upload is None:
        raise _refuse(_("Choose a file to upload."))
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(_("The file is larger than the limit of %s MB.") % _mb(limit))
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(_("The file is larger than the limit of %s MB.") % _mb(limit))
    if not data:
        raise _refuse(_("The file is empty."))
    return data


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_content(data: bytes) -> str:
    """The content type of an allowed file, judged by its bytes; ValidationError otherwise.

    Refuses polyglots (a file that is also a zip archive or a web page), PDFs that run scripts
    or carry other files, and archive bombs.
    """
    content_type = _sniff(data)
    if content_type in (DOCX, ODT):
        return content_type
    if _is_zip(data):
        raise _refuse(
            _(
                "The file is also a zip archive (a polyglot file) and is refused. Save it "
                "again as a plain image, PDF or text file."
            )
        )
    if content_type != PDF and MARKUP.search(data):
        raise _refuse(
            _("The file contains web page or script code (HTML, SVG or JavaScript) and is refused.")
        )
    if content_type == PDF:
        _check_pdf(data)
    return content_type


def _sniff(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _check_office(data)
    # A GIF whose bytes all happen to be printable (a GIF/JavaScript polyglot) is still a GIF.
    if _is_text(data) and not data.startswith((b"GIF87a", b"GIF89a")):
        return TEXT
    raise _refuse(
        _(
            "This type of file is not accepted. Allowed: JPEG, PNG or WebP images, PDF, "
            "plain text, Word (DOCX) or OpenDocument (ODT) text."
        )
    )


def _is_zip(data: bytes) -> bool:
    """Whether a zip reader finds an archive with members in the file (read from its end)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except Exception:  # noqa: BLE001 - any failure means no readable archive
        return False


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF that runs scripts, launches or submits, or carries embedded files."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return  # cannot be inspected (nor stripped): kept, never shared as a PDF
        active = _pdf_is_active(reader)
    except ValidationError:
        raise
    # pypdf raises many types on a damaged file (OverflowError on a huge xref offset...):
    # found by fuzz/fuzz_evidence.py.
    except Exception:  # noqa: BLE001
        raise _refuse(_("The PDF could not be read; it may be damaged.")) from None
    if active:
        raise _refuse(
            _(
                "The PDF contains scripts, embedded files or automatic actions and is refused. "
                "Print it to a new PDF and upload that one."
            )
        )


def _pdf_is_active(reader: Any) -> bool:
    """Walk every object reachable from the trailer, looking for active content."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            if len(seen) > MAX_PDF_OBJECTS:
                raise _refuse(_("The PDF could not be read; it may be damaged."))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in PDF_ACTIVE_KEYS or (key == "/S" and value in PDF_ACTIVE_ACTIONS):
                    return True
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)


def _check_office(data: bytes) -> str:
    """A DOCX or ODT document: a real zip archive, not an archive bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    # zipfile raises many types on a damaged archive (BadZipFile, zlib.error,
    # NotImplementedError for an unknown version...): found by fuzz/fuzz_evidence.py.
    except Exception:  # noqa: BLE001
        raise _refuse(_("The file looks like a document archive but is damaged.")) from None
    ceiling = min(10 * max_bytes(), ZIP_CEILING)
    total = sum(m.file_size for m in members)
    if len(members) > MAX_ZIP_MEMBERS or total > ceiling:
        raise _refuse(
            _("The archive would unpack to more than %s MB: refused as a possible archive bomb.")
            % _mb(ceiling)
        )
    names = {m.filename for m in members}
    if "word/document.xml" in names and "[Content_Types].xml" in names:
        return DOCX
    try:
        odt = "mimetype" in names and archive.read("mimetype").strip() == ODT.encode()
    except Exception:  # noqa: BLE001 - as above: a damaged, encrypted or odd member
        raise _refuse(_("The file looks like a document archive but is damaged.")) from None
    if odt:
        return ODT
    raise _refuse(_("Only Word (DOCX) and OpenDocument text (ODT) archives are accepted."))


def strip_metadata(data: bytes, content_type: str) -> tuple[bytes | None, list[str]]:
    """A copy safe to share and the names of what was removed; None when no copy can be made."""
    if content_type in IMAGES:
        return _strip_image(data, IMAGES[content_type])
    if content_type == PDF:
        return _strip_pdf(data)
    return None, []


def _strip_image(data: bytes, fmt: str) -> tuple[bytes, list[str]]:
    from PIL import Image, ImageOps

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise _refuse(_("The image is too large (over 100 million pixels)."))
        image.load()
        removed = _image_metadata(image)
        image = ImageOps.exif_transpose(image) or image
        mode = "RGB" if fmt == "JPEG" or image.mode not in ("RGBA", "L", "LA") else image.mode
        if image.mode in ("P", "PA") and fmt != "JPEG":
            mode = "RGBA"
        pixels = image.convert(mode)
        clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
        out = io.BytesIO()
        options = {"quality": 92} if fmt in ("JPEG", "WEBP") else {}
        clean.save(out, format=fmt, **options)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise _refuse(_("The image is too large (over 100 million pixels).")) from None
    except Exception:  # noqa: BLE001 - Pillow raises many types for damaged files
        raise _refuse(_("The image could not be read; it may be damaged.")) from None
    return out.getvalue(), removed


def _image_metadata(image: Any) -> list[str]:
    removed = []
    exif = image.getexif()
    if len(exif) or image.info.get("exif"):
        removed.append("EXIF")
        if exif.get_ifd(0x8825):
            removed.append("GPS location")
    if any(k in image.info for k in ("xmp", "XML:com.adobe.xmp")):
        removed.append("XMP")
    if image.info.get("icc_profile"):
        removed.append("ICC profile")
    if getattr(image, "text", None):
        removed.append("text chunks")
    if image.info.get("comment"):
        removed.append("comment")
    return removed


def _strip_pdf(data: bytes) -> tuple[bytes | None, list[str]]:
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return None, []
        removed = ["document information"] if reader.metadata else []
        # Dropped from the reader's objects before cloning: the clone copies only what is still
        # referenced, so no orphaned metadata stream is written into the copy.
        removed += _drop_pdf_private_data(reader)
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    # pypdf raises many types on a damaged file (AttributeError on a trailer without /Root):
    # found by fuzz/fuzz_evidence.py.
    except Exception:  # noqa: BLE001
        raise _refuse(_("The PDF could not be read; it may be damaged.")) from None
    return out.getvalue(), removed


def _drop_pdf_private_data(reader: Any) -> list[str]:
    """Remove XMP (/Metadata) and application data (/PieceInfo) from every object in use."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    catalog = reader.trailer["/Root"].get_object()
    found: dict[str, None] = {}  # an ordered set
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [catalog]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            where = "root" if node is catalog else "page" if node.get("/Type") == "/Page" else ""
            for key in ("/Metadata", "/PieceInfo"):
                if key in node:
                    del node[key]
                    found[PDF_PRIVATE_LABELS[key, where]] = None
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return list(found)


def aad(item: Any, variant: str) -> str:
    """The associated data binding a stored file to its evidence row and variant."""
    return f"evidence:{item.id}:{variant}"


def store(data: bytes, associated: str, ring: Keyring | None = None) -> str:
    """Encrypt and save under a random name; returns the storage name."""
    sealed = (ring or keyring()).encrypt_bytes(data, aad=associated)
    return default_storage.save(f"evidence/{uuid.uuid4().hex}", ContentFile(sealed))


def load(name: str, associated: str, ring: Keyring | None = None) -> bytes:
    """Read and decrypt a stored file."""
    with default_storage.open(name, "rb") as handle:
        sealed = handle.read()
    return (ring or keyring()).decrypt_bytes(sealed, aad=associated)


def discard(name: str) -> None:
    """Remove a stored file if it is there."""
    if name and default_storage.exists(name):
        default_storage.delete(name)


def download_name(item: Any, variant: str) -> str:
    """A plain ASCII file name made from the entry reference and evidence id, never the upload name."""
    ext = EXTENSIONS.get(item.content_type, ".bin")
    suffix = "-shared" if variant == "shared" else ""
    ref = "".join(c for c in item.entry.ref if c.isascii() and (c.isalnum() or c == "-"))
    return f"{ref or 'entry'}-evidence-{item.id.hex[:8]}{suffix}{ext}"


def download_type(item: Any, variant: str) -> str:
    """The content type sent: the real one only for sanitized images and PDFs."""
    if variant == "shared" and (item.content_type in IMAGES or item.content_type == PDF):
        return item.content_type
    return "application/octet-stream"
